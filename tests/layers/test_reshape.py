"""Reshape against Keras 3: inferred dimensions, unknown dims and size errors."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet.layers import Reshape


@pytest.mark.parametrize("input_shape, target_shape", [
    ((2, 3, 4), (4, 3)),
    ((2, 12), (2, -1, 3)),
    ((2, 3, 4), (-1,)),
    ((3, 6), [3, 2, 1]),
])
def test_reshape_matches_keras(input_shape, target_shape):
    check_layer(Reshape, input_shape, {"target_shape": target_shape}, keras_class="Reshape")


@pytest.mark.parametrize("input_shape", [(None, 3, 4), (None, None, 4), (7, 12)])
def test_output_shape_with_unknown_dims_matches_keras(input_shape):
    keras = pytest.importorskip("keras")
    for target in [(-1, 2), (6, 2), (2, 3, -1)]:
        expected = keras.layers.Reshape(target).compute_output_shape(input_shape)
        assert Reshape(target).compute_output_shape(input_shape) == tuple(expected)


def test_values_keep_row_major_order():
    x = np.arange(12.0).reshape(1, 12)
    np.testing.assert_array_equal(Reshape((3, 4))(x).numpy(), x.reshape(1, 3, 4))


@pytest.mark.parametrize("target_shape", [(2, -1, -1), (-2, 3), ("a",), 5])
def test_bad_target_shape_is_refused(target_shape):
    with pytest.raises(ValueError, match="target_shape="):
        Reshape(target_shape)


def test_size_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(3, 4\) \(12 elements\).*target_shape=\(5,\)"):
        Reshape((5,))(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="target_shape=\\(5, -1\\)"):
        Reshape((5, -1)).compute_output_shape((None, 3, 4))
