"""LSTM: the LSTM recurrence over whole sequences (one primitive per call)."""

from nnet.layers.layer import LAYERS
from nnet.layers.lstm_cell import LSTMCell
from nnet.layers.rnn import BuiltinRNN


@LAYERS.register
class LSTM(BuiltinRNN):
    """Long short-term memory layer (Hochreiter, 1997); gates packed i, f, c, o as in Keras.

    The whole sequence runs as one primitive (`nnet.ops.lstm`): the input projection of all
    steps is one GEMM, the time loop and backpropagation through time run inside it. The
    weights live in ``layer.cell`` (LSTMCell): ``kernel``, ``recurrent_kernel``, ``bias``.

    Args:
        units: positive integer, the dimensionality of the output and states.
        activation: tanh by default; recurrent_activation: sigmoid by default (the gates).
        unit_forget_bias: start the forget gate's bias at 1.
        use_cudnn: "auto", True or False; accepted for Keras compatibility (nnet's own
            whole-sequence kernel runs in every case).
        use_bias: whether the layer has a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: "glorot_uniform",
            "orthogonal" and "zeros" by default.
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer:
            penalties added to the loss.
        kernel_constraint, recurrent_constraint, bias_constraint: applied after each update.
        dropout, recurrent_dropout: fractions of the inputs and of the recurrent state to drop
            in training; the masks are drawn once per sequence.
        seed: the seed of the dropout masks.
        return_sequences, return_state, go_backwards, stateful, unroll: as in `RNN`.

    Call arguments: ``sequences`` (batch, time, features), ``initial_state``, ``mask``
    (batch, time), ``training``.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.LSTM(4, return_state=True)
        >>> output, h, c = layer(np.ones((2, 5, 3)))
        >>> output.shape, c.shape
        ((2, 4), (2, 4))
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        implementation = kwargs.pop("implementation", 2)
        cell = LSTMCell(
            units, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="lstm_cell",
            implementation=implementation,
        )
        super().__init__(
            cell, return_sequences=return_sequences, return_state=return_state,
            go_backwards=go_backwards, stateful=stateful, unroll=unroll, use_cudnn=use_cudnn,
            activity_regularizer=activity_regularizer, **kwargs)
