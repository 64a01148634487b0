"""PReLU against Keras 3: slope shapes, shared axes, initializer/regularizer/constraint configs."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet import initializers
from nnet.layers import PReLU


@pytest.mark.parametrize("input_shape, init_kwargs", [
    ((4, 5), {}),
    ((2, 3, 3, 4), {"shared_axes": [1, 2]}),
    ((3, 4, 5), {"shared_axes": 1}),
    ((4, 5), {"alpha_initializer": "ones", "alpha_regularizer": "l2",
              "alpha_constraint": "non_neg"}),
])
def test_prelu_matches_keras(input_shape, init_kwargs):
    check_layer(PReLU, input_shape, init_kwargs, keras_class="PReLU",
                expected_num_trainable_weights=1, expected_num_non_trainable_weights=0)


def test_alpha_shape_follows_shared_axes():
    layer = PReLU(shared_axes=[1, 2])
    layer(np.zeros((2, 5, 6, 3)))
    assert layer.alpha.shape == (1, 1, 3)
    assert PReLU(shared_axes=2).get_config()["shared_axes"] == [2]


def test_prelu_formula_and_zero_initial_slope():
    x = np.array([[-2.0, 3.0], [4.0, -5.0]])
    np.testing.assert_allclose(PReLU()(x).numpy(), np.maximum(x, 0))
    layer = PReLU(alpha_initializer=initializers.Constant(0.25))
    np.testing.assert_allclose(layer(x).numpy(), [[-0.5, 3.0], [4.0, -1.25]])


def test_alpha_regularizer_adds_a_loss():
    layer = PReLU(alpha_initializer="ones", alpha_regularizer="l2")
    layer(np.zeros((2, 3)))
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0].numpy()), 0.01 * 3, rtol=1e-6)


def test_input_with_other_unshared_sizes_is_refused():
    layer = PReLU(shared_axes=[1])
    layer(np.zeros((2, 3, 4)))
    layer(np.zeros((5, 7, 4)))
    with pytest.raises(ValueError, match="p_re_lu.*axis 2"):
        layer(np.zeros((2, 3, 5)))


def test_batch_axis_cannot_be_shared():
    with pytest.raises(ValueError, match=r"shared_axes=\[0, 1\]"):
        PReLU(shared_axes=[0, 1])
