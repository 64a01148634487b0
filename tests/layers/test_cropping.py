"""Cropping1D/2D/3D against Keras 3."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet import layers


@pytest.mark.parametrize("name, input_shape, init_kwargs", [
    ("Cropping1D", (2, 6, 3), {}),
    ("Cropping1D", (2, 6, 3), {"cropping": (0, 3)}),
    ("Cropping2D", (2, 5, 6, 2), {"cropping": ((1, 0), (2, 1))}),
    ("Cropping2D", (2, 2, 5, 6), {"cropping": 1, "data_format": "channels_first"}),
    ("Cropping2D", (1, 4, 4, 1), {}),
    ("Cropping3D", (1, 4, 5, 4, 2), {}),
    ("Cropping3D", (1, 2, 4, 5, 4), {"cropping": (0, (1, 2), 1),
                                     "data_format": "channels_first"}),
])
def test_cropping_matches_keras(name, input_shape, init_kwargs):
    check_layer(getattr(layers, name), input_shape, init_kwargs, keras_class=name)


def test_cropping_keeps_the_middle():
    x = np.arange(12.0, dtype="float32").reshape(1, 3, 4, 1)
    y = layers.Cropping2D(((1, 0), (1, 2)))(x).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(y, [[5.0], [9.0]])
    assert layers.Cropping1D(1).compute_output_shape((None, None, 3)) == (None, None, 3)


def test_cropping_everything_is_refused():
    with pytest.raises(ValueError, match="cropping=\\(2, 2\\).*smaller than its length"):
        layers.Cropping1D(2)(np.zeros((1, 4, 1)))
    with pytest.raises(ValueError, match="cropping=\\(\\(3, 3\\), \\(0, 0\\)\\)"):
        layers.Cropping2D((3, 0)).compute_output_shape((1, 5, 5, 1))
    with pytest.raises(ValueError, match="cropping=-1"):
        layers.Cropping2D(-1)
