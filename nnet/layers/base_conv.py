"""BaseConv: the N-D convolution layer behind Conv1D, Conv2D and Conv3D, and `Convolution`,
the arguments, bias and activation that every convolution layer shares."""

from nnet import activations, constraints, initializers, ops, regularizers
from nnet.backend import standardize_data_format
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import Layer
from nnet.ops.conv import conv_output_length, fused_conv, standardize_padding
from nnet.ops.pooling import standardize_tuple


def _positive(value, name):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"Expected a positive integer for {name}. Received: {name}={value!r}")
    return value


class Convolution(Layer):
    """What all convolution layers share: the geometry arguments, the bias, the activation
    (relu and tanh fused into the convolution's node) and their config.

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        kernel_size, strides, dilation_rate: an integer or one per spatial axis.
        padding: ``"valid"``, ``"same"``, or ``"causal"`` where `allow_causal`.
        data_format: ``"channels_last"``, ``"channels_first"`` or None (the config's).
        activation, use_bias, bias_initializer, bias_regularizer, bias_constraint,
        activity_regularizer: as in Dense.
        allow_causal: whether ``"causal"`` padding is accepted (Conv1D).

    Example:
        >>> import nnet
        >>> isinstance(nnet.layers.Conv2D(2, 3), Convolution)
        True
    """

    def __init__(self, rank, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, bias_initializer="zeros",
                 bias_regularizer=None, bias_constraint=None, activity_regularizer=None,
                 allow_causal=False, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = standardize_tuple(strides, rank, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = standardize_padding(padding, allow_causal=allow_causal)
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "strides > 1 cannot be combined with dilation_rate > 1: set one of them to 1. "
                f"Received: strides={self.strides}, dilation_rate={self.dilation_rate}"
            )

    def _input_channels(self, input_shape):
        """The input's channels (checked to be known); fixes the input spec to them."""
        axis = -1 if self.data_format == "channels_last" else 1
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(
                f"Layer '{self.name}' needs a known channel dimension (axis {axis} for "
                f"data_format={self.data_format!r}) to build its kernel. Received "
                f"input_shape={tuple(input_shape)}."
            )
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={axis: channels})
        return channels

    def _add_bias(self, units):
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(units,), initializer=self.bias_initializer, name="bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )

    def _fused_activation(self):
        """(the activation the fused op applies, the rest to apply after), decided once per
        activation, as Dense does."""
        if self.__dict__.get("_fused_for") is not self.activation:
            self.__dict__["_fused"] = activations.fused(self.activation)
            self.__dict__["_fused_for"] = self.activation
        return self._fused

    def _conv_with_bias(self, inputs, kernel, strides, padding, dilation_rate):
        """activation(conv(inputs, kernel) + bias) with the fused op."""
        kernel_activation, rest = self._fused_activation()
        outputs = fused_conv(inputs, kernel, self.bias, kernel_activation, strides=strides,
                             padding=padding, data_format=self.data_format,
                             dilation_rate=dilation_rate)
        return outputs if rest is None else rest(outputs)

    def _output_shape(self, input_shape, channels, lengths):
        """The output shape given the output channels and the spatial lengths."""
        if self.data_format == "channels_last":
            return (input_shape[0], *lengths, channels)
        return (input_shape[0], channels, *lengths)

    def _spatial(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"Layer '{self.name}' expects inputs of rank {self.rank + 2} (batch, "
                f"{self.rank} spatial axes, channels). Received input_shape={tuple(input_shape)}"
            )
        return input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:]

    def _conv_lengths(self, input_shape):
        lengths = tuple(conv_output_length(*args, self.padding) for args in zip(
            self._spatial(input_shape), self.kernel_size, self.strides, self.dilation_rate))
        if any(n is not None and n <= 0 for n in lengths):
            raise ValueError(
                f"Layer '{self.name}': the output would be empty for input_shape="
                f"{tuple(input_shape)} with kernel_size={self.kernel_size}, "
                f"dilation_rate={self.dilation_rate}, padding={self.padding!r}. Use a larger "
                f"input, a smaller kernel or padding='same'."
            )
        return lengths

    def get_config(self):
        config = super().get_config()
        config.update({
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config


class BaseConv(Convolution):
    """N-D convolution layer: ``activation(conv(inputs, kernel) + bias)``.

    Args:
        rank: the number of spatial axes.
        filters: the number of output channels (a multiple of `groups`).
        kernel_size, strides, padding, data_format, dilation_rate: the convolution.
        groups: split the input channels into this many groups, each convolved with
            ``filters // groups`` filters; the input channels must be a multiple of it.
        activation, use_bias: as in Dense.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: as in Dense.
        lora_rank, lora_alpha: learn a low-rank update of a frozen kernel (as Dense).

    Weights: ``kernel`` (*kernel_size, in_channels // groups, filters), ``bias`` (filters,).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Conv2D(4, 3, groups=2)(np.ones((1, 5, 5, 6))).shape
        (1, 3, 3, 4)
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        super().__init__(rank, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, bias_initializer, bias_regularizer,
                         bias_constraint, activity_regularizer, allow_causal=rank == 1, **kwargs)
        self.filters = _positive(filters, "filters")
        self.groups = _positive(groups, "groups")
        if filters % groups:
            raise ValueError(
                f"filters must be a multiple of groups. Received: filters={filters}, "
                f"groups={groups}"
            )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                f"Layer '{self.name}': the input's channels must be a multiple of groups. "
                f"Received: groups={self.groups}, input_shape={tuple(input_shape)} "
                f"({channels} channels)."
            )
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            shape=(*self.kernel_size, channels // self.groups, self.filters),
            initializer=self.kernel_initializer, name="kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )
        self._add_bias(self.filters)
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freeze the kernel and learn ``lora_kernel_a @ lora_kernel_b * (lora_alpha / rank)``
        instead, as Keras does.

        Args:
            rank: the rank of the update.
            lora_alpha: the scale numerator (defaults to `rank`).
            a_initializer, b_initializer: the initializers of the two factors.
        """
        if self.kernel_constraint is not None:
            raise ValueError(
                f"LoRA cannot be enabled on layer '{self.name}' because it has a "
                f"kernel_constraint. Remove kernel_constraint to use LoRA."
            )
        if self.lora_enabled:
            raise ValueError(
                f"LoRA is already enabled on layer '{self.name}'. Call enable_lora only once."
            )
        self.kernel.trainable = False
        self.lora_kernel_a = self.add_weight(
            shape=(*self.kernel.shape[:-1], rank), initializer=a_initializer,
            name="lora_kernel_a", regularizer=self.kernel_regularizer,
        )
        self.lora_kernel_b = self.add_weight(
            shape=(rank, self.filters), initializer=b_initializer, name="lora_kernel_b",
            regularizer=self.kernel_regularizer,
        )
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank
        self.lora_enabled = True

    def call(self, inputs):
        kernel = self.kernel
        if self.lora_enabled:
            update = ops.matmul(self.lora_kernel_a, self.lora_kernel_b)
            kernel = kernel + update * (self.lora_alpha / self.lora_rank)
        return self._conv_with_bias(inputs, kernel, self.strides, self.padding,
                                    self.dilation_rate)

    def compute_output_shape(self, input_shape):
        return self._output_shape(input_shape, self.filters, self._conv_lengths(input_shape))

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "groups": self.groups,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
        })
        if self.lora_rank:
            config.update({"lora_rank": self.lora_rank, "lora_alpha": self.lora_alpha})
        return config
