"""ReLU against Keras 3: caps, leaks, thresholds and argument checks."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet.layers import ReLU


@pytest.mark.parametrize("init_kwargs", [
    {},
    {"max_value": 6.0},
    {"max_value": 0.8},
    {"negative_slope": 0.2},
    {"threshold": 0.3},
    {"max_value": 1.2, "negative_slope": 0.1, "threshold": 0.4},
])
def test_relu_matches_keras(init_kwargs):
    check_layer(ReLU, (5, 6), init_kwargs, keras_class="ReLU")


def test_relu_piecewise_formula():
    x = np.array([-10.0, -5.0, 0.0, 0.5, 5.0, 20.0])
    out = ReLU(max_value=10, negative_slope=0.5, threshold=1.0)(x).numpy()
    np.testing.assert_allclose(out, [-5.5, -3.0, -0.5, -0.25, 5.0, 10.0])


@pytest.mark.parametrize("argument, value", [
    ("max_value", -1.0), ("negative_slope", -0.1), ("negative_slope", None),
    ("threshold", -2.0), ("threshold", None),
])
def test_relu_refuses_negative_arguments(argument, value):
    with pytest.raises(ValueError, match=f"{argument}={value}"):
        ReLU(**{argument: value})
