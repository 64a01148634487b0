"""ZeroPadding1D/2D/3D against Keras 3."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet import layers


@pytest.mark.parametrize("name, input_shape, init_kwargs", [
    ("ZeroPadding1D", (2, 4, 3), {}),
    ("ZeroPadding1D", (2, 3, 4), {"padding": (0, 2), "data_format": "channels_first"}),
    ("ZeroPadding2D", (2, 3, 4, 2), {"padding": 2}),
    ("ZeroPadding2D", (2, 2, 3, 4), {"padding": ((1, 0), (0, 2)),
                                     "data_format": "channels_first"}),
    ("ZeroPadding2D", (1, 3, 3, 1), {"padding": (1, 2)}),
    ("ZeroPadding3D", (1, 2, 3, 2, 2), {}),
    ("ZeroPadding3D", (1, 2, 2, 3, 2), {"padding": (1, (0, 2), 0),
                                        "data_format": "channels_first"}),
])
def test_zero_padding_matches_keras(name, input_shape, init_kwargs):
    check_layer(getattr(layers, name), input_shape, init_kwargs, keras_class=name)


def test_padding_is_zeros_around_the_input():
    x = np.ones((1, 2, 2, 1), "float32")
    y = layers.ZeroPadding2D(((1, 0), (0, 1)))(x).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(y, [[0, 0, 0], [1, 1, 0], [1, 1, 0]])
    assert layers.ZeroPadding2D(1).compute_output_shape((None, None, 5, 3)) == (None, None, 7, 3)


def test_bad_padding_is_refused():
    with pytest.raises(ValueError, match="padding=\\(1, 2, 3\\)"):
        layers.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match="1st entry of padding"):
        layers.ZeroPadding3D(((1, 2, 3), 1, 1))
    with pytest.raises(ValueError, match="padding=-1"):
        layers.ZeroPadding1D(-1)
