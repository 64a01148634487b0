"""BaseDepthwiseConv: the N-D depthwise convolution layer behind DepthwiseConv1D/2D."""

from nnet import constraints, initializers, regularizers
from nnet.layers.base_conv import Convolution, _positive
from nnet.ops.conv import depthwise_kernel_as_grouped


class BaseDepthwiseConv(Convolution):
    """N-D depthwise convolution: each input channel convolved with its own
    `depth_multiplier` filters, ``activation(depthwise_conv(inputs, kernel) + bias)``.

    Args:
        rank: the number of spatial axes.
        depth_multiplier: the number of output channels per input channel.
        kernel_size, strides, padding, data_format, dilation_rate: the convolution.
        activation, use_bias, bias_initializer, bias_regularizer, activity_regularizer,
            bias_constraint: as in Dense.
        depthwise_initializer, depthwise_regularizer, depthwise_constraint: of the kernel.

    Weights: ``kernel`` (*kernel_size, in_channels, depth_multiplier), ``bias``
    (in_channels * depth_multiplier,).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.DepthwiseConv2D(3, depth_multiplier=2)(np.ones((1, 5, 5, 3))).shape
        (1, 3, 3, 6)
    """

    def __init__(self, rank, depth_multiplier, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, bias_initializer, bias_regularizer,
                         bias_constraint, activity_regularizer, **kwargs)
        self.depth_multiplier = _positive(depth_multiplier, "depth_multiplier")
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, name="kernel",
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint,
        )
        self._add_bias(channels * self.depth_multiplier)

    def call(self, inputs):
        return self._conv_with_bias(inputs, depthwise_kernel_as_grouped(self.kernel),
                                    self.strides, self.padding, self.dilation_rate)

    def compute_output_shape(self, input_shape):
        axis = -1 if self.data_format == "channels_last" else 1
        channels = input_shape[axis]
        return self._output_shape(input_shape,
                                  None if channels is None else channels * self.depth_multiplier,
                                  self._conv_lengths(input_shape))

    def get_config(self):
        config = super().get_config()
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
        })
        return config
