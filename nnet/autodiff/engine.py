"""Reverse-mode automatic differentiation: `primitive`, `backward`, `no_grad`, `unbroadcast`.

A primitive is a function on arrays that returns its output and its vector-Jacobian product (vjp).
When gradients are being recorded and one of its inputs needs a gradient, calling it on Tensors
records a node: the output Tensor remembers its parents and the vjp. `backward` walks those nodes
once, in reverse topological order, undoing NumPy broadcasting once per edge.
"""

import contextlib
import functools

import numpy as np

from nnet.autodiff.tensor import SymbolicTensor, Tensor
from nnet.backend import array_module


class _GradMode:
    enabled = True


@contextlib.contextmanager
def no_grad():
    """Context manager (and decorator) under which no graph is recorded.

    Example:
        >>> import nnet
        >>> w = nnet.Variable([1.0, 2.0])
        >>> with nnet.no_grad():
        ...     y = w * 3.0
        >>> y.requires_grad
        False
    """
    previous = _GradMode.enabled
    _GradMode.enabled = False
    try:
        yield
    finally:
        _GradMode.enabled = previous


def is_grad_enabled():
    """Whether calls to primitives are currently being recorded."""
    return _GradMode.enabled


def primitive(fn):
    """Turn ``fn(*arrays, **kw) -> (out, vjp)`` into an op on Tensors.

    ``vjp(g)`` returns one entry per positional input: an array, ``None`` (no gradient), or, for a
    costly term, a function of no arguments that the engine calls only when that input needs it.

    Example:
        >>> import numpy as np, nnet
        >>> @nnet.primitive
        ... def cube(x):
        ...     return x ** 3, lambda g: (g * 3 * x ** 2,)
        >>> x = nnet.Variable(np.array([2.0]))
        >>> nnet.backward(nnet.ops.sum(cube(x)))
        >>> x.grad
        array([12.])
    """

    @functools.wraps(fn)
    def op(*args, **kwargs):
        arrays, parents = [], []
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                arrays.append(a.data)
                if a.requires_grad:
                    parents.append((i, a))
            elif isinstance(a, SymbolicTensor):
                from nnet.models.functional import call_op_symbolic

                return call_op_symbolic(op, args, kwargs)
            else:
                # Lists are array data; tuples stay tuples (shapes, axes).
                arrays.append(np.asarray(a) if type(a) is list else a)
        out, vjp = fn(*arrays, **kwargs)
        result = Tensor(out)
        if parents and _GradMode.enabled:
            result.requires_grad = True
            result._parents = parents
            result._vjp = vjp
        return result

    return op


def unbroadcast(g, shape):
    """Sum `g` down to `shape`, undoing NumPy broadcasting."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def _topological_order(root):
    """Every node below `root`, each after all of its consumers once reversed (iterative DFS)."""
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        key = id(node)
        if key in visited:
            continue
        visited.add(key)
        stack.append((node, True))
        for _, parent in node._parents:
            if id(parent) not in visited:
                stack.append((parent, False))
    return order


def backward(root, grad=None):
    """Accumulate d(root)/d(leaf) into ``leaf.grad`` for every leaf that requires a gradient.

    `root` is usually a scalar loss (then `grad` defaults to 1). Intermediate gradients are freed
    as soon as they have been used, and the graph below `root` is released.
    """
    if not root.requires_grad:
        raise ValueError(
            "backward() was called on a Tensor that does not depend on any trainable Variable. "
            "Compute it from Variables with requires_grad=True, outside `no_grad()`."
        )
    if grad is None:
        grad = array_module(root.data).ones_like(root.data)
    grads = {id(root): grad}
    for node in reversed(_topological_order(root)):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        vjp = node._vjp
        if vjp is None:
            node.grad = g if node.grad is None else node.grad + g
            continue
        input_grads = vjp(g)
        for i, parent in node._parents:
            gi = input_grads[i]
            if gi is None:
                continue
            if callable(gi):
                gi = gi()
            shape = parent.data.shape
            if gi.shape != shape:
                gi = unbroadcast(gi, shape)
            key = id(parent)
            previous = grads.get(key)
            grads[key] = gi if previous is None else previous + gi
        node._vjp = None
        node._parents = ()
