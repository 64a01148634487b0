"""GlobalAveragePooling2D (alias GlobalAvgPool2D): the mean over all 2 spatial dimensions."""

from nnet import ops
from nnet.layers.base_global_pooling import BaseGlobalPooling
from nnet.layers.layer import LAYERS


@LAYERS.register(aliases=("GlobalAvgPool2D",))
class GlobalAveragePooling2D(BaseGlobalPooling):
    """The mean over the spatial axes (rows, cols), per sample and channel.

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        keepdims: keep the spatial axes with length 1 (default False).
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, rows, cols, channels)`` (channels second for channels_first) ->
    ``(batch, channels)``, or with `keepdims` the input's rank with each spatial length 1.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.GlobalAveragePooling2D()(np.zeros((2, 6, 6, 3))).shape
        (2, 3)
    """

    pool_dimensions = 2
    reduce = staticmethod(ops.mean)


GlobalAvgPool2D = GlobalAveragePooling2D
