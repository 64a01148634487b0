"""Every op of nnet.ops's NumPy-named families that Keras has a class for, in `.keras` files
exchanged with Keras 3 both ways: the file holds Keras's class at each node, and the model loaded
on the other side gives the same outputs.

One graph per family, written once for both libraries (their ops share names and arguments);
its outputs are named after the op they test, so a failure names it.
"""

import os

os.environ["KERAS_BACKEND"] = "torch"

import json  # noqa: E402
import zipfile  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnet  # noqa: E402
from nnet.ops import _LAZY_FAMILIES  # noqa: E402
from nnet.ops.keras_classes import keras_class  # noqa: E402
from nnet.saving import load_model  # noqa: E402

pytest.importorskip("h5py")

RNG = np.random.default_rng(0)
F = RNG.uniform(0.1, 0.9, (2, 3, 4)).astype("float32")
G = RNG.uniform(0.1, 0.9, (2, 3, 4)).astype("float32")
I = RNG.integers(0, 8, (2, 3, 4)).astype("int32")  # noqa: E741
J = RNG.integers(1, 4, (2, 3, 4)).astype("int32")


def _nan(o, f):
    return o.where(f > 0.7, float("nan"), f)


# Each op's call on the inputs f, g (floats in (0.1, 0.9)), i (ints 0..7) and j (ints 1..3) of
# shape (batch, 3, 4); `o` is `nnet.ops` or `keras.ops`. Calls steer clear of what Keras's torch
# backend gets wrong: count_nonzero transposes its result, cross takes the first axis of size 3
# and no axisa, argpartition truncates floats to ints, and Quantile and Nanquantile nodes drop
# `method`. The ops it cannot run at all
# are tested on their own below.
CALLS = {
    "append": lambda o, f, g, i, j: o.append(f, g, axis=1),
    "empty_like": lambda o, f, g, i, j: o.ones_like(o.empty_like(f, dtype="int32")),
    "get_item": lambda o, f, g, i, j: o.get_item(f, (slice(None), 1)),
    "ndim": lambda o, f, g, i, j: o.ndim(f),
    "select": lambda o, f, g, i, j: o.select([f < 0.3, f > 0.6], [f, g], 0.5),
    "size": lambda o, f, g, i, j: o.size(f),
    "view": lambda o, f, g, i, j: o.view(f, "int32"),
    "allclose": lambda o, f, g, i, j: o.allclose(f, f + 1e-9),
    "arctan2": lambda o, f, g, i, j: o.arctan2(f - 0.5, g),
    "bitwise_and": lambda o, f, g, i, j: o.bitwise_and(i, j),
    "bitwise_invert": lambda o, f, g, i, j: o.bitwise_invert(i),
    "bitwise_left_shift": lambda o, f, g, i, j: o.bitwise_left_shift(i, j),
    "bitwise_not": lambda o, f, g, i, j: o.bitwise_not(i),
    "bitwise_or": lambda o, f, g, i, j: o.bitwise_or(i, j),
    "bitwise_right_shift": lambda o, f, g, i, j: o.bitwise_right_shift(i, j),
    "bitwise_xor": lambda o, f, g, i, j: o.bitwise_xor(i, j),
    "divide_no_nan": lambda o, f, g, i, j: o.divide_no_nan(f, o.floor(g * 2.0)),
    "floor_divide": lambda o, f, g, i, j: o.floor_divide(f, g),
    "fmax": lambda o, f, g, i, j: o.fmax(f, _nan(o, g)),
    "fmin": lambda o, f, g, i, j: o.fmin(_nan(o, f), g),
    "fmod": lambda o, f, g, i, j: o.fmod(f - 0.5, g / 3.0),
    "gcd": lambda o, f, g, i, j: o.gcd(i, j),
    "heaviside": lambda o, f, g, i, j: o.heaviside(o.floor(f * 2.0) - 1.0, g),
    "hypot": lambda o, f, g, i, j: o.hypot(f, g),
    "isclose": lambda o, f, g, i, j: o.isclose(f, o.where(g > 0.5, f, g)),
    "isin": lambda o, f, g, i, j: o.isin(i, j),
    "lcm": lambda o, f, g, i, j: o.lcm(i, j),
    "ldexp": lambda o, f, g, i, j: o.ldexp(f, j),
    "left_shift": lambda o, f, g, i, j: o.left_shift(i, j),
    "logaddexp": lambda o, f, g, i, j: o.logaddexp(f, g),
    "logaddexp2": lambda o, f, g, i, j: o.logaddexp2(f, g),
    "logical_xor": lambda o, f, g, i, j: o.logical_xor(f > 0.5, g > 0.5),
    "mod": lambda o, f, g, i, j: o.mod(f - 0.5, g / 3.0),
    "nextafter": lambda o, f, g, i, j: o.nextafter(f, g),
    "right_shift": lambda o, f, g, i, j: o.right_shift(i, j),
    "true_divide": lambda o, f, g, i, j: o.true_divide(f, g),
    "absolute": lambda o, f, g, i, j: o.absolute(f - 0.5),
    "angle": lambda o, f, g, i, j: o.angle(f - 0.5),
    "arccos": lambda o, f, g, i, j: o.arccos(f),
    "arccosh": lambda o, f, g, i, j: o.arccosh(f + 1.0),
    "arcsin": lambda o, f, g, i, j: o.arcsin(f),
    "arcsinh": lambda o, f, g, i, j: o.arcsinh(f),
    "arctan": lambda o, f, g, i, j: o.arctan(f),
    "arctanh": lambda o, f, g, i, j: o.arctanh(f),
    "cbrt": lambda o, f, g, i, j: o.cbrt(f - 0.5),
    "conj": lambda o, f, g, i, j: o.conj(f),
    "conjugate": lambda o, f, g, i, j: o.conjugate(f),
    "copy": lambda o, f, g, i, j: o.copy(f),
    "cosh": lambda o, f, g, i, j: o.cosh(f),
    "deg2rad": lambda o, f, g, i, j: o.deg2rad(f),
    "exp2": lambda o, f, g, i, j: o.exp2(f),
    "expm1": lambda o, f, g, i, j: o.expm1(f),
    "fabs": lambda o, f, g, i, j: o.fabs(f - 0.5),
    "imag": lambda o, f, g, i, j: o.imag(o.cast(f, "complex64")),
    "isinf": lambda o, f, g, i, j: o.isinf(o.log(f - 0.5)),
    "isneginf": lambda o, f, g, i, j: o.isneginf(o.log(o.floor(f * 2.0))),
    "isposinf": lambda o, f, g, i, j: o.isposinf(1.0 / o.floor(f * 2.0)),
    "isreal": lambda o, f, g, i, j: o.isreal(f),
    "log10": lambda o, f, g, i, j: o.log10(f),
    "log2": lambda o, f, g, i, j: o.log2(f),
    "nan_to_num": lambda o, f, g, i, j: o.nan_to_num(
        o.log(o.floor(f * 2.0)) * (f - 0.5), nan=-1.0, posinf=7.0, neginf=-7.0),
    "rad2deg": lambda o, f, g, i, j: o.rad2deg(f),
    "real": lambda o, f, g, i, j: o.real(f),
    "reciprocal": lambda o, f, g, i, j: o.reciprocal(f),
    "signbit": lambda o, f, g, i, j: o.signbit(f - 0.5),
    "sinc": lambda o, f, g, i, j: o.sinc(f - 0.5),
    "sinh": lambda o, f, g, i, j: o.sinh(f),
    "tan": lambda o, f, g, i, j: o.tan(f),
    "trunc": lambda o, f, g, i, j: o.trunc((f - 0.5) * 5.0),
    "nanargmax": lambda o, f, g, i, j: o.nanargmax(_nan(o, f), axis=1),
    "nanargmin": lambda o, f, g, i, j: o.nanargmin(_nan(o, f), axis=2, keepdims=True),
    "nancumprod": lambda o, f, g, i, j: o.nancumprod(_nan(o, f), axis=1),
    "nancumsum": lambda o, f, g, i, j: o.nancumsum(_nan(o, f), axis=2),
    "nanmax": lambda o, f, g, i, j: o.nanmax(_nan(o, f), axis=1),
    "nanmean": lambda o, f, g, i, j: o.nanmean(_nan(o, f), axis=2),
    "nanmedian": lambda o, f, g, i, j: o.nanmedian(_nan(o, f), axis=1, keepdims=True),
    "nanmin": lambda o, f, g, i, j: o.nanmin(_nan(o, f), axis=(1, 2)),
    "nanpercentile": lambda o, f, g, i, j: o.nanpercentile(_nan(o, f), 40.0, axis=2),
    "nanprod": lambda o, f, g, i, j: o.nanprod(_nan(o, f), axis=1),
    "nanquantile": lambda o, f, g, i, j: o.nanquantile(_nan(o, f), 0.3, axis=1,
                                                        method="nearest"),
    "nanstd": lambda o, f, g, i, j: o.nanstd(_nan(o, f), axis=2),
    "nansum": lambda o, f, g, i, j: o.nansum(_nan(o, f), axis=1),
    "nanvar": lambda o, f, g, i, j: o.nanvar(_nan(o, f), axis=1),
    "correlate": lambda o, f, g, i, j: o.correlate(f[0, 0], g[0, 0], mode="full"),
    "cross": lambda o, f, g, i, j: o.cross(f[:, 0, :3], g[:, 1, 1:]),
    "diag": lambda o, f, g, i, j: o.diag(f[0], k=1),
    "diagflat": lambda o, f, g, i, j: o.diagflat(f[0, 0], k=-1),
    "dot": lambda o, f, g, i, j: o.dot(f, g[0, 0]),
    "inner": lambda o, f, g, i, j: o.inner(f, g[0]),
    "kron": lambda o, f, g, i, j: o.kron(f[0], g[0]),
    "outer": lambda o, f, g, i, j: o.outer(f[0, 0], g[0, 0]),
    "tensordot": lambda o, f, g, i, j: o.tensordot(f, g, axes=[[1, 2], [1, 2]]),
    "vander": lambda o, f, g, i, j: o.vander(f[0, 0], N=3, increasing=True),
    "vdot": lambda o, f, g, i, j: o.vdot(f[0, 0], g[0, 0]),
    "argpartition": lambda o, f, g, i, j: o.sort(
        o.argpartition(o.argsort(f, axis=2), 1, axis=2)[..., :2], axis=2),
    "argsort": lambda o, f, g, i, j: o.argsort(f, axis=1),
    "bincount": lambda o, f, g, i, j: o.bincount(i[0], minlength=9),
    "digitize": lambda o, f, g, i, j: o.digitize(f, o.sort(g[0, 0])),
    "searchsorted": lambda o, f, g, i, j: o.searchsorted(o.sort(f[0, 0]), g[0, 0],
                                                         side="right"),
    "sort": lambda o, f, g, i, j: o.sort(f, axis=1),
    "take_along_axis": lambda o, f, g, i, j: o.take_along_axis(f, o.argsort(g, axis=1),
                                                               axis=1),
    "unique": lambda o, f, g, i, j: o.unique(i[0, 0], return_counts=True, size=6,
                                             fill_value=-1),
    "unravel_index": lambda o, f, g, i, j: o.unravel_index(i, (2, 4)),
    "erfc": lambda o, f, g, i, j: o.erfc(f),
    "erfinv": lambda o, f, g, i, j: o.erfinv(f - 0.5),
    "i0": lambda o, f, g, i, j: o.i0(f),
    "amax": lambda o, f, g, i, j: o.amax(f, axis=1),
    "amin": lambda o, f, g, i, j: o.amin(f, axis=(1, 2), keepdims=True),
    "average": lambda o, f, g, i, j: o.average(f, axis=2, weights=g),
    "corrcoef": lambda o, f, g, i, j: o.corrcoef(f[0]),
    "count_nonzero": lambda o, f, g, i, j: o.count_nonzero(i, axis=(1, 2)),
    "cumprod": lambda o, f, g, i, j: o.cumprod(f, axis=2),
    "diff": lambda o, f, g, i, j: o.diff(f, n=2, axis=2),
    "median": lambda o, f, g, i, j: o.median(f, axis=1),
    "percentile": lambda o, f, g, i, j: o.percentile(f, 40.0, axis=2),
    "prod": lambda o, f, g, i, j: o.prod(f, axis=1),
    "ptp": lambda o, f, g, i, j: o.ptp(f, axis=2, keepdims=True),
    "quantile": lambda o, f, g, i, j: o.quantile(f, 0.3, axis=1),
    "trapezoid": lambda o, f, g, i, j: o.trapezoid(f, dx=0.5, axis=2),
}


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


# The NumPy-named families. The later ones (control, crossentropy, ctc, decompositions,
# indexing, layout, matrix, signal, transforms) have their save-and-reload tests in tests/ops and
# are not yet in this both-ways table.
FAMILIES = ("arrays", "binary", "elementwise", "nan_reduce", "products", "sorting", "special",
            "statistics")


def names(family):
    return [name for name in _LAZY_FAMILIES[family] if name in CALLS]


def family_graph(lib, family):
    f, g = lib.Input((3, 4), name="f"), lib.Input((3, 4), name="g")
    i, j = (lib.Input((3, 4), dtype="int32", name=name) for name in ("i", "j"))
    outputs = [CALLS[name](lib.ops, f, g, i, j) for name in names(family)]
    return lib.Model([f, g, i, j], nnet.tree.flatten(outputs), name=family)


def output_names(family):
    """The op of each output of `family_graph` (several for an op of several outputs)."""
    return [name for name in names(family)
            for _ in nnet.tree.flatten(CALLS[name](nnet.ops, F, G, I, J))]


def read_classes(path):
    with zipfile.ZipFile(path) as archive:
        layers = json.loads(archive.read("config.json"))["config"]["layers"]
    return {layer["class_name"] for layer in layers}


def outputs(model, keras):
    """The model's outputs on F, G, I, J as NumPy arrays (called directly: some outputs have
    no batch axis)."""
    return [np.asarray(keras.ops.convert_to_numpy(out)) for out in model([F, G, I, J])]


def assert_same_outputs(family, saved, loaded, keras):
    for name, u, v in zip(output_names(family), outputs(saved, keras), outputs(loaded, keras),
                          strict=True):
        assert u.shape == v.shape, name
        assert u.dtype == v.dtype, (name, u.dtype, v.dtype)
        np.testing.assert_allclose(u.astype("float64"), v.astype("float64"), rtol=1e-5,
                                   atol=1e-6, err_msg=name)


def expected_classes(family):
    return {keras_class(getattr(nnet.ops, name)).class_name for name in names(family)}


def test_every_op_of_the_families_has_a_call_here():
    assert set(CALLS) | set(NOT_RUN_BY_KERAS) == \
        {name for family in FAMILIES for name in _LAZY_FAMILIES[family]}


@pytest.mark.parametrize("family", FAMILIES)
def test_family_saved_by_nnet_loads_in_keras(tmp_path, keras, family):
    model = family_graph(nnet, family)
    model.save(tmp_path / "ops.keras")
    classes = read_classes(tmp_path / "ops.keras")
    assert "SymbolicOp" not in classes
    assert expected_classes(family) <= classes
    assert_same_outputs(family, model, keras.saving.load_model(tmp_path / "ops.keras"), keras)


@pytest.mark.parametrize("family", FAMILIES)
def test_family_saved_by_keras_loads_in_nnet(tmp_path, keras, family):
    model = family_graph(keras, family)
    model.save(tmp_path / "ops.keras")
    assert expected_classes(family) <= read_classes(tmp_path / "ops.keras")
    loaded = load_model(tmp_path / "ops.keras")
    assert_same_outputs(family, model, loaded, keras)
    # And back to a file that names the same classes.
    loaded.save(tmp_path / "again.keras")
    assert read_classes(tmp_path / "again.keras") == read_classes(tmp_path / "ops.keras")



# Ops that Keras's torch backend cannot run in a graph (it has no histogram, and its nonzero
# gives one stacked tensor): called on x of shape (batch, 4), with NumPy's result on F[:, 0].
NOT_RUN_BY_KERAS = {
    "histogram": (lambda o, x: o.histogram(x[0], bins=3),
                  lambda x: [v.astype("float32") for v in np.histogram(x[0], bins=3)]),
    "nonzero": (lambda o, x: o.nonzero(x > 0.5), lambda x: [np.nonzero(x > 0.5)]),
}


@pytest.mark.parametrize("name", sorted(NOT_RUN_BY_KERAS))
def test_ops_keras_cannot_run_both_ways(tmp_path, keras, name):
    """nnet's result on Keras's file is checked against NumPy; nnet's file against Keras's
    deserialization alone."""
    call, reference = NOT_RUN_BY_KERAS[name]
    class_name = keras_class(getattr(nnet.ops, name)).class_name

    def graph(lib):
        x = lib.Input((4,))
        return lib.Model(x, list(nnet.tree.flatten(call(lib.ops, x))))

    graph(keras).save(tmp_path / "keras.keras")
    assert class_name in read_classes(tmp_path / "keras.keras")
    got = [out.numpy() for out in load_model(tmp_path / "keras.keras")(F[:, 0])]
    expected = nnet.tree.flatten(reference(F[:, 0]))
    assert len(got) == len(expected)
    for u, v in zip(got, expected):
        np.testing.assert_allclose(u, v, rtol=1e-6)
    graph(nnet).save(tmp_path / "nnet.keras")
    assert class_name in read_classes(tmp_path / "nnet.keras")
    loaded = keras.saving.load_model(tmp_path / "nnet.keras")
    assert class_name in {type(op).__name__ for op in loaded.operations}
