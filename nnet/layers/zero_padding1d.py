"""ZeroPadding1D: zeros added before and after the steps axis."""

from nnet.layers.base_zero_padding import BaseZeroPadding
from nnet.layers.layer import LAYERS
from nnet.ops.pooling import standardize_tuple


@LAYERS.register
class ZeroPadding1D(BaseZeroPadding):
    """Pads the steps axis with zeros: `padding[0]` steps before, `padding[1]` after.

    Args:
        padding: an integer (the same on both sides, default 1) or a pair ``(before, after)``.
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, steps, channels)`` -> ``(batch, steps + before + after, channels)``
    (the steps axis is last for channels_first).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.ZeroPadding1D((1, 2))(np.ones((1, 2, 1))).numpy()[0, :, 0]
        array([0., 1., 1., 0., 0.], dtype=float32)
    """

    def __init__(self, padding=1, data_format=None, **kwargs):
        padding = standardize_tuple(padding, 2, "padding", allow_zero=True)
        super().__init__(padding, (padding,), data_format, **kwargs)
