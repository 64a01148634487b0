"""UpSampling1D: repeats each step `size` times."""

from nnet import ops
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import LAYERS, Layer


@LAYERS.register
class UpSampling1D(Layer):
    """Repeats each step of a sequence `size` times along the steps axis (axis 1).

    Args:
        size: a positive integer, the repetition factor (default 2).
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, steps, features)`` -> ``(batch, steps * size, features)``.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.UpSampling1D(2)(np.array([[[1.0], [2.0]]])).numpy()[0, :, 0]
        array([1., 1., 2., 2.], dtype=float32)
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            raise ValueError(f"Expected a positive integer for size. Received: size={size!r}")
        self.size = size
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return ops.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        steps = None if input_shape[1] is None else input_shape[1] * self.size
        return (input_shape[0], steps, input_shape[2])

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config
