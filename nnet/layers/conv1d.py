"""Conv1D: 1D convolution (temporal convolution) over (batch, steps, channels) inputs."""

from nnet.layers.base_conv import BaseConv
from nnet.layers.layer import LAYERS


@LAYERS.register
class Conv1D(BaseConv):
    """1D convolution (temporal convolution) over (batch, steps, channels) inputs.

    Args:
        filters: the number of output channels (a multiple of `groups`).
        kernel_size: an integer or 1 integers, the window's size.
        strides: an integer or 1 integers; strides > 1 excludes dilation_rate > 1.
        padding: ``"valid"``, ``"same"`` or ``"causal"`` (output[t] sees only inputs[:t + 1]).
        data_format: ``"channels_last"`` or ``"channels_first"``; None means
            `nnet.config.image_data_format()`.
        dilation_rate: an integer or 1 integers, the spacing of the kernel's taps.
        groups: the number of channel groups (the input channels must be a multiple of it).
        activation, use_bias: as in Dense (relu and tanh run fused in the convolution).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: as in Dense.
        lora_rank, lora_alpha: (keyword) a trainable low-rank update of a frozen kernel.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Conv1D(8, 3, padding="causal", activation="relu")(np.ones((4, 10, 3))).shape
        (4, 10, 8)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


Convolution1D = Conv1D
