"""Minimum: the elementwise minimum of a list of tensors."""

from nnet import ops
from nnet.layers.layer import LAYERS
from nnet.layers.merge import Merge


@LAYERS.register
class Minimum(Merge):
    """Elementwise minimum of a list of inputs: ``min(x1, x2, ..., xn)``.

    With masks, a masked-out entry does not take part: the minimum is over the unmasked inputs.

    Args:
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: a list of ``(batch, ...)`` tensors -> their broadcast shape.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Minimum()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).numpy()
        array([[1., 2.]], dtype=float32)
    """

    def _merge_function(self, inputs, masks):
        return self._apply_merge_op_and_or_mask(ops.minimum, inputs, masks)


def minimum(inputs, **kwargs):
    """Functional form of `Minimum`: ``minimum(inputs, **kwargs) = Minimum(**kwargs)(inputs)``.

    Args:
        inputs: a list of tensors with the same (or broadcastable) shapes.
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.minimum([np.array([[1.0, -1.0]]), np.zeros((1, 2))]).numpy()
        array([[ 0., -1.]], dtype=float32)
    """
    return Minimum(**kwargs)(inputs)
