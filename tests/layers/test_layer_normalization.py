"""LayerNormalization against Keras 3: axes, center/scale, the deprecated rms_scaling."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet.layers import LayerNormalization

pytestmark = pytest.mark.filterwarnings("ignore:You passed `rms_scaling=True`:UserWarning")


@pytest.mark.parametrize("input_shape, init_kwargs", [
    ((4, 6), {}),
    ((2, 3, 4), {"axis": [1, 2], "epsilon": 1e-5}),
    ((2, 3, 4, 5), {"axis": [1, 3]}),
    ((4, 6), {"center": False}),
    ((4, 6), {"scale": False, "beta_regularizer": "l1"}),
    ((4, 6), {"rms_scaling": True}),
])
def test_layer_normalization_matches_keras(input_shape, init_kwargs):
    trainable = 1 if init_kwargs.get("rms_scaling") else (
        int(init_kwargs.get("center", True)) + int(init_kwargs.get("scale", True)))
    check_layer(LayerNormalization, input_shape, init_kwargs, keras_class="LayerNormalization",
                expected_num_trainable_weights=trainable, expected_num_non_trainable_weights=0)


def test_a_middle_axis_alone():
    # Keras 3.15's torch backend fails on this case (it hands axis 1 to F.layer_norm as if it
    # were the last axis), so it is checked against NumPy instead.
    layer = check_layer(LayerNormalization, (2, 3, 4), {"axis": 1, "epsilon": 1e-6})
    x = np.random.default_rng(1).standard_normal((2, 3, 4)).astype("float32")
    gamma, beta = (w.reshape(1, 3, 1) for w in layer.get_weights())
    mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    np.testing.assert_allclose(layer(x).numpy(), (x - mean) / np.sqrt(var + 1e-6) * gamma + beta,
                               rtol=1e-5, atol=1e-5)


def test_each_sample_is_normalized_over_the_axes():
    x = np.random.default_rng(0).standard_normal((3, 4, 5)) * 3 + 2
    out = LayerNormalization(axis=[1, 2], epsilon=1e-6)(x).numpy()
    np.testing.assert_allclose(out.mean(axis=(1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=(1, 2)), 1.0, rtol=1e-4)


def test_rms_scaling_divides_by_the_standard_deviation_and_warns():
    with pytest.warns(UserWarning, match="rms_scaling=True"):
        layer = LayerNormalization(rms_scaling=True, epsilon=0.0)
    x = np.array([[1.0, 3.0], [2.0, 6.0]])
    np.testing.assert_allclose(layer(x).numpy(), x / x.std(axis=1, keepdims=True), rtol=1e-6)
    assert [w.name for w in layer.weights] == ["gamma"]


def test_axis_is_a_sorted_list_once_built():
    layer = LayerNormalization(axis=(2, 1))
    assert layer.get_config()["axis"] == [2, 1]
    layer(np.zeros((2, 3, 4)))
    assert layer.get_config()["axis"] == [1, 2]
    assert layer.gamma.shape == (3, 4)


def test_bad_axis_is_refused():
    with pytest.raises(TypeError, match="axis='last'"):
        LayerNormalization(axis="last")
    with pytest.raises(ValueError, match="Axis 2 is out of bounds"):
        LayerNormalization(axis=2)(np.zeros((2, 3)))
