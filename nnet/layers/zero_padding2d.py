"""ZeroPadding2D: rows and columns of zeros added around images."""

from nnet.layers.base_zero_padding import BaseZeroPadding, standardize_pairs
from nnet.layers.layer import LAYERS


@LAYERS.register
class ZeroPadding2D(BaseZeroPadding):
    """Pads the rows and columns of images with zeros.

    Args:
        padding: an integer (every side), a pair ``(rows, cols)`` (symmetric per axis) or
            ``((top, bottom), (left, right))``. Default ``(1, 1)``.
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, rows, cols, channels)`` -> ``(batch, top + rows + bottom,
    left + cols + right, channels)`` (channels second for channels_first).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.ZeroPadding2D(((1, 0), (0, 2)))(np.ones((1, 2, 2, 1))).shape
        (1, 3, 4, 1)
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        padding = standardize_pairs(padding, 2, "padding")
        super().__init__(padding, padding, data_format, **kwargs)
