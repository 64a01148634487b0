"""Sorting, searching and counting: sort, argsort, take_along_axis, searchsorted, unique,
bincount, histogram, nonzero.

`sort` and `take_along_axis` are differentiable (the gradient goes back to the entries they took);
the others return indices or counts. Index results are int32, as in Keras.
"""

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module
from nnet.ops.dtypes import as_array, float_type


def _flat_or(x, axis):
    """x, flattened when `axis` is None, and the axis to work along."""
    return (x.reshape(-1), 0) if axis is None else (x, axis)


@primitive
def sort(x, axis=-1):
    """x sorted in ascending order along `axis` (flattened when None); NaN sorts last. Equal
    entries keep their order, so that the gradient of tied entries goes where they came from.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.sort(np.array([[3, 1], [0, 2]]), axis=0).numpy()
        array([[0, 1],
               [3, 2]])
    """
    x = as_array(x)
    flat, a = _flat_or(x, axis)
    xp = array_module(flat)
    order = xp.argsort(flat, axis=a, kind="stable")
    back = xp.argsort(order, axis=a)
    return xp.take_along_axis(flat, order, a), lambda g: (
        xp.take_along_axis(g, back, a).reshape(x.shape),)


@primitive
def argsort(x, axis=-1):
    """The indices that sort x along `axis` (flattened when None), ties in their original order;
    int32, not differentiable.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.argsort(np.array([2.0, 1.0, 2.0, 0.0])).numpy()
        array([3, 1, 0, 2], dtype=int32)
    """
    flat, a = _flat_or(as_array(x), axis)
    return array_module(flat).argsort(flat, axis=a, kind="stable").astype("int32"), None


@primitive
def argpartition(x, kth, axis=-1):
    """Indices that partition x along `axis` (flattened when None) around its `kth` smallest
    entry: that entry's index at position `kth`, the indices of no larger entries before it and
    of no smaller ones after it (in no particular order); int32, not differentiable.

    Example:
        >>> import numpy as np, nnet
        >>> int(nnet.ops.argpartition(np.array([3.0, 4.0, 2.0, 1.0]), 1)[1])
        2
    """
    flat, a = _flat_or(as_array(x), axis)
    return array_module(flat).argpartition(flat, kth, axis=a).astype("int32"), None


@primitive
def take_along_axis(x, indices, axis=None):
    """The entries of x at `indices` along `axis` (of the flattened x when None); the other axes
    of x and `indices` broadcast together. Repeated indices add up their gradients.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.array([[10.0, 30.0, 20.0], [60.0, 40.0, 50.0]])
        >>> nnet.ops.take_along_axis(x, np.array([[1], [0]]), axis=1).numpy()
        array([[30.],
               [60.]])
    """
    x, indices = as_array(x), as_array(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(
            f"take_along_axis takes integer indices. Received: indices of dtype "
            f"{indices.dtype}. Cast them to an integer dtype."
        )
    xp = array_module(x, indices)
    source, a = _flat_or(x, axis)
    a = a % source.ndim
    if indices.ndim != source.ndim:
        raise ValueError(
            f"take_along_axis needs indices with as many dimensions as x "
            f"({source.ndim}{', flattened' if axis is None else ''}). Received: indices of "
            f"shape {indices.shape} and x of shape {x.shape}."
        )
    # Every axis but `axis` broadcasts between x and the indices.
    others = xp.broadcast_shapes(source.shape[:a] + (1,) + source.shape[a + 1:],
                                 indices.shape[:a] + (1,) + indices.shape[a + 1:])
    source = xp.broadcast_to(source, others[:a] + (source.shape[a],) + others[a + 1:])
    indices = xp.broadcast_to(indices, others[:a] + (indices.shape[a],) + others[a + 1:])
    shape = source.shape

    def vjp(g):
        grid = list(xp.ogrid[tuple(slice(n) for n in g.shape)])
        grid[a] = indices
        gx = xp.zeros(shape, dtype=g.dtype)
        xp.add.at(gx, tuple(grid), g)
        return (gx.reshape(x.shape) if axis is None else gx), None

    return xp.take_along_axis(source, indices, a), vjp


@primitive
def searchsorted(sorted_sequence, values, side="left"):
    """Where each of `values` would go in the 1-D ascending `sorted_sequence` to keep it sorted:
    before equal entries (side="left") or after them ("right"); int32, not differentiable.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.searchsorted(np.array([1, 2, 2, 3]), np.array([2, 5]), side="right").numpy()
        array([3, 4], dtype=int32)
    """
    sorted_sequence = as_array(sorted_sequence)
    if sorted_sequence.ndim != 1:
        raise ValueError(
            f"searchsorted takes a 1-D sorted_sequence. Received: sorted_sequence of shape "
            f"{sorted_sequence.shape}. Search each row separately."
        )
    if side not in ("left", "right"):
        raise ValueError(f"Expected side to be 'left' or 'right'. Received: side={side!r}")
    xp = array_module(sorted_sequence)
    return xp.searchsorted(sorted_sequence, as_array(values), side=side).astype("int32"), None


@primitive
def digitize(x, bins):
    """The index of the bin of each entry of x: i such that bins[i-1] <= x < bins[i] for
    increasing `bins` (0 below the first edge, len(bins) from the last); int32.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.digitize(np.array([0.5, 1.0, 2.5]), np.array([1.0, 2.0, 3.0])).numpy()
        array([0, 1, 2], dtype=int32)
    """
    x, bins = as_array(x), as_array(bins)
    return array_module(x, bins).digitize(x, bins).astype("int32"), None


@primitive
def _unique(x, return_index, return_inverse, return_counts, axis, size, fill_value):
    x = as_array(x)
    xp = array_module(x)
    out = xp.unique(x, return_index=return_index, return_inverse=return_inverse,
                    return_counts=return_counts, axis=axis)
    out = list(out) if isinstance(out, tuple) else [out]
    if return_inverse:
        k = 1 + return_index
        out[k] = out[k].reshape(x.shape if axis is None else -1)
    if size is not None:
        dim = 0 if axis is None else axis % x.ndim
        count = out[0].shape[dim]
        if count > size:
            index = (slice(None),) * dim + (slice(0, size),)
            out[0] = out[0][index]
            if return_index:
                out[1] = out[1][:size]
            if return_counts:
                out[-1] = out[-1][:size]
        elif count < size:
            pad = [(0, 0)] * out[0].ndim
            pad[dim] = (0, size - count)
            out[0] = xp.pad(out[0], pad, constant_values=0 if fill_value is None else fill_value)
            if return_index:
                out[1] = xp.pad(out[1], (0, size - count), constant_values=1)
            if return_counts:
                out[-1] = xp.pad(out[-1], (0, size - count), constant_values=0)
    return tuple(out), None


@graph_op
def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    """The distinct values of x, in ascending order (of the flattened x, or the distinct slices
    along `axis`); not differentiable.

    Args:
        x: the tensor.
        sorted: accepted for Keras's signature; the values always come sorted.
        return_index: also return the index of the first occurrence of each value.
        return_inverse: also return, for each entry of x, the index of its value (x's shape
            when `axis` is None).
        return_counts: also return how often each value occurs.
        axis: the axis whose slices are compared (None: the flattened entries).
        size: pad (with `fill_value`, 0 by default) or cut the values to this length, so that
            the output shape does not depend on the data.
        fill_value: the padding value of the values.

    Returns:
        The values, or a tuple (values, index, inverse, counts) of those asked for.

    Example:
        >>> import numpy as np, nnet
        >>> values, counts = nnet.ops.unique(np.array([3, 1, 3, 2]), return_counts=True)
        >>> values.numpy(), counts.numpy()
        (array([1, 2, 3]), array([1, 1, 2]))
    """
    out = _unique(x, return_index, return_inverse, return_counts, axis, size, fill_value)
    return out[0] if len(out) == 1 else out


@primitive
def bincount(x, weights=None, minlength=0, sparse=False):
    """How often each non-negative integer occurs in x (1-D; 2-D counts each row), summing
    `weights` instead of ones when given; at least `minlength` bins. Not differentiable.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.bincount(np.array([1, 1, 3])).numpy()
        array([0, 2, 0, 1], dtype=int32)
    """
    if sparse:
        raise ValueError(
            "sparse=True is not supported: nnet has dense tensors only, as Keras's torch "
            f"backend. Pass sparse=False. Received: sparse={sparse!r}"
        )
    x = as_array(x)
    xp = array_module(x)
    if x.ndim not in (1, 2) or x.dtype.kind not in "iu" or (x.size and x.min() < 0):
        raise ValueError(
            f"bincount takes a 1-D or 2-D tensor of non-negative integers. Received: x of "
            f"shape {x.shape} and dtype {x.dtype}."
        )
    length = max(int(minlength), int(x.max()) + 1 if x.size else 0)
    dtype = "int32" if weights is None or as_array(weights).dtype.kind == "b" else (
        as_array(weights).dtype)
    rows = x.reshape(-1, x.shape[-1]) if x.ndim == 2 else x[None]
    w = None if weights is None else xp.broadcast_to(as_array(weights), x.shape).reshape(
        rows.shape)
    out = xp.stack([xp.bincount(r, weights=None if w is None else w[i], minlength=length)
                    for i, r in enumerate(rows)]).astype(dtype)
    return (out if x.ndim == 2 else out[0]), None


@primitive
def histogram(x, bins=10, range=None):
    """The counts of the 1-D x in `bins` equal-width bins over `range` (x's min to max by
    default), and the bins' edges; both in x's float dtype. Not differentiable.

    Example:
        >>> import numpy as np, nnet
        >>> counts, edges = nnet.ops.histogram(np.array([1.0, 2.0, 2.5, 4.0]), bins=3)
        >>> counts.numpy(), edges.numpy()
        (array([1., 2., 1.]), array([1., 2., 3., 4.]))
    """
    x = as_array(x)
    if x.ndim != 1:
        raise ValueError(
            f"histogram takes a 1-D tensor. Received: x of shape {x.shape}. Flatten it first."
        )
    if not isinstance(bins, int) or bins < 1:
        raise ValueError(f"Expected a positive integer for bins. Received: bins={bins!r}")
    dtype = float_type(x)
    counts, edges = array_module(x).histogram(x, bins=bins, range=range)
    return (counts.astype(dtype), edges.astype(dtype)), None


@primitive
def nonzero(x):
    """The indices of the non-zero entries of x: a tuple of one int32 tensor per axis.

    Example:
        >>> import numpy as np, nnet
        >>> [i.numpy().tolist() for i in nnet.ops.nonzero(np.array([[0, 5], [7, 0]]))]
        [[0, 1], [1, 0]]
    """
    return tuple(i.astype("int32") for i in array_module(x).nonzero(as_array(x))), None


@primitive
def _unravel_index(indices, shape):
    indices = as_array(indices)
    return tuple(i.astype("int32") for i in array_module(indices).unravel_index(
        indices, shape)), None


@graph_op
def unravel_index(indices, shape):
    """The coordinates in an array of `shape` of flat `indices`: a tuple of one int32 tensor
    per axis.

    Example:
        >>> import numpy as np, nnet
        >>> [i.numpy().tolist() for i in nnet.ops.unravel_index(np.array([1, 5]), (2, 3))]
        [[0, 1], [1, 2]]
    """
    return _unravel_index(indices, tuple(shape))
