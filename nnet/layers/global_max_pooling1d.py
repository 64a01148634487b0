"""GlobalMaxPooling1D (alias GlobalMaxPool1D): the maximum over all 1 spatial dimension."""

from nnet import ops
from nnet.layers.base_global_pooling import BaseGlobalPooling
from nnet.layers.layer import LAYERS


@LAYERS.register(aliases=("GlobalMaxPool1D",))
class GlobalMaxPooling1D(BaseGlobalPooling):
    """The maximum over the spatial axes (steps), per sample and channel.

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        keepdims: keep the spatial axes with length 1 (default False).
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, steps, channels)`` (channels second for channels_first) ->
    ``(batch, channels)``, or with `keepdims` the input's rank with each spatial length 1.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.GlobalMaxPooling1D()(np.zeros((2, 6, 3))).shape
        (2, 3)
    """

    pool_dimensions = 1
    reduce = staticmethod(ops.max)


GlobalMaxPool1D = GlobalMaxPooling1D
