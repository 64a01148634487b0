"""RepeatVector: repeats each 2D sample `n` times along a new time axis."""

import numbers

from nnet import ops
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import LAYERS, Layer


@LAYERS.register
class RepeatVector(Layer):
    """Repeats the input `n` times: ``(batch, features) -> (batch, n, features)``.

    ``y[b, t, f] = x[b, f]`` for every ``t < n``; the gradient of ``x`` sums over the copies.

    Args:
        n: positive integer, the number of repetitions.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, features)`` -> ``(batch, n, features)``.

    Example:
        >>> import numpy as np
        >>> from nnet.layers.repeat_vector import RepeatVector
        >>> RepeatVector(3)(np.array([[1.0, 2.0]])).numpy()
        array([[[1., 2.],
                [1., 2.],
                [1., 2.]]], dtype=float32)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n <= 0:
            raise ValueError(
                f"Expected a positive integer for n (the number of repetitions). Received: n={n!r}"
            )
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return ops.stack([inputs] * self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
