"""Permute: reorders the non-batch axes of its inputs."""

import numbers

from nnet import ops
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import LAYERS, Layer


def _validate_dims(dims):
    """`dims` as a tuple holding a permutation of 1..len(dims); raises ValueError otherwise."""
    try:
        values = tuple(dims) if not isinstance(dims, str) else None
    except TypeError:
        values = None
    valid = values is not None and all(
        isinstance(d, numbers.Integral) and not isinstance(d, bool) for d in values
    ) and sorted(values) == list(range(1, len(values) + 1))
    if not valid:
        raise ValueError(
            f"Expected a permutation of 1, ..., k (the non-batch axes, counted from 1) for dims, "
            f"e.g. (2, 1). Received: dims={dims!r}"
        )
    return tuple(int(d) for d in values)


@LAYERS.register
class Permute(Layer):
    """Permutes the non-batch axes: ``y.shape[i] = x.shape[dims[i - 1]]`` for ``i >= 1``.

    Args:
        dims: tuple of integers, a permutation of ``1, ..., k`` where ``k`` is the number of
            non-batch axes; the batch axis (0) stays first. ``(2, 1)`` swaps the two axes of a
            ``(batch, steps, features)`` input.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, d1, ..., dk)`` -> ``(batch, d_dims[0], ..., d_dims[k-1])``.

    Example:
        >>> import numpy as np
        >>> from nnet.layers.permute import Permute
        >>> Permute((2, 1))(np.zeros((4, 10, 64))).shape
        (4, 64, 10)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = _validate_dims(dims)
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return ops.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config
