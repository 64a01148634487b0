"""Subtract: the elementwise difference of exactly two tensors."""

from nnet import ops
from nnet.layers.layer import LAYERS
from nnet.layers.merge import Merge


@LAYERS.register
class Subtract(Merge):
    """Elementwise difference of two inputs: ``inputs[0] - inputs[1]``.

    Args:
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: a list of two ``(batch, ...)`` tensors -> their broadcast shape.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Subtract()([np.array([[5.0, 7.0]]), np.array([[1.0, 2.0]])]).numpy()
        array([[4., 5.]], dtype=float32)
    """

    def _check_shapes(self, input_shape):
        super()._check_shapes(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                f'Layer "{self.name}" (Subtract) should be called on exactly 2 inputs, '
                f"computing inputs[0] - inputs[1]. Received {len(input_shape)} inputs: "
                f"input_shape={list(input_shape)}"
            )

    def _merge_function(self, inputs, masks):
        return ops.subtract(inputs[0], inputs[1])


def subtract(inputs, **kwargs):
    """Functional form of `Subtract`: ``subtract(inputs, **kwargs) = Subtract(**kwargs)(inputs)``.

    Args:
        inputs: a list of two tensors with the same (or broadcastable) shapes.
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.subtract([np.ones((1, 2)), np.full((1, 2), 3.0)]).numpy()
        array([[-2., -2.]], dtype=float32)
    """
    return Subtract(**kwargs)(inputs)
