"""Average: the elementwise mean of a list of tensors."""

import functools

from nnet import ops
from nnet.layers.layer import LAYERS
from nnet.layers.merge import Merge


@LAYERS.register
class Average(Merge):
    """Elementwise mean of a list of inputs: ``(x1 + x2 + ... + xn) / n``.

    Args:
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: a list of ``(batch, ...)`` tensors -> their broadcast shape.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Average()([np.array([[1.0, 2.0]]), np.array([[3.0, 6.0]])]).numpy()
        array([[2., 4.]], dtype=float32)
    """

    def _merge_function(self, inputs, masks):
        return ops.divide(functools.reduce(ops.add, inputs), len(inputs))


def average(inputs, **kwargs):
    """Functional form of `Average`: ``average(inputs, **kwargs) = Average(**kwargs)(inputs)``.

    Args:
        inputs: a list of tensors with the same (or broadcastable) shapes.
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.average([np.zeros((1, 2)), np.ones((1, 2))]).numpy()
        array([[0.5, 0.5]], dtype=float32)
    """
    return Average(**kwargs)(inputs)
