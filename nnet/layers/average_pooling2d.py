"""AveragePooling2D (alias AvgPool2D): average pooling over 2 spatial dimensions."""

from nnet.layers.base_pooling import BasePooling
from nnet.layers.layer import LAYERS


@LAYERS.register(aliases=("AvgPool2D",))
class AveragePooling2D(BasePooling):
    """The mean of each `pool_size` window, moved by `strides` (rows, cols).

    Args:
        pool_size: an integer or a tuple of 2 integers: the window.
        strides: same form; None (default) means `pool_size`.
        padding: ``"valid"`` (default) or ``"same"`` (output length ``ceil(length / stride)``,
            TensorFlow's padding; padded cells are not counted).
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, rows, cols, channels)`` (channels second for channels_first) -> the
    same with each spatial length ``(length - pool) // stride + 1`` ("valid") or
    ``ceil(length / stride)`` ("same").

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.AveragePooling2D(2)(np.zeros((2, 6, 6, 3))).shape
        (2, 3, 3, 3)
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=2, pool_mode="average",
                         padding=padding, data_format=data_format, name=name, **kwargs)


AvgPool2D = AveragePooling2D
