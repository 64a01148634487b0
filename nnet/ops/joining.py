"""Joining and splitting tensors: concatenate, stack (and its h/v/d forms), split, unstack."""

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module
from nnet.ops.shape import reshape


@primitive
def _concatenate(*xs, axis=0):
    xp = array_module(*xs)
    ends = xp.cumsum([x.shape[axis] for x in xs]).tolist()
    return xp.concatenate(xs, axis=axis), lambda g: tuple(xp.split(g, ends[:-1], axis=axis))


@graph_op
def concatenate(xs, axis=0):
    """Join a list of tensors along an existing axis."""
    return _concatenate(*xs, axis=axis)


@primitive
def _stack(*xs, axis=0):
    xp = array_module(*xs)
    return xp.stack(xs, axis=axis), lambda g: tuple(xp.moveaxis(g, axis, 0))


@graph_op
def stack(x, axis=0):
    """Join a list `x` of same-shape tensors along a new axis."""
    return _stack(*x, axis=axis)


@primitive
def _split(x, indices_or_sections, axis=0, even=True):
    xp = array_module(x)
    parts = (xp.split if even else xp.array_split)(x, indices_or_sections, axis=axis)

    def vjp(gs):
        gs = [xp.zeros(p.shape, dtype=p.dtype) if g is None else g for g, p in zip(gs, parts)]
        return xp.concatenate(gs, axis=axis), None

    return tuple(parts), vjp


@graph_op
def split(x, indices_or_sections, axis=0):
    """Split x along `axis` into equal parts, or at the given indices; a list of tensors.

    Args:
        x: the tensor to split.
        indices_or_sections: the number of equal parts (it must divide ``x.shape[axis]``), or
            the sorted indices at which to split.
        axis: the axis to split.

    Example:
        >>> import numpy as np, nnet
        >>> [t.numpy() for t in nnet.ops.split(np.arange(4.0), 2)]
        [array([0., 1.]), array([2., 3.])]
    """
    return list(_split(x, _int_or_tuple(indices_or_sections), axis=axis, even=True))


@graph_op
def array_split(x, indices_or_sections, axis=0):
    """Split x along `axis` into `indices_or_sections` parts whose sizes differ by at most one
    (the first ones are larger), or at the given indices; a list of tensors.

    Example:
        >>> import numpy as np, nnet
        >>> [t.shape for t in nnet.ops.array_split(np.zeros(5), 3)]
        [(2,), (2,), (1,)]
    """
    return list(_split(x, _int_or_tuple(indices_or_sections), axis=axis, even=False))


def _int_or_tuple(value):
    return value if isinstance(value, int) else tuple(int(i) for i in value)


@graph_op
def hsplit(x, indices_or_sections):
    """`split` along axis 1 (axis 0 for 1-D tensors).

    Example:
        >>> import numpy as np, nnet
        >>> [t.shape for t in nnet.ops.hsplit(np.zeros((2, 4)), 2)]
        [(2, 2), (2, 2)]
    """
    return split(x, indices_or_sections, axis=1 if x.ndim > 1 else 0)


@graph_op
def vsplit(x, indices_or_sections):
    """`split` along axis 0.

    Example:
        >>> import numpy as np, nnet
        >>> [t.shape for t in nnet.ops.vsplit(np.zeros((4, 2)), 2)]
        [(2, 2), (2, 2)]
    """
    return split(x, indices_or_sections, axis=0)


@graph_op
def dsplit(x, indices_or_sections):
    """`split` along axis 2.

    Example:
        >>> import numpy as np, nnet
        >>> [t.shape for t in nnet.ops.dsplit(np.zeros((1, 2, 4)), [1])]
        [(1, 2, 1), (1, 2, 3)]
    """
    return split(x, indices_or_sections, axis=2)


@primitive
def _unstack(x, axis=0):
    xp = array_module(x)
    parts = tuple(xp.moveaxis(x, axis, 0))

    def vjp(gs):
        zero = xp.zeros(parts[0].shape, dtype=parts[0].dtype)
        return xp.stack([zero if g is None else g for g in gs], axis=axis), None

    return parts, vjp


@graph_op
def unstack(x, num=None, axis=0):
    """The slices of x along `axis`, as a list of ``x.shape[axis]`` tensors.

    Args:
        x: the tensor.
        num: the expected length of `axis` (checked when given).
        axis: the axis to unpack.

    Example:
        >>> import numpy as np, nnet
        >>> [t.numpy() for t in nnet.ops.unstack(np.array([[1, 2], [3, 4]]), axis=1)]
        [array([1, 3]), array([2, 4])]
    """
    size = x.shape[axis]
    if num is not None and size is not None and num != size:
        raise ValueError(
            f"Expected num to equal the size of axis {axis} of x, {size}. Received: num={num}"
        )
    if size is None:
        raise ValueError(
            f"Cannot unstack axis {axis} of a tensor of shape {x.shape}: its size is unknown. "
            f"Unstack an axis of known size."
        )
    return list(_unstack(x, axis=axis))


def _at_least(x, ndim):
    """x with its shape padded as NumPy's atleast_2d/atleast_3d pad it."""
    if x.ndim >= ndim:
        return x
    shape = tuple(-1 if n is None else n for n in x.shape)
    if ndim == 2:
        shape = (1,) + shape
    else:
        shape = {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}[x.ndim]
    return reshape(x, shape)


@graph_op
def hstack(xs):
    """Join tensors along axis 1 (axis 0 when they are 1-D), as NumPy's hstack.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.hstack([np.ones((2, 1)), np.zeros((2, 2))]).shape
        (2, 3)
    """
    return concatenate(xs, axis=0 if xs[0].ndim == 1 else 1)


@graph_op
def vstack(xs):
    """Join tensors along axis 0, 1-D ones first made rows, as NumPy's vstack.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.vstack([np.ones(3), np.zeros(3)]).shape
        (2, 3)
    """
    return concatenate([_at_least(x, 2) for x in xs], axis=0)


@graph_op
def dstack(xs):
    """Join tensors along axis 2, after making them at least 3-D as NumPy's dstack does.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.dstack([np.ones((2, 3)), np.zeros((2, 3))]).shape
        (2, 3, 2)
    """
    return concatenate([_at_least(x, 3) for x in xs], axis=2)
