"""TimeDistributed: applies a layer to every time step of a sequence."""

from nnet import ops
from nnet.layers.layer import LAYERS, Layer
from nnet.layers.wrapper import Wrapper


@LAYERS.register
class TimeDistributed(Wrapper):
    """Apply `layer` to each slice ``inputs[:, t]`` of a (batch, time, ...) input.

    As in Keras 3 the layer is called once per step (so that a BatchNormalization inside sees
    per-step batches); a (batch, time) mask gives each call its step's mask and passes through.

    Args:
        layer: the layer to apply at every step.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.TimeDistributed(nnet.layers.Dense(3))
        >>> layer(np.ones((2, 5, 4))).shape
        (2, 5, 3)
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Please initialize `TimeDistributed` layer with a `nnet.layers.Layer` "
                f"instance. Received: layer={layer!r}"
            )
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _step_shape(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(
                f"`TimeDistributed` Layer should be passed an `input_shape` with at least 3 "
                f"dimensions, received: input_shape={tuple(input_shape)}"
            )
        return (input_shape[0],) + tuple(input_shape[2:])

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build(self._step_shape(input_shape))
            self.layer.built = True

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._step_shape(input_shape))
        return (child[0], input_shape[1]) + tuple(child[1:])

    def call(self, inputs, training=None, mask=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        if mask is not None and tuple(mask.shape[:2]) != (batch, steps):
            raise ValueError(
                f"`TimeDistributed` Layer should be passed a `mask` of shape ({batch}, "
                f"{steps}, ...), received: mask.shape={tuple(mask.shape)}"
            )
        outputs = []
        for t in range(steps):
            kwargs = {}
            if self.layer._call_has_mask and mask is not None:
                kwargs["mask"] = mask[:, t]
            if self.layer._call_has_training:
                kwargs["training"] = training
            outputs.append(self.layer.call(inputs[:, t], **kwargs))
        return ops.stack(outputs, axis=1)
