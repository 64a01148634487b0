"""SimpleRNNCell: one step of the fully connected recurrence."""

from nnet import ops
from nnet.layers.dropout_rnn_cell import DropoutRNNCell
from nnet.layers.layer import LAYERS


@LAYERS.register
class SimpleRNNCell(DropoutRNNCell):
    """One step of ``h = activation(inputs @ kernel + h_prev @ recurrent_kernel + bias)``.

    Run it over a sequence with ``nnet.layers.RNN(cell)``; `nnet.layers.SimpleRNN` does both.

    Args:
        units: positive integer, the dimensionality of the output and state.
        activation: the activation (tanh).
        use_bias, kernel_initializer ("glorot_uniform"), recurrent_initializer ("orthogonal"),
        bias_initializer ("zeros"), kernel_regularizer, recurrent_regularizer,
        bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint, dropout,
        recurrent_dropout, seed: as in `DropoutRNNCell`.

    Example:
        >>> import numpy as np, nnet
        >>> cell = nnet.layers.SimpleRNNCell(4)
        >>> out, states = cell(np.ones((2, 3)), [np.zeros((2, 4))])
        >>> out.shape, len(states)
        ((2, 4), 1)
    """

    def build(self, input_shape):
        self._build_weights(input_shape[-1], (self.units,))

    def call(self, sequence, states, training=False):
        prev_output = states[0] if isinstance(states, (list, tuple)) else states
        dp_mask = self.get_dropout_mask(sequence)
        rec_dp_mask = self.get_recurrent_dropout_mask(prev_output)
        if training and dp_mask is not None:
            sequence = sequence * dp_mask
        h = ops.matmul(sequence, self.kernel)
        if self.bias is not None:
            h = h + self.bias
        if training and rec_dp_mask is not None:
            prev_output = prev_output * rec_dp_mask
        output = self.activation(h + ops.matmul(prev_output, self.recurrent_kernel))
        return output, [output] if isinstance(states, (list, tuple)) else output

    def _sequence(self, sequences, states, mask, go_backwards, training):
        names = self._fused_activations(training, self.activation)
        if names is None:
            return None
        sequences = self._dropped_sequences(sequences, training)
        outputs, h = ops.simple_rnn(sequences, states[0], self.kernel, self.recurrent_kernel,
                                    self.bias, mask, activation=names[0],
                                    go_backwards=go_backwards)
        return outputs, [h]
