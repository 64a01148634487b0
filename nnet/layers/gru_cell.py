"""GRUCell: one step of the gated recurrent unit."""

from nnet import activations, ops
from nnet.layers.dropout_rnn_cell import DropoutRNNCell
from nnet.layers.layer import LAYERS


@LAYERS.register
class GRUCell(DropoutRNNCell):
    """One GRU step; gates packed z, r, h in the kernel columns, as in Keras.

    ``z, r = recurrent_activation(x @ W + h @ R + b)`` per gate; with `reset_after` (the
    default, cuDNN's and PyTorch's form) ``hh = activation(x @ W_h + b_h + r * (h @ R_h +
    b'_h))`` with a bias of shape (2, 3 * units) (input row, recurrent row), else ``hh =
    activation(x @ W_h + (r * h) @ R_h + b_h)`` with a bias of shape (3 * units,);
    ``h_new = z * h + (1 - z) * hh``.

    Args:
        units: positive integer, the dimensionality of the output and state.
        activation: tanh by default; recurrent_activation: sigmoid by default.
        reset_after: apply the reset gate after the recurrent matrix multiplication.
        use_bias, kernel_initializer, recurrent_initializer, bias_initializer, *_regularizer,
        *_constraint, dropout, recurrent_dropout, seed: as in `DropoutRNNCell`. With
        recurrent dropout each gate gets its own masks (Keras's implementation 1).

    Example:
        >>> import numpy as np, nnet
        >>> cell = nnet.layers.GRUCell(4)
        >>> out, states = cell(np.ones((2, 3)), [np.zeros((2, 4))])
        >>> cell.kernel.shape, cell.bias.shape
        ((3, 12), (2, 12))
    """

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, **kwargs):
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
        self.reset_after = reset_after
        self.implementation = 1 if self.recurrent_dropout else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 3

    def build(self, input_shape):
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self._build_weights(input_shape[-1], shape)

    def call(self, inputs, states, training=False):
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        u = self.units
        input_bias = recurrent_bias = None
        if self.bias is not None:
            input_bias = self.bias[0] if self.reset_after else self.bias
            recurrent_bias = self.bias[1] if self.reset_after else None
        dp_mask = self.get_dropout_mask(inputs) if training else None
        rec_mask = self.get_recurrent_dropout_mask(h_tm1) if training else None
        if dp_mask is None:
            dp_mask = [None] * 3 if self.implementation == 1 else None
        if rec_mask is None:
            rec_mask = [None] * 3
        elif self.implementation != 1:
            rec_mask = [rec_mask] * 3
        if self.implementation == 1:
            x = [ops.matmul(inputs if m is None else inputs * m,
                            self.kernel[:, k * u:(k + 1) * u]) for k, m in enumerate(dp_mask)]
            if input_bias is not None:
                x = [x_k + input_bias[k * u:(k + 1) * u] for k, x_k in enumerate(x)]
        else:
            projected = ops.matmul(inputs if dp_mask is None else inputs * dp_mask, self.kernel)
            if input_bias is not None:
                projected = projected + input_bias
            x = ops.split(projected, 3, axis=-1)
        h = [h_tm1 if m is None else h_tm1 * m for m in rec_mask]
        recurrent = [ops.matmul(h[k], self.recurrent_kernel[:, k * u:(k + 1) * u])
                     for k in range(2)]
        if recurrent_bias is not None:
            recurrent = [r_k + recurrent_bias[k * u:(k + 1) * u] for k, r_k in enumerate(recurrent)]
        z = self.recurrent_activation(x[0] + recurrent[0])
        r = self.recurrent_activation(x[1] + recurrent[1])
        if self.reset_after:
            recurrent_h = ops.matmul(h[2], self.recurrent_kernel[:, 2 * u:])
            if recurrent_bias is not None:
                recurrent_h = recurrent_h + recurrent_bias[2 * u:]
            recurrent_h = r * recurrent_h
        else:
            recurrent_h = ops.matmul(r * h[2], self.recurrent_kernel[:, 2 * u:])
        hh = self.activation(x[2] + recurrent_h)
        output = z * h_tm1 + (1 - z) * hh
        return output, [output] if isinstance(states, (list, tuple)) else output

    def _sequence(self, sequences, states, mask, go_backwards, training):
        names = self._fused_activations(training, self.activation, self.recurrent_activation)
        if names is None:
            return None
        sequences = self._dropped_sequences(sequences, training)
        outputs, h = ops.gru(sequences, states[0], self.kernel, self.recurrent_kernel, self.bias,
                             mask, activation=names[0], recurrent_activation=names[1],
                             go_backwards=go_backwards, reset_after=self.reset_after)
        return outputs, [h]

    def get_config(self):
        config = super().get_config()
        config.update({
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "reset_after": self.reset_after,
        })
        return config
