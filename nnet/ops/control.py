"""Control flow: cond, switch, loops, scans and maps; and the type helpers is_tensor, dtype and
saturate_cast.

The loops run in Python, one step at a time, and every step calls ordinary `nnet.ops`, so the
engine records each step and gradients flow through `scan`, `fori_loop` and `while_loop` as
through any other computation (reverse-mode through the unrolled loop). On symbolic tensors
(inside a functional model) each of these functions records one graph node that runs it again on
real data.
"""


import numpy as np

from nnet import tree
from nnet.autodiff.symbolic import graph_op
from nnet.autodiff.tensor import SymbolicTensor, Tensor, Variable
from nnet.backend import standardize_dtype
from nnet.ops.creation import array
from nnet.ops.joining import concatenate, stack, unstack
from nnet.ops.math import cast, clip
from nnet.ops.shape import flip, getitem, pad, reshape


def _as_tensor(x):
    """x as a Tensor: Tensors pass through (keeping their graph), other data as `ops.array`."""
    return x if isinstance(x, (Tensor, SymbolicTensor)) else array(x)


def _check_callable(name, value):
    if not callable(value):
        raise TypeError(f"Expected a callable for {name}. Received: {name}={value!r}")


@graph_op
def cond(pred, true_fn, false_fn):
    """``true_fn()`` if `pred` holds, else ``false_fn()``.

    Example:
        >>> import nnet
        >>> nnet.ops.cond(nnet.ops.array(3) > 2, lambda: "big", lambda: "small")
        'big'
    """
    _check_callable("true_fn", true_fn)
    _check_callable("false_fn", false_fn)
    return true_fn() if bool(_as_tensor(pred)) else false_fn()


@graph_op
def switch(index, branches, *operands):
    """``branches[index](*operands)``, with `index` clamped to ``[0, len(branches) - 1]``.

    Example:
        >>> import nnet
        >>> nnet.ops.switch(5, [lambda x: x + 1, lambda x: x * 10], 2)
        20
    """
    if not branches:
        raise ValueError(f"Expected at least one branch. Received: branches={branches!r}")
    k = int(_as_tensor(index).numpy())
    return branches[min(max(k, 0), len(branches) - 1)](*operands)


@graph_op
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Run ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (and fewer than
    `maximum_iterations` steps ran); returns the final loop variables, in the form given.

    Example:
        >>> import nnet
        >>> nnet.ops.while_loop(lambda i: i < 10, lambda i: i * 2, 1).numpy()
        array(16, dtype=int32)
    """
    _check_callable("cond", cond)
    _check_callable("body", body)
    several = isinstance(loop_vars, (tuple, list))
    state = tuple(tree.map_structure(_as_tensor, tuple(loop_vars) if several else (loop_vars,)))
    step = 0
    while (maximum_iterations is None or step < maximum_iterations) and bool(
            _as_tensor(cond(*state))):
        state = body(*state)
        state = tuple(state) if isinstance(state, (tuple, list)) else (state,)
        step += 1
    return state if several else state[0]


@graph_op
def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for i in ``range(lower, upper)``; returns the final val.

    Example:
        >>> import nnet
        >>> nnet.ops.fori_loop(0, 4, lambda i, v: v + i, 0.0)
        6.0
    """
    _check_callable("body_fun", body_fun)
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


@graph_op
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Scan `f` over the leading axis of `xs`, carrying a state (JAX's ``lax.scan``).

    ``carry, y = f(carry, x)`` runs for each slice ``x`` of `xs` (each leaf of a structure is
    sliced), and the ``y`` are stacked. Gradients flow through every step.

    Args:
        f: ``f(carry, x) -> (carry, y)``; the carry keeps its structure, shapes and dtypes.
        init: the initial carry (a tensor or a structure of them).
        xs: the values to scan over (a structure of tensors with the same leading size), or
            None to run `length` steps with ``x = None``.
        length: the number of steps when `xs` is None (checked against `xs` otherwise).
        reverse: scan from the end; the stacked ``y`` stay in the order of `xs`.
        unroll: accepted for Keras compatibility (a positive int or a bool); the loop always
            runs step by step.

    Returns:
        ``(final_carry, stacked_ys)``.

    Example:
        >>> import numpy as np, nnet
        >>> carry, ys = nnet.ops.scan(lambda c, x: (c + x, c * x), 0.0, np.arange(1.0, 4.0))
        >>> float(carry), ys.numpy()
        (6.0, array([0., 2., 9.]))
    """
    _check_callable("f", f)
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"Expected a positive integer or a bool for unroll. "
                         f"Received: unroll={unroll!r}")
    if xs is None and length is None:
        raise ValueError("scan got no xs to scan over and no length. Pass xs, or length= "
                         "for the number of steps.")
    if xs is None:
        steps = [None] * int(length)
    else:
        leaves = [_as_tensor(x) for x in tree.flatten(xs)]
        n = leaves[0].shape[0]
        if any(x.shape[0] != n for x in leaves) or (length is not None and int(length) != n):
            raise ValueError(
                f"Expected every leaf of xs to have the same leading size (and length to equal "
                f"it). Received: leading sizes {[x.shape[0] for x in leaves]}, length={length}"
            )
        columns = [unstack(x) for x in leaves]
        steps = [tree.pack_sequence_as(xs, [c[i] for c in columns]) for i in range(n)]
    carry = tree.map_structure(_as_tensor, init)
    ys = []
    for x in reversed(steps) if reverse else steps:
        carry, y = f(carry, x)
        ys.append(tree.map_structure(_as_tensor, y) if y is not None else None)
    if not ys or ys[0] is None:
        return carry, tree.map_structure(
            lambda c: Tensor(np.zeros((len(ys),) + tuple(c.shape), c.dtype)), carry)
    if reverse:
        ys.reverse()
    return carry, tree.map_structure(lambda *y: stack(list(y)), *ys)


@graph_op
def associative_scan(f, elems, reverse=False, axis=0):
    """Prefix results of an associative `f` along `axis` (JAX's ``lax.associative_scan``).

    Computed as the parallel prefix scan (log-depth; `f` receives whole slices of `elems`, so it
    must work elementwise along `axis`); differentiable.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.associative_scan(lambda a, b: a + b, np.arange(1.0, 5.0)).numpy()
        array([ 1.,  3.,  6., 10.])
    """
    _check_callable("f", f)
    leaves = [_as_tensor(e) for e in tree.flatten(elems)]
    sizes = [e.shape[axis] for e in leaves]
    if len(set(sizes)) != 1:
        raise ValueError(f"Expected every leaf of elems to have the same size along axis "
                         f"{axis}. Received: sizes {sizes}")
    if reverse:
        leaves = [flip(e, axis=axis) for e in leaves]

    def take(e, start, stop=None, step=1):
        index = [slice(None)] * e.ndim
        index[axis] = slice(start, stop, step)
        return getitem(e, tuple(index))

    def combine(a, b):
        out = f(tree.pack_sequence_as(elems, a), tree.pack_sequence_as(elems, b))
        return [_as_tensor(c) for c in tree.flatten(out)]

    def interleave(a, b):
        # a holds positions 0, 2, 4, ...; b positions 1, 3, ...; b is one shorter when odd.
        n = a.shape[axis] + b.shape[axis]
        if b.shape[axis] < a.shape[axis]:
            widths = [(0, 0)] * b.ndim
            widths[axis] = (0, 1)
            b = pad(b, widths)
        both = stack([a, b], axis=axis + 1 if axis >= 0 else axis)
        shape = list(a.shape)
        shape[axis] = 2 * a.shape[axis]
        return take(reshape(both, tuple(shape)), 0, n)

    def run(es):
        n = es[0].shape[axis]
        if n < 2:
            return es
        odd = run(combine([take(e, 0, -1, 2) for e in es], [take(e, 1, None, 2) for e in es]))
        firsts = odd if n % 2 else [take(e, 0, -1) for e in odd]
        even = combine(firsts, [take(e, 2, None, 2) for e in es])
        even = [concatenate([take(e, 0, 1), r], axis=axis) for e, r in zip(es, even)]
        return [interleave(e, o) for e, o in zip(even, odd)]

    out = run(leaves)
    if reverse:
        out = [flip(e, axis=axis) for e in out]
    return tree.pack_sequence_as(elems, out)


@graph_op
def map(f, xs):
    """``f`` applied to each slice of `xs` along its leading axis, results stacked.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.map(nnet.ops.sum, np.ones((3, 2))).numpy()
        array([2., 2., 2.])
    """
    return scan(lambda _, x: ((), f(x)), (), xs)[1]


@graph_op
def vectorized_map(function, elements):
    """``function`` mapped over the leading axis of `elements` (a tensor or a structure), the
    results stacked: Keras's `vectorized_map`, computed slice by slice.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.vectorized_map(lambda x: x * 2, np.arange(3.0)).numpy()
        array([0., 2., 4.])
    """
    return map(function, elements)


def is_tensor(x):
    """Whether x is an nnet Tensor. A Variable is not one, as in Keras (it holds a tensor).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.is_tensor(nnet.ops.ones(2)), nnet.ops.is_tensor(np.ones(2))
        (True, False)
        >>> nnet.ops.is_tensor(nnet.Variable(np.ones(2)))
        False
    """
    return isinstance(x, Tensor) and not isinstance(x, Variable)


def dtype(x):
    """The dtype name of x as Keras reports it: arrays and tensors keep theirs; Python data
    takes Keras's (int32 for ints, `floatx()` for floats).

    Example:
        >>> import nnet
        >>> nnet.ops.dtype(1.0), nnet.ops.dtype([1, 2]), nnet.ops.dtype(nnet.ops.ones(1))
        ('float32', 'int32', 'float32')
    """
    if hasattr(x, "dtype"):
        return standardize_dtype(x.dtype)
    return standardize_dtype(array(x).dtype)


@graph_op
def saturate_cast(x, dtype):
    """Cast x to `dtype`, clipping first to the range that `dtype` can hold (no wrap-around).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.saturate_cast(np.array([-3.0, 7.5, 300.0]), "uint8").numpy()
        array([  0,   7, 255], dtype=uint8)
    """
    dtype = standardize_dtype(dtype)
    x = _as_tensor(x)
    in_dtype = standardize_dtype(x.dtype)
    in_min, in_max = _limits(in_dtype)
    out_min, out_max = _limits(dtype)
    # The target's limits may not be representable in the input dtype (float32 -> int32):
    # nudge them inwards so that the cast cannot overflow.
    low = np.asarray(max(in_min, out_min)).astype(in_dtype)
    if float(low) < out_min:
        low = np.nextafter(low, 0, dtype=in_dtype)
    high = np.asarray(min(in_max, out_max)).astype(in_dtype)
    if float(high) > out_max:
        high = np.nextafter(high, 0, dtype=in_dtype)
    return cast(clip(x, low, high), dtype)


def _limits(dtype):
    if dtype == "bool":
        return 0, 1
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else np.finfo(dtype)
    return info.min, info.max


