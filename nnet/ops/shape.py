"""Shape manipulation and indexing: reshape, transpose, concatenate, stack, take, slicing."""

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module, floatx
from nnet.ops.math import _data, cast
from nnet.ops.reduce import sum as _sum


@primitive
def reshape(x, newshape):
    """Give x a new shape with the same number of elements (-1 infers one dimension)."""
    return x.reshape(newshape), lambda g: (g.reshape(x.shape), None)


@primitive
def transpose(x, axes=None):
    """Permute the axes of x (reverse them by default)."""
    xp = array_module(x)
    inverse = None if axes is None else tuple(xp.argsort(axes).tolist())
    return x.transpose(axes), lambda g: (g.transpose(inverse), None)


@primitive
def expand_dims(x, axis):
    """Insert a size-1 axis at `axis`."""
    return array_module(x).expand_dims(x, axis), lambda g: (g.reshape(x.shape), None)


@primitive
def squeeze(x, axis=None):
    """Remove size-1 axes (all of them, or those in `axis`)."""
    axes = [i for i, n in enumerate(x.shape) if n == 1] if axis is None else (
        [a % x.ndim for a in (axis if isinstance(axis, (tuple, list)) else (axis,))]
    )
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(
                f"Cannot squeeze axis {a} of a tensor of shape {x.shape}: its size is not 1."
            )
    return x.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes)), \
        lambda g: (g.reshape(x.shape), None)


def _is_basic(index):
    index = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in index)


@primitive
def getitem(x, index):
    """x[index] for any NumPy index; repeated indices accumulate their gradients."""
    xp = array_module(x)

    def vjp(g):
        gx = xp.zeros(x.shape, dtype=g.dtype)
        rows = _row_ids(index)
        if _is_basic(index):
            gx[index] = g
        elif rows is not None and x.ndim:
            scatter_add_rows(gx.reshape(len(gx), -1), rows, g.reshape(rows.size, -1))
        else:
            xp.add.at(gx, index, g)
        return gx, None

    return x[index], vjp


def _row_ids(index):
    """The integer array of an index that picks rows along the first axis (``x[ids]``), else
    None."""
    if isinstance(index, tuple) and len(index) == 1:
        index = index[0]
    if hasattr(index, "dtype") and index.dtype.kind in "iu" and index.ndim:
        return index
    return None


_DUPLICATE_FREE_ROUNDS = 8


def scatter_add_rows(out, ids, values):
    """``out[ids[k]] += values[k]`` for every k, where repeated ids accumulate (an Embedding's
    gradient).

    ``ufunc.at`` does this one row at a time. Here the rows are sorted by id and the k-th
    occurrences of every id added in one fancy-index addition per k (no id repeats within one),
    for the first few k; the rare later occurrences go through ``ufunc.at``.

    Args:
        out: (rows, width), added to in place.
        ids: integer ids of any shape, each in ``[-rows, rows)``.
        values: (ids.size, width).

    Example:
        >>> import numpy as np
        >>> out = np.zeros((3, 1))
        >>> scatter_add_rows(out, np.array([2, 0, 2, -1]), np.ones((4, 1)))
        >>> out.ravel()
        array([1., 0., 3.])
    """
    xp = array_module(out)
    if not ids.size:
        return
    ids = ids.ravel() % len(out)
    order = xp.argsort(ids, kind="stable")
    ids = ids[order]
    starts = xp.flatnonzero(xp.concatenate([[True], ids[1:] != ids[:-1]]))
    lengths = xp.diff(xp.concatenate([starts, [len(ids)]]))
    rank = xp.arange(len(ids)) - xp.repeat(starts, lengths)
    for k in range(min(int(lengths.max()), _DUPLICATE_FREE_ROUNDS)):
        pick = rank == k
        out[ids[pick]] += values[order[pick]]
    later = rank >= _DUPLICATE_FREE_ROUNDS
    if later.any():
        xp.add.at(out, ids[later], values[order[later]])


@graph_op
def take(x, indices, axis=None):
    """Gather the entries of x at integer `indices` along `axis` (flattened when None)."""
    indices = _data(indices)
    if axis is None:
        return getitem(reshape(x, (-1,)), indices)
    index = (slice(None),) * (axis % x.ndim) + (indices,)
    return getitem(x, index)


@primitive
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encode integer labels along a new axis `axis` of size `num_classes` (the last by
    default); labels outside ``[0, num_classes)`` give all zeros. `sparse` must be False: nnet
    has dense tensors only."""
    if sparse:
        raise ValueError(
            "sparse=True is not supported: nnet has dense tensors only, as Keras's torch "
            f"backend. Pass sparse=False. Received: sparse={sparse!r}"
        )
    xp = array_module(x)
    out = (xp.asarray(x)[..., None] == xp.arange(num_classes)).astype(dtype or floatx())
    return (out if axis in (-1, out.ndim - 1) else xp.moveaxis(out, -1, axis)), None


@primitive
def broadcast_to(x, shape):
    """x broadcast to `shape`; the engine sums the gradient back to x's shape."""
    return array_module(x).broadcast_to(x, shape).copy(), lambda g: (g, None)


@primitive
def tile(x, repeats):
    """x repeated `repeats` times along each axis (NumPy's tile)."""
    xp = array_module(x)
    reps = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    reps = (1,) * (x.ndim - len(reps)) + reps
    shape = (1,) * (len(reps) - x.ndim) + x.shape

    def vjp(g):
        # Split every axis into (repeat, size) and sum over the repeats.
        split = [n for pair in zip(reps, shape) for n in pair]
        return g.reshape(split).sum(axis=tuple(range(0, 2 * len(shape), 2))).reshape(x.shape), None

    return xp.tile(x, repeats), vjp


@primitive
def repeat(x, repeats, axis=None):
    """Each element of x repeated `repeats` (an int) times along `axis` (flattened when None)."""
    xp = array_module(x)
    out = xp.repeat(x, repeats, axis=axis)

    def vjp(g):
        if axis is None:
            return g.reshape(-1, repeats).sum(axis=1).reshape(x.shape), None
        a = axis % x.ndim
        grouped = g.reshape(x.shape[:a] + (x.shape[a], repeats) + x.shape[a + 1:])
        return grouped.sum(axis=a + 1), None

    return out, vjp


def _axes_tuple(axis):
    return tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)


@primitive
def flip(x, axis=None):
    """Reverse the order of the elements of x along `axis` (an int, a tuple, or all axes).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.flip(np.array([[1, 2], [3, 4]]), axis=1).numpy()
        array([[2, 1],
               [4, 3]])
    """
    xp = array_module(x)
    return xp.flip(x, axis=axis), lambda g: (xp.flip(g, axis=axis), None)


@graph_op
def fliplr(x):
    """`flip` along axis 1 (left/right).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.fliplr(np.array([[1, 2]])).numpy()
        array([[2, 1]])
    """
    return flip(x, axis=1)


@graph_op
def flipud(x):
    """`flip` along axis 0 (up/down).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.flipud(np.array([[1], [2]])).numpy()
        array([[2],
               [1]])
    """
    return flip(x, axis=0)


@primitive
def roll(x, shift, axis=None):
    """Shift the elements of x by `shift` places along `axis` (of the flattened x when None);
    those that fall off one end come back at the other.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.roll(np.arange(4), 1).numpy()
        array([3, 0, 1, 2])
    """
    xp = array_module(x)
    back = tuple(-s for s in shift) if isinstance(shift, (tuple, list)) else -shift
    return xp.roll(x, shift, axis=axis), lambda g: (xp.roll(g, back, axis=axis), None, None)


@primitive
def rot90(array, k=1, axes=(0, 1)):
    """Rotate `array` by 90 degrees `k` times in the plane of `axes`, from the first axis
    towards the second (counterclockwise for a matrix).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.rot90(np.array([[1, 2], [3, 4]])).numpy()
        array([[2, 4],
               [1, 3]])
    """
    xp = array_module(array)
    axes = tuple(axes)
    return xp.rot90(array, k, axes), lambda g: (xp.rot90(g, -k, axes),)


@graph_op
def moveaxis(x, source, destination):
    """Move the axes `source` of x to the positions `destination`; the others keep their order.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.moveaxis(np.zeros((2, 3, 4)), 0, -1).shape
        (3, 4, 2)
    """
    source = [a % x.ndim for a in _axes_tuple(source)]
    destination = [a % x.ndim for a in _axes_tuple(destination)]
    if len(source) != len(destination):
        raise ValueError(
            f"Expected source and destination to have the same number of axes. Received: "
            f"source={source}, destination={destination}"
        )
    order = [a for a in range(x.ndim) if a not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return transpose(x, tuple(order))


@graph_op
def swapaxes(x, axis1, axis2):
    """Interchange the axes `axis1` and `axis2` of x.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.swapaxes(np.zeros((2, 3, 4)), 0, 2).shape
        (4, 3, 2)
    """
    order = list(range(x.ndim))
    order[axis1], order[axis2] = order[axis2], order[axis1]
    return transpose(x, tuple(order))


@graph_op
def ravel(x):
    """x flattened to one dimension.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.ravel(np.array([[1, 2], [3, 4]])).numpy()
        array([1, 2, 3, 4])
    """
    return reshape(x, (-1,))


# np.pad modes that only copy entries of x, so that the gradient is a scatter-add back.
_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


@primitive
def _pad(x, pad_width, mode="constant", constant_values=0):
    xp = array_module(x)
    kwargs = {"constant_values": constant_values} if mode == "constant" else {}

    def vjp(g):
        # Pad the (1-based) positions of x as x was padded: each output entry then names the
        # entry of x it copies (0 for a constant), and the gradient adds up over those.
        source = xp.arange(1, x.size + 1).reshape(x.shape)
        source = xp.pad(source, pad_width, mode=mode).ravel()
        gx = xp.bincount(source, weights=g.ravel(), minlength=x.size + 1)[1:]
        return gx.astype(g.dtype).reshape(x.shape), None

    return xp.pad(x, pad_width, mode=mode, **kwargs), vjp


@graph_op
def pad(x, pad_width, mode="constant", constant_values=None):
    """x padded along each axis (differentiable).

    Args:
        x: the tensor.
        pad_width: ``((before_1, after_1), ..., (before_N, after_N))`` per axis, or
            ``((before, after),)``, ``(pad,)`` or ``pad`` for every axis.
        mode: ``"constant"``, ``"edge"``, ``"reflect"``, ``"symmetric"`` or ``"wrap"``
            (NumPy's meanings).
        constant_values: the padding value in ``"constant"`` mode (0 by default).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.pad(np.array([1, 2]), 1, mode="edge").numpy()
        array([1, 1, 2, 2])
    """
    if mode not in _PAD_MODES:
        raise ValueError(
            f"Unsupported padding mode: mode={mode!r}. Expected one of {list(_PAD_MODES)}."
        )
    if constant_values is not None and mode != "constant":
        raise ValueError(
            f"Argument `constant_values` can only be provided when `mode == 'constant'`. "
            f"Received: mode={mode}"
        )
    if isinstance(pad_width, int):
        pad_width = ((pad_width, pad_width),)
    elif isinstance(pad_width[0], int):
        pad_width = (tuple(pad_width),)
    pad_width = tuple(tuple(int(n) for n in pair) for pair in pad_width)
    if len(pad_width) > 1 and len(pad_width) != x.ndim:
        raise ValueError(
            f"`pad_width` must have the same length as `x.shape`. Received: "
            f"pad_width={pad_width} (of length {len(pad_width)}) and x.shape={x.shape} "
            f"(of length {x.ndim})"
        )
    return _pad(x, pad_width, mode=mode,
                constant_values=0 if constant_values is None else constant_values)


@primitive
def tril(x, k=0):
    """x with the entries above diagonal `k` of its last two axes set to zero.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.tril(np.ones((2, 2))).numpy()
        array([[1., 0.],
               [1., 1.]])
    """
    xp = array_module(x)
    return xp.tril(x, k), lambda g: (xp.tril(g, k), None)


@primitive
def triu(x, k=0):
    """x with the entries below diagonal `k` of its last two axes set to zero.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.triu(np.ones((2, 2))).numpy()
        array([[1., 1.],
               [0., 1.]])
    """
    xp = array_module(x)
    return xp.triu(x, k), lambda g: (xp.triu(g, k), None)


@primitive
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal `offset` of the planes (axis1, axis2) of x, on a new last axis.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.diagonal(np.arange(9).reshape(3, 3), offset=1).numpy()
        array([1, 5])
    """
    xp = array_module(x)
    out = xp.diagonal(x, offset=offset, axis1=axis1, axis2=axis2).copy()

    def vjp(g):
        gx = xp.zeros(x.shape, dtype=g.dtype)
        n = out.shape[-1]
        rows = xp.arange(n) + max(-offset, 0)
        cols = xp.arange(n) + max(offset, 0)
        # A view of gx with the two axes last, written through.
        xp.moveaxis(gx, (axis1, axis2), (-2, -1))[..., rows, cols] = g
        return gx

    return out, lambda g: (vjp(g),)


@graph_op
def trace(x, offset=0, axis1=0, axis2=1):
    """The sum of the diagonal `offset` of the planes (axis1, axis2) of x.

    Integer results are at least 32-bit, as in Keras: bool, int8 and int16 give int32; uint8 and
    uint16 give uint32.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.trace(np.arange(4.0).reshape(2, 2)).numpy()
        array(3.)
    """
    d = diagonal(x, offset=offset, axis1=axis1, axis2=axis2)
    dtype = np.dtype(d.dtype).name
    if dtype in ("float16", "float32", "float64"):
        return _sum(d, axis=-1)
    dtype = {"bool": "int32", "int8": "int32", "int16": "int32", "uint8": "uint32",
             "uint16": "uint32"}.get(dtype, dtype)
    return cast(_sum(cast(d, dtype), axis=-1), dtype)
