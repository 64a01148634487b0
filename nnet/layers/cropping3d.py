"""Cropping3D: removes cells at the borders of volumes."""

from nnet.layers.base_cropping import BaseCropping
from nnet.layers.base_zero_padding import standardize_pairs
from nnet.layers.layer import LAYERS


@LAYERS.register
class Cropping3D(BaseCropping):
    """Removes cells before and after each of the three spatial axes.

    Args:
        cropping: an integer (every side), a tuple of 3 integers (symmetric per axis) or
            3 pairs ``((before, after), ...)``. Default ``((1, 1), (1, 1), (1, 1))``.
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, dim1, dim2, dim3, channels)`` -> each spatial length minus its two
    croppings (channels second for channels_first).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Cropping3D()(np.zeros((1, 4, 4, 4, 2))).shape
        (1, 2, 2, 2, 2)
    """

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        cropping = standardize_pairs(cropping, 3, "cropping")
        super().__init__(cropping, cropping, data_format, **kwargs)
