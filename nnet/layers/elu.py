"""ELU: the exponential linear unit as a layer."""

from nnet import ops
from nnet.layers.layer import LAYERS, Layer


@LAYERS.register
class ELU(Layer):
    """Exponential linear unit: ``x`` where ``x > 0``, ``alpha * (exp(x) - 1)`` elsewhere.

    Args:
        alpha: the scale of the negative part (1.0 by default).
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: any shape; the output has the input's shape.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.ELU(alpha=2.0)(np.array([-np.log(2.0), 3.0])).numpy()
        array([-1.,  3.], dtype=float32)
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        return ops.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config
