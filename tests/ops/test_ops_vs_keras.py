"""The creation and shape ops against Keras 3 itself (torch backend): values, shapes and dtypes,
and the same ops on symbolic tensors in a saved and reloaded functional model."""

import json
import os

# Keras reads its backend once, at import: set it before anything can import keras.
os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest

import nnet
from nnet import ops

X = np.random.default_rng(0).standard_normal((3, 4, 5)).astype("float32")
M = np.arange(12, dtype="int32").reshape(3, 4)
V = np.linspace(-1, 1, 4).astype("float32")
W = np.arange(3, dtype="float32")

# (op name, positional arguments, keyword arguments), called alike on nnet.ops and keras.ops.
CASES = [
    ("arange", (3,), {}),
    ("arange", (3.0,), {}),
    ("arange", (1, 7, 2), {}),
    ("arange", (0, 1, 0.25), {}),
    ("arange", (2, 5.5), {}),
    ("arange", (np.int64(4),), {}),
    ("arange", (5,), {"dtype": "float16"}),
    ("zeros", ((2, 3),), {}),
    ("zeros", (3,), {"dtype": "int32"}),
    ("ones", ((2,),), {}),
    ("full", ((2, 2), 3), {}),
    ("full", ((2,), 1.5), {"dtype": "float64"}),
    ("eye", (3,), {}),
    ("eye", (2, 4), {"k": 1}),
    ("eye", (3,), {"dtype": "int32"}),
    ("identity", (3,), {}),
    ("tri", (3,), {}),
    ("tri", (3, 4), {"k": -1}),
    ("linspace", (0, 1, 5), {}),
    ("linspace", (0, 10, 4), {"endpoint": False}),
    ("linspace", (2, 3), {"dtype": "float64"}),
    ("logspace", (0, 2, 3), {}),
    ("logspace", (0, 3, 4), {"base": 2}),
    ("geomspace", (1, 1000, 4), {}),
    ("geomspace", (2, 32, 5), {"endpoint": False}),
    ("array", ([1, 2],), {}),
    ("array", ([1.0, 2.0],), {}),
    ("array", ([[True, False]],), {}),
    ("array", (np.arange(3),), {}),
    ("array", ([1, 2],), {"dtype": "float32"}),
    ("meshgrid", (V, W), {}),
    ("meshgrid", (V, W), {"indexing": "ij"}),
    ("meshgrid", (V, W, V), {}),
    ("hamming", (5,), {}),
    ("hanning", (6,), {}),
    ("blackman", (7,), {}),
    ("bartlett", (5,), {}),
    ("kaiser", (6, 2.5), {}),
    ("split", (X, 2), {"axis": 1}),
    ("split", (X, [1, 4]), {"axis": 2}),
    ("array_split", (X, 4), {"axis": 2}),
    ("hsplit", (M, 2), {}),
    ("vsplit", (M, [1]), {}),
    ("dsplit", (X, [2, 3]), {}),
    ("unstack", (X,), {"axis": 1}),
    ("unstack", (M,), {"num": 3}),
    ("hstack", ([M, M[:, :1]],), {}),
    ("hstack", ([V, W],), {}),
    ("vstack", ([V, V],), {}),
    ("vstack", ([M, M],), {}),
    ("dstack", ([M, M],), {}),
    ("dstack", ([V, V],), {}),
    ("flip", (X,), {}),
    ("flip", (X,), {"axis": (0, 2)}),
    ("fliplr", (M,), {}),
    ("flipud", (M,), {}),
    ("roll", (M, 5), {}),
    ("roll", (X, (1, -2)), {"axis": (0, 2)}),
    ("rot90", (M,), {}),
    ("rot90", (X,), {"k": 3, "axes": (1, 2)}),
    ("moveaxis", (X, [0, 1], [-1, 0]), {}),
    ("swapaxes", (X, 0, 2), {}),
    ("ravel", (M,), {}),
    ("pad", (X, ((1, 2), (0, 1), (2, 0))), {}),
    ("pad", (M, ((1, 1), (0, 2))), {"constant_values": 7}),
    ("pad", (M, ((2, 1), (1, 3))), {"mode": "reflect"}),
    ("tril", (M,), {}),
    ("tril", (X,), {"k": -1}),
    ("triu", (M,), {"k": 1}),
    ("diagonal", (M,), {}),
    ("diagonal", (X, 1, 1, 2), {}),
    ("diagonal", (X, -1, 2, 0), {}),
    ("trace", (M,), {}),
    ("trace", (X,), {"offset": 1, "axis1": 1, "axis2": 2}),
    ("trace", (M.astype("int8"),), {}),
    ("trace", (M > 4,), {}),
]


# Where Keras's torch backend departs from the behaviour Keras documents and its NumPy backend
# implements (that backend needs jax to import, so its code is written out here): a pad width of
# `pad`, `(pad,)` or `(before, after)` pads every axis, and the trace of unsigned 8 and 16-bit
# integers is uint32 (the torch backend pads the last axis only, returns int32, and its
# "symmetric" mode repeats the edge value instead of mirroring).
NUMPY_BACKEND_CASES = [
    ("pad", (M, 1), {}, lambda x, w: np.pad(x, w)),
    ("pad", (M, (1, 2)), {}, lambda x, w: np.pad(x, w)),
    ("pad", (X, (2,)), {}, lambda x, w: np.pad(x, w)),
    ("pad", (M, 2), {"mode": "reflect"}, lambda x, w, mode: np.pad(x, w, mode=mode)),
    ("pad", (X, ((1, 1), (2, 0), (0, 3))), {"mode": "symmetric"},
     lambda x, w, mode: np.pad(x, w, mode=mode)),
    ("pad", (M, ((0, 0), (2, 3))), {"mode": "symmetric"},
     lambda x, w, mode: np.pad(x, w, mode=mode)),
    ("trace", (M.astype("uint8"),), {}, lambda x: np.trace(x, dtype="uint32")),
    ("trace", (M.astype("uint16"),), {}, lambda x: np.trace(x, dtype="uint32")),
]


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


def _as_list(result):
    return list(result) if isinstance(result, (list, tuple)) else [result]


@pytest.mark.parametrize("name,args,kwargs", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_op_matches_keras(keras, name, args, kwargs):
    # Keras's torch backend wants its own tensors where a NumPy array would be data.
    keras_args = [[keras.ops.convert_to_tensor(v) for v in a] if isinstance(a, list)
                  and isinstance(a[0], np.ndarray) else
                  keras.ops.convert_to_tensor(a) if isinstance(a, np.ndarray) else a
                  for a in args]
    expected = _as_list(getattr(keras.ops, name)(*keras_args, **kwargs))
    actual = _as_list(getattr(ops, name)(*args, **kwargs))
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert isinstance(a, nnet.Tensor)
        e = keras.ops.convert_to_numpy(e)
        a = a.numpy()
        assert a.shape == e.shape
        assert a.dtype == e.dtype
        np.testing.assert_allclose(a, e, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name,args,kwargs,reference", NUMPY_BACKEND_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(NUMPY_BACKEND_CASES)])
def test_op_matches_the_keras_numpy_backend(name, args, kwargs, reference):
    expected = reference(*args, **kwargs)
    actual = getattr(ops, name)(*args, **kwargs).numpy()
    assert (actual.shape, actual.dtype) == (expected.shape, expected.dtype)
    np.testing.assert_array_equal(actual, expected)


def test_empty_has_the_keras_shape_and_dtype(keras):
    for kwargs in ({}, {"dtype": "int32"}):
        expected = keras.ops.convert_to_numpy(keras.ops.empty((2, 3), **kwargs))
        actual = ops.empty((2, 3), **kwargs).numpy()
        assert (actual.shape, actual.dtype) == (expected.shape, expected.dtype)


def test_linspace_returns_the_step_when_asked():
    values, step = ops.linspace(0.0, 1.0, 5, retstep=True)
    assert step == 0.25 and values.numpy().tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_bad_arguments_are_refused_with_the_value():
    with pytest.raises(ValueError, match="mode='maximum'"):
        ops.pad(M, 1, mode="maximum")
    with pytest.raises(ValueError, match="constant_values"):
        ops.pad(M, 1, mode="reflect", constant_values=1)
    with pytest.raises(ValueError, match="pad_width"):
        ops.pad(X, ((1, 1), (1, 1)))
    with pytest.raises(ValueError, match="num=4"):
        ops.unstack(M, num=4)
    with pytest.raises(ValueError, match="indexing='x'"):
        ops.meshgrid(V, W, indexing="x")


def test_shape_ops_in_a_functional_model_predict_and_round_trip():
    x = nnet.Input((4, 6))
    first, rest = ops.split(ops.flip(x, axis=1), [2], axis=2)
    rows = ops.unstack(ops.pad(rest, ((0, 0), (1, 0), (0, 1)), mode="reflect"), axis=1)
    y = ops.concatenate([ops.ravel(ops.trace(first, axis1=1, axis2=2))[:, None],
                         ops.moveaxis(ops.stack(rows, axis=1), 1, 2)[:, 0, :]], axis=1)
    model = nnet.Model(x, y)
    data = np.random.default_rng(1).standard_normal((3, 4, 6)).astype("float32")

    def reference(d):
        first, rest = np.split(np.flip(d, axis=1), [2], axis=2)
        padded = np.pad(rest, ((0, 0), (1, 0), (0, 1)), mode="reflect")
        return np.concatenate([np.trace(first, axis1=1, axis2=2)[:, None], padded[:, :, 0]],
                              axis=1)

    np.testing.assert_allclose(model.predict(data, verbose=0), reference(data), rtol=1e-6)
    rebuilt = nnet.Model.from_config(json.loads(json.dumps(model.get_config())))
    np.testing.assert_allclose(rebuilt.predict(data, verbose=0), reference(data), rtol=1e-6)
