"""RMSNormalization against Keras 3."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet.layers import RMSNormalization


@pytest.mark.parametrize("input_shape, init_kwargs", [
    ((4, 6), {}),
    ((2, 3, 4), {"axis": [1, 2], "epsilon": 1e-3}),
])
def test_rms_normalization_matches_keras(input_shape, init_kwargs):
    layer = check_layer(RMSNormalization, input_shape, init_kwargs,
                        keras_class="RMSNormalization", expected_num_trainable_weights=1,
                        expected_num_non_trainable_weights=0)
    assert [w.name for w in layer.weights] == ["scale"]


def test_a_middle_axis_alone():
    # Keras 3.15's torch backend hands axis 1 to F.rms_norm as if it were the last axis and
    # fails, so this case is checked against NumPy.
    layer = check_layer(RMSNormalization, (2, 3, 4), {"axis": 1})
    x = np.random.default_rng(1).standard_normal((2, 3, 4)).astype("float32")
    scale = layer.get_weights()[0].reshape(1, 3, 1)
    expected = x / np.sqrt((x ** 2).mean(axis=1, keepdims=True) + 1e-6) * scale
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_output_has_unit_root_mean_square_before_the_scale():
    x = np.random.default_rng(0).standard_normal((3, 7)) * 5
    out = RMSNormalization(epsilon=0.0)(x).numpy()
    np.testing.assert_allclose(np.sqrt((out ** 2).mean(axis=-1)), 1.0, rtol=1e-5)


def test_bad_axis_is_refused():
    with pytest.raises(TypeError, match="axis='last'"):
        RMSNormalization(axis="last")
    with pytest.raises(ValueError, match="Axis 2 is out of bounds"):
        RMSNormalization(axis=2)(np.zeros((2, 3)))
