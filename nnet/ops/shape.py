"""Shape manipulation and indexing: reshape, transpose, concatenate, stack, take, slicing."""

from nnet.autodiff.engine import primitive
from nnet.backend import array_module, floatx
from nnet.ops.math import _data


@primitive
def reshape(x, shape):
    """Give x a new shape with the same number of elements (-1 infers one dimension)."""
    return x.reshape(shape), lambda g: (g.reshape(x.shape), None)


@primitive
def transpose(x, axes=None):
    """Permute the axes of x (reverse them by default)."""
    xp = array_module(x)
    inverse = None if axes is None else tuple(xp.argsort(axes).tolist())
    return x.transpose(axes), lambda g: (g.transpose(inverse), None)


def expand_dims(x, axis):
    """Insert a size-1 axis at `axis`."""
    shape = list(x.shape)
    shape.insert(axis % (len(shape) + 1), 1)
    return reshape(x, tuple(shape))


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
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


@primitive
def _concatenate(*xs, axis=0):
    xp = array_module(*xs)
    ends = xp.cumsum([x.shape[axis] for x in xs]).tolist()
    return xp.concatenate(xs, axis=axis), lambda g: tuple(xp.split(g, ends[:-1], axis=axis))


def concatenate(xs, axis=0):
    """Join a list of tensors along an existing axis."""
    return _concatenate(*xs, axis=axis)


@primitive
def _stack(*xs, axis=0):
    xp = array_module(*xs)
    return xp.stack(xs, axis=axis), lambda g: tuple(xp.moveaxis(g, axis, 0))


def stack(xs, axis=0):
    """Join a list of same-shape tensors along a new axis."""
    return _stack(*xs, axis=axis)


def _is_basic(index):
    index = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in index)


@primitive
def getitem(x, index):
    """x[index] for any NumPy index; repeated indices accumulate their gradients."""
    xp = array_module(x)

    def vjp(g):
        gx = xp.zeros(x.shape, dtype=g.dtype)
        if _is_basic(index):
            gx[index] = g
        else:
            xp.add.at(gx, index, g)
        return gx, None

    return x[index], vjp


def take(x, indices, axis=None):
    """Gather the entries of x at integer `indices` along `axis` (flattened when None)."""
    indices = _data(indices)
    if axis is None:
        return getitem(reshape(x, (-1,)), indices)
    index = (slice(None),) * (axis % x.ndim) + (indices,)
    return getitem(x, index)


@primitive
def one_hot(x, num_classes, dtype=None):
    """One-hot encode integer labels: shape (..., num_classes)."""
    xp = array_module(x)
    return (xp.asarray(x)[..., None] == xp.arange(num_classes)).astype(dtype or floatx()), None


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
