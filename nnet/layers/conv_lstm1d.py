"""ConvLSTM1D: 1D convolutional LSTM."""

from nnet.layers.conv_lstm import ConvLSTM
from nnet.layers.layer import LAYERS


@LAYERS.register
class ConvLSTM1D(ConvLSTM):
    """1D convolutional LSTM over (batch, time, steps, channels) inputs (channels_last).

    ConvLSTM1D(filters, kernel_size, strides=1, padding="valid", data_format=None,
    dilation_rate=1, activation="tanh", recurrent_activation="sigmoid", ...): the arguments,
    weights and behaviour of `nnet.layers.conv_lstm.ConvLSTM` with 1 spatial axes.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.ConvLSTM1D(4, 3, padding="same")(np.ones((2, 5, 8, 1))).shape
        (2, 8, 4)
    """

    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(1, filters, kernel_size, *args, **kwargs)
