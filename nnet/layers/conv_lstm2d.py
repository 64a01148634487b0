"""ConvLSTM2D: 2D convolutional LSTM."""

from nnet.layers.conv_lstm import ConvLSTM
from nnet.layers.layer import LAYERS


@LAYERS.register
class ConvLSTM2D(ConvLSTM):
    """2D convolutional LSTM over (batch, time, rows, cols, channels) inputs (channels_last).

    ConvLSTM2D(filters, kernel_size, strides=1, padding="valid", data_format=None,
    dilation_rate=1, activation="tanh", recurrent_activation="sigmoid", ...): the arguments,
    weights and behaviour of `nnet.layers.conv_lstm.ConvLSTM` with 2 spatial axes.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.ConvLSTM2D(4, 3, padding="same")(np.ones((2, 5, 8, 8, 1))).shape
        (2, 8, 8, 4)
    """

    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(2, filters, kernel_size, *args, **kwargs)
