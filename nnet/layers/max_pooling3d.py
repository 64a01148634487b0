"""MaxPooling3D (alias MaxPool3D): max pooling over 3 spatial dimensions."""

from nnet.layers.base_pooling import BasePooling
from nnet.layers.layer import LAYERS


@LAYERS.register(aliases=("MaxPool3D",))
class MaxPooling3D(BasePooling):
    """The maximum of each `pool_size` window, moved by `strides` (dim1, dim2, dim3).

    Args:
        pool_size: an integer or a tuple of 3 integers: the window. Default (2, 2, 2).
        strides: same form; None (default) means `pool_size`.
        padding: ``"valid"`` (default) or ``"same"`` (output length ``ceil(length / stride)``,
            TensorFlow's padding; padded cells never win).
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, dim1, dim2, dim3, channels)`` (channels second for channels_first) -> the
    same with each spatial length ``(length - pool) // stride + 1`` ("valid") or
    ``ceil(length / stride)`` ("same").

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.MaxPooling3D()(np.zeros((2, 4, 4, 4, 3))).shape
        (2, 2, 2, 2, 3)
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=3, pool_mode="max",
                         padding=padding, data_format=data_format, name=name, **kwargs)


MaxPool3D = MaxPooling3D
