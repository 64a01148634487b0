"""GlobalMaxPooling1D/2D/3D and GlobalAveragePooling1D/2D/3D (and aliases) against Keras 3."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet import layers


@pytest.mark.parametrize("name, input_shape, init_kwargs", [
    ("GlobalMaxPooling1D", (2, 5, 3), {}),
    ("GlobalMaxPooling2D", (2, 3, 4, 5), {"data_format": "channels_first", "keepdims": True}),
    ("GlobalMaxPooling3D", (2, 2, 3, 2, 3), {"keepdims": True}),
    ("GlobalAveragePooling1D", (2, 3, 5), {"data_format": "channels_first"}),
    ("GlobalAveragePooling2D", (2, 4, 3, 2), {"keepdims": True}),
    ("GlobalAveragePooling3D", (2, 3, 2, 2, 3), {"data_format": "channels_first"}),
])
def test_global_pooling_matches_keras(name, input_shape, init_kwargs):
    check_layer(getattr(layers, name), input_shape, init_kwargs, keras_class=name)


@pytest.mark.parametrize("data_format, keepdims", [("channels_last", False),
                                                   ("channels_first", True)])
def test_global_average_pooling1d_with_a_mask_matches_keras(data_format, keepdims):
    mask = np.array([[True, True, False, True, False], [False, True, True, True, True]])
    shape = (2, 5, 3) if data_format == "channels_last" else (2, 3, 5)
    check_layer(layers.GlobalAveragePooling1D, shape,
                {"data_format": data_format, "keepdims": keepdims},
                call_kwargs={"mask": mask}, keras_class="GlobalAveragePooling1D")


def test_masked_steps_do_not_reach_the_average_and_the_mask_stops_here():
    x = np.array([[[1.0], [np.inf], [5.0]]], dtype="float32")
    layer = layers.GlobalAveragePooling1D()
    y = layer(x, mask=np.array([[True, False, True]]))
    np.testing.assert_array_equal(y.numpy(), [[3.0]])
    assert layer.compute_mask(x, np.array([[True, False, True]])) is None


def test_aliases_are_the_same_classes():
    for alias, name in [("GlobalMaxPool1D", "GlobalMaxPooling1D"),
                        ("GlobalMaxPool2D", "GlobalMaxPooling2D"),
                        ("GlobalMaxPool3D", "GlobalMaxPooling3D"),
                        ("GlobalAvgPool1D", "GlobalAveragePooling1D"),
                        ("GlobalAvgPool2D", "GlobalAveragePooling2D"),
                        ("GlobalAvgPool3D", "GlobalAveragePooling3D")]:
        assert getattr(layers, alias) is getattr(layers, name)
        assert type(layers.deserialize({"class_name": alias, "config": {}})).__name__ == name


def test_bad_data_format_is_refused():
    with pytest.raises(ValueError, match="data_format='channels_middle'"):
        layers.GlobalMaxPooling2D(data_format="channels_middle")
