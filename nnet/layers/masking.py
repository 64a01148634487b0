"""Masking: marks the timesteps whose features all equal `mask_value` as padding."""

from nnet import ops
from nnet.layers.layer import LAYERS, Layer


@LAYERS.register
class Masking(Layer):
    """Masks every timestep whose features all equal `mask_value`, and zeroes it.

    The output mask is ``any(inputs != mask_value, axis=-1)``: True where a timestep holds data.
    Masking-aware layers downstream (RNNs, attention, pooling, losses) skip the masked steps.

    Args:
        mask_value: the padding value.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, timesteps, features)`` (any rank >= 2); the output has the input's shape
    and a mask of shape ``(batch, timesteps)``.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]])
        >>> out = nnet.layers.Masking(mask_value=0.0)(x)
        >>> out._keras_mask
        array([[ True, False,  True]])
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self._build_at_init()

    def compute_mask(self, inputs, previous_mask=None):
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1).numpy()

    def call(self, inputs):
        keep = ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return ops.where(keep, inputs, ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
