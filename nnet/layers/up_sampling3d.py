"""UpSampling3D: repeats each cell of a volume along the three spatial axes."""

from nnet.layers.base_up_sampling import BaseUpSampling
from nnet.layers.layer import LAYERS


@LAYERS.register
class UpSampling3D(BaseUpSampling):
    """Repeats each cell `size[i]` times along spatial axis i (nearest-neighbour upsampling).

    Args:
        size: an integer or 3 integers, the factors of (dim1, dim2, dim3). Default (2, 2, 2).
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, dim1, dim2, dim3, channels)`` -> each spatial length times its factor
    (channels second for channels_first).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.UpSampling3D((1, 2, 3))(np.zeros((1, 2, 2, 2, 4))).shape
        (1, 2, 4, 6, 4)
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, 3, data_format, **kwargs)
