"""nnet.layers: the Keras layer catalogue."""

from nnet.layers.activation import Activation
from nnet.layers.add import Add, add
from nnet.layers.average import Average, average
from nnet.layers.batch_normalization import BatchNormalization
from nnet.layers.concatenate import Concatenate, concatenate
from nnet.layers.dense import Dense
from nnet.layers.dot import Dot, dot
from nnet.layers.dropout import Dropout
from nnet.layers.elu import ELU
from nnet.layers.flatten import Flatten
from nnet.layers.input_layer import Input, InputLayer
from nnet.layers.layer import InputSpec, Layer
from nnet.layers.layer_normalization import LayerNormalization
from nnet.layers.leaky_re_lu import LeakyReLU
from nnet.layers.maximum import Maximum, maximum
from nnet.layers.minimum import Minimum, minimum
from nnet.layers.multiply import Multiply, multiply
from nnet.layers.p_re_lu import PReLU
from nnet.layers.re_lu import ReLU
from nnet.layers.reshape import Reshape
from nnet.layers.softmax import Softmax
from nnet.layers.subtract import Subtract, subtract
from nnet.utils.registry import Registry

_REGISTRY = Registry("layer", Layer)
for _cls in [
    Activation, Add, Average, BatchNormalization, Concatenate, Dense, Dot, Dropout, ELU, Flatten,
    InputLayer, LayerNormalization, LeakyReLU, Maximum, Minimum, Multiply, PReLU, ReLU, Reshape,
    Softmax, Subtract,
]:
    _REGISTRY.register(_cls)


def deserialize(config, custom_objects=None):
    """Build a layer from ``{"class_name": ..., "config": {...}}`` (Keras's layer JSON)."""
    from nnet.models import Model, Sequential
    from nnet.models.functional import Functional

    # Models are layers too (nested models), but live in a package that imports this one.
    if "Functional" not in _REGISTRY.names():
        for cls in (Functional, Model, Sequential):
            _REGISTRY.register(cls)
    return _REGISTRY.deserialize(config, custom_objects)


def serialize(layer):
    """A layer's Keras JSON: ``{"module", "class_name", "config", "registered_name"}``."""
    from nnet.utils.registry import serialize_object

    return serialize_object(layer, "keras.layers")
