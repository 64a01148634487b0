"""Multiply: the elementwise product of a list of tensors."""

from nnet import ops
from nnet.layers.layer import LAYERS
from nnet.layers.merge import Merge


@LAYERS.register
class Multiply(Merge):
    """Elementwise product of a list of inputs: ``x1 * x2 * ... * xn``.

    With masks, a masked-out entry counts as 1 (it does not take part), and when every input
    has a mask, entries masked out in all of them are 0.

    Args:
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: a list of ``(batch, ...)`` tensors -> their broadcast shape.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Multiply()([np.array([[2.0, 3.0]]), np.array([[4.0, 5.0]])]).numpy()
        array([[ 8., 15.]], dtype=float32)
    """

    def _merge_function(self, inputs, masks):
        has_output_mask = all(m is not None for m in masks)
        output, output_mask = None, None
        for x, mask in zip(inputs, masks):
            if mask is not None:
                mask = self._broadcast_mask(mask, x)
                x = ops.where(mask, x, 1.0)
                if has_output_mask:
                    output_mask = mask if output_mask is None else output_mask | mask
            output = x if output is None else ops.multiply(output, x)
        if has_output_mask:
            output = ops.where(output_mask, output, 0.0)
        return output


def multiply(inputs, **kwargs):
    """Functional form of `Multiply`: ``multiply(inputs, **kwargs) = Multiply(**kwargs)(inputs)``.

    Args:
        inputs: a list of tensors with the same (or broadcastable) shapes.
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.multiply([np.full((1, 2), 2.0), np.full((1, 2), 3.0)]).numpy()
        array([[6., 6.]], dtype=float32)
    """
    return Multiply(**kwargs)(inputs)
