"""nnet.layers: the Keras layer catalogue."""

from nnet.layers.activation import Activation
from nnet.layers.activity_regularization import ActivityRegularization
from nnet.layers.add import Add, add
from nnet.layers.alpha_dropout import AlphaDropout
from nnet.layers.average import Average, average
from nnet.layers.batch_normalization import BatchNormalization
from nnet.layers.category_encoding import CategoryEncoding
from nnet.layers.concatenate import Concatenate, concatenate
from nnet.layers.dense import Dense
from nnet.layers.discretization import Discretization
from nnet.layers.dot import Dot, dot
from nnet.layers.dropout import Dropout
from nnet.layers.elu import ELU
from nnet.layers.embedding import Embedding
from nnet.layers.flatten import Flatten
from nnet.layers.gaussian_dropout import GaussianDropout
from nnet.layers.gaussian_noise import GaussianNoise
from nnet.layers.identity import Identity
from nnet.layers.input_layer import Input, InputLayer
from nnet.layers.input_spec import InputSpec
from nnet.layers.lambda_layer import Lambda
from nnet.layers.layer import LAYERS, Layer
from nnet.layers.layer_normalization import LayerNormalization
from nnet.layers.leaky_re_lu import LeakyReLU
from nnet.layers.masking import Masking
from nnet.layers.maximum import Maximum, maximum
from nnet.layers.minimum import Minimum, minimum
from nnet.layers.multiply import Multiply, multiply
from nnet.layers.normalization import Normalization
from nnet.layers.p_re_lu import PReLU
from nnet.layers.permute import Permute
from nnet.layers.re_lu import ReLU
from nnet.layers.repeat_vector import RepeatVector
from nnet.layers.rescaling import Rescaling
from nnet.layers.reshape import Reshape
from nnet.layers.softmax import Softmax
from nnet.layers.subtract import Subtract, subtract
from nnet.layers.unit_normalization import UnitNormalization
from nnet.utils.registry import serialize_object


def deserialize(config, custom_objects=None):
    """Build a layer from ``{"class_name": ..., "config": {...}}`` (Keras's layer JSON).

    Every built-in layer, and the model classes (nested models), are found by class name.

    Args:
        config: the layer's config dict, as `serialize` writes it.
        custom_objects: optional ``{name: class}`` for layers defined outside nnet.

    Example:
        >>> deserialize({"class_name": "Dense", "config": {"units": 3}}).units
        3
    """
    return LAYERS.deserialize(config, custom_objects)


def serialize(layer):
    """A layer's Keras JSON: ``{"module", "class_name", "config", "registered_name"}``.

    Example:
        >>> serialize(Dense(3))["class_name"]
        'Dense'
    """
    return serialize_object(layer)
