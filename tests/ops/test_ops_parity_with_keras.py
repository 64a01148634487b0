"""nnet.ops against keras.ops (Keras 3, torch backend) on the same inputs."""

import os

import numpy as np
import pytest

os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")

import nnet  # noqa: E402
from nnet import ops  # noqa: E402

ARG_INPUTS = {
    "matrix": np.array([[1, 2, 3], [3, 2, 1], [4, 5, 6]], dtype="float32"),
    "ties": np.array([[[0, 7, 7], [2, 2, 1]], [[5, 5, 0], [-1, 3, 3]]], dtype="float32"),
    "vector": np.array([3, -1, 4, 1, 5, 9, 2, 6], dtype="float32"),
}


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("inputs", sorted(ARG_INPUTS))
def test_argmax_and_argmin_match_keras(name, axis, keepdims, inputs):
    x = ARG_INPUTS[inputs]
    theirs = keras.ops.convert_to_numpy(getattr(keras.ops, name)(x, axis=axis, keepdims=keepdims))
    ours = getattr(ops, name)(x, axis=axis, keepdims=keepdims).numpy()
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_and_argmin_default_to_the_flattened_array_as_keras(name):
    x = ARG_INPUTS["matrix"]
    theirs = keras.ops.convert_to_numpy(getattr(keras.ops, name)(x))
    ours = getattr(ops, name)(x).numpy()
    assert ours.shape == theirs.shape == ()
    assert int(ours) == int(theirs)


def _keras_ops_nnet_has():
    return sorted(name for name in ops.__all__
                  if callable(getattr(ops, name)) and callable(getattr(keras.ops, name, None)))


def test_every_op_nnet_has_takes_keras_arguments():
    # Keras's parameters, in order, with their kinds and defaults; nnet may add keyword
    # parameters with defaults after them (relu's options), never drop or rename one.
    import inspect

    names = _keras_ops_nnet_has()
    assert len(names) > 100
    differing = {}
    for name in names:
        ours = list(inspect.signature(getattr(ops, name)).parameters.values())
        theirs = list(inspect.signature(getattr(keras.ops, name)).parameters.values())
        head = [(p.name, p.kind, p.default) for p in ours[:len(theirs)]]
        if head != [(p.name, p.kind, p.default) for p in theirs] or any(
                p.default is inspect.Parameter.empty for p in ours[len(theirs):]):
            differing[name] = (str(inspect.signature(getattr(ops, name))),
                               str(inspect.signature(getattr(keras.ops, name))))
    assert differing == {}


X = np.array([[1.0, -2.0, 3.0], [0.0, 4.0, -5.0]], dtype="float32")
LABELS = np.array([[0, 2], [1, 3]], dtype="int32")

NEW_ARGUMENTS = {
    "cumsum_dtype": lambda lib: lib.ops.cumsum(X, axis=1, dtype="float64"),
    "cumsum_int_dtype": lambda lib: lib.ops.cumsum(LABELS, dtype="float32"),
    "one_hot_axis_0": lambda lib: lib.ops.one_hot(LABELS, 4, axis=0),
    "one_hot_axis_1": lambda lib: lib.ops.one_hot(LABELS, 4, axis=1),
    "one_hot_axis_-1": lambda lib: lib.ops.one_hot(LABELS, 4, axis=-1, dtype="int32"),
    "normalize_order_1": lambda lib: lib.ops.normalize(X, axis=1, order=1),
    "normalize_order_3": lambda lib: lib.ops.normalize(X, axis=0, order=3),
    "moments_axes_list": lambda lib: lib.ops.moments(X, axes=[0, 1]),
    "moments_axes_list_keepdims": lambda lib: lib.ops.moments(X, axes=[1], keepdims=True),
    "max_initial": lambda lib: lib.ops.max(X, axis=0, initial=2.0),
    "min_initial": lambda lib: lib.ops.min(X, axis=1, initial=-3.0),
    "norm_ord_1": lambda lib: lib.ops.norm(X, ord=1, axis=1),
    "norm_ord_inf": lambda lib: lib.ops.norm(X, ord=float("inf"), axis=0),
    "norm_ord_0": lambda lib: lib.ops.norm(X, ord=0, axis=1),
    "norm_ord_3": lambda lib: lib.ops.norm(X, ord=3, axis=1, keepdims=True),
    "norm_matrix_fro": lambda lib: lib.ops.norm(X, ord="fro"),
    "norm_matrix_1": lambda lib: lib.ops.norm(X, ord=1),
    "norm_matrix_-inf": lambda lib: lib.ops.norm(X, ord=float("-inf"), axis=(0, 1)),
    "round_decimals": lambda lib: lib.ops.round(X / 3.0, decimals=2),
    # One index array per axis (Keras's torch backend stacks them into one tensor).
    "where_indices": lambda lib: lib.ops.stack(lib.ops.where(X > 0)),
    "zeros_like_dtype": lambda lib: lib.ops.zeros_like(X, dtype="int32"),
    "full_like_dtype": lambda lib: lib.ops.full_like(X, 7, dtype="int32"),
    "any_axis": lambda lib: lib.ops.any(X > 3, axis=1, keepdims=True),
    "all_axis_list": lambda lib: lib.ops.all(X != 0, axis=[0, 1]),
    "keyword_x1_x2": lambda lib: lib.ops.add(x1=X, x2=X),
    "reshape_newshape": lambda lib: lib.ops.reshape(X, newshape=(3, 2)),
    "stack_x": lambda lib: lib.ops.stack(x=[X, X], axis=1),
}


def _as_numpy_tree(value):
    if isinstance(value, (tuple, list)):
        return [_as_numpy_tree(v) for v in value]
    return keras.ops.convert_to_numpy(value) if keras.ops.is_tensor(value) else value.numpy()


@pytest.mark.parametrize("case", sorted(NEW_ARGUMENTS))
def test_keras_arguments_give_keras_results(case):
    ours = _as_numpy_tree(NEW_ARGUMENTS[case](nnet))
    theirs = _as_numpy_tree(NEW_ARGUMENTS[case](keras))
    if not isinstance(theirs, list):
        ours, theirs = [ours], [theirs]
    assert isinstance(ours, list) and len(ours) == len(theirs)
    for our_value, their_value in zip(ours, theirs):
        assert our_value.shape == their_value.shape
        assert our_value.dtype.kind == their_value.dtype.kind
        np.testing.assert_allclose(our_value, their_value, rtol=1e-6)
