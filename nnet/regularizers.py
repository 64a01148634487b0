"""Weight penalties, as in ``keras.regularizers``: ``regularizer(w)`` returns a scalar Tensor.

Penalties are computed with `nnet.ops`, so calling one on a Variable records the graph and the
gradient of the penalty flows back to the weight when the loss is differentiated.

Example:
    >>> import numpy as np
    >>> from nnet import regularizers
    >>> float(regularizers.get("l2")(np.ones((2, 2), dtype="float32")))
    0.03999999910593033
"""

import math
import numbers

import numpy as np

from nnet import backend, ops
from nnet.autodiff.tensor import Tensor
from nnet.utils.registry import Registry, serialize_object


def _validate_factor(value, name):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(
            f"Expected a non-negative finite float for {name}. Received: {name}={value!r}"
        )
    return float(value)


def _float32(value):
    # Keras keeps these factors in float32 tensors, so its configs and penalties use the
    # float32-rounded value (0.01 -> 0.009999999776482582); matching it keeps configs equal.
    return float(np.float32(value))


def _scaled(factor, t):
    """factor * t, with the factor cast to t's dtype so float32 penalties stay float32."""
    return ops.multiply(t, np.asarray(factor, dtype=t.dtype))


def _l1_penalty(factor, x):
    return _scaled(factor, ops.sum(ops.abs(x)))


def _l2_penalty(factor, x):
    return _scaled(factor, ops.sum(ops.square(x)))


class Regularizer:
    """Base class of regularizers: ``regularizer(x)`` returns a scalar penalty on `x`.

    Subclasses implement `__call__` with `nnet.ops` and `get_config`. Any function from a weight
    to a scalar Tensor can also be used as a regularizer.

    Example:
        >>> class Sum(Regularizer):
        ...     def __call__(self, x):
        ...         return ops.sum(x)
        ...     def get_config(self):
        ...         return {}
        >>> float(Sum()(np.ones(3)))
        3.0
    """

    def __call__(self, x):
        """The penalty on `x` (a Variable, Tensor or array) as a scalar Tensor."""
        data = x.data if isinstance(x, Tensor) else np.asarray(x)
        return Tensor(backend.array_module(data).zeros((), dtype=data.dtype))

    def get_config(self):
        """The constructor arguments, as a JSON-serializable dict."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config().")

    @classmethod
    def from_config(cls, config):
        """Rebuild a regularizer from the output of `get_config`."""
        return cls(**config)


# Every built-in regularizer registers itself here with ``@REGULARIZERS.register``.
REGULARIZERS = Registry("regularizer", base=Regularizer, module="keras.regularizers")
REGULARIZERS.register(Regularizer)


@REGULARIZERS.register
class L1(Regularizer):
    """L1 penalty: ``l1 * sum(|x|)``.

    Args:
        l1: a non-negative factor (kept in float32, as Keras does).

    Example:
        >>> float(L1(0.5)(np.array([1.0, -2.0])))
        1.5
    """

    def __init__(self, l1=0.01):
        self.l1 = _float32(_validate_factor(0.01 if l1 is None else l1, "l1"))

    def __call__(self, x):
        return _l1_penalty(self.l1, x)

    def get_config(self):
        return {"l1": self.l1}


@REGULARIZERS.register
class L2(Regularizer):
    """L2 penalty: ``l2 * sum(x^2)`` (no factor 1/2).

    Args:
        l2: a non-negative factor.

    Example:
        >>> float(L2(0.5)(np.array([1.0, -2.0])))
        2.5
    """

    def __init__(self, l2=0.01):
        self.l2 = _validate_factor(0.01 if l2 is None else l2, "l2")

    def __call__(self, x):
        return _l2_penalty(self.l2, x)

    def get_config(self):
        return {"l2": self.l2}


# Keras's snake_case of "L1L2" is "l1l2"; "l1_l2" is the name of its exported alias.
@REGULARIZERS.register(aliases=("l1_l2",))
class L1L2(Regularizer):
    """L1 plus L2 penalty: ``l1 * sum(|x|) + l2 * sum(x^2)``; zero factors add nothing.

    Args:
        l1: a non-negative L1 factor.
        l2: a non-negative L2 factor.

    Example:
        >>> float(L1L2(l1=1.0, l2=1.0)(np.array([1.0, -2.0])))
        8.0
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _validate_factor(0.0 if l1 is None else l1, "l1")
        self.l2 = _validate_factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, x):
        terms = []
        if self.l1:
            terms.append(_l1_penalty(self.l1, x))
        if self.l2:
            terms.append(_l2_penalty(self.l2, x))
        if not terms:
            return super().__call__(x)
        return terms[0] if len(terms) == 1 else ops.add(*terms)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


_MODES = ("rows", "columns")


@REGULARIZERS.register
class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a matrix towards being orthogonal.

    With ``u_i`` the rows L2-normalized (``u = x * min(1/||x||, 1/epsilon)``), ``P = u u^T`` and
    ``n`` rows, the penalty is ``factor * 0.5 * sum_{i != j} |P_ij| / (n (n - 1) / 2)``: the mean
    absolute cosine between distinct rows, times `factor`. ``mode="columns"`` uses the columns.

    Args:
        factor: a non-negative factor (kept in float32, as Keras does).
        mode: ``"rows"`` or ``"columns"``.

    Example:
        >>> float(OrthogonalRegularizer(factor=1.0)(np.eye(3)))
        0.0
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _float32(_validate_factor(factor, "factor"))
        if mode not in _MODES:
            raise ValueError(f"Invalid mode: expected 'rows' or 'columns'. Received: mode={mode!r}")
        self.mode = mode

    def __call__(self, x):
        if len(x.shape) != 2:
            raise ValueError(
                f"OrthogonalRegularizer needs a 2-D weight. Received: x.shape={tuple(x.shape)}. "
                f"Apply it to Dense kernels or other matrices."
            )
        axis = 1 if self.mode == "rows" else 0
        size = x.shape[1 - axis]
        if size < 2:
            raise ValueError(
                f"OrthogonalRegularizer in mode={self.mode!r} needs at least 2 {self.mode}. "
                f"Received: x.shape={tuple(x.shape)}."
            )
        eps = backend.epsilon()
        # 1 / sqrt(max(s, eps^2)) equals Keras's min(rsqrt(s), 1/eps) without dividing by zero.
        squares = ops.sum(ops.square(x), axis=axis, keepdims=True)
        unit = ops.divide(x, ops.sqrt(ops.maximum(squares, eps * eps)))
        product = ops.matmul(unit, ops.transpose(unit)) if axis == 1 else ops.matmul(
            ops.transpose(unit), unit
        )
        off_diagonal = ops.multiply(product, 1.0 - np.eye(size, dtype=product.dtype))
        pairs = size * (size - 1.0) / 2.0
        return _scaled(self.factor * 0.5 / pairs, ops.sum(ops.abs(off_diagonal)))

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# Keras exports lowercase aliases of the classes (keras.regularizers.l2(0.01)).
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer


def get(identifier):
    """Resolve a regularizer from a name, a config dict, a class or a callable.

    Strings give an instance with default arguments: ``"l1"`` (0.01), ``"l2"`` (0.01),
    ``"l1_l2"`` (0, 0), ``"orthogonal_regularizer"`` or a class name. None gives None.

    Args:
        identifier: the regularizer identifier.

    Example:
        >>> get("l1").l1
        0.009999999776482582
        >>> get({"class_name": "L2", "config": {"l2": 0.1}}).l2
        0.1
    """
    return REGULARIZERS.get(identifier, argument="regularizer")


def serialize(regularizer):
    """Keras's JSON form: ``{"module": "keras.regularizers", "class_name", "config", ...}``.

    Args:
        regularizer: a Regularizer (a plain function serializes to its name).

    Example:
        >>> serialize(L2())["config"]
        {'l2': 0.01}
    """
    return serialize_object(regularizer)


def deserialize(config, custom_objects=None):
    """Rebuild a regularizer from `serialize`'s output (or a name).

    Args:
        config: a dict with ``"class_name"`` and ``"config"``, or a string name.
        custom_objects: optional dict of extra names to classes.

    Example:
        >>> deserialize(serialize(L1L2(l2=0.5))).l2
        0.5
    """
    return REGULARIZERS.deserialize(config, custom_objects)
