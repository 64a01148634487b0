"""LeakyReLU against Keras 3, including the Keras 2 `alpha` argument."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet.layers import LeakyReLU


@pytest.mark.parametrize("init_kwargs", [{}, {"negative_slope": 0.05}, {"negative_slope": 1.5}])
def test_leaky_relu_matches_keras(init_kwargs):
    check_layer(LeakyReLU, (4, 7), init_kwargs, keras_class="LeakyReLU")


def test_leaky_relu_default_slope_is_keras_layer_default():
    layer = LeakyReLU()
    assert layer.negative_slope == 0.3
    np.testing.assert_allclose(layer(np.array([-10.0, 0.0, 4.0])).numpy(), [-3.0, 0.0, 4.0])


def test_legacy_alpha_argument_warns_and_sets_the_slope():
    with pytest.warns(UserWarning, match="`alpha` is deprecated"):
        layer = LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1
    assert "alpha" not in layer.get_config()


def test_negative_slope_must_be_non_negative():
    with pytest.raises(ValueError, match="negative_slope=-0.2"):
        LeakyReLU(negative_slope=-0.2)
