"""`ParameterBuffer`: the weights of several variables in one flat array, their gradients in
another.

On small models an optimizer step costs one NumPy call per variable and per operation; with the
weights end to end, an elementwise optimizer updates them all in one call, and data-parallel
training reduces one gradient array instead of one per variable.
"""

import operator

from nnet.autodiff.tensor import Variable
from nnet.backend import array_module


class ParameterBuffer:
    """Several variables of one dtype laid end to end in one flat weight array and one flat
    gradient array.

    Each variable's ``data`` becomes a view into `data` (its value is kept) and the variable
    knows its buffer (``variable.buffer``), so `Variable.assign` and the optimizers write into the
    buffer. `nnet.backward` copies a variable's first gradient into its view of `grad` and adds
    later ones there, so that ``variable.grad`` is that view. A variable belongs to at most one
    buffer: a new buffer over it takes it out of the previous one, which is no longer `intact`.

    Args:
        variables: the variables, all of one dtype, each once.

    Attributes:
        variables: the variables, in their order in the buffer.
        data: the flat weights (1-D), ``variables[0]`` first.
        grad: the flat gradients, laid out like `data`; None when no variable is trainable.

    Example:
        >>> import nnet
        >>> from nnet.autodiff import ParameterBuffer
        >>> w, b = nnet.Variable([[1.0, 2.0]]), nnet.Variable([3.0])
        >>> buffer = ParameterBuffer([w, b])
        >>> w.assign([[5.0, 6.0]]); buffer.data
        array([5., 6., 3.], dtype=float32)
        >>> nnet.backward(nnet.ops.sum(w * 2.0) + nnet.ops.sum(b))
        >>> buffer.grad, w.grad.base is buffer.grad
        (array([2., 2., 1.], dtype=float32), True)
        >>> buffer.zero_grad(); w.grad is None, buffer.grad
        (True, array([0., 0., 0.], dtype=float32))
    """

    def __init__(self, variables):
        variables = tuple(variables)
        _check(variables)
        first = variables[0].data
        xp = array_module(first)
        self.variables = variables
        self.data = xp.empty(sum(v.data.size for v in variables), dtype=first.dtype)
        self._views = self.views(self.data)
        trainable = any(v.trainable for v in variables)
        self.grad = xp.zeros_like(self.data) if trainable else None
        # Each variable's view of `grad` (what backward writes its gradient into).
        self.grad_views = self.views(self.grad) if trainable else [None] * len(variables)
        for v, view, grad_view in zip(variables, self._views, self.grad_views):
            view[...] = v.data
            v.data = view
            v._buffer = self
            v._grad_view = grad_view

    @classmethod
    def for_variables(cls, variables):
        """The buffer holding exactly `variables`: the one they are in already (when `intact`),
        else a new one; None when they cannot share one (no variables, several dtypes), in which
        case each keeps an array of its own.

        Args:
            variables: the variables, e.g. a model's ``trainable_variables``.

        Example:
            >>> import nnet
            >>> from nnet.autodiff import ParameterBuffer
            >>> a, b = nnet.Variable([1.0]), nnet.Variable([2.0])
            >>> buffer = ParameterBuffer.for_variables([a, b])
            >>> ParameterBuffer.for_variables([a, b]) is buffer
            True
            >>> ParameterBuffer.for_variables([a, nnet.Variable([1.0], dtype="float64")]) is None
            True
        """
        variables = list(variables)
        if not variables or len({v.dtype for v in variables}) != 1:
            return None
        current = variables[0].buffer
        if current is not None and current.holds(variables):
            return current
        return cls(variables)

    def views(self, array):
        """Views into a flat `array` of the buffer's size, one per variable, shaped like it.

        Example:
            >>> import numpy as np, nnet
            >>> from nnet.autodiff import ParameterBuffer
            >>> buffer = ParameterBuffer([nnet.Variable([[1.0, 2.0]]), nnet.Variable([3.0])])
            >>> [v.shape for v in buffer.views(np.zeros(3))]
            [(1, 2), (1,)]
        """
        return end_to_end_views(array, self.variables)

    def intact(self):
        """Whether every variable's ``data`` is still its view into `data` (a new buffer over one
        of them, or ``variable.data = array``, breaks the layout; `Variable.assign` keeps it)."""
        return all(map(operator.is_, map(_data, self.variables), self._views))

    def holds(self, variables):
        """Whether `variables` are exactly this buffer's variables, in order, and it is `intact`.

        Example:
            >>> import nnet
            >>> from nnet.autodiff import ParameterBuffer
            >>> a, b = nnet.Variable([1.0]), nnet.Variable([2.0])
            >>> buffer = ParameterBuffer([a, b])
            >>> buffer.holds([a, b]), buffer.holds([b, a]), buffer.holds([a])
            (True, False, False)
        """
        mine = self.variables
        return (len(variables) == len(mine) and all(map(operator.is_, variables, mine))
                and self.intact())

    def zero_grad(self):
        """Zero `grad` in one call and mark every variable as having no gradient
        (``variable.grad`` is None until the next backward reaches it)."""
        if self.grad is not None:
            self.grad.fill(0)
        for v in self.variables:
            v.grad = None

    def __repr__(self):
        return (f"<ParameterBuffer variables={len(self.variables)}, size={self.data.size}, "
                f"dtype={self.data.dtype}>")


def end_to_end_views(flat, arrays):
    """Views into the 1-D `flat`, end to end, shaped like each of `arrays` (arrays or Tensors):
    the layout of a `ParameterBuffer` over them.

    Example:
        >>> import numpy as np
        >>> [v.tolist() for v in end_to_end_views(np.arange(5), [np.zeros(2), np.zeros((1, 3))])]
        [[0, 1], [[2, 3, 4]]]
    """
    views, offset = [], 0
    for a in arrays:
        views.append(flat[offset:offset + a.size].reshape(a.shape))
        offset += a.size
    return views


def _check(variables):
    if not variables:
        raise ValueError("Expected at least one variable for a ParameterBuffer. Received: "
                         "variables=()")
    for v in variables:
        if not isinstance(v, Variable):
            raise TypeError(f"Expected Variables in a ParameterBuffer. Received: {v!r}")
    dtypes = sorted({str(v.dtype) for v in variables})
    if len(dtypes) != 1:
        raise ValueError(
            f"Expected variables of one dtype in a ParameterBuffer. Received dtypes {dtypes}. "
            f"Build one buffer per dtype."
        )
    if len({id(v) for v in variables}) != len(variables):
        raise ValueError(
            "Each variable can appear only once in a ParameterBuffer. Received a variable "
            "several times: pass each once."
        )


_data = operator.attrgetter("data")
