"""GlobalAveragePooling3D (alias GlobalAvgPool3D): the mean over all 3 spatial dimensions."""

from nnet import ops
from nnet.layers.base_global_pooling import BaseGlobalPooling
from nnet.layers.layer import LAYERS


@LAYERS.register(aliases=("GlobalAvgPool3D",))
class GlobalAveragePooling3D(BaseGlobalPooling):
    """The mean over the spatial axes (dim1, dim2, dim3), per sample and channel.

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        keepdims: keep the spatial axes with length 1 (default False).
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, dim1, dim2, dim3, channels)`` (channels second for channels_first) ->
    ``(batch, channels)``, or with `keepdims` the input's rank with each spatial length 1.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.GlobalAveragePooling3D()(np.zeros((2, 4, 4, 4, 3))).shape
        (2, 3)
    """

    pool_dimensions = 3
    reduce = staticmethod(ops.mean)


GlobalAvgPool3D = GlobalAveragePooling3D
