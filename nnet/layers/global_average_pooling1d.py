"""GlobalAveragePooling1D (alias GlobalAvgPool1D): the mean over the steps, mask respected."""

from nnet import ops
from nnet.layers.base_global_pooling import BaseGlobalPooling
from nnet.layers.layer import LAYERS


@LAYERS.register(aliases=("GlobalAvgPool1D",))
class GlobalAveragePooling1D(BaseGlobalPooling):
    """The mean over the steps, per sample and channel; a mask leaves its False steps out.

    ``y[b, c] = sum_t m[b, t] x[b, t, c] / sum_t m[b, t]`` with the mask m (all ones without one).

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.
        keepdims: keep the steps axis with length 1 (default False).
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: ``(batch, steps, channels)`` (``(batch, channels, steps)`` for channels_first).
        mask: optional ``(batch, steps)`` booleans, True for the steps to average.

    Shapes: -> ``(batch, channels)``, or ``(batch, 1, channels)`` / ``(batch, channels, 1)``
    with `keepdims`. The output carries no mask.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.array([[[1.0], [3.0], [8.0]]])
        >>> nnet.layers.GlobalAveragePooling1D()(x, mask=np.array([[True, True, False]])).numpy()
        array([[2.]], dtype=float32)
    """

    pool_dimensions = 1
    reduce = staticmethod(ops.mean)

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        steps = self._axes[0]
        if mask is None:
            return super().call(inputs)
        mask = ops.cast(ops.expand_dims(mask, 2 if steps == 1 else 1), "bool")
        # where, not a product: a NaN or inf at a masked step stays out of the sum.
        total = ops.sum(ops.where(mask, inputs, 0), axis=steps, keepdims=self.keepdims)
        return total / ops.sum(ops.cast(mask, inputs.dtype), axis=steps, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


GlobalAvgPool1D = GlobalAveragePooling1D
