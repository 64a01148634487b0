"""AdaptiveMaxPooling3D: max pooling of 3 spatial dimensions to a fixed output size."""

from nnet.layers.base_adaptive_pooling import BaseAdaptiveMaxPooling
from nnet.layers.layer import LAYERS


@LAYERS.register
class AdaptiveMaxPooling3D(BaseAdaptiveMaxPooling):
    """The maximum over `output_size` bins of each spatial axis (dim1, dim2, dim3), any input size.

    Bin i of an axis of length L covers ``[floor(i L / n), ceil((i + 1) L / n))``, as in Keras
    and PyTorch.

    Args:
        output_size: an integer or a tuple of 3 integers: the output's spatial size.
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, dim1, dim2, dim3, channels)`` (channels second for channels_first) -> the same
    with the spatial lengths `output_size`.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.AdaptiveMaxPooling3D(3)(np.zeros((2, 5, 7, 9, 3))).shape
        (2, 3, 3, 3, 3)
    """

    pool_dimensions = 3
