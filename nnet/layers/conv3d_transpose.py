"""Conv3DTranspose: 3D transposed convolution (deconvolution), the input gradient of Conv3D."""

from nnet.layers.base_conv_transpose import BaseConvTranspose
from nnet.layers.layer import LAYERS


@LAYERS.register
class Conv3DTranspose(BaseConvTranspose):
    """3D transposed convolution (deconvolution), the input gradient of Conv3D.

    Args:
        filters: the number of output channels.
        kernel_size: an integer or 3 integers, the window's size.
        strides: an integer or 3 integers, the upsampling factors.
        padding: ``"valid"`` or ``"same"``.
        output_padding: None (inferred) or an integer or 3 integers below `strides`: the
            extra length of the output along each axis.
        data_format: ``"channels_last"`` or ``"channels_first"``; None means
            `nnet.config.image_data_format()`.
        dilation_rate: an integer or 3 integers, the spacing of the kernel's taps.
        activation, use_bias: as in Dense (relu and tanh run fused in the convolution).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: as in Dense.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Conv3DTranspose(2, 2, strides=2)(np.ones((1, 3, 3, 3, 2))).shape
        (1, 6, 6, 6, 2)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1, 1), activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


Convolution3DTranspose = Conv3DTranspose
