"""Initializers that do not draw: `Zeros`, `Ones`, `Constant` and `Identity`."""

import numpy as np

from nnet import backend
from nnet.initializers.initializer import INITIALIZERS, Initializer, _cast


@INITIALIZERS.register(aliases=("zero",))
class Zeros(Initializer):
    """All zeros (the default bias initializer).

    Example:
        >>> Zeros()((2,))
        array([0., 0.], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype=dtype or backend.floatx())


@INITIALIZERS.register(aliases=("one",))
class Ones(Initializer):
    """All ones.

    Example:
        >>> Ones()((2,), dtype="int32")
        array([1, 1], dtype=int32)
    """

    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype=dtype or backend.floatx())


@INITIALIZERS.register
class Constant(Initializer):
    """Every value equal to the scalar `value`.

    Args:
        value: a Python scalar.

    Example:
        >>> Constant(0.5)((2,))
        array([0.5, 0.5], dtype=float32)
    """

    def __init__(self, value=0.0):
        self.value = value.item() if isinstance(value, np.generic) else value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype=dtype or backend.floatx())

    def get_config(self):
        return {"value": self.value}


@INITIALIZERS.register(aliases=("IdentityInitializer",))
class Identity(Initializer):
    """``gain`` times the identity matrix (rectangular shapes get ones on the main diagonal).

    Keras writes an empty config and so loses `gain`; nnet writes ``{"gain": gain}``, which
    Keras also reads.

    Args:
        gain: a multiplicative factor.

    Example:
        >>> Identity(gain=2.0)((2, 2))
        array([[2., 0.],
               [0., 2.]], dtype=float32)
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(
                f"Identity needs a 2-D shape. Received: shape={tuple(shape)} of rank "
                f"{len(shape)}. Use it for square or rectangular matrices only."
            )
        return _cast(self.gain * np.eye(*shape), dtype)

    def get_config(self):
        return {"gain": self.gain}
