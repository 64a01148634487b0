"""Cropping1D: removes steps at the start and the end of sequences."""

from nnet.layers.base_cropping import BaseCropping
from nnet.layers.layer import LAYERS
from nnet.ops.pooling import standardize_tuple


@LAYERS.register
class Cropping1D(BaseCropping):
    """Removes `cropping[0]` steps at the start and `cropping[1]` at the end (axis 1).

    Args:
        cropping: an integer (both ends) or a pair ``(start, end)``. Default ``(1, 1)``.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, steps, features)`` -> ``(batch, steps - start - end, features)``.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Cropping1D((1, 2))(np.arange(5.0).reshape(1, 5, 1)).numpy()[0, :, 0]
        array([1., 2.], dtype=float32)
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        cropping = standardize_tuple(cropping, 2, "cropping", allow_zero=True)
        super().__init__(cropping, (cropping,), "channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return config
