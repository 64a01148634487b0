"""Softmax: the normalized exponential along one or more axes, with an optional mask."""

import numpy as np

from nnet import backend, ops
from nnet.autodiff.tensor import Tensor
from nnet.layers.layer import LAYERS, Layer


@LAYERS.register
class Softmax(Layer):
    """Softmax activation layer: ``exp(x - max(x)) / sum(exp(x - max(x)))`` along `axis`.

    Args:
        axis: the axis, or a list of axes, along which the outputs sum to 1.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: the logits.
        mask: optional boolean (or 0/1) array broadcastable to `inputs`; masked positions get
            probability 0, and an axis that is masked everywhere is all zeros.

    Shapes: any shape; the output has the input's shape.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.Softmax()
        >>> layer(np.array([[1.0, 2.0, 1.0]])).numpy().round(4)
        array([[0.2119, 0.5761, 0.2119]], dtype=float32)
        >>> layer(np.array([[1.0, 2.0, 1.0]]), mask=np.array([[1, 0, 1]])).numpy()
        array([[0.5, 0. , 0.5]], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = _boolean_mask(mask, inputs.shape)
            # A large finite negative rather than -inf, so that a fully masked axis stays finite.
            inputs = ops.where(mask, inputs, -3e4 if inputs.dtype == np.float16 else -1e9)
        if isinstance(self.axis, (list, tuple)) and len(self.axis) > 1:
            axis = tuple(self.axis)
            outputs = ops.exp(inputs - ops.logsumexp(inputs, axis=axis, keepdims=True))
        else:
            axis = self.axis[0] if isinstance(self.axis, (list, tuple)) else self.axis
            outputs = ops.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = ops.where(mask, outputs, 0.0)
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def _boolean_mask(mask, shape):
    """`mask` as a boolean array, after checking that it broadcasts to `shape` without growing."""
    mask = mask.data if isinstance(mask, Tensor) else backend.asarray(mask)
    fits = mask.ndim <= len(shape) and all(
        m in (1, n) for m, n in zip(mask.shape[::-1], shape[::-1])
    )
    if not fits:
        raise ValueError(
            f"The mask must be broadcastable to the inputs: each mask dimension must be 1 or "
            f"match the input dimension, with no extra dimensions. Received: "
            f"inputs.shape={tuple(shape)}, mask.shape={mask.shape}"
        )
    return mask if mask.dtype == bool else mask > 0.5
