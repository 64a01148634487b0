"""Cropping2D: removes rows and columns at the borders of images."""

from nnet.layers.base_cropping import BaseCropping
from nnet.layers.base_zero_padding import standardize_pairs
from nnet.layers.layer import LAYERS


@LAYERS.register
class Cropping2D(BaseCropping):
    """Removes rows at the top and bottom and columns at the left and right of images.

    Args:
        cropping: an integer (every side), a pair ``(rows, cols)`` (symmetric per axis) or
            ``((top, bottom), (left, right))``. Default ``((0, 0), (0, 0))``.
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, rows, cols, channels)`` -> ``(batch, rows - top - bottom,
    cols - left - right, channels)`` (channels second for channels_first).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Cropping2D(((1, 0), (2, 1)))(np.zeros((1, 4, 5, 3))).shape
        (1, 3, 2, 3)
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        cropping = standardize_pairs(cropping, 2, "cropping")
        super().__init__(cropping, cropping, data_format, **kwargs)
