"""ConvLSTM: the N-D convolutional LSTM layer behind ConvLSTM1D, ConvLSTM2D and ConvLSTM3D."""

from nnet.layers.conv_lstm_cell import ConvLSTMCell
from nnet.layers.input_spec import InputSpec
from nnet.layers.rnn import CellArgumentRNN


class ConvLSTM(CellArgumentRNN):
    """Convolutional LSTM over a (batch, time, *spatial, channels) sequence (Shi et al., 2015):
    an LSTM whose input and recurrent transformations are convolutions.

    The layer runs a `ConvLSTMCell` (its weights live in ``layer.cell``: ``kernel``,
    ``recurrent_kernel``, ``bias``, gates packed i, f, c, o along the last axis) with the
    machinery of `nnet.layers.RNN`: masks, `go_backwards`, `stateful` and `reset_states`,
    `return_sequences`, `return_state` (the output, then the states h and c).

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        filters: positive integer, the channels of the output and states.
        kernel_size: an integer or one per spatial axis, the window of both convolutions.
        strides, dilation_rate: an integer or one per spatial axis, of the input convolution
            (the recurrent one has stride 1); strides > 1 excludes dilation_rate > 1.
        padding: ``"valid"`` or ``"same"``, of the input convolution (the recurrent one pads
            ``"same"``).
        data_format: ``"channels_last"`` (batch, time, *spatial, channels) or
            ``"channels_first"`` (batch, time, channels, *spatial); None means
            `nnet.config.image_data_format()`.
        activation: tanh by default; recurrent_activation: sigmoid by default (the gates).
        use_bias, unit_forget_bias: a bias, its forget gate started at 1.
        kernel_initializer, recurrent_initializer, bias_initializer: "glorot_uniform",
            "orthogonal" and "zeros" by default.
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, recurrent_constraint, bias_constraint: as in LSTM.
        dropout, recurrent_dropout: the fraction of the inputs (of the states) to drop, with
            one mask per gate for the whole sequence; seed: their seed.
        return_sequences, return_state, go_backwards, stateful: as in `nnet.layers.RNN`.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.ConvLSTM2D(4, 3, padding="same", return_sequences=True)
        >>> layer(np.ones((2, 5, 8, 8, 1))).shape
        (2, 5, 8, 8, 4)
    """

    _cell_arguments = (
        "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
        "activation", "recurrent_activation", "use_bias", "kernel_initializer",
        "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
        "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
        "bias_constraint", "dropout", "recurrent_dropout", "seed",
    )

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        cell = ConvLSTMCell(
            rank, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            name="conv_lstm_cell", dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
        )
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=rank + 3)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        state_shape = self.cell.compute_output_shape((batch, *sequences_shape[2:]))[0]
        output_shape = (batch, steps, *state_shape[1:]) if self.return_sequences \
            else state_shape
        if self.return_state:
            return [output_shape, state_shape, state_shape]
        return output_shape
