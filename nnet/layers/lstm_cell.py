"""LSTMCell: one step of the long short-term memory recurrence."""

import numpy as np

from nnet import activations, ops
from nnet.layers.dropout_rnn_cell import DropoutRNNCell
from nnet.layers.layer import LAYERS


@LAYERS.register
class LSTMCell(DropoutRNNCell):
    """One LSTM step; gates packed i, f, c, o in the kernel columns, as in Keras.

    ``i, f, o = recurrent_activation(x @ W + h @ R + b)`` per gate, ``c = f * c_prev + i *
    activation(x @ W_c + h @ R_c + b_c)``, ``h = o * activation(c)``. States: ``[h, c]``.

    Args:
        units: positive integer, the dimensionality of the output and states.
        activation: tanh by default; recurrent_activation: sigmoid by default.
        unit_forget_bias: start the forget gate's bias at 1 (the rest of the bias from
            `bias_initializer`).
        use_bias, kernel_initializer, recurrent_initializer, bias_initializer, *_regularizer,
        *_constraint, dropout, recurrent_dropout, seed: as in `DropoutRNNCell`. With
        recurrent dropout each gate gets its own masks (Keras's implementation 1).

    Example:
        >>> import numpy as np, nnet
        >>> cell = nnet.layers.LSTMCell(4)
        >>> out, (h, c) = cell(np.ones((2, 3)), [np.zeros((2, 4)), np.zeros((2, 4))])
        >>> cell.kernel.shape, cell.recurrent_kernel.shape, cell.bias.shape
        ((3, 16), (4, 16), (16,))
    """

    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        implementation = kwargs.pop("implementation", 2)
        super().__init__(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.implementation = 1 if self.recurrent_dropout else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 4
        self.state_size = [units, units]

    def build(self, input_shape):
        bias_initializer = None
        if self.unit_forget_bias:
            bias_initializer = unit_forget_bias_initializer(self.bias_initializer, self.units)
        self._build_weights(input_shape[-1], (4 * self.units,), bias_initializer)

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        u = self.units
        dp_mask = self.get_dropout_mask(inputs) if training else None
        rec_mask = self.get_recurrent_dropout_mask(h_tm1) if training else None
        if self.implementation == 1:
            gates = []
            for k in range(4):
                x_k = inputs if dp_mask is None else inputs * dp_mask[k]
                h_k = h_tm1 if rec_mask is None else h_tm1 * rec_mask[k]
                z_k = (ops.matmul(x_k, self.kernel[:, k * u:(k + 1) * u])
                       + ops.matmul(h_k, self.recurrent_kernel[:, k * u:(k + 1) * u]))
                gates.append(z_k if self.bias is None else z_k + self.bias[k * u:(k + 1) * u])
        else:
            if dp_mask is not None:
                inputs = inputs * dp_mask
            z = ops.matmul(inputs, self.kernel) + ops.matmul(h_tm1, self.recurrent_kernel)
            if self.bias is not None:
                z = z + self.bias
            gates = ops.split(z, 4, axis=1)
        i = self.recurrent_activation(gates[0])
        f = self.recurrent_activation(gates[1])
        c = f * c_tm1 + i * self.activation(gates[2])
        o = self.recurrent_activation(gates[3])
        h = o * self.activation(c)
        return h, [h, c]

    def _sequence(self, sequences, states, mask, go_backwards, training):
        names = self._fused_activations(training, self.activation, self.recurrent_activation)
        if names is None:
            return None
        sequences = self._dropped_sequences(sequences, training)
        outputs, h, c = ops.lstm(sequences, states[0], states[1], self.kernel,
                                 self.recurrent_kernel, self.bias, mask, activation=names[0],
                                 recurrent_activation=names[1], go_backwards=go_backwards)
        return outputs, [h, c]

    def get_config(self):
        config = super().get_config()
        config.update({
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        })
        return config


def unit_forget_bias_initializer(initializer, units):
    """The initializer of a gates-i,f,c,o bias (4 * units,): ones for the forget gate, the
    rest from `initializer` (Keras's ``unit_forget_bias``)."""
    def initialize(shape, dtype=None):
        rest = [np.asarray(initializer((n,), dtype=dtype)) for n in (units, 2 * units)]
        return np.concatenate([rest[0], np.ones(units, dtype), rest[1]])
    return initialize
