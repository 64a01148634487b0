"""DepthwiseConv1D/2D and SeparableConv1D/2D through the shared harness against Keras."""

import pytest
from harness import check_layer

from nnet import layers


@pytest.mark.parametrize("cls,input_shape,init_kwargs", [
    ("DepthwiseConv1D", (2, 8, 3), {"kernel_size": 3, "depth_multiplier": 2}),
    ("DepthwiseConv1D", (2, 3, 8), {"kernel_size": 2, "strides": 2, "padding": "same",
                                    "data_format": "channels_first", "activation": "relu"}),
    ("DepthwiseConv2D", (2, 6, 5, 2), {"kernel_size": 3, "dilation_rate": 2, "padding": "same",
                                       "depth_multiplier": 3, "depthwise_regularizer": "l2",
                                       "depthwise_constraint": "non_neg",
                                       "depthwise_initializer": "he_uniform"}),
    ("SeparableConv1D", (2, 8, 3), {"filters": 4, "kernel_size": 3, "depth_multiplier": 2,
                                    "activation": "relu"}),
    ("SeparableConv2D", (2, 6, 5, 2), {"filters": 3, "kernel_size": 2, "strides": 2,
                                       "padding": "same", "pointwise_regularizer": "l1",
                                       "pointwise_initializer": "he_normal",
                                       "pointwise_constraint": "max_norm"}),
    ("SeparableConv2D", (2, 2, 6, 5), {"filters": 3, "kernel_size": 3, "use_bias": False,
                                       "data_format": "channels_first"}),
])
def test_depthwise_and_separable_against_keras(cls, input_shape, init_kwargs):
    check_layer(getattr(layers, cls), input_shape, init_kwargs, keras_class=cls)
