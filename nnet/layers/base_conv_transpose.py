"""BaseConvTranspose: the N-D transposed convolution layer behind Conv1D/2D/3DTranspose."""

from nnet import constraints, initializers, regularizers
from nnet.layers.base_conv import Convolution, _positive
from nnet.ops.conv import conv_transpose_output_length, fused_conv_transpose
from nnet.ops.pooling import standardize_tuple


class BaseConvTranspose(Convolution):
    """N-D transposed convolution layer (a "deconvolution"): the gradient of a convolution
    with respect to its input, ``activation(conv_transpose(inputs, kernel) + bias)``.

    Args:
        rank: the number of spatial axes.
        filters: the number of output channels.
        kernel_size, strides, padding (``"valid"`` or ``"same"``), data_format,
            dilation_rate: the convolution.
        output_padding: None, or the extra output length along each axis (below `strides`).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as in
            Dense.

    Weights: ``kernel`` (*kernel_size, filters, in_channels), ``bias`` (filters,).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Conv2DTranspose(3, 3, strides=2, padding="same")(
        ...     np.ones((1, 4, 4, 2))).shape
        (1, 8, 8, 3)
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, bias_initializer, bias_regularizer,
                         bias_constraint, activity_regularizer, **kwargs)
        self.filters = _positive(filters, "filters")
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = standardize_tuple(output_padding, rank, "output_padding",
                                                    allow_zero=True)
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ValueError(
                    "Each output_padding must be smaller than the stride along its axis. "
                    f"Received: output_padding={self.output_padding}, strides={self.strides}"
                )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            shape=(*self.kernel_size, self.filters, channels),
            initializer=self.kernel_initializer, name="kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )
        self._add_bias(self.filters)

    def call(self, inputs):
        kernel_activation, rest = self._fused_activation()
        outputs = fused_conv_transpose(
            inputs, self.kernel, self.bias, kernel_activation, strides=self.strides,
            padding=self.padding, output_padding=self.output_padding,
            data_format=self.data_format, dilation_rate=self.dilation_rate,
        )
        return outputs if rest is None else rest(outputs)

    def compute_output_shape(self, input_shape):
        extras = self.output_padding or (None,) * self.rank
        lengths = tuple(conv_transpose_output_length(*args, self.padding, extra) for *args, extra
                        in zip(self._spatial(input_shape), self.kernel_size, self.strides,
                               self.dilation_rate, extras))
        return self._output_shape(input_shape, self.filters, lengths)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "output_padding": self.output_padding,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
        })
        return config
