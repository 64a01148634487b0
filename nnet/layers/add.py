"""Add: the elementwise sum of a list of tensors."""

import functools

from nnet import ops
from nnet.layers.layer import LAYERS
from nnet.layers.merge import Merge


@LAYERS.register
class Add(Merge):
    """Elementwise sum of a list of inputs: ``x1 + x2 + ... + xn``.

    The inputs have the same shape, or shapes that broadcast (see `Merge`).

    Args:
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: a list of ``(batch, ...)`` tensors -> their broadcast shape.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Add()([np.array([[1.0, 2.0]]), np.array([[10.0, 20.0]])]).numpy()
        array([[11., 22.]], dtype=float32)
    """

    def _merge_function(self, inputs, masks):
        return functools.reduce(ops.add, inputs)


def add(inputs, **kwargs):
    """Functional form of `Add`: ``add(inputs, **kwargs) = Add(**kwargs)(inputs)``.

    Args:
        inputs: a list of tensors with the same (or broadcastable) shapes.
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.add([np.ones((1, 2)), np.ones((1, 2))]).numpy()
        array([[2., 2.]], dtype=float32)
    """
    return Add(**kwargs)(inputs)
