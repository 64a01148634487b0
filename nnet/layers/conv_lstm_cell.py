"""ConvLSTMCell: one step of the convolutional LSTM recurrence (the cell of ConvLSTM1D/2D/3D)."""

from nnet import activations, ops
from nnet.backend import standardize_data_format
from nnet.layers.dropout_rnn_cell import DropoutRNNCell
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import LAYERS
from nnet.layers.lstm_cell import unit_forget_bias_initializer
from nnet.layers.rnn import step_loop
from nnet.ops.conv import conv_output_length, fused_conv, standardize_padding
from nnet.ops.pooling import standardize_tuple
from nnet.utils.argument_checks import check_positive_int


@LAYERS.register
class ConvLSTMCell(DropoutRNNCell):
    """One convolutional LSTM step: an LSTM whose input and recurrent products are convolutions.

    ``z = conv(x, kernel) + bias + conv(h_prev, recurrent_kernel)`` (the recurrent convolution
    with stride 1 and ``"same"`` padding), split into gates i, f, c, o along the channels;
    ``c = sigmoid(f) * c_prev + sigmoid(i) * tanh(c)``, ``h = sigmoid(o) * tanh(c)`` (with the
    default activations). States: ``[h, c]``, each shaped as the convolution's output.

    Run over a sequence by an RNN layer, the input convolution of all steps is one convolution;
    the time loop runs the recurrent convolution and the gates step by step.

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        filters: positive integer, the channels of the output and states.
        kernel_size, strides, dilation_rate: an integer or one per spatial axis (of the input
            convolution); strides > 1 excludes dilation_rate > 1.
        padding: ``"valid"`` or ``"same"`` (of the input convolution).
        data_format: ``"channels_last"`` or ``"channels_first"``; None means
            `nnet.config.image_data_format()`.
        activation, recurrent_activation, use_bias, unit_forget_bias, the initializers,
        regularizers and constraints, dropout, recurrent_dropout, seed: as in `LSTMCell`; each
        gate gets its own dropout masks, as in Keras.

    Weights: ``kernel`` (*kernel_size, in_channels, 4 * filters), ``recurrent_kernel``
    (*kernel_size, filters, 4 * filters), ``bias`` (4 * filters,).

    Example:
        >>> import numpy as np, nnet
        >>> cell = ConvLSTMCell(2, 4, 3, padding="same")
        >>> out, (h, c) = cell(np.ones((1, 5, 5, 2)), [np.zeros((1, 5, 5, 4))] * 2)
        >>> out.shape, cell.kernel.shape, cell.recurrent_kernel.shape
        ((1, 5, 5, 4), (3, 3, 2, 16), (3, 3, 4, 16))
    """

    gates = 4

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        if rank not in (1, 2, 3):
            raise ValueError(f"Expected rank 1, 2 or 3 (the spatial axes). Received: rank={rank!r}")
        super().__init__(
            check_positive_int(filters, "filters"), activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.rank = rank
        self.filters = filters
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = standardize_tuple(strides, rank, "strides")
        self.padding = standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "strides > 1 cannot be combined with dilation_rate > 1: set one of them to 1. "
                f"Received: strides={self.strides}, dilation_rate={self.dilation_rate}"
            )
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.dropout_mask_count = 4
        self.state_size = [filters, filters]
        self.input_spec = InputSpec(ndim=rank + 2)
        self._channel_axis = -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        channels = input_shape[self._channel_axis]
        self.spatial_dims = tuple(input_shape[1:-1] if self._channel_axis == -1
                                  else input_shape[2:])
        if None in self.spatial_dims or channels is None:
            raise ValueError(
                f"Layer '{self.name}' needs static spatial dimensions and channels. Received "
                f"input_shape={tuple(input_shape)} (one step: batch, spatial axes, channels)."
            )
        self.input_dim = channels
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            shape=(*self.kernel_size, channels, 4 * self.filters), name="kernel",
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(*self.kernel_size, self.filters, 4 * self.filters), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            initializer = self.bias_initializer
            if self.unit_forget_bias:
                initializer = unit_forget_bias_initializer(initializer, self.filters)
            self.bias = self.add_weight(
                shape=(4 * self.filters,), name="bias", initializer=initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )

    def call(self, inputs, states, training=False):
        return self._step(self._input_conv(inputs, training), states, training)

    def _sequence(self, sequences, states, mask, go_backwards, training):
        """The input convolution of every step at once, then the recurrence step by step."""
        return step_loop(lambda z, s: self._step(z, s, training),
                         self._input_conv(sequences, training), states, mask, go_backwards)

    def _input_conv(self, inputs, training):
        """conv(inputs, kernel) + bias for one step (batch, ...) or a sequence (batch, time,
        ...), whose steps are convolved as one batch."""
        sequence = inputs.ndim == self.rank + 3
        masks = None
        if training and 0 < self.dropout < 1:
            masks = self.get_dropout_mask(inputs[:, 0] if sequence else inputs)
            if sequence:
                masks = [ops.expand_dims(m, 1) for m in masks]
        if not sequence:
            return self._gate_convs(inputs, self.kernel, self.bias, masks, self.strides,
                                    self.padding, self.dilation_rate)
        batch, steps = inputs.shape[:2]

        def flatten(x):
            return ops.reshape(x, (-1,) + tuple(x.shape[2:]))

        z = self._gate_convs(inputs, self.kernel, self.bias, masks, self.strides, self.padding,
                             self.dilation_rate, flatten)
        return ops.reshape(z, (batch, steps) + tuple(z.shape[1:]))

    def _step(self, z, states, training):
        """One step from the input convolution `z` of this step and the states [h, c]."""
        h_tm1, c_tm1 = states[0], states[1]
        masks = None
        if training and 0 < self.recurrent_dropout < 1:
            masks = self.get_recurrent_dropout_mask(h_tm1)
        z = z + self._gate_convs(h_tm1, self.recurrent_kernel, None, masks, 1, "same", 1)
        i, f, c, o = ops.split(z, 4, axis=self._channel_axis)
        c = self.recurrent_activation(f) * c_tm1 + self.recurrent_activation(i) * \
            self.activation(c)
        h = self.recurrent_activation(o) * self.activation(c)
        return h, [h, c]

    def _gate_convs(self, x, kernel, bias, masks, strides, padding, dilation_rate,
                    flatten=None):
        """conv(x, kernel) + bias over the 4 gates at once; with dropout `masks`, each gate
        convolves its own masked copy of `x` (gates i, f, c, o concatenated along channels).
        `flatten` turns `x` into the convolution's batch."""
        def conv(x, kernel, bias):
            x = x if flatten is None else flatten(x)
            return fused_conv(x, kernel, bias, strides=strides, padding=padding,
                              data_format=self.data_format, dilation_rate=dilation_rate)

        if masks is None:
            return conv(x, kernel, bias)
        kernels = ops.split(kernel, 4, axis=-1)
        biases = [None] * 4 if bias is None else ops.split(bias, 4)
        return ops.concatenate([conv(x * m, k, b) for m, k, b in zip(masks, kernels, biases)],
                               axis=self._channel_axis)

    def compute_output_shape(self, inputs_shape, states_shape=None):
        """The shape of the output and of each state, for one step's input shape."""
        spatial = inputs_shape[1:-1] if self._channel_axis == -1 else inputs_shape[2:]
        lengths = tuple(conv_output_length(*args, self.padding) for args in zip(
            spatial, self.kernel_size, self.strides, self.dilation_rate))
        if any(n is not None and n <= 0 for n in lengths):
            raise ValueError(
                f"Layer '{self.name}': the output would be empty for input_shape="
                f"{tuple(inputs_shape)} with kernel_size={self.kernel_size}, "
                f"dilation_rate={self.dilation_rate}, padding={self.padding!r}. Use a larger "
                f"input, a smaller kernel or padding='same'."
            )
        if self._channel_axis == -1:
            shape = (inputs_shape[0], *lengths, self.filters)
        else:
            shape = (inputs_shape[0], self.filters, *lengths)
        return shape, [shape, shape]

    def get_initial_state(self, batch_size=None):
        """Zero states h and c, each shaped as the convolution's output."""
        if self._channel_axis == -1:
            step_shape = (batch_size, *self.spatial_dims, self.input_dim)
        else:
            step_shape = (batch_size, self.input_dim, *self.spatial_dims)
        shape = self.compute_output_shape(step_shape)[0]
        return [ops.zeros(shape, dtype=self.dtype), ops.zeros(shape, dtype=self.dtype)]

    def get_config(self):
        config = super().get_config()
        del config["units"]
        config.update({
            "rank": self.rank,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        })
        return config

