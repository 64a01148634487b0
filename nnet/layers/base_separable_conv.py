"""BaseSeparableConv: the N-D separable convolution layer behind SeparableConv1D/2D."""

from nnet import constraints, initializers, regularizers
from nnet.layers.base_conv import Convolution, _positive
from nnet.ops.conv import depthwise_conv


class BaseSeparableConv(Convolution):
    """N-D separable convolution: a depthwise convolution, then a pointwise (1x1) one to
    `filters` channels, ``activation(pointwise(depthwise(inputs)) + bias)``.

    Args:
        rank: the number of spatial axes.
        depth_multiplier: the depthwise step's output channels per input channel.
        filters: the number of output channels.
        kernel_size, strides, padding, data_format, dilation_rate: the depthwise step.
        activation, use_bias, bias_initializer, bias_regularizer, activity_regularizer,
            bias_constraint: as in Dense.
        depthwise_initializer, depthwise_regularizer, depthwise_constraint,
        pointwise_initializer, pointwise_regularizer, pointwise_constraint: of the kernels.

    Weights: ``depthwise_kernel`` (*kernel_size, in_channels, depth_multiplier),
    ``pointwise_kernel`` (*ones, in_channels * depth_multiplier, filters), ``bias`` (filters,).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.SeparableConv2D(4, 3)(np.ones((1, 5, 5, 3))).shape
        (1, 3, 3, 4)
    """

    def __init__(self, rank, depth_multiplier, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(rank, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, bias_initializer, bias_regularizer,
                         bias_constraint, activity_regularizer, **kwargs)
        self.depth_multiplier = _positive(depth_multiplier, "depth_multiplier")
        self.filters = _positive(filters, "filters")
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.depthwise_kernel = self.add_weight(
            shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, name="depthwise_kernel",
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, name="pointwise_kernel",
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint,
        )
        self._add_bias(self.filters)

    def call(self, inputs):
        outputs = depthwise_conv(inputs, self.depthwise_kernel, self.strides, self.padding,
                                 self.data_format, self.dilation_rate)
        return self._conv_with_bias(outputs, self.pointwise_kernel, 1, "valid", 1)

    def compute_output_shape(self, input_shape):
        return self._output_shape(input_shape, self.filters, self._conv_lengths(input_shape))

    def get_config(self):
        config = super().get_config()
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
        })
        return config
