"""Conv1D/2D/3DTranspose through the shared harness against Keras."""

import pytest
from harness import check_layer

from nnet import layers


@pytest.mark.parametrize("cls,input_shape,init_kwargs", [
    ("Conv1DTranspose", (2, 5, 3), {"filters": 4, "kernel_size": 3, "strides": 2}),
    ("Conv1DTranspose", (2, 3, 5), {"filters": 2, "kernel_size": 2, "dilation_rate": 2,
                                    "padding": "same", "data_format": "channels_first",
                                    "activation": "relu"}),
    ("Conv2DTranspose", (2, 4, 3, 2), {"filters": 3, "kernel_size": 3, "strides": 2,
                                       "padding": "same", "activation": "tanh"}),
    ("Conv2DTranspose", (2, 2, 4, 3), {"filters": 2, "kernel_size": (3, 2), "strides": (3, 2),
                                       "output_padding": (1, 0), "use_bias": False,
                                       "data_format": "channels_first",
                                       "kernel_regularizer": "l2",
                                       "kernel_constraint": "unit_norm"}),
    ("Conv3DTranspose", (1, 3, 2, 3, 2), {"filters": 2, "kernel_size": 2, "strides": 2,
                                          "activation": "sigmoid"}),
])
def test_conv_transpose_against_keras(cls, input_shape, init_kwargs):
    check_layer(getattr(layers, cls), input_shape, init_kwargs, keras_class=cls)
