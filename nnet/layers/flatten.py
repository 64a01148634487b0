"""Flatten: collapses every axis but the batch axis into one."""

import math

from nnet import ops
from nnet.backend import standardize_data_format
from nnet.layers.input_spec import InputSpec
from nnet.layers.layer import LAYERS, Layer


@LAYERS.register
class Flatten(Layer):
    """Flattens the inputs to ``(batch, prod(other dims))``; the batch axis is kept.

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``. With channels_first
            inputs ``(batch, channels, ...)`` are moved to channels-last order before flattening,
            so that a model gives the same flattened order under either format.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, d1, ..., dk)`` -> ``(batch, d1 * ... * dk)``; ``(batch,)`` -> ``(batch, 1)``.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Flatten()(np.zeros((2, 3, 4))).shape
        (2, 12)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        rank = inputs.ndim
        if self.data_format == "channels_first" and rank > 2:
            inputs = ops.transpose(inputs, (0, *range(2, rank), 1))
        return ops.reshape(inputs, (inputs.shape[0], math.prod(inputs.shape[1:])))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(n is None for n in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
