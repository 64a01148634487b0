"""Weight initializers, as in ``keras.initializers``: an initializer maps a shape to an array.

Every random draw is made in float64 with NumPy and then cast, so CPU and GPU runs start from the
same weights. With ``seed=None`` the draw comes from the global generator `nnet.backend.rng()`
(re-seeded by `nnet.backend.seed_rng`); with an integer seed a fresh generator is made for every
call, so the same seed gives the same values each time, as in Keras.

Example:
    >>> from nnet import initializers
    >>> initializers.get("glorot_uniform")((3, 2)).shape
    (3, 2)
    >>> initializers.serialize(initializers.Zeros())["class_name"]
    'Zeros'
"""

import numpy as np

from nnet.initializers.constant_initializers import STFT, Constant, Identity, Ones, Zeros
from nnet.initializers.initializer import INITIALIZERS, Initializer, _cast, compute_fans
from nnet.initializers.random_initializers import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
)
from nnet.utils.registry import serialize_object

# Keras exports the snake_case names as aliases of the classes (keras.initializers.he_normal).
zeros, ones, constant, identity, orthogonal = Zeros, Ones, Constant, Identity, Orthogonal
IdentityInitializer, OrthogonalInitializer = Identity, Orthogonal
stft, STFTInitializer = STFT, STFT
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, glorot_uniform, glorot_normal = VarianceScaling, GlorotUniform, GlorotNormal
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform


def _from_array(array):
    """An initializer that returns `array`, cast to the requested dtype, for its own shape."""

    def initialize_fn(shape, dtype=None):
        if tuple(shape) != array.shape:
            raise ValueError(
                f"Expected shape={array.shape} for an array used as initializer. "
                f"Received: shape={tuple(shape)}. Pass an array of the weight's shape."
            )
        return _cast(array, dtype)

    return initialize_fn


def get(identifier):
    """Resolve an initializer from a name, a config dict, an array, a class or a callable.

    A string gives an instance with default arguments (``"glorot_uniform"``, ``"he_normal"``,
    ``"zeros"``, the aliases ``"normal"``, ``"uniform"``, ``"zero"``, ``"one"``, or a class name);
    a dict ``{"class_name", "config"}`` is deserialized; a NumPy array gives an initializer that
    returns it; an instance or callable passes through; None gives None.

    Args:
        identifier: the initializer identifier.

    Example:
        >>> type(get("he_normal")).__name__
        'HeNormal'
        >>> get({"class_name": "Constant", "config": {"value": 3.0}}).value
        3.0
    """
    if isinstance(identifier, (np.ndarray, np.generic)):
        return _from_array(np.asarray(identifier))
    return INITIALIZERS.get(identifier, argument="initializer")


def serialize(initializer):
    """Keras's JSON form: ``{"module": "keras.initializers", "class_name", "config", ...}``.

    Args:
        initializer: an Initializer (a plain function serializes to its name).

    Example:
        >>> serialize(RandomUniform())["config"]
        {'seed': None, 'minval': -0.05, 'maxval': 0.05}
    """
    return serialize_object(initializer)


def deserialize(config, custom_objects=None):
    """Rebuild an initializer from `serialize`'s output (or a name).

    Args:
        config: a dict with ``"class_name"`` and ``"config"``, or a string name.
        custom_objects: optional dict of extra names to classes.

    Example:
        >>> deserialize(serialize(Orthogonal(gain=2.0))).gain
        2.0
    """
    return INITIALIZERS.deserialize(config, custom_objects)
