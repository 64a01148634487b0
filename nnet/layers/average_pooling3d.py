"""AveragePooling3D (alias AvgPool3D): average pooling over 3 spatial dimensions."""

from nnet.layers.base_pooling import BasePooling
from nnet.layers.layer import LAYERS


@LAYERS.register(aliases=("AvgPool3D",))
class AveragePooling3D(BasePooling):
    """The mean of each `pool_size` window, moved by `strides` (dim1, dim2, dim3).

    Args:
        pool_size: an integer or a tuple of 3 integers: the window.
        strides: same form; None (default) means `pool_size`.
        padding: ``"valid"`` (default) or ``"same"`` (output length ``ceil(length / stride)``,
            TensorFlow's padding; padded cells are not counted).
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, dim1, dim2, dim3, channels)`` (channels second for channels_first) -> the
    same with each spatial length ``(length - pool) // stride + 1`` ("valid") or
    ``ceil(length / stride)`` ("same").

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.AveragePooling3D(2)(np.zeros((2, 4, 4, 4, 3))).shape
        (2, 2, 2, 2, 3)
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=3, pool_mode="average",
                         padding=padding, data_format=data_format, name=name, **kwargs)


AvgPool3D = AveragePooling3D
