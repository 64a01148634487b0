"""Activation functions by name, as in ``keras.activations``.

The functions are the primitives of `nnet.ops.nn`; this module adds the Keras lookup by name
(`get`), and the config form (`serialize`, `deserialize`). ``None`` means ``linear``.

Example:
    >>> import numpy as np
    >>> from nnet import activations
    >>> activations.get("relu")(np.array([-1.0, 2.0])).numpy()
    array([0., 2.])
    >>> activations.serialize(activations.swish)
    'silu'
"""

import inspect

from nnet.ops import nn as _nn
from nnet.utils.object_registration import get_registered_name
from nnet.utils.registry import Registry, serialize_object

# The activations are primitives of nnet.ops.nn; each registers here, where this module exposes it.
ACTIVATIONS = Registry("activation", module="keras.activations")

celu = ACTIVATIONS.register(_nn.celu)
elu = ACTIVATIONS.register(_nn.elu)
exponential = ACTIVATIONS.register(_nn.exponential)
glu = ACTIVATIONS.register(_nn.glu)
hard_shrink = ACTIVATIONS.register(_nn.hard_shrink)
hard_sigmoid = ACTIVATIONS.register(_nn.hard_sigmoid)
hard_silu = hard_swish = ACTIVATIONS.register(_nn.hard_silu, aliases=("hard_swish",))
hard_tanh = ACTIVATIONS.register(_nn.hard_tanh)
leaky_relu = ACTIVATIONS.register(_nn.leaky_relu)
linear = ACTIVATIONS.register(_nn.linear)
log_sigmoid = ACTIVATIONS.register(_nn.log_sigmoid)
log_softmax = ACTIVATIONS.register(_nn.log_softmax)
mish = ACTIVATIONS.register(_nn.mish)
relu = ACTIVATIONS.register(_nn.relu)
relu6 = ACTIVATIONS.register(_nn.relu6)
selu = ACTIVATIONS.register(_nn.selu)
sigmoid = ACTIVATIONS.register(_nn.sigmoid)
silu = swish = ACTIVATIONS.register(_nn.silu, aliases=("swish",))
soft_shrink = ACTIVATIONS.register(_nn.soft_shrink)
softmax = ACTIVATIONS.register(_nn.softmax)
softplus = ACTIVATIONS.register(_nn.softplus)
softsign = ACTIVATIONS.register(_nn.softsign)
sparse_plus = ACTIVATIONS.register(_nn.sparse_plus)
sparse_sigmoid = ACTIVATIONS.register(_nn.sparse_sigmoid)
sparsemax = ACTIVATIONS.register(_nn.sparsemax)
squareplus = ACTIVATIONS.register(_nn.squareplus)
tanh = ACTIVATIONS.register(_nn.tanh)
tanh_shrink = ACTIVATIONS.register(_nn.tanh_shrink)
threshold = ACTIVATIONS.register(_nn.threshold)

__all__ = [
    "elu", "exponential", "gelu", "hard_sigmoid", "hard_silu", "hard_swish", "leaky_relu",
    "linear", "log_sigmoid", "log_softmax", "mish", "relu", "relu6", "selu", "sigmoid", "silu",
    "softmax", "softplus", "softsign", "swish", "tanh", "celu", "glu", "hard_shrink",
    "hard_tanh", "soft_shrink", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus",
    "tanh_shrink", "threshold", "get", "serialize", "deserialize",
]


@ACTIVATIONS.register
def gelu(x, approximate=False):
    """Gaussian error linear unit: ``x * Phi(x)``, or its tanh approximation.

    Keras's activation defaults to the exact form (``keras.ops.gelu`` to the approximation).

    Args:
        x: the input Tensor or array.
        approximate: use ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.

    Example:
        >>> import numpy as np
        >>> gelu(np.array([0.0, 1.0])).numpy().round(4)
        array([0.    , 0.8413])
    """
    return _nn.gelu(x, approximate=approximate)


# The built-in activations the fused kernels (`nnet.ops.dense`) apply themselves, by identity:
# a function of one's own that happens to be named "relu" is not the built-in.
_FUSED = {linear: None, relu: "relu", tanh: "tanh"}


def fused(activation):
    """Split `activation` into what a fused kernel applies and what is left to apply after it.

    Returns ``(kernel_activation, rest)``: ``("relu", None)`` for the built-in relu, ``(None,
    None)`` for linear, ``(None, activation)`` for anything else (layers, partials, functions).

    Example:
        >>> fused(relu), fused(linear), fused(softmax)[0]
        (('relu', None), (None, None), None)
    """
    try:
        return _FUSED[activation], None
    except (KeyError, TypeError):
        return None, activation


def get(identifier):
    """Resolve an activation: a name gives the function, None gives `linear`.

    A dict (`serialize`'s output) is deserialized; any other callable passes through. An unknown
    name raises a ValueError that lists the valid ones.

    Args:
        identifier: None, a name such as ``"relu"``, a config dict or a callable.

    Example:
        >>> get("swish") is silu, get(None) is linear
        (True, True)
    """
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        return deserialize(identifier)
    return ACTIVATIONS.get(identifier, argument="activation", instantiate=False)


def serialize(activation):
    """The Keras config form of an activation.

    A built-in activation (or None) becomes its name (``"relu"``, ``"linear"``; ``swish`` is
    ``"silu"``). Any other function becomes
    ``{"module": "builtins", "class_name": "function", "config": name, "registered_name":
    "function"}``, with the registered name (``"Custom>fn"``) when it was registered. A callable
    object with a `get_config` (an activation layer) gets the usual object form.

    Args:
        activation: None, a function or a callable object.

    Example:
        >>> serialize(None), serialize(relu)
        ('linear', 'relu')
        >>> def scaled(x):
        ...     return 2 * x
        >>> serialize(scaled)["config"]
        'scaled'
    """
    if activation is None:
        return "linear"
    if inspect.isfunction(activation):
        name = activation.__name__
        if name in ACTIVATIONS.names() and ACTIVATIONS.lookup(name) is activation:
            return name
        return {
            "module": "builtins",
            "class_name": "function",
            "config": get_registered_name(activation),
            "registered_name": "function",
        }
    if hasattr(activation, "get_config"):
        # Callable objects used as activations are Keras layers (ReLU, LeakyReLU, ...).
        return serialize_object(activation)
    raise ValueError(
        f"Cannot serialize activation={activation!r}: it is neither a function nor an object "
        f"with get_config(). Pass a function, or give the object a get_config() method."
    )


def deserialize(config, custom_objects=None):
    """The activation described by a name or by `serialize`'s dict.

    Args:
        config: a name such as ``"relu"``, or a dict from `serialize`.
        custom_objects: optional dict of extra names to functions or classes.

    Example:
        >>> deserialize("gelu") is gelu
        True
        >>> deserialize({"module": "builtins", "class_name": "function", "config": "tanh",
        ...              "registered_name": "function"}) is tanh
        True
    """
    if isinstance(config, dict) and config.get("class_name") == "function":
        config = config["config"]
    return ACTIVATIONS.deserialize(config, custom_objects)
