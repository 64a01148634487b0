"""ZeroPadding3D: zeros added around volumes."""

from nnet.layers.base_zero_padding import BaseZeroPadding, standardize_pairs
from nnet.layers.layer import LAYERS


@LAYERS.register
class ZeroPadding3D(BaseZeroPadding):
    """Pads the three spatial axes of volumes with zeros.

    Args:
        padding: an integer (every side), a tuple of 3 integers (symmetric per axis) or
            3 pairs ``((before, after), ...)``. Default ``((1, 1), (1, 1), (1, 1))``.
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, dim1, dim2, dim3, channels)`` -> each spatial length plus its two
    paddings (channels second for channels_first).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.ZeroPadding3D((1, 0, 2))(np.ones((1, 2, 2, 2, 1))).shape
        (1, 4, 2, 6, 1)
    """

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        padding = standardize_pairs(padding, 3, "padding")
        super().__init__(padding, padding, data_format, **kwargs)
