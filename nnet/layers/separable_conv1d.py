"""SeparableConv1D: 1D separable convolution: a depthwise convolution, then a pointwise one."""

from nnet.layers.base_separable_conv import BaseSeparableConv
from nnet.layers.layer import LAYERS


@LAYERS.register
class SeparableConv1D(BaseSeparableConv):
    """1D separable convolution: a depthwise convolution, then a pointwise one.

    Args:
        filters: the number of output channels.
        kernel_size: an integer or 1 integers, the depthwise window's size.
        strides: an integer or 1 integers, of the depthwise step.
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` or ``"channels_first"``; None means
            `nnet.config.image_data_format()`.
        dilation_rate: an integer or 1 integers, of the depthwise step.
        depth_multiplier: the depthwise step's output channels per input channel.
        activation, use_bias: as in Dense (relu and tanh run fused in the pointwise step).
        depthwise_initializer, pointwise_initializer, bias_initializer, depthwise_regularizer,
        pointwise_regularizer, bias_regularizer, activity_regularizer, depthwise_constraint,
        pointwise_constraint, bias_constraint: of the two kernels and the bias.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.SeparableConv1D(4, 3)(np.ones((2, 10, 3))).shape
        (2, 8, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, depth_multiplier, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         pointwise_initializer, bias_initializer, depthwise_regularizer,
                         pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs)


SeparableConvolution1D = SeparableConv1D
