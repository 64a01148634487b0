"""ConvLSTM3D: 3D convolutional LSTM."""

from nnet.layers.conv_lstm import ConvLSTM
from nnet.layers.layer import LAYERS


@LAYERS.register
class ConvLSTM3D(ConvLSTM):
    """3D convolutional LSTM over (batch, time, depth, rows, cols, channels) inputs (channels_last).

    ConvLSTM3D(filters, kernel_size, strides=1, padding="valid", data_format=None,
    dilation_rate=1, activation="tanh", recurrent_activation="sigmoid", ...): the arguments,
    weights and behaviour of `nnet.layers.conv_lstm.ConvLSTM` with 3 spatial axes.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.ConvLSTM3D(4, 3, padding="same")(np.ones((2, 5, 4, 4, 4, 1))).shape
        (2, 4, 4, 4, 4)
    """

    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(3, filters, kernel_size, *args, **kwargs)
