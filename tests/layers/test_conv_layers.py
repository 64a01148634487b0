"""Conv1D/2D/3D through the shared harness against Keras, plus LoRA, aliases and bad arguments."""

import pytest
from harness import check_layer

from nnet import layers


@pytest.mark.parametrize("cls,input_shape,init_kwargs", [
    ("Conv1D", (2, 9, 3), {"filters": 4, "kernel_size": 3}),
    ("Conv1D", (2, 9, 4), {"filters": 4, "kernel_size": 2, "padding": "causal",
                           "dilation_rate": 2, "groups": 2, "activation": "relu"}),
    ("Conv1D", (2, 3, 9), {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
                           "data_format": "channels_first", "use_bias": False}),
    ("Conv2D", (2, 7, 6, 2), {"filters": 3, "kernel_size": 3, "activation": "tanh"}),
    ("Conv2D", (2, 7, 6, 4), {"filters": 6, "kernel_size": (3, 2), "strides": (2, 1),
                              "padding": "same", "groups": 2, "activation": "softmax"}),
    ("Conv2D", (2, 2, 7, 6), {"filters": 3, "kernel_size": 2, "dilation_rate": 2,
                              "data_format": "channels_first", "kernel_initializer": "he_normal",
                              "bias_initializer": "ones", "kernel_regularizer": "l2",
                              "bias_regularizer": "l1", "activity_regularizer": "l2",
                              "kernel_constraint": "max_norm", "bias_constraint": "non_neg"}),
    ("Conv2D", (2, 5, 5, 2), {"filters": 3, "kernel_size": 3, "lora_rank": 2}),
    ("Conv3D", (1, 5, 4, 4, 2), {"filters": 2, "kernel_size": 2, "padding": "same",
                                 "strides": 2, "activation": "relu"}),
    ("Conv3D", (1, 2, 4, 5, 4), {"filters": 2, "kernel_size": (2, 3, 2), "groups": 2,
                                 "data_format": "channels_first"}),
])
def test_conv_against_keras(cls, input_shape, init_kwargs):
    check_layer(getattr(layers, cls), input_shape, init_kwargs, keras_class=cls)
