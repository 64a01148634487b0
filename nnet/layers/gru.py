"""GRU: the GRU recurrence over whole sequences (one primitive per call)."""

from nnet.layers.gru_cell import GRUCell
from nnet.layers.layer import LAYERS
from nnet.layers.rnn import BuiltinRNN


@LAYERS.register
class GRU(BuiltinRNN):
    """Gated recurrent unit layer (Cho et al., 2014); gates packed z, r, h as in Keras.

    The whole sequence runs as one primitive (`nnet.ops.gru`): the input projection of all
    steps is one GEMM, the time loop and backpropagation through time run inside it. The
    weights live in ``layer.cell`` (GRUCell): ``kernel``, ``recurrent_kernel``, ``bias``.

    Args:
        units: positive integer, the dimensionality of the output and states.
        activation: tanh by default; recurrent_activation: sigmoid by default (the gates).
        reset_after: apply the reset gate after the recurrent matrix multiplication (PyTorch's
            and cuDNN's form; the bias is then (2, 3 * units)).
        use_cudnn: "auto", True or False; accepted for Keras compatibility.
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
        >>> layer = nnet.layers.GRU(4)
        >>> layer(np.ones((2, 5, 3))).shape
        (2, 4)
        >>> layer.cell.bias.shape
        (2, 12)
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 reset_after=True, use_cudnn="auto",
                 **kwargs):
        implementation = kwargs.pop("implementation", 2)
        cell = GRUCell(
            units, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after,
            seed=seed,
            dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="gru_cell",
            implementation=implementation,
        )
        super().__init__(
            cell, return_sequences=return_sequences, return_state=return_state,
            go_backwards=go_backwards, stateful=stateful, unroll=unroll, use_cudnn=use_cudnn,
            activity_regularizer=activity_regularizer, **kwargs)
