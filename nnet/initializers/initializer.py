"""The `Initializer` base class and the helpers every initializer shares: `compute_fans` and the
cast to the requested dtype."""

import math

import numpy as np

from nnet import backend
from nnet.utils.registry import Registry


def _cast(values, dtype):
    return np.asarray(values, dtype=dtype or backend.floatx())


def compute_fans(shape, input_axes=None, output_axes=None):
    """The number of input and output units of a weight of `shape`, as Keras counts them.

    Rank 0: (1, 1); rank 1: (n, n); rank 2: (shape[0], shape[1]); rank > 2 (conv kernels
    ``(..., in, out)``): with ``rf = prod(shape[:-2])``, ``(shape[-2] * rf, shape[-1] * rf)``.
    When both `input_axes` and `output_axes` are given, the fans are the products of those dims.

    Args:
        shape: the weight's shape.
        input_axes: optional list of the axes that hold input units.
        output_axes: optional list of the axes that hold output units.

    Example:
        >>> compute_fans((3, 3, 16, 32))
        (144, 288)
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return math.prod(shape[a] for a in input_axes), math.prod(shape[a] for a in output_axes)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive_field = math.prod(shape[:-2])
    return int(shape[-2] * receptive_field), int(shape[-1] * receptive_field)


class Initializer:
    """Base class of initializers: ``initializer(shape, dtype=None)`` returns a NumPy array.

    Subclasses implement `__call__` and, when they take arguments, `get_config`.

    Example:
        >>> class Twos(Initializer):
        ...     def __call__(self, shape, dtype=None):
        ...         return np.full(shape, 2.0, dtype=dtype or "float32")
        >>> Twos()((2,))
        array([2., 2.], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        """An array of `shape` and `dtype` (``floatx()`` by default)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement __call__(shape, dtype=None)."
        )

    def get_config(self):
        """The constructor arguments, as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Rebuild an initializer from the output of `get_config`."""
        return cls(**config)

    def clone(self):
        """A new initializer with the same configuration."""
        return type(self).from_config(self.get_config())


# Every built-in initializer registers itself here with ``@INITIALIZERS.register``.
INITIALIZERS = Registry("initializer", base=Initializer, module="keras.initializers")
INITIALIZERS.register(Initializer)
