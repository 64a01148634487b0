"""Reverse-mode automatic differentiation: `primitive`, `backward`, `no_grad`, `unbroadcast`.

A primitive is a function on arrays that returns its output (or a tuple of outputs) and its
vector-Jacobian product (vjp). When gradients are being recorded and one of its inputs needs a
gradient, calling it on Tensors records a node: the output Tensor remembers its parents, the vjp
and the version of each parent. `backward` walks those nodes once, in reverse topological order,
undoing NumPy broadcasting once per edge; it raises where a graph was already freed or a weight
was changed in place after the forward pass, instead of returning a wrong gradient.
"""

import contextlib
import functools
import threading

import numpy as np

from nnet.autodiff.tensor import SymbolicTensor, Tensor
from nnet.backend import array_module


class _GradMode(threading.local):
    """Per thread, so that one thread's predict never stops another thread's training."""

    enabled = True


_GRAD_MODE = _GradMode()
_SYMBOLIC_CALL = [None]


def set_symbolic_call(handler):
    """Install ``handler(op, args, kwargs)``: what a primitive does on symbolic tensors.

    The symbolic graph (`nnet.autodiff.symbolic`) sits beside the engine and installs itself, so
    that the engine needs no knowledge of it.
    """
    _SYMBOLIC_CALL[0] = handler


class no_grad(contextlib.ContextDecorator):
    """Context manager (and decorator) under which no graph is recorded (in this thread).

    A class rather than a generator: it runs on every evaluation and metric update, where the
    cost of entering it counts.

    Example:
        >>> import nnet
        >>> w = nnet.Variable([1.0, 2.0])
        >>> with nnet.no_grad():
        ...     y = w * 3.0
        >>> y.requires_grad
        False
    """

    def __enter__(self):
        self._previous = _GRAD_MODE.enabled
        _GRAD_MODE.enabled = False
        return self

    def __exit__(self, *exc_info):
        _GRAD_MODE.enabled = self._previous

    def _recreate_cm(self):
        # Each decorated call gets its own context, so that calls in several threads or nested
        # calls restore their own previous mode.
        return type(self)()


def is_grad_enabled():
    """Whether calls to primitives are currently being recorded in this thread."""
    return _GRAD_MODE.enabled


class _Outputs:
    """The node of a primitive with several outputs: its outputs' only parent, so that the vjp
    runs once, with one gradient per output (None for outputs that nothing used)."""

    __slots__ = ("_parents", "_vjp", "count", "_version")

    def __init__(self, parents, vjp, count):
        self._parents = parents
        self._vjp = vjp
        self.count = count
        self._version = 0


def _freed(g):
    raise RuntimeError(
        "backward() went through a part of the graph that an earlier backward() already freed. "
        "Compute the output again (run the forward pass again), or pass retain_graph=True to the "
        "first backward() to keep the graph for a second one."
    )


# The `_vjp` of each output of a multi-output primitive: never called; `backward` sees it and
# puts the output's gradient into the node's slot for that output.
_ROUTE = object()


def primitive(fn):
    """Turn ``fn(*arrays, **kw) -> (out, vjp)`` into an op on Tensors.

    ``vjp(g)`` returns one entry per positional input: an array, ``None`` (no gradient), or, for a
    costly term, a function of no arguments that the engine calls only when that input needs it.
    A vjp of None makes a non-differentiable op (comparisons, argmax): its output never needs a
    gradient, and it still records itself in a functional model's graph on symbolic inputs.
    When `out` is a tuple of arrays, the op returns a tuple of Tensors and ``vjp`` receives a
    tuple with one gradient per output, None for the outputs that did not reach the loss.

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
                    parents.append((i, a, a._version))
            elif isinstance(a, SymbolicTensor):
                return _SYMBOLIC_CALL[0](op, args, kwargs)
            else:
                # Lists are array data; tuples stay tuples (shapes, axes).
                arrays.append(np.asarray(a) if type(a) is list else a)
        out, vjp = fn(*arrays, **kwargs)
        record = parents and vjp is not None and _GRAD_MODE.enabled
        if type(out) is tuple:
            return _several(out, vjp, parents) if record else tuple(Tensor(o) for o in out)
        result = Tensor(out)
        if record:
            result.requires_grad = True
            result._parents = parents
            result._vjp = vjp
        return result

    return op


def _several(outs, vjp, parents):
    node = _Outputs(parents, vjp, len(outs))
    results = []
    for k, out in enumerate(outs):
        result = Tensor(out, requires_grad=True)
        result._parents = ((k, node, 0),)
        result._vjp = _ROUTE
        results.append(result)
    return tuple(results)


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
        for edge in node._parents:
            if id(edge[1]) not in visited:
                stack.append((edge[1], False))
    return order


def backward(root, grad=None, retain_graph=False):
    """Accumulate d(root)/d(leaf) into ``leaf.grad`` for every leaf that requires a gradient.

    `root` is usually a scalar loss (then `grad` defaults to 1). Intermediate gradients are freed
    as soon as they have been used, and the graph below `root` is released unless
    `retain_graph`. No two leaves share a ``grad`` array, so each is safe to modify. A variable
    in a `ParameterBuffer` gets its view of the buffer's gradient array, which the first
    backward after the buffer's `zero_grad` overwrites.
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
        if vjp is _freed:
            _freed(g)
        if vjp is None:
            view = getattr(node, "_grad_view", None)
            if node.grad is None and view is not None and view.shape == g.shape:
                # A weight's first gradient of a step goes into its view of its buffer's array.
                view[...] = g
                node.grad = view
            else:
                _accumulate(node, g)
            continue
        if vjp is _ROUTE:
            # One output of a multi-output primitive: its gradient waits in the node's slots.
            k, outputs, _ = node._parents[0]
            slots = grads.setdefault(id(outputs), [None] * outputs.count)
            slots[k] = g if slots[k] is None else slots[k] + g
        else:
            input_grads = vjp(tuple(g)) if type(node) is _Outputs else vjp(g)
            for i, parent, version in node._parents:
                gi = input_grads[i]
                if gi is None:
                    continue
                if parent._version != version:
                    _modified_in_place(parent)
                if callable(gi):
                    gi = gi()
                shape = parent.data.shape
                if gi.shape != shape:
                    gi = unbroadcast(gi, shape)
                key = id(parent)
                previous = grads.get(key)
                grads[key] = gi if previous is None else previous + gi
        if not retain_graph:
            node._vjp = _freed
            node._parents = ()


def _accumulate(leaf, g):
    # A vjp may hand the same array (or a read-only broadcast view) to several inputs, so a
    # leaf's first gradient is copied into an array of its own (backward copies it into the
    # leaf's view of its ParameterBuffer's gradient array when it has one); later ones add in.
    if leaf.grad is not None:
        leaf.grad += g
    else:
        leaf.grad = array_module(g).array(g, dtype=leaf.data.dtype, copy=True)


def _modified_in_place(tensor):
    name = getattr(tensor, "path", None) or "a Tensor"
    raise RuntimeError(
        f"{name!s} was modified in place (assign(), an optimizer step) after it was used in the "
        f"forward pass, so its gradient would be wrong. Run the forward pass again after "
        f"changing it, or change it only after backward()."
    )
