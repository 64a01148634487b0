"""nnet.ops against keras.ops (Keras 3, torch backend) on the same inputs."""

import os

import numpy as np
import pytest

os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")

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
