"""ReLU: the rectified linear unit, with Keras's cap, leak and threshold options."""

from nnet import ops
from nnet.layers.layer import LAYERS, Layer


def _check_non_negative(argument, value, allow_none=False):
    if value is None and allow_none:
        return
    if value is None or value < 0:
        raise ValueError(
            f"Expected a float >= 0 for {argument}"
            f"{' (or None)' if allow_none else ''}. Received: {argument}={value!r}"
        )


@LAYERS.register
class ReLU(Layer):
    """Rectified linear unit with an optional cap, leak and threshold.

    ``f(x) = max_value`` for ``x >= max_value``, ``x`` for ``threshold <= x < max_value``, and
    ``negative_slope * (x - threshold)`` below the threshold.

    Args:
        max_value: float >= 0, the largest output, or None for no cap.
        negative_slope: float >= 0, the slope below the threshold.
        threshold: float >= 0, where the unit starts to pass its input.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: any shape; the output has the input's shape.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.ReLU(max_value=10, negative_slope=0.5)
        >>> layer(np.array([-10.0, -5.0, 0.0, 5.0, 20.0])).numpy()
        array([-5. , -2.5,  0. ,  5. , 10. ], dtype=float32)
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        _check_non_negative("max_value", max_value, allow_none=True)
        _check_non_negative("negative_slope", negative_slope)
        _check_non_negative("threshold", threshold)
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        return ops.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                        threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config
