"""Tensor (an array that may remember how it was computed) and Variable (a trainable weight)."""

import numpy as np

from nnet.backend import floatx, to_numpy


class _Operators:
    """Python operators (``+``, ``*``, ``@``, ``[]``, comparisons, ...) on Tensors.

    `nnet.ops` defines them (`nnet.ops.operators`), as calls of its own functions, when it is
    imported: the ops sit above the engine, and ``import nnet`` always loads them.
    """

    __slots__ = ()


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

    __slots__ = ("data", "grad", "requires_grad", "_parents", "_vjp", "_logits", "_version",
                 "_keras_mask", "__weakref__")
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
        # Bumped by every in-place change of the value, so that backward can refuse a gradient
        # computed from a value that has changed since the forward pass.
        self._version = 0
        # The mask a masking layer attached to this output (Keras's `_keras_mask`), or None.
        self._keras_mask = None

    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)

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

    # == and != compare elementwise (nnet.ops defines them); hashing stays by identity, so that
    # Tensors can key the engine's bookkeeping.
    __hash__ = object.__hash__


class Variable(Tensor):
    """A weight: a leaf Tensor with a name that optimizers update in place.

    In a `ParameterBuffer`, ``data`` is a view into the buffer's flat array (`buffer` says
    which): change the value with `assign`, which writes into the view; rebinding ``data`` takes
    the variable out of the buffer's layout.

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

    __slots__ = ("name", "_trainable", "constraint", "path", "_buffer", "_grad_view",
                 "_overwrite_with_gradient")

    def __init__(self, initial_value, trainable=True, name="variable", dtype=None, constraint=None):
        if isinstance(initial_value, Tensor):
            initial_value = initial_value.data
        if dtype is None and not hasattr(initial_value, "dtype"):
            dtype = floatx()
        # A copy, so that in-place updates never write into the caller's array.
        super().__init__(np.array(initial_value, dtype=dtype), requires_grad=trainable)
        self.name = name
        self.path = name
        self._trainable = trainable
        self.constraint = constraint
        # Set by a ParameterBuffer: the buffer, and this variable's view of its gradient array.
        self._buffer = None
        self._grad_view = None
        self._overwrite_with_gradient = False

    @property
    def overwrite_with_gradient(self):
        """Whether optimizers replace the value with the gradient instead of stepping on it.

        As in Keras: such a variable skips loss-scale division, clipping, weight decay and its
        constraint; under gradient accumulation it takes the elementwise maximum of the
        accumulated gradients at each update step.

        Example:
            >>> import nnet
            >>> v = nnet.Variable([1.0, 2.0])
            >>> v.overwrite_with_gradient = True
            >>> nnet.optimizers.SGD(0.1).apply([[5.0, 6.0]], [v]); v.numpy()
            array([5., 6.], dtype=float32)
        """
        return self._overwrite_with_gradient

    @overwrite_with_gradient.setter
    def overwrite_with_gradient(self, value):
        if not isinstance(value, bool):
            raise TypeError("`overwrite_with_gradient` must be a boolean. "
                            f"Received: {value!r}")
        self._overwrite_with_gradient = value

    @property
    def buffer(self):
        """The `ParameterBuffer` whose flat array holds this variable's value, or None."""
        return self._buffer

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

    def numpy(self):
        """A copy of the value as a NumPy array (changing it leaves the variable alone)."""
        return np.array(to_numpy(self.data))

    def _checked(self, value, verb, exact=False):
        value = value.data if isinstance(value, Tensor) else value
        value = np.asarray(value) if not hasattr(value, "shape") else value
        shape = self.data.shape
        if value.shape != shape and (exact or not _broadcasts_to(value.shape, shape)):
            raise ValueError(
                f"Cannot {verb} a value of shape {value.shape} to variable '{self.path}' of "
                f"shape {shape}. Pass an array of shape {shape}."
            )
        self._version += 1
        return value

    def assign(self, value):
        """Set the value in place, keeping shape and dtype."""
        self.data[...] = self._checked(value, "assign", exact=True)

    def assign_add(self, value):
        """Add `value` (of the variable's shape, or one that broadcasts to it) in place.

        Example:
            >>> import nnet
            >>> v = nnet.Variable([1.0, 2.0])
            >>> v.assign_add([0.5, 0.5])
            >>> v.numpy()
            array([1.5, 2.5], dtype=float32)
        """
        self.data += self._checked(value, "add")

    def assign_sub(self, value):
        """Subtract `value` (of the variable's shape, or one that broadcasts to it) in place."""
        self.data -= self._checked(value, "subtract")

    def __repr__(self):
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}>"


def _broadcasts_to(shape, target):
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False
