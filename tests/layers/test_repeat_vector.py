"""RepeatVector against Keras 3: values, gradients that sum over copies, and bad arguments."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet import ops
from nnet.autodiff import Tensor, backward
from nnet.layers.repeat_vector import RepeatVector


@pytest.mark.parametrize("n", [1, 3])
def test_repeat_vector_matches_keras(n):
    check_layer(RepeatVector, (4, 5), {"n": n}, keras_class="RepeatVector",
                expected_output_shape=(4, n, 5))


def test_unknown_dims_match_keras():
    keras = pytest.importorskip("keras")
    for shape in [(None, 6), (None, None)]:
        assert RepeatVector(4).compute_output_shape(shape) == tuple(
            keras.layers.RepeatVector(4).compute_output_shape(shape))


def test_gradient_sums_over_the_copies():
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    weights = np.arange(12.0).reshape(1, 4, 3)
    backward(ops.sum(RepeatVector(4, dtype="float64")(x) * weights))
    np.testing.assert_allclose(x.grad, np.broadcast_to(weights.sum(axis=1), (2, 3)))


@pytest.mark.parametrize("n", [0, -2, 2.5, "3", True, None])
def test_bad_n_is_refused(n):
    with pytest.raises(ValueError, match=f"n={n!r}"):
        RepeatVector(n)


def test_inputs_of_rank_3_are_refused():
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        RepeatVector(2)(np.zeros((2, 3, 4)))
