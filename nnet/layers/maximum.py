"""Maximum: the elementwise maximum of a list of tensors."""

from nnet import ops
from nnet.layers.layer import LAYERS
from nnet.layers.merge import Merge


@LAYERS.register
class Maximum(Merge):
    """Elementwise maximum of a list of inputs: ``max(x1, x2, ..., xn)``.

    With masks, a masked-out entry does not take part: the maximum is over the unmasked inputs.

    Args:
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: a list of ``(batch, ...)`` tensors -> their broadcast shape.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Maximum()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).numpy()
        array([[3., 5.]], dtype=float32)
    """

    def _merge_function(self, inputs, masks):
        return self._apply_merge_op_and_or_mask(ops.maximum, inputs, masks)


def maximum(inputs, **kwargs):
    """Functional form of `Maximum`: ``maximum(inputs, **kwargs) = Maximum(**kwargs)(inputs)``.

    Args:
        inputs: a list of tensors with the same (or broadcastable) shapes.
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.maximum([np.array([[1.0, -1.0]]), np.zeros((1, 2))]).numpy()
        array([[1., 0.]], dtype=float32)
    """
    return Maximum(**kwargs)(inputs)
