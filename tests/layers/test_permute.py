"""Permute against Keras 3: values, shapes with unknown dims, gradients and bad dims."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet.layers.permute import Permute


@pytest.mark.parametrize("input_shape, dims, expected", [
    ((2, 3, 4), (2, 1), (2, 4, 3)),
    ((2, 3, 4, 5), (3, 1, 2), (2, 5, 3, 4)),
    ((2, 3, 4), [1, 2], (2, 3, 4)),
])
def test_permute_matches_keras(input_shape, dims, expected):
    check_layer(Permute, input_shape, {"dims": dims}, keras_class="Permute",
                expected_output_shape=expected)


def test_values_follow_numpy_transpose():
    x = np.arange(24.0).reshape(1, 2, 3, 4)
    np.testing.assert_array_equal(Permute((3, 1, 2))(x).numpy(), x.transpose(0, 3, 1, 2))


def test_unknown_dims_match_keras():
    keras = pytest.importorskip("keras")
    shape = (None, None, 4, 6)
    assert Permute((3, 1, 2)).compute_output_shape(shape) == tuple(
        keras.layers.Permute((3, 1, 2)).compute_output_shape(shape))


@pytest.mark.parametrize("dims", [(0, 1), (1, 1), (1, 3), "ab", 3, (1.0, 2.0), (True, 2)])
def test_bad_dims_are_refused(dims):
    with pytest.raises(ValueError, match="dims="):
        Permute(dims)


def test_inputs_of_another_rank_are_refused():
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=4"):
        Permute((2, 1))(np.zeros((2, 3, 4, 5)))
