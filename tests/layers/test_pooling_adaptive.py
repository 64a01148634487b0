"""AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D against Keras 3."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import pytest
from harness import check_layer

from nnet import layers


@pytest.mark.parametrize("name, input_shape, init_kwargs", [
    ("AdaptiveAveragePooling1D", (2, 7, 3), {"output_size": 3}),
    ("AdaptiveAveragePooling2D", (2, 3, 7, 5), {"output_size": (3, 2),
                                                "data_format": "channels_first"}),
    ("AdaptiveAveragePooling3D", (1, 5, 4, 3, 2), {"output_size": (2, 3, 2)}),
    ("AdaptiveMaxPooling1D", (2, 3, 9), {"output_size": 4, "data_format": "channels_first"}),
    ("AdaptiveMaxPooling2D", (2, 7, 5, 3), {"output_size": 3}),
    ("AdaptiveMaxPooling3D", (1, 2, 5, 4, 3), {"output_size": (3, 2, 2),
                                               "data_format": "channels_first"}),
])
def test_adaptive_pooling_matches_keras(name, input_shape, init_kwargs):
    check_layer(getattr(layers, name), input_shape, init_kwargs, keras_class=name)


def test_output_shape_does_not_depend_on_the_input_size():
    layer = layers.AdaptiveMaxPooling2D((2, 3))
    assert layer.compute_output_shape((None, None, None, 4)) == (None, 2, 3, 4)


def test_bad_output_size_is_refused():
    with pytest.raises(ValueError, match="output_size=\\(2, 2\\)"):
        layers.AdaptiveAveragePooling1D((2, 2))
    with pytest.raises(ValueError, match="output_size=0"):
        layers.AdaptiveMaxPooling2D(0)
