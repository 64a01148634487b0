"""DepthwiseConv1D: 1D depthwise convolution: each channel convolved with its own filters."""

from nnet.layers.base_depthwise_conv import BaseDepthwiseConv
from nnet.layers.layer import LAYERS


@LAYERS.register
class DepthwiseConv1D(BaseDepthwiseConv):
    """1D depthwise convolution: each channel convolved with its own filters.

    Args:
        kernel_size: an integer or 1 integers, the window's size.
        strides: an integer or 1 integers.
        padding: ``"valid"`` or ``"same"``.
        depth_multiplier: the number of output channels per input channel.
        data_format: ``"channels_last"`` or ``"channels_first"``; None means
            `nnet.config.image_data_format()`.
        dilation_rate: an integer or 1 integers, the spacing of the kernel's taps.
        activation, use_bias: as in Dense (relu and tanh run fused in the convolution).
        depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
        activity_regularizer, depthwise_constraint, bias_constraint: of the kernel and bias.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.DepthwiseConv1D(3, depth_multiplier=2)(np.ones((2, 10, 3))).shape
        (2, 8, 6)
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, depth_multiplier, kernel_size, strides, padding, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)

