"""Weight constraints, as in ``keras.constraints``: projections applied after each update.

A constraint maps an array to an array of the same shape; optimizers apply it after every update
with ``var.assign(constraint(var.data))``.

Example:
    >>> import numpy as np
    >>> from nnet import constraints
    >>> constraints.get("non_neg")(np.array([-1.0, 2.0]))
    array([0., 2.])
"""

import numpy as np

from nnet import backend
from nnet.utils.registry import Registry, serialize_object


def _array(w):
    return w if hasattr(w, "shape") and hasattr(w, "dtype") else np.asarray(w)


def _norms(w, axis):
    """The L2 norms of `w` along `axis` (an int or a list of ints), with the axes kept."""
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return backend.array_module(w).sqrt((w * w).sum(axis=axis, keepdims=True))


class Constraint:
    """Base class of constraints: ``constraint(w)`` returns the projected weight array.

    The base class returns `w` unchanged; subclasses override `__call__`.

    Example:
        >>> class Clip(Constraint):
        ...     def __call__(self, w):
        ...         return np.clip(w, -1, 1)
        >>> Clip()(np.array([-3.0, 0.5]))
        array([-1. ,  0.5])
    """

    def __call__(self, w):
        """The projection of the array `w`."""
        return w

    def get_config(self):
        """The constructor arguments, as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Rebuild a constraint from the output of `get_config`."""
        return cls(**config)


# Every built-in constraint registers itself here with ``@CONSTRAINTS.register``.
CONSTRAINTS = Registry("constraint", base=Constraint, module="keras.constraints")
CONSTRAINTS.register(Constraint)


@CONSTRAINTS.register
class MaxNorm(Constraint):
    """Caps the norm of each weight vector along `axis` at `max_value`.

    ``w * clip(norm, 0, max_value) / (epsilon + norm)``, with ``norm`` the L2 norm over `axis`.

    Args:
        max_value: the largest allowed norm.
        axis: the axis (or list of axes) the norms are taken over: 0 for a Dense kernel
            ``(input_dim, units)``, ``[0, 1, 2]`` for a Conv2D kernel.

    Example:
        >>> MaxNorm(1.0)(np.array([[3.0], [4.0]])).round(4)
        array([[0.6],
               [0.8]])
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = _array(w)
        norms = _norms(w, self.axis)
        xp = backend.array_module(w)
        return w * (xp.clip(norms, 0, self.max_value) / (backend.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


@CONSTRAINTS.register
class NonNeg(Constraint):
    """Sets negative weights to zero: ``max(w, 0)``.

    Example:
        >>> NonNeg()(np.array([-0.5, 0.5]))
        array([0. , 0.5])
    """

    def __call__(self, w):
        w = _array(w)
        return backend.array_module(w).maximum(w, 0)


@CONSTRAINTS.register
class UnitNorm(Constraint):
    """Scales each weight vector along `axis` to unit norm: ``w / (epsilon + norm)``.

    Args:
        axis: the axis (or list of axes) the norms are taken over.

    Example:
        >>> UnitNorm()(np.array([[3.0], [4.0]])).round(4)
        array([[0.6],
               [0.8]])
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _array(w)
        return w / (backend.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


@CONSTRAINTS.register
class MinMaxNorm(Constraint):
    """Keeps the norm of each weight vector along `axis` between `min_value` and `max_value`.

    ``w * desired / (epsilon + norm)`` with
    ``desired = rate * clip(norm, min_value, max_value) + (1 - rate) * norm``.

    Args:
        min_value: the smallest allowed norm.
        max_value: the largest allowed norm.
        rate: 1.0 enforces the bounds at once; a smaller rate moves the norm part of the way.
        axis: the axis (or list of axes) the norms are taken over.

    Example:
        >>> MinMaxNorm(min_value=1.0, max_value=2.0)(np.array([[0.3], [0.4]])).round(4)
        array([[0.6],
               [0.8]])
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = _array(w)
        norms = _norms(w, self.axis)
        xp = backend.array_module(w)
        desired = self.rate * xp.clip(norms, self.min_value, self.max_value)
        desired = desired + (1 - self.rate) * norms
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self):
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


# Keras exports the snake_case names as aliases of the classes (keras.constraints.max_norm).
max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm


def get(identifier):
    """Resolve a constraint from a name, a config dict, a class or a callable.

    Strings (``"max_norm"``, ``"non_neg"``, ``"unit_norm"``, ``"min_max_norm"`` or a class name)
    give an instance with default arguments; None gives None.

    Args:
        identifier: the constraint identifier.

    Example:
        >>> get("max_norm").max_value
        2
    """
    return CONSTRAINTS.get(identifier, argument="constraint")


def serialize(constraint):
    """Keras's JSON form: ``{"module": "keras.constraints", "class_name", "config", ...}``.

    Args:
        constraint: a Constraint (a plain function serializes to its name).

    Example:
        >>> serialize(UnitNorm(axis=1))["config"]
        {'axis': 1}
    """
    return serialize_object(constraint)


def deserialize(config, custom_objects=None):
    """Rebuild a constraint from `serialize`'s output (or a name).

    Args:
        config: a dict with ``"class_name"`` and ``"config"``, or a string name.
        custom_objects: optional dict of extra names to classes.

    Example:
        >>> deserialize(serialize(MinMaxNorm(rate=0.5))).rate
        0.5
    """
    return CONSTRAINTS.deserialize(config, custom_objects)
