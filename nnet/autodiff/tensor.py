"""Tensor (an array that may remember how it was computed) and Variable (a trainable weight)."""

import numpy as np

from nnet.backend import to_numpy


def _ops():
    import nnet.ops

    return nnet.ops


class _Operators:
    """Python operators (``+``, ``*``, ``@``, ``[]``, comparisons, ...) as `nnet.ops` calls."""

    __slots__ = ()

    def __getitem__(self, index):
        return _ops().getitem(self, index)

    def __add__(self, other):
        return _ops().add(self, other)

    def __radd__(self, other):
        return _ops().add(other, self)

    def __sub__(self, other):
        return _ops().subtract(self, other)

    def __rsub__(self, other):
        return _ops().subtract(other, self)

    def __mul__(self, other):
        return _ops().multiply(self, other)

    def __rmul__(self, other):
        return _ops().multiply(other, self)

    def __truediv__(self, other):
        return _ops().divide(self, other)

    def __rtruediv__(self, other):
        return _ops().divide(other, self)

    def __pow__(self, other):
        return _ops().power(self, other)

    def __rpow__(self, other):
        return _ops().power(other, self)

    def __matmul__(self, other):
        return _ops().matmul(self, other)

    def __rmatmul__(self, other):
        return _ops().matmul(other, self)

    def __neg__(self):
        return _ops().negative(self)

    def __abs__(self):
        return _ops().abs(self)

    def __lt__(self, other):
        return _ops().less(self, other)

    def __le__(self, other):
        return _ops().less_equal(self, other)

    def __gt__(self, other):
        return _ops().greater(self, other)

    def __ge__(self, other):
        return _ops().greater_equal(self, other)


class SymbolicTensor(_Operators):
    """Base of values that stand for data not given yet (`nnet.Input` and what layers compute
    from it). A primitive called on one records a graph node instead of computing."""

    __slots__ = ()


class Tensor(_Operators):
    """An array plus, when it was computed by recorded primitives, the graph that made it.

    Attributes:
        data: the underlying NumPy (or CuPy) array.
        grad: the accumulated gradient after `nnet.backward`, for leaves that require it.
        requires_grad: whether gradients flow back through this Tensor.

    Example:
        >>> import nnet
        >>> t = nnet.Tensor([[1.0, 2.0]])
        >>> (t * 2 + 1).numpy()
        array([[3., 5.]])
    """

    __slots__ = ("data", "grad", "requires_grad", "_parents", "_vjp", "_logits", "__weakref__")
    __array_priority__ = 100

    def __init__(self, data, requires_grad=False):
        if not isinstance(data, np.ndarray) and not (hasattr(data, "shape")
                                                     and hasattr(data, "dtype")):
            data = np.asarray(data)
        self.data = data
        self.grad = None
        self.requires_grad = requires_grad
        self._parents = ()
        self._vjp = None
        # ("sigmoid" or "softmax", logits): set by those ops, so that a cross-entropy on the
        # output can use the logits.
        self._logits = None

    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    T = property(lambda self: _ops().transpose(self))

    def numpy(self):
        """The value as a NumPy array."""
        return to_numpy(self.data)

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype, copy=False)

    def __len__(self):
        return len(self.data)

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    def __bool__(self):
        return bool(self.data)

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"{type(self).__name__}({self.numpy()!r}{grad})"

    def astype(self, dtype):
        """This Tensor converted to `dtype` (differentiable)."""
        return _ops().cast(self, dtype)

    # Tensors are used as dict keys and in sets (graph bookkeeping), so == stays identity.
    __hash__ = object.__hash__


class Variable(Tensor):
    """A weight: a leaf Tensor with a name that optimizers update in place.

    Args:
        initial_value: array-like initial value.
        trainable: whether optimizers update it (and gradients are computed for it).
        name: the variable's name, e.g. ``"kernel"``.
        dtype: the dtype to store it in; the default keeps the value's dtype for arrays and uses
            `floatx()` for Python numbers and lists.
        constraint: a callable applied to the value after each optimizer update.

    Example:
        >>> import nnet
        >>> v = nnet.Variable([1.0, 2.0], name="w")
        >>> v.assign([3.0, 4.0]); v.numpy()
        array([3., 4.], dtype=float32)
    """

    __slots__ = ("name", "_trainable", "constraint", "path")

    def __init__(self, initial_value, trainable=True, name="variable", dtype=None, constraint=None):
        if isinstance(initial_value, Tensor):
            initial_value = initial_value.data
        if dtype is None and not hasattr(initial_value, "dtype"):
            from nnet.backend import floatx

            dtype = floatx()
        # A copy, so that in-place updates never write into the caller's array.
        super().__init__(np.array(initial_value, dtype=dtype), requires_grad=trainable)
        self.name = name
        self.path = name
        self._trainable = trainable
        self.constraint = constraint

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        self.requires_grad = bool(value)

    @property
    def value(self):
        """The current value as an array."""
        return self.data

    def assign(self, value):
        """Set the value in place, keeping shape and dtype."""
        value = value.data if isinstance(value, Tensor) else value
        value = np.asarray(value) if not hasattr(value, "shape") else value
        if value.shape != self.data.shape:
            raise ValueError(
                f"Cannot assign a value of shape {value.shape} to variable '{self.path}' of shape "
                f"{self.data.shape}. Pass an array of shape {self.data.shape}."
            )
        self.data[...] = value

    def __repr__(self):
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}>"
