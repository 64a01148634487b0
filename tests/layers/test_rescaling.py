"""Rescaling against Keras 3: scalars, per-channel arrays, integer inputs, channels_first."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import json

import numpy as np
import pytest
from harness import check_layer

from nnet import backend
from nnet.layers.rescaling import Rescaling


@pytest.mark.parametrize("init_kwargs", [
    {"scale": 1 / 255},
    {"scale": 0.5, "offset": -1.0},
    {"scale": np.array([1.0, 2.0, 3.0]), "offset": np.array([0.5, 0.0, -0.5], dtype="float32")},
    {"scale": [2.0, 0.5, 1.0]},
])
def test_rescaling_matches_keras(init_kwargs):
    check_layer(Rescaling, (4, 2, 3), init_kwargs, keras_class="Rescaling")


def test_integer_inputs_give_floats():
    x = np.array([[0, 127, 255]], dtype="uint8")
    out = Rescaling(1 / 127.5, offset=-1)(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), x / 127.5 - 1, rtol=1e-6, atol=1e-7)


def test_arrays_serialize_as_keras_does():
    keras = pytest.importorskip("keras")
    scale = np.array([1.0, 2.0], dtype="float32")
    config = Rescaling(scale, offset=np.float64(0.25)).get_config()
    kconfig = keras.layers.Rescaling(scale, offset=np.float64(0.25)).get_config()
    assert config["scale"] == kconfig["scale"] == {
        "class_name": "__numpy__", "config": {"value": [1.0, 2.0], "dtype": "float32"}}
    assert config["offset"] == kconfig["offset"] == 0.25
    clone = Rescaling.from_config(json.loads(json.dumps(config)))
    assert clone.scale.dtype == np.float32
    np.testing.assert_array_equal(clone.scale, scale)


def test_channels_first_scales_the_channel_axis():
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype("float32")
    scale = np.array([1.0, 10.0, 100.0])
    backend.set_image_data_format("channels_first")
    keras.config.set_image_data_format("channels_first")
    try:
        out = Rescaling(scale, offset=1.0)(x).numpy()
        expected = keras.layers.Rescaling(scale, offset=1.0)(x).detach().cpu().numpy()
    finally:
        backend.set_image_data_format("channels_last")
        keras.config.set_image_data_format("channels_last")
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    np.testing.assert_allclose(out, x * scale[None, :, None, None] + 1.0, rtol=1e-6)


@pytest.mark.parametrize("name, value", [("scale", "abc"), ("offset", None), ("scale", [1, "a"])])
def test_non_numeric_factors_are_refused(name, value):
    kwargs = {"scale": 1.0, name: value}
    with pytest.raises(ValueError, match=f"{name}="):
        Rescaling(**kwargs)
