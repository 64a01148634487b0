"""Softmax against Keras 3: axes, masks and a fully masked row."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet.layers import Softmax


@pytest.mark.parametrize("input_shape, init_kwargs", [
    ((4, 6), {}),
    ((2, 3, 4), {"axis": 1}),
    ((2, 3, 4), {"axis": [1, 2]}),
    ((2, 3, 4), {"axis": [-1]}),
])
def test_softmax_matches_keras(input_shape, init_kwargs):
    check_layer(Softmax, input_shape, init_kwargs, keras_class="Softmax")


@pytest.mark.parametrize("mask", [
    np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 0, 0, 0, 0]], dtype=bool),
    np.array([[1.0, 0.0, 1.0, 1.0, 0.0]]),  # float mask, broadcast over the batch
])
def test_masked_softmax_matches_keras(mask):
    check_layer(Softmax, (3, 5), call_kwargs={"mask": mask}, keras_class="Softmax")


def test_masked_positions_get_zero_and_the_rest_renormalizes():
    x = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 1.0, 1.0, 1.0]])
    mask = np.array([[True, False, True, False], [False, False, False, False]])
    out = Softmax()(x, mask=mask).numpy()
    e = np.exp([1.0, 3.0])
    np.testing.assert_allclose(out[0], [e[0] / e.sum(), 0.0, e[1] / e.sum(), 0.0], rtol=1e-6)
    np.testing.assert_array_equal(out[1], np.zeros(4))


def test_multi_axis_softmax_sums_to_one_over_those_axes():
    out = Softmax(axis=[1, 2])(np.random.default_rng(0).standard_normal((2, 3, 4))).numpy()
    np.testing.assert_allclose(out.sum(axis=(1, 2)), [1.0, 1.0], rtol=1e-6)


def test_mask_that_does_not_broadcast_is_refused():
    with pytest.raises(ValueError, match=r"mask.shape=\(3, 4\)"):
        Softmax()(np.zeros((3, 5)), mask=np.ones((3, 4), dtype=bool))
