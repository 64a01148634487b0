"""The NumPy-named keras.ops against Keras 3 itself (torch backend): result dtypes over the
input dtypes (Keras's promotion), and the behaviour Keras specifies (unique's outputs, stable
sorting, quantile methods, NaN reductions of NaN-only slices, bitwise ops); then the ops on
symbolic tensors in a saved and reloaded functional model.

64-bit inputs are left out of the dtype sweeps: Keras narrows some 64-bit results to 32 bits,
where nnet keeps them (its float64 gradient checks rely on it).
"""

import json
import os

# Keras reads its backend once, at import: set it before anything can import keras.
os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest

import nnet
from nnet import ops

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "float16", "float32"]
UNARY = ("absolute amax amin angle arccos arccosh arcsin arcsinh arctan arctanh argsort average "
         "bitwise_invert bitwise_not cbrt conj copy cosh count_nonzero cumprod deg2rad diag "
         "diagflat diff erfc erfinv exp2 expm1 fabs i0 isinf isneginf isposinf isreal log10 log2 "
         "median nan_to_num nanargmax nanargmin nancumprod nancumsum nanmax nanmean nanmedian "
         "nanmin nanprod nanstd nansum nanvar prod ptp rad2deg real reciprocal signbit sinc sinh "
         "sort tan trapezoid trunc vander").split()
BINARY = ("append arctan2 bitwise_and bitwise_left_shift bitwise_or bitwise_right_shift "
          "bitwise_xor correlate digitize divide_no_nan dot floor_divide fmax fmin fmod gcd "
          "heaviside hypot inner isclose isin kron lcm left_shift logaddexp logaddexp2 "
          "logical_xor mod nextafter outer right_shift searchsorted tensordot true_divide vdot "
          "allclose").split()
PAIRS = [("int32", "int32"), ("int8", "int32"), ("uint8", "int8"), ("int32", "float32"),
         ("bool", "bool"), ("int8", "int8"), ("int16", "int16"), ("float16", "float32"),
         ("float16", "float16"), ("int32", "float16"), ("bool", "int8"), ("uint8", "uint8")]


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


def _values(dtype):
    return np.array([1, 0, 1, 1] if dtype == "bool" else [3, 1, 2, 0], dtype=dtype)


def _outputs(result, keras=None):
    result = list(result) if isinstance(result, (tuple, list)) else [result]
    return [keras.ops.convert_to_numpy(r) if keras else r.numpy() for r in result]


def _compare(keras, name, args):
    try:
        expected = _outputs(getattr(keras.ops, name)(*args), keras)
    except Exception:  # noqa: BLE001 - a dtype Keras's torch backend refuses is not compared
        pytest.skip(f"Keras's torch backend refuses {name} on these dtypes")
    actual = _outputs(getattr(ops, name)(*args))
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert a.dtype == e.dtype, f"{name}: dtype {a.dtype}, Keras {e.dtype}"
        assert a.shape == e.shape
        loose = a.dtype == "float16"
        np.testing.assert_allclose(a.astype("float64"), e.astype("float64"),
                                   rtol=1e-3 if loose else 1e-6, atol=1e-3 if loose else 1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary_dtypes_and_values_match_keras(keras, name, dtype):
    _compare(keras, name, (_values(dtype),))


@pytest.mark.parametrize("dtypes", PAIRS, ids=["-".join(p) for p in PAIRS])
@pytest.mark.parametrize("name", BINARY)
def test_binary_dtypes_and_values_match_keras(keras, name, dtypes):
    x1, x2 = (_values(d) for d in dtypes)
    if name == "searchsorted":
        x1 = np.sort(x1)
    if name == "digitize":
        x2 = np.sort(x2)
    if name == "correlate":
        # Keras's torch backend returns a 0-D tensor for inputs of equal lengths (see
        # test_keras_torch_backend_departures).
        x2 = x2[:2]
    if name == "tensordot":
        _compare(keras, name, (x1, x2, 1))
    else:
        _compare(keras, name, (x1, x2))


def test_weak_python_numbers_do_not_widen(keras):
    i8 = np.array([1, 2, 3], "int8")
    f16 = np.array([1.0, 2.0, 3.0], "float16")
    for name, args in (("mod", (i8, 2)), ("floor_divide", (i8, 2)), ("fmax", (i8, 2)),
                       ("arctan2", (i8, 2)), ("bitwise_and", (i8, 1)),
                       ("left_shift", (i8, 1)), ("logaddexp", (f16, 1))):
        _compare(keras, name, args)


X = np.array([[3.0, 1.0, 2.0, 1.0], [0.0, 2.0, 2.0, -1.0]], dtype="float32")
NAN_ROWS = np.array([[np.nan, 1.0, 2.0], [np.nan, np.nan, np.nan]], dtype="float32")
TIES = np.array([2, 1, 2, 1, 2, 1, 0, 2, 1, 2, 1, 2, 1, 2, 0, 1, 1, 1, 1, 2, 2, 0, 0],
                dtype="float32")

# (op name, positional arguments, keyword arguments), called alike on nnet.ops and keras.ops.
BEHAVIOUR = [
    ("unique", (np.array([3, 1, 3, 2, 1]),), {}),
    ("unique", (np.array([3, 1, 3, 2, 1]),),
     {"return_index": True, "return_inverse": True, "return_counts": True}),
    ("unique", (np.array([3, 1, 3, 2]),), {"return_index": True}),
    ("unique", (np.array([3, 1, 3, 2]),), {"size": 5, "fill_value": -1, "return_counts": True}),
    ("unique", (np.array([3, 1, 3, 2]),), {"size": 2}),
    ("unique", (np.array([[1, 2], [0, 1], [1, 2]]),), {"axis": 0, "return_inverse": True}),
    ("unique", (X,), {"return_inverse": True}),
    ("argsort", (TIES,), {}),
    ("argsort", (X,), {"axis": 0}),
    ("argsort", (X,), {"axis": None}),
    ("sort", (TIES,), {}),
    ("sort", (X,), {"axis": 0}),
    ("median", (X,), {}),
    ("median", (X,), {"axis": 1, "keepdims": True}),
    ("median", (np.array([[1, 2, 3, 4]], "int32"),), {"axis": 1}),
    ("quantile", (X, 0.4), {"axis": 1}),
    ("quantile", (X, np.array([0.1, 0.5, 0.625, 0.9], "float32")), {"axis": 1}),
    ("percentile", (X, 50.0), {"axis": 0, "keepdims": True}),
    ("percentile", (X, np.array([10.0, 90.0], "float32")), {"axis": [0, 1]}),
    ("nanmax", (NAN_ROWS,), {"axis": 1}),
    ("nanmin", (NAN_ROWS,), {"axis": 1}),
    ("nansum", (NAN_ROWS,), {"axis": 1}),
    ("nanmean", (NAN_ROWS,), {"axis": 1}),
    ("nanvar", (NAN_ROWS,), {"axis": 1}),
    ("nanstd", (NAN_ROWS,), {"axis": 1}),
    ("nanprod", (NAN_ROWS,), {"axis": 1}),
    ("nanmedian", (NAN_ROWS,), {"axis": 1}),
    ("nanargmax", (NAN_ROWS,), {"axis": 1}),
    ("nanargmin", (NAN_ROWS,), {"axis": 1}),
    ("nancumsum", (NAN_ROWS,), {"axis": 1}),
    ("nancumprod", (NAN_ROWS,), {"axis": 1}),
    ("nanquantile", (NAN_ROWS, 0.5), {"axis": 1}),
    ("nanpercentile", (NAN_ROWS, 25.0), {"axis": 1}),
    ("nanmean", (NAN_ROWS,), {}),
    ("bitwise_and", (np.array([12, -7], "int32"), np.array([10, 3], "int32")), {}),
    ("bitwise_or", (np.array([12, -7], "int32"), np.array([10, 3], "int32")), {}),
    ("bitwise_xor", (np.array([12, -7], "int32"), np.array([10, 3], "int32")), {}),
    ("bitwise_invert", (np.array([12, -7], "int32"),), {}),
    ("bitwise_invert", (np.array([0, 255], "uint8"),), {}),
    ("bitwise_invert", (np.array([True, False]),), {}),
    ("bitwise_left_shift", (np.array([1, -3], "int32"), np.array([3, 2], "int32")), {}),
    ("bitwise_right_shift", (np.array([16, -16], "int32"), np.array([2, 3], "int32")), {}),
    ("searchsorted", (np.array([1.0, 2.0, 2.0, 3.0], "float32"),
                      np.array([2.0, 2.5, 0.0], "float32")), {"side": "right"}),
    ("searchsorted", (np.array([1.0, 2.0, 2.0, 3.0], "float32"),
                      np.array([2.0, 2.5, 4.0], "float32")), {}),
    ("digitize", (np.array([0.5, 1.0, 2.5, 3.0], "float32"), np.array([1.0, 2.0, 3.0], "float32")),
     {}),
    ("bincount", (np.array([1, 1, 3], "int32"),), {}),
    ("bincount", (np.array([1, 1, 3], "int32"),),
     {"weights": np.array([0.5, 0.5, 2.0], "float32"), "minlength": 6}),
    ("bincount", (np.array([[1, 1, 3], [0, 0, 0]], "int32"),), {"minlength": 4}),
    ("histogram", (np.array([1.0, 2.0, 2.5, 4.0, 3.9], "float32"),), {"bins": 3}),
    ("histogram", (np.array([1.0, 2.0, 2.5, 4.0], "float32"),), {"bins": 4, "range": (0, 5)}),
    ("count_nonzero", (X,), {"axis": 1}),
    ("count_nonzero", (X,), {}),
    ("take_along_axis", (X, np.array([[1, 0, -1]])), {"axis": 1}),
    ("take_along_axis", (X, np.array([7, 0])), {}),
    ("select", ([X > 1.5, X < 0.5], [X, X * 10]), {"default": -1.0}),
    ("select", ([np.array([True, False, False])], [np.array([1, 2, 3], "int8")]),
     {"default": 7}),
    ("unravel_index", (np.array([1, 5, 4]), (2, 3)), {}),
    ("nonzero", (X,), {}),
    ("average", (X,), {"axis": 1, "weights": np.array([1.0, 3.0, 0.0, 1.0], "float32")}),
    ("trapezoid", (X,), {"x": np.array([0.0, 1.0, 3.0, 4.0], "float32")}),
    ("trapezoid", (X,), {"dx": 0.5, "axis": 0}),
    ("correlate", (np.array([1.0, 2.0, 3.0, 4.0], "float32"), np.array([1.0, 0.5], "float32")),
     {"mode": "full"}),
    ("correlate", (np.array([1.0, 2.0, 3.0, 4.0], "float32"),
                   np.array([1.0, 0.5, 2.0], "float32")), {"mode": "same"}),
    ("diff", (X,), {"n": 2, "axis": 1}),
    ("diff", (X > 1,), {"axis": 0}),
    ("cross", (np.array([[1.0, 2.0, 3.0]], "float32"), np.array([[3.0, 4.0, 5.0]], "float32")),
     {}),
    ("cross", (X[:, :3], X[::-1, 1:]), {"axis": 1}),
    ("vander", (np.array([1.0, 2.0, 3.0], "float32"),), {"N": 4, "increasing": True}),
    ("kron", (X, X[:1, :2]), {}),
    ("tensordot", (X, X.T), {"axes": 1}),
    ("tensordot", (X, X), {"axes": ([0, 1], [0, 1])}),
    ("dot", (X, 2.0), {}),
    ("dot", (X, X.T), {}),
    ("ldexp", (np.array([1.0, 2.0], "float32"), np.array([2, -3], "int32")), {}),
    ("heaviside", (np.array([-1.0, 0.0, 2.0], "float32"), 0.5), {}),
    ("nan_to_num", (np.array([np.nan, np.inf, -np.inf, 1.0], "float32"),),
     {"nan": 1.0, "posinf": 2.0}),
    ("nan_to_num", (np.array([np.nan, np.inf, -np.inf, 1.0], "float32"),), {}),
    ("isclose", (np.array([1.0, np.nan, 1.0], "float32"), np.array([1.00001, np.nan, 1.1],
                                                                   "float32")),
     {"equal_nan": True}),
    ("allclose", (X, X + 1e-7), {}),
    ("isin", (np.array([1, 2, 3, 4]), np.array([2, 4])), {"invert": True}),
    ("diag", (X,), {"k": 1}),
    ("diag", (np.array([1.0, 2.0], "float32"),), {"k": -1}),
    ("diagflat", (X[:, :2],), {"k": 1}),
    ("prod", (X,), {"axis": 1, "dtype": "float64"}),
    ("cumprod", (X,), {"axis": 0}),
    ("amax", (X,), {"axis": [0, 1]}),
    ("ptp", (X,), {"axis": 1, "keepdims": True}),
    ("corrcoef", (X,), {}),
    ("view", (np.array([1.0, 2.0], "float32"), "int32"), {}),
    ("get_item", (X, (0, slice(1, None))), {}),
]


def _keras_argument(keras, value):
    if isinstance(value, list):
        return [_keras_argument(keras, v) for v in value]
    return keras.ops.convert_to_tensor(value) if isinstance(value, np.ndarray) else value


@pytest.mark.parametrize("name,args,kwargs", BEHAVIOUR,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(BEHAVIOUR)])
def test_behaviour_matches_keras(keras, name, args, kwargs):
    keras_args = [_keras_argument(keras, a) for a in args]
    keras_kwargs = {k: _keras_argument(keras, v) for k, v in kwargs.items()}
    expected = getattr(keras.ops, name)(*keras_args, **keras_kwargs)
    # Keras's torch backend stacks the indices into one tensor; nnet returns one per axis, as
    # Keras documents and its NumPy backend does.
    actual = getattr(ops, name)(*args, **kwargs)
    if name == "nonzero":
        actual = ops.stack(actual)
    expected, actual = _outputs(expected, keras), _outputs(actual)
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert (a.shape, a.dtype) == (e.shape, e.dtype), name
        np.testing.assert_allclose(a, e, rtol=1e-6, atol=1e-6)


# Where Keras's torch backend departs from the behaviour Keras documents and its NumPy backend
# implements (NumPy's): the valid correlation of two equal-length vectors has one entry (the
# torch backend drops the axis), and weights of x's shape with `axis` None average over all of x
# (the torch backend divides by the weights summed over the last axis only).
def test_keras_torch_backend_departures():
    a, b = np.array([1.0, 2.0, 3.0], "float32"), np.array([0.5, 1.0, -1.0], "float32")
    np.testing.assert_allclose(ops.correlate(a, b).numpy(), np.correlate(a, b), rtol=1e-6)
    assert ops.correlate(a, b).shape == (1,)
    np.testing.assert_allclose(ops.average(X, weights=X + 1).numpy(),
                               np.average(X, weights=X + 1), rtol=1e-6)


def test_ndim_and_size_are_python_ints(keras):
    assert ops.ndim(X) == keras.ops.ndim(X) == 2
    assert ops.size(X) == int(keras.ops.size(X)) == 8
    assert isinstance(ops.size(X), int) and isinstance(ops.ndim(X), int)


def test_argpartition_partitions_as_keras():
    x = np.array([[3.0, 4.0, 2.0, 1.0, 5.0, 0.0], [9.0, 7.0, 8.0, 6.0, 5.0, 4.0]], "float32")
    order = ops.argpartition(x, 2).numpy()
    assert order.dtype == "int32"
    parted = np.take_along_axis(x, order, axis=-1)
    assert (parted[:, 2] == np.sort(x, -1)[:, 2]).all()
    assert (parted[:, :2] <= parted[:, 2:3]).all() and (parted[:, 3:] >= parted[:, 2:3]).all()


def test_sort_sends_tied_gradients_where_the_entries_came_from():
    x = nnet.Variable(np.array([2.0, 1.0, 2.0, 1.0]))
    nnet.backward(ops.sum(ops.sort(x) * np.array([1.0, 2.0, 3.0, 4.0])))
    np.testing.assert_array_equal(x.grad, [3.0, 1.0, 4.0, 2.0])


def test_bad_arguments_are_refused_with_the_value():
    with pytest.raises(ValueError, match="method='cubic'"):
        ops.quantile(X, 0.5, method="cubic")
    with pytest.raises(ValueError, match=r"q=\[1.5\]"):
        ops.quantile(X, [1.5])
    with pytest.raises(TypeError, match="float32"):
        ops.bitwise_and(X, X)
    with pytest.raises(TypeError, match="integer exponent"):
        ops.ldexp(X, X)
    with pytest.raises(ValueError, match="side='middle'"):
        ops.searchsorted(np.array([1.0, 2.0]), X, side="middle")
    with pytest.raises(ValueError, match="mode='wide'"):
        ops.correlate(X[0], X[1], mode="wide")
    with pytest.raises(ValueError, match="1-D"):
        ops.histogram(X)
    with pytest.raises(ValueError, match="2 conditions and 1 choices"):
        ops.select([X > 0, X < 0], [X])


def test_numpy_ops_in_a_functional_model_predict_and_round_trip():
    x = nnet.Input((5,))
    ordered = ops.sort(ops.arctan(x) * 2.0, axis=-1)
    spread = ops.nanstd(ops.where(x > 1.5, float("nan"), x), axis=-1, keepdims=True)
    y = ops.concatenate([ops.cumprod(ordered, axis=1), spread,
                         ops.median(ordered, axis=-1, keepdims=True),
                         ops.logaddexp(x, ops.expm1(x))], axis=-1)
    model = nnet.Model(x, y)
    data = np.random.default_rng(1).standard_normal((3, 5)).astype("float32")

    def reference(d):
        ordered = np.sort(np.arctan(d) * 2, axis=-1)
        spread = np.nanstd(np.where(d > 1.5, np.nan, d), axis=-1, keepdims=True)
        return np.concatenate([np.cumprod(ordered, axis=1), spread,
                               np.median(ordered, axis=-1, keepdims=True),
                               np.logaddexp(d, np.expm1(d))], axis=-1)

    np.testing.assert_allclose(model.predict(data, verbose=0), reference(data), rtol=1e-5,
                               atol=1e-6)
    rebuilt = nnet.Model.from_config(json.loads(json.dumps(model.get_config())))
    np.testing.assert_allclose(rebuilt.predict(data, verbose=0), reference(data), rtol=1e-5,
                               atol=1e-6)


SYMBOLIC_UNARY = [n for n in UNARY if n not in ("diag", "diagflat", "vander", "bitwise_invert",
                                                "bitwise_not")]
SYMBOLIC_CALLS = {
    "dot": lambda lib, x: lib.ops.dot(x, np.ones((4, 3), "float32")),
    "tensordot": lambda lib, x: lib.ops.tensordot(x, np.ones((4, 3), "float32"), axes=1),
    "inner": lambda lib, x: lib.ops.inner(x, np.ones((3, 4), "float32")),
    "outer": lambda lib, x: lib.ops.outer(x[0], x[0]),
    "kron": lambda lib, x: lib.ops.kron(x, np.ones((1, 2), "float32")),
    "quantile": lambda lib, x: lib.ops.quantile(x, [0.2, 0.5], axis=1, keepdims=True),
    "nanpercentile": lambda lib, x: lib.ops.nanpercentile(x, 30.0, axis=-1),
    "take_along_axis": lambda lib, x: lib.ops.take_along_axis(
        x, lib.ops.cast(lib.ops.argsort(x, axis=-1), "int32"), axis=-1),
    "append": lambda lib, x: lib.ops.append(x, x, axis=1),
    "arctan2": lambda lib, x: lib.ops.arctan2(x, 2.0),
    "select": lambda lib, x: lib.ops.select([x > 0], [x], default=1.0),
    "searchsorted": lambda lib, x: lib.ops.searchsorted(np.arange(3.0, dtype="float32"), x),
    "cross": lambda lib, x: lib.ops.cross(x[:, :3], np.ones((3,), "float32")),
    "count_nonzero": lambda lib, x: lib.ops.count_nonzero(x, axis=1),
}


@pytest.mark.parametrize("name", SYMBOLIC_UNARY + sorted(SYMBOLIC_CALLS))
def test_symbolic_output_spec_matches_keras(keras, name):
    call = SYMBOLIC_CALLS.get(name, lambda lib, x: getattr(lib.ops, name)(x))
    ours = call(nnet, nnet.Input((4,)))
    theirs = call(keras, keras.Input((4,)))
    assert (tuple(ours.shape), ours.dtype) == (tuple(theirs.shape), theirs.dtype)
