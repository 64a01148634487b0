"""AdaptiveAveragePooling1D: average pooling of 1 spatial dimension to a fixed output size."""

from nnet.layers.base_adaptive_pooling import BaseAdaptiveAveragePooling
from nnet.layers.layer import LAYERS


@LAYERS.register
class AdaptiveAveragePooling1D(BaseAdaptiveAveragePooling):
    """The mean over `output_size` bins of each spatial axis (steps), any input size.

    Bin i of an axis of length L covers ``[floor(i L / n), ceil((i + 1) L / n))``, as in Keras
    and PyTorch.

    Args:
        output_size: an integer or a tuple of 1 integers: the output's spatial size.
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, steps, channels)`` (channels second for channels_first) -> the same
    with the spatial lengths `output_size`.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.AdaptiveAveragePooling1D(3)(np.zeros((2, 7, 3))).shape
        (2, 3, 3)
    """

    pool_dimensions = 1
