"""LeakyReLU: the rectified linear unit with a small slope for negative inputs."""

import warnings

from nnet import ops
from nnet.layers.layer import LAYERS, Layer
from nnet.layers.re_lu import _check_non_negative


@LAYERS.register
class LeakyReLU(Layer):
    """Leaky rectified linear unit: ``x`` where ``x >= 0``, ``negative_slope * x`` elsewhere.

    Args:
        negative_slope: float >= 0, the slope for negative inputs (0.3 by default, as in
            Keras; note that the function `nnet.activations.leaky_relu` defaults to 0.2).
        **kwargs: base Layer arguments (``name``, ``dtype``, ...). The Keras 2 name ``alpha``
            is accepted for `negative_slope`, with a warning.

    Shapes: any shape; the output has the input's shape.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.LeakyReLU(negative_slope=0.5)(np.array([-10.0, 0.0, 5.0])).numpy()
        array([-5.,  0.,  5.], dtype=float32)
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.",
                          stacklevel=2)
        super().__init__(**kwargs)
        _check_non_negative("negative_slope", negative_slope)
        self.negative_slope = negative_slope
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config
