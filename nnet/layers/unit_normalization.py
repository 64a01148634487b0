"""UnitNormalization: scales each sample to unit L2 norm over the given axes."""

import numbers

from nnet import backend, ops
from nnet.layers.layer import LAYERS, Layer

# Keras's floor on the norm: the inverse norm is capped at 1 / 1e-12.
_EPSILON = 1e-12


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@LAYERS.register
class UnitNormalization(Layer):
    """Divides the inputs by their L2 norm over `axis`: ``y = x / max(||x||, 1e-12)``.

    The norm ``sqrt(sum(x^2))`` is taken separately for each position along the other axes, so
    with the default ``axis=-1`` every feature vector gets unit length. Norms below 1e-12 are
    replaced by 1e-12 (Keras's epsilon), so zero vectors stay zero.

    Args:
        axis: an int or a list/tuple of ints, the axes to normalize over (the last by default).
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: any shape; the output has the input's shape.

    Example:
        >>> import numpy as np
        >>> from nnet.layers.unit_normalization import UnitNormalization
        >>> UnitNormalization()(np.array([[3.0, 4.0], [0.0, 0.0]])).numpy()
        array([[0.6, 0.8],
               [0. , 0. ]], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(_is_int(a) for a in axis):
            self.axis = [int(a) for a in axis]
        elif _is_int(axis):
            self.axis = int(axis)
        else:
            raise TypeError(
                f"Expected an int or a list/tuple of ints for axis. Received: axis={axis!r}"
            )
        self.supports_masking = True
        self._build_at_init()

    def _axes(self, input_shape):
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        rank = len(input_shape)
        if any(not -rank <= a < rank for a in axes):
            raise ValueError(
                f"Layer '{self.name}' has axis={self.axis}, out of range for inputs of shape "
                f"{tuple(input_shape)} (rank {rank}). Use axes between {-rank} and {rank - 1}."
            )
        return tuple(a % rank for a in axes)

    def call(self, inputs):
        square_sum = ops.sum(ops.square(inputs), axis=self._axes(inputs.shape), keepdims=True)
        # Flooring the squared sum (not the norm) keeps the gradient finite at zero vectors.
        floor = backend.asarray(_EPSILON**2, dtype=inputs.dtype)
        return ops.divide(inputs, ops.sqrt(ops.maximum(square_sum, floor)))

    def compute_output_shape(self, input_shape):
        self._axes(input_shape)
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
