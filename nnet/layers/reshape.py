"""Reshape: gives each sample a new shape; the batch axis is kept."""

import math

import numpy as np

from nnet import ops
from nnet.layers.layer import LAYERS, Layer


def _validate_target_shape(target_shape):
    try:
        shape = tuple(target_shape)
    except TypeError:
        shape = None
    valid = shape is not None and all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= -1 for n in shape
    )
    if not valid or shape.count(-1) > 1:
        raise ValueError(
            f"Expected a tuple of non-negative integers, with at most one -1 for an inferred "
            f"dimension, for target_shape. Received: target_shape={target_shape!r}"
        )
    return tuple(int(n) for n in shape)


def _resolve_target_shape(sample_shape, target_shape):
    """`target_shape` with its -1 replaced by the size that keeps the element count of
    `sample_shape` (or None when `sample_shape` has unknown dims); raises when it cannot fit."""
    if any(n is None for n in sample_shape):
        return tuple(None if n == -1 else n for n in target_shape)
    size = math.prod(sample_shape)
    known = math.prod(n for n in target_shape if n != -1)
    if -1 in target_shape:
        fits = known != 0 and size % known == 0
        resolved = tuple(size // known if fits and n == -1 else n for n in target_shape)
    else:
        fits = size == known
        resolved = target_shape
    if not fits:
        raise ValueError(
            f"Cannot reshape samples of shape {tuple(sample_shape)} ({size} elements) to "
            f"target_shape={target_shape}. The total size must be unchanged: pick a "
            f"target_shape whose product is {size}, or use -1 for one dimension."
        )
    return resolved


@LAYERS.register
class Reshape(Layer):
    """Reshapes each sample to `target_shape`: ``(batch, *s) -> (batch, *target_shape)``.

    Args:
        target_shape: the new shape of one sample (without the batch axis); one entry may be
            -1, inferred from the number of elements.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Reshape((3, -1))(np.zeros((2, 12))).shape
        (2, 3, 4)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = _validate_target_shape(target_shape)
        self.built = True

    def call(self, inputs):
        shape = _resolve_target_shape(inputs.shape[1:], self.target_shape)
        return ops.reshape(inputs, (inputs.shape[0], *shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *_resolve_target_shape(input_shape[1:], self.target_shape))

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config
