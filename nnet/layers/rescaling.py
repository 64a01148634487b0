"""Rescaling: multiplies the inputs by `scale` and adds `offset`, e.g. pixels to [0, 1]."""

import numpy as np

from nnet import backend, ops
from nnet.layers.layer import LAYERS, Layer


def _serialize_value(value):
    """A JSON-friendly form of a config value, as Keras writes it: NumPy arrays become
    ``{"class_name": "__numpy__", "config": {"value", "dtype"}}``, NumPy scalars Python ones."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return {"class_name": "__numpy__",
                "config": {"value": value.tolist(), "dtype": value.dtype.name}}
    if isinstance(value, (np.generic, np.ndarray)):
        return value.item()
    if isinstance(value, (list, tuple)):
        return type(value)(_serialize_value(v) for v in value)
    if isinstance(value, dict):
        return {k: _serialize_value(v) for k, v in value.items()}
    return value


def _deserialize_value(config):
    """The inverse of `_serialize_value`: ``__numpy__`` entries become NumPy arrays again."""
    if isinstance(config, dict):
        if config.get("class_name") == "__numpy__":
            inner = config["config"]
            return np.array(inner["value"], dtype=inner["dtype"])
        return {k: _deserialize_value(v) for k, v in config.items()}
    if isinstance(config, list):
        return [_deserialize_value(v) for v in config]
    return config


def _validate_factor(value, name):
    try:
        kind = np.asarray(value).dtype.kind
    except (TypeError, ValueError):
        kind = None
    if kind not in ("f", "i", "u"):
        raise ValueError(
            f"Expected a float or an array of floats for {name}. Received: {name}={value!r}"
        )
    return value


@LAYERS.register
class Rescaling(Layer):
    """Rescales the inputs: ``y = x * scale + offset``, in training and inference alike.

    Inputs of any dtype (e.g. uint8 pixels) are cast to the layer's float dtype first.
    `scale` and `offset` may be arrays that broadcast against the inputs, e.g. one value per
    channel; with ``image_data_format() == "channels_first"`` an array `scale` is reshaped to
    ``(channels, 1, 1)`` so that it applies along the channel axis of images.

    Args:
        scale: float or array, the factor. ``1 / 255`` maps [0, 255] to [0, 1].
        offset: float or array, added after scaling. ``scale=1 / 127.5, offset=-1`` maps
            [0, 255] to [-1, 1].
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: any shape; the output has the input's shape.

    Example:
        >>> import numpy as np
        >>> from nnet.layers.rescaling import Rescaling
        >>> Rescaling(1 / 127.5, offset=-1)(np.array([[0, 127.5, 255]])).numpy()
        array([[-1.,  0.,  1.]], dtype=float32)
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = _validate_factor(scale, "scale")
        self.offset = _validate_factor(offset, "offset")
        self.supports_masking = True

    def call(self, inputs):
        if inputs.dtype != self.dtype:
            inputs = ops.cast(inputs, self.dtype)
        scale = backend.asarray(self.scale, dtype=self.dtype)
        offset = backend.asarray(self.offset, dtype=self.dtype)
        if scale.ndim > 0 and backend.image_data_format() == "channels_first":
            scale = scale.reshape(scale.shape + (1,) * (3 - scale.ndim))
        return ops.add(ops.multiply(inputs, scale), offset)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"scale": _serialize_value(self.scale),
                       "offset": _serialize_value(self.offset)})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["scale"] = _deserialize_value(config["scale"])
        config["offset"] = _deserialize_value(config.get("offset", 0.0))
        return super().from_config(config)
