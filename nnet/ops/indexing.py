"""Indexing ops: slices and their updates, scatters, segment reductions, top-k, multi-hot."""

import builtins

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module, floatx, standardize_dtype
from nnet.ops.reduce import max as _max
from nnet.ops.shape import one_hot


def _ints(values, name):
    """A tuple of Python ints from a sequence or an integer array (a Tensor's data)."""
    try:
        return tuple(int(v) for v in np.asarray(values).reshape(-1))
    except (TypeError, ValueError):
        raise ValueError(f"Expected a sequence of integers for {name}. Received: "
                         f"{name}={values!r}") from None


def _box(x, start_indices, shape, name):
    """The tuple of slices that selects a box of `shape` at `start_indices` within x."""
    start, size = _ints(start_indices, "start_indices"), tuple(shape)
    if len(start) != x.ndim or len(size) != x.ndim:
        raise ValueError(
            f"Expected one start index and one {name} size per dimension of inputs (ndim "
            f"{x.ndim}). Received: start_indices={start}, {name}={size}"
        )
    if any(s < 0 or s + n > d for s, n, d in zip(start, size, x.shape)):
        raise ValueError(
            f"The box at start_indices={start} of {name} {size} does not fit in inputs of "
            f"shape {x.shape}. Choose start indices and sizes within the input."
        )
    return tuple(builtins.slice(s, s + n) for s, n in zip(start, size))


@primitive
def slice(inputs, start_indices, shape):
    """The box of size `shape` that starts at `start_indices` (Keras's `slice`).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.slice(np.arange(12).reshape(3, 4), (1, 1), (2, 2)).numpy()
        array([[ 5,  6],
               [ 9, 10]])
    """
    box = _box(inputs, start_indices, _ints(shape, "shape"), "shape")

    def vjp(g):
        gx = array_module(g).zeros(inputs.shape, dtype=g.dtype)
        gx[box] = g
        return gx, None, None

    return inputs[box], vjp


@primitive
def slice_update(inputs, start_indices, updates):
    """`inputs` with the box at `start_indices` replaced by `updates`.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.slice_update(np.zeros((2, 3)), (0, 1), np.ones((1, 2))).numpy()
        array([[0., 1., 1.],
               [0., 0., 0.]])
    """
    box = _box(inputs, start_indices, updates.shape, "updates.shape")
    out = inputs.copy()
    out[box] = updates

    def vjp(g):
        gx = g.copy()
        gx[box] = 0
        return gx, None, g[box]

    return out, vjp


def _index_tuple(indices, name):
    """Integer `indices` of shape (..., k) as k flat index arrays, and their batch shape."""
    indices = np.asarray(indices)
    if indices.dtype.kind not in "iu" or indices.ndim < 1:
        raise ValueError(f"Expected integer {name} of shape (..., k). Received: {name} of dtype "
                         f"{indices.dtype} and shape {indices.shape}")
    flat = indices.reshape(-1, indices.shape[-1]).astype(np.int64)
    return tuple(flat.T), indices.shape[:-1]


@primitive
def scatter(indices, values, shape):
    """A zero tensor of `shape` with `values` added at `indices` (duplicates add up).

    Args:
        indices: integers of shape (..., k), each row indexing the first k dimensions of shape.
        values: shape ``indices.shape[:-1] + shape[k:]``.
        shape: the output shape.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.scatter(np.array([[0, 1], [0, 1], [1, 0]]), np.array([1.0, 2.0, 5.0]),
        ...                  (2, 2)).numpy()
        array([[0., 3.],
               [5., 0.]])
    """
    index, batch = _index_tuple(indices, "indices")
    shape = _ints(shape, "shape")
    xp = array_module(values)
    rows = values.reshape((-1,) + shape[len(index):])
    out = xp.zeros(shape, dtype=values.dtype)
    xp.add.at(out, index, rows)
    return out, lambda g: (None, g[index].reshape(values.shape), None)


@primitive
def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` written at `indices` (rows of shape (k,) indexing the first k
    dimensions), replacing the values, or combined with them by `reduction`.

    Args:
        inputs: the tensor to update (not modified).
        indices: integers of shape (n, k).
        updates: n values, shape ``(n,) + inputs.shape[k:]``, cast to the dtype of inputs.
        reduction: None (replace; the last of duplicate indices wins), ``"add"``, ``"max"``,
            ``"min"`` or ``"mul"`` (duplicates combine).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.scatter_update(np.zeros(4), np.array([[1], [3]]), np.array([5.0, 6.0])).numpy()
        array([0., 5., 0., 6.])
    """
    reductions = {None: None, "add": "add", "max": "maximum", "min": "minimum", "mul": "multiply"}
    if reduction not in reductions:
        raise ValueError(f"Expected reduction to be one of {list(reductions)}. "
                         f"Received: reduction={reduction!r}")
    xp = array_module(inputs)
    index, _ = _index_tuple(indices, "indices")
    updates = updates.astype(inputs.dtype, copy=False).reshape((-1,) + inputs.shape[len(index):])
    out = inputs.copy()
    if reduction is None:
        out[index] = updates
    else:
        getattr(xp, reductions[reduction]).at(out, index, updates)

    def vjp(g):
        if reduction == "add":
            return g, None, g[index]
        if reduction == "mul":
            return _scatter_mul_grads(xp, g, inputs, index, updates)
        # Each output element has one source, -1 for the input: the last update written, or
        # for max/min the input when it holds the extremum, else the first update that does.
        source = xp.full(inputs.shape, -1, dtype=np.int64)
        order = range(len(updates)) if reduction is None else reversed(range(len(updates)))
        for i in order:
            at = tuple(k[i] for k in index)
            source[at] = i if reduction is None else xp.where(updates[i] == out[at], i, source[at])
        if reduction is not None:
            source[inputs == out] = -1
        mine = source[index] == xp.arange(len(updates)).reshape(
            (-1,) + (1,) * (g.ndim - len(index)))
        return g * (source == -1), None, g[index] * mine

    return out, vjp


def _scatter_mul_grads(xp, g, inputs, index, updates):
    """Gradients of ``inputs * prod(updates at each index)``, exact where values are zero: each
    factor's gradient is the product of the others at its position."""
    product = xp.ones(inputs.shape, dtype=inputs.dtype)
    xp.multiply.at(product, index, updates)
    gu = xp.empty_like(updates)
    for i in range(len(updates)):
        others = inputs.copy()
        rest = [j for j in range(len(updates)) if j != i]
        xp.multiply.at(others, tuple(k[rest] for k in index), updates[rest])
        gu[i] = (g * others)[tuple(k[i] for k in index)]
    return g * product, None, gu


def _segments(data, segment_ids, num_segments):
    ids = np.asarray(segment_ids)
    if ids.ndim != 1 or ids.shape[0] != data.shape[0]:
        raise ValueError(
            f"Expected segment_ids to be a 1-D vector with one id per row of data "
            f"({data.shape[0]}). Received: segment_ids of shape {ids.shape}. Flatten both, "
            f"e.g. segment_ids.reshape(-1) and data.reshape((-1,) + data.shape[k:])."
        )
    ids = ids.astype(np.int64)
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.size else 0
    # Ids outside [0, num_segments) are dropped, as Keras does.
    keep = (ids >= 0) & (ids < num_segments)
    return ids, keep, int(num_segments)


def _segment_reduce(data, segment_ids, num_segments, how):
    xp = array_module(data)
    ids, keep, n = _segments(data, segment_ids, num_segments)
    rows, kept_ids = data[keep], ids[keep]
    shape = (n,) + data.shape[1:]
    if how == "sum":
        out = xp.zeros(shape, dtype=data.dtype)
        xp.add.at(out, kept_ids, rows)
    elif how == "prod":
        out = xp.ones(shape, dtype=data.dtype)
        xp.multiply.at(out, kept_ids, rows)
    else:
        big = np.inf if data.dtype.kind == "f" else (
            np.iinfo(data.dtype).max if data.dtype.kind in "iu" else True)
        out = xp.full(shape, -big if how == "max" else big, dtype=data.dtype)
        (xp.maximum if how == "max" else xp.minimum).at(out, kept_ids, rows)
    return out, ids, keep


def _scatter_rows(xp, rows, ids, keep, shape):
    """Rows of `rows` (one per kept id) put back at their data positions, zero elsewhere."""
    full = xp.zeros(shape, dtype=rows.dtype)
    full[keep] = rows
    return full


@primitive
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """The sum of the rows of data in each segment: ``out[s] = sum(data[segment_ids == s])``.

    Args:
        data: shape (n, ...).
        segment_ids: n integer ids; ids outside ``[0, num_segments)`` are dropped.
        num_segments: the number of segments (``max(segment_ids) + 1`` by default).
        sorted: whether the ids are sorted (accepted; nnet does not need it).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.segment_sum(np.array([1.0, 2.0, 3.0]), np.array([0, 0, 2])).numpy()
        array([3., 0., 3.])
    """
    out, ids, keep = _segment_reduce(data, segment_ids, num_segments, "sum")
    xp = array_module(data)
    return out, lambda g: (_scatter_rows(xp, g[ids[keep]], ids, keep, data.shape), None)


@primitive
def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    """The product of the rows of data in each segment (1 for empty segments).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.segment_prod(np.array([2.0, 3.0, 4.0]), np.array([0, 0, 1])).numpy()
        array([6., 4.])
    """
    out, ids, keep = _segment_reduce(data, segment_ids, num_segments, "prod")
    xp = array_module(data)

    def vjp(g):
        # The product of the others, exact where data has zeros: count the zeros per segment
        # and multiply the non-zero values.
        kept, kept_ids = data[keep], ids[keep]
        zero = kept == 0
        zeros = xp.zeros(out.shape, dtype=np.int64)
        xp.add.at(zeros, kept_ids, zero.astype(np.int64))
        nonzero = xp.ones(out.shape, dtype=data.dtype)
        xp.multiply.at(nonzero, kept_ids, xp.where(zero, 1, kept))
        count, rest = zeros[kept_ids], nonzero[kept_ids]
        others = xp.where(zero, rest * (count == 1), rest * (count == 0) / xp.where(zero, 1, kept))
        return _scatter_rows(xp, g[kept_ids] * others, ids, keep, data.shape), None

    return out, vjp


def _segment_extremum(data, segment_ids, num_segments, how):
    out, ids, keep = _segment_reduce(data, segment_ids, num_segments, how)
    xp = array_module(data)

    def vjp(g):
        # Ties share the gradient equally, as PyTorch's scatter_reduce does.
        kept_ids = ids[keep]
        hit = (data[keep] == out[kept_ids]).astype(g.dtype)
        ties = xp.zeros(out.shape, dtype=g.dtype)
        xp.add.at(ties, kept_ids, hit)
        return _scatter_rows(xp, g[kept_ids] * hit / ties[kept_ids], ids, keep, data.shape), None

    return out, vjp


@primitive
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """The maximum of the rows of data in each segment (-inf, or the dtype's minimum, when
    empty).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.segment_max(np.array([1.0, 5.0, 3.0]), np.array([0, 0, 1])).numpy()
        array([5., 3.])
    """
    return _segment_extremum(data, segment_ids, num_segments, "max")


@primitive
def segment_min(data, segment_ids, num_segments=None, sorted=False):
    """The minimum of the rows of data in each segment (inf, or the dtype's maximum, when
    empty).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.segment_min(np.array([1.0, 5.0, 3.0]), np.array([0, 0, 1])).numpy()
        array([1., 3.])
    """
    return _segment_extremum(data, segment_ids, num_segments, "min")


@primitive
def top_k(x, k, sorted=True):
    """The `k` largest values along the last axis and their indices (int64, as Keras's torch
    backend); equal values keep their order (the lower index first).

    Args:
        x: the input, shape (..., n) with n >= k.
        k: how many to keep.
        sorted: accepted for Keras compatibility; the values always come largest first.

    Example:
        >>> import numpy as np, nnet
        >>> values, indices = nnet.ops.top_k(np.array([1.0, 3.0, 2.0, 3.0]), 2)
        >>> values.numpy(), indices.numpy()
        (array([3., 3.]), array([1, 3]))
    """
    k = int(k)
    if not 0 <= k <= x.shape[-1]:
        raise ValueError(f"Expected k in [0, {x.shape[-1]}] (the size of the last axis of x). "
                         f"Received: k={k}")
    xp = array_module(x)
    # A stable sort of the negated values keeps equal values in index order. Booleans sort
    # as integers.
    keys = -x.astype(np.int8) if x.dtype == bool else -x
    indices = xp.argsort(keys, axis=-1, kind="stable")[..., :k]
    values = xp.take_along_axis(x, indices, axis=-1)

    def vjp(gs):
        gx = xp.zeros(x.shape, dtype=x.dtype)
        if gs[0] is not None:
            xp.put_along_axis(gx, indices, gs[0], axis=-1)
        return gx, None

    return (values, indices.astype(np.int64)), vjp


@primitive
def in_top_k(targets, predictions, k):
    """Whether each target class is among the `k` largest predictions of its row (a tie with
    the k-th largest value counts as in).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.in_top_k(np.array([0, 2]), np.array([[0.9, 0.1, 0.0], [0.5, 0.3, 0.2]]),
        ...                   1).numpy()
        array([ True, False])
    """
    xp = array_module(predictions)
    targets = targets.astype(np.int64)
    k = int(k)
    kth = -xp.sort(-predictions, axis=-1)[..., k - 1:k] if k > 0 else None
    target = xp.take_along_axis(predictions, targets[:, None], axis=-1)
    out = (target >= kth)[:, 0] if kth is not None else xp.zeros(len(targets), bool)
    return out, None


@graph_op
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot vectors: 1 at every class present among the labels of a sample (the labels'
    one-hot vectors combined by max over axis 1, or over axis 0 for a 1-D input).

    Args:
        inputs: integer labels, shape (n,) or (batch, n).
        num_classes: the number of classes (``num_tokens`` is accepted as Keras's alias).
        axis: where the class axis goes in the one-hot encoding.
        dtype: the result's dtype, `floatx()` by default.
        sparse: must be False (nnet has dense tensors only).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.multi_hot(np.array([0, 4]), num_classes=5).numpy()
        array([1., 0., 0., 0., 1.], dtype=float32)
    """
    if num_classes is None and "num_tokens" in kwargs:
        num_classes = kwargs.pop("num_tokens")
    if num_classes is None:
        raise ValueError("Argument num_classes must be specified. Received: num_classes=None")
    if kwargs:
        raise TypeError(f"multi_hot got unexpected keyword arguments {sorted(kwargs)}")
    encoded = one_hot(inputs, num_classes, axis=axis,
                      dtype=standardize_dtype(dtype or floatx()), sparse=sparse)
    return _max(encoded, axis=1 if len(inputs.shape) > 1 else 0)
