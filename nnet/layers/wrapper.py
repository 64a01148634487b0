"""Wrapper: the base of layers that wrap another layer and add to what it does."""

from nnet.layers.layer import LAYERS, Layer
from nnet.utils.registry import serialize_keras_object


@LAYERS.register
class Wrapper(Layer):
    """Base class of wrappers: layers that hold one inner layer (`layer`) and change how it is
    applied or what its weights are. Not used as a layer by itself.

    The inner layer is tracked, so its weights are the wrapper's; its config is saved inside
    the wrapper's under ``"layer"``, as Keras saves it.

    Args:
        layer: the `nnet.layers.Layer` to wrap.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> import numpy as np, nnet
        >>> class Twice(nnet.layers.Wrapper):
        ...     def call(self, x):
        ...         return self.layer(x) * 2
        >>> Twice(nnet.layers.Identity())(np.ones((1, 2))).numpy()
        array([[2., 2.]], dtype=float32)
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Layer {layer!r} supplied to Wrapper isn't a supported layer type. Pass an "
                f"nnet.layers.Layer instance as layer."
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True

    def get_config(self):
        return {**super().get_config(), "layer": serialize_keras_object(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = LAYERS.deserialize(config.pop("layer"), custom_objects)
        return super().from_config({**config, "layer": layer})
