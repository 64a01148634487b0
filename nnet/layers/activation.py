"""Activation: applies an activation function, given by name or as a callable."""

from nnet import activations
from nnet.layers.layer import LAYERS, Layer


@LAYERS.register
class Activation(Layer):
    """Applies an activation function to its input: ``output = activation(inputs)``.

    Args:
        activation: the name of a function in `nnet.activations` (``"relu"``, ``"tanh"``, ...)
            or a callable on Tensors.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: any shape; the output has the input's shape.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Activation("relu")(np.array([-3.0, -1.0, 0.0, 2.0])).numpy()
        array([0., 0., 0., 2.], dtype=float32)
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)
        self._build_at_init()

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
