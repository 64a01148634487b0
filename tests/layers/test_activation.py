"""Activation against Keras 3, and the self-checks of the shared harness (tests/harness.py)."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer, check_op

from nnet import activations, ops
from nnet.autodiff import primitive
from nnet.layers import Activation, Layer


@pytest.mark.parametrize(
    "activation",
    ["relu", "tanh", "sigmoid", "softmax", "gelu", "silu", "elu", "softplus", "linear", None],
)
def test_activation_matches_keras(activation):
    check_layer(Activation, (4, 5), {"activation": activation}, keras_class="Activation")


def test_activation_accepts_a_function_and_serializes_its_name():
    layer = Activation(activations.tanh)
    x = np.linspace(-2, 2, 6).reshape(2, 3)
    np.testing.assert_allclose(layer(x).numpy(), np.tanh(x).astype("float32"), rtol=1e-6)
    assert layer.get_config()["activation"] == "tanh"
    assert Activation(None).get_config()["activation"] == "linear"


def test_unknown_activation_name_is_refused_with_the_valid_names():
    with pytest.raises(ValueError, match="activation='rleu'.*relu"):
        Activation("rleu")


# Self-checks of the harness: each must fail on a planted bug, so that passing means something.


@primitive
def _cube_with_wrong_gradient(x):
    return x**3, lambda g: (g * 2 * x**2,)


class _Cube(Layer):
    def call(self, inputs):
        return _cube_with_wrong_gradient(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class _Scale(Layer):
    """Multiplies by `factor`, but forgets it in get_config: a config round trip changes it."""

    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


def test_check_layer_catches_a_wrong_gradient():
    with pytest.raises(AssertionError, match="Gradient mismatch for input 0"):
        check_layer(_Cube, (3, 4))


def test_check_layer_catches_a_config_that_loses_an_argument():
    with pytest.raises(AssertionError, match="clone from get_config"):
        check_layer(_Scale, (3, 4), {"factor": 3.0})


def test_check_layer_catches_a_difference_from_keras():
    with pytest.raises(AssertionError, match="differ from Keras"):
        check_layer(Activation, (3, 4), {"activation": "relu"}, keras_class="Activation",
                    keras_init_kwargs={"activation": "relu6"}, input_data=np.full((3, 4), 7.0))


def test_check_op_passes_a_correct_op_with_broadcasting():
    check_op(ops.multiply, np.multiply, [(2, 1, 3), (4, 1)])
    check_op(ops.sum, np.sum, [(3, 4)], {"axis": 1, "keepdims": True})
    check_op(ops.log, np.log, [(5,)], domain=(0.5, 2.0))
    check_op(ops.take, np.take, [(5, 3), np.array([4, 0, 4])], {"axis": 0})


def test_check_op_catches_a_wrong_gradient_a_wrong_value_and_a_wrong_dtype():
    with pytest.raises(AssertionError, match="Gradient mismatch"):
        check_op(_cube_with_wrong_gradient, lambda x: x**3, [(3, 4)])
    with pytest.raises(AssertionError, match="values in float32"):
        check_op(ops.tanh, np.sinh, [(3, 4)])
    with pytest.raises(AssertionError, match="dtype float64, expected float32"):
        check_op(lambda x: ops.cast(x, "float64"), lambda x: x, [(3,)])
