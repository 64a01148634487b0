"""Reductions: sum, mean, max, min, var, std, logsumexp, argmax, argmin."""

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module, floatx
from nnet.backend import epsilon as default_epsilon
from nnet.ops.math import abs, cast, divide, maximum, not_equal, power, sqrt, square


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axis = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(a % ndim for a in axis)


def _keep(g, axis, keepdims, shape):
    """Reinsert the reduced axes of `g` as size-1 dims, so that it broadcasts against `shape`."""
    if keepdims:
        return g
    axes = _axes(axis, len(shape))
    return g.reshape([1 if i in axes else n for i, n in enumerate(shape)])


def _spread(g, axis, keepdims, shape, scale=None):
    """`g` (times `scale`) copied back over the reduced axes: a fresh array of `shape`."""
    out = array_module(g).empty(shape, dtype=g.dtype)
    # Assigning broadcasts in C; np.broadcast_to's Python wrapper costs more at these sizes.
    out[...] = _keep(g, axis, keepdims, shape) if scale is None else (
        _keep(g, axis, keepdims, shape) * scale)
    return out


@primitive
def sum(x, axis=None, keepdims=False):
    """Sum over `axis` (all axes by default)."""
    shape = x.shape
    return x.sum(axis=axis, keepdims=keepdims), lambda g: (_spread(g, axis, keepdims, shape),)


@primitive
def mean(x, axis=None, keepdims=False):
    """Mean over `axis` (all axes by default)."""
    shape = x.shape
    total = x.sum(axis=axis, keepdims=keepdims)
    scale = total.size / x.size if x.size else 0.0
    # sum * (1/n) rather than x.mean(): NumPy's mean adds Python overhead per call.
    out = total * x.dtype.type(scale) if x.dtype.kind == "f" else total * scale
    return out, lambda g: (_spread(g, axis, keepdims, shape, scale),)


def _extremum(x, axis, keepdims, reduce, initial):
    out = reduce(x, axis=axis, keepdims=keepdims) if initial is None else \
        reduce(x, axis=axis, keepdims=keepdims, initial=initial)

    def vjp(g):
        # Ties share the gradient equally; where `initial` won, no element gets any.
        hit = (x == _keep(out, axis, keepdims, x.shape)).astype(g.dtype)
        count = hit.sum(axis=axis, keepdims=True)
        return (hit * (_keep(g, axis, keepdims, x.shape) / array_module(count).maximum(count, 1)),)

    return out, vjp


@primitive
def max(x, axis=None, keepdims=False, initial=None):
    """Maximum over `axis` (at least `initial` when given); tied maxima share the gradient."""
    return _extremum(x, axis, keepdims, array_module(x).max, initial)


@primitive
def min(x, axis=None, keepdims=False, initial=None):
    """Minimum over `axis` (at most `initial` when given); tied minima share the gradient."""
    return _extremum(x, axis, keepdims, array_module(x).min, initial)


@primitive
def var(x, axis=None, keepdims=False):
    """Population variance (divides by N) over `axis`."""
    d = x - x.mean(axis=axis, keepdims=True)
    out = (d * d).mean(axis=axis, keepdims=keepdims)
    scale = 2 * out.size / x.size if x.size else 0.0
    return out, lambda g: (_keep(g, axis, keepdims, x.shape) * scale * d,)


@graph_op
def std(x, axis=None, keepdims=False):
    """Population standard deviation over `axis`."""
    return sqrt(var(x, axis=axis, keepdims=keepdims))


@primitive
def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over `axis`, computed stably."""
    xp = array_module(x)
    # Subtracting the max keeps exp() from overflowing.
    m = x.max(axis=axis, keepdims=True)
    e = xp.exp(x - m)
    s = e.sum(axis=axis, keepdims=True)
    out = xp.log(s) + m
    return (out if keepdims else out.reshape(_reduced_shape(x.shape, axis))), lambda g: (
        _keep(g, axis, keepdims, x.shape) * (e / s),
    )


def _reduced_shape(shape, axis):
    axes = _axes(axis, len(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


@primitive
def argmax(x, axis=None, keepdims=False):
    """Index of the maximum along `axis`, of the flattened `x` when `axis` is None (as Keras).

    Not differentiable. Ties go to the first occurrence.

    Args:
        x: the input tensor.
        axis: the axis to search along; None searches the flattened array.
        keepdims: keep the searched axes (all of them when `axis` is None) as size-1 dims.

    Returns:
        An int32 tensor of indices, as Keras returns.

    Example:
        >>> from nnet import ops
        >>> x = [[1, 2, 3], [3, 2, 1], [4, 5, 6]]
        >>> int(ops.argmax(x)), ops.argmax(x, axis=0).numpy().tolist()
        (8, [2, 2, 2])
    """
    return array_module(x).argmax(x, axis=axis, keepdims=keepdims).astype("int32"), None


@primitive
def argmin(x, axis=None, keepdims=False):
    """Index of the minimum along `axis`, of the flattened `x` when `axis` is None (as Keras).

    Not differentiable. Ties go to the first occurrence.

    Args:
        x: the input tensor.
        axis: the axis to search along; None searches the flattened array.
        keepdims: keep the searched axes (all of them when `axis` is None) as size-1 dims.

    Returns:
        An int32 tensor of indices, as Keras returns.

    Example:
        >>> from nnet import ops
        >>> x = [[1, 2, 3], [3, 2, 1], [4, 5, 6]]
        >>> int(ops.argmin(x)), ops.argmin(x, axis=1, keepdims=True).numpy().tolist()
        (0, [[0], [2], [0]])
    """
    return array_module(x).argmin(x, axis=axis, keepdims=keepdims).astype("int32"), None


@graph_op
def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) of x over `axes`, the variance biased (divided by the count).

    Args:
        x: the input tensor.
        axes: an axis or a list of axes to reduce.
        keepdims: whether to keep the reduced axes with size 1.
        synchronized: Keras's TensorFlow-only cross-replica statistics; must be False.

    Example:
        >>> from nnet import ops
        >>> mean, variance = ops.moments([0.0, 1.0, 2.0, 3.0, 100.0], axes=[0])
        >>> round(float(mean), 4), round(float(variance), 4)
        (21.2, 1553.36)
    """
    if synchronized:
        raise ValueError(
            "synchronized=True (cross-replica statistics) is only supported by Keras's "
            "TensorFlow backend, and not by nnet. Received: synchronized=True. Pass "
            "synchronized=False."
        )
    axes = tuple(axes) if isinstance(axes, list) else axes
    return mean(x, axis=axes, keepdims=keepdims), var(x, axis=axes, keepdims=keepdims)


@primitive
def cumsum(x, axis=None, dtype=None):
    """Cumulative sum along `axis` (of the flattened x when None), in `dtype` if given."""
    xp = array_module(x)

    def vjp(g):
        if axis is None:
            gx = xp.flip(xp.cumsum(xp.flip(g))).reshape(x.shape)
        else:
            gx = xp.flip(xp.cumsum(xp.flip(g, axis), axis=axis), axis)
        return gx.astype(x.dtype, copy=False), None

    return xp.cumsum(x, axis=axis, dtype=dtype), vjp


@graph_op
def norm(x, ord=None, axis=None, keepdims=False):
    """The vector or matrix norm of x, as NumPy's ``linalg.norm``.

    Over one axis (or all of x, flattened, when `axis` is None and `ord` is None): ``ord`` None
    or 2 is sqrt(sum(x^2)), 1 sum(|x|), inf max(|x|), -inf min(|x|), 0 the count of nonzeros,
    any other p (sum(|x|^p))^(1/p). Over two axes (a tuple; or a 2-D x with `axis` None and
    `ord` given): None or "fro" the Frobenius norm, 1 / -1 the max / min column sum of |x|,
    inf / -inf the max / min row sum.

    Args:
        x: the tensor.
        ord: the order of the norm (see above).
        axis: None, an int, or a tuple of two ints for a matrix norm.
        keepdims: keep the reduced axes with size 1.

    Example:
        >>> import numpy as np, nnet
        >>> float(nnet.ops.norm(np.array([3.0, -4.0]))), float(nnet.ops.norm([3.0, -4.0], ord=1))
        (5.0, 7.0)
    """
    ndim = x.ndim if hasattr(x, "ndim") else np.ndim(x)
    if axis is None and ord is not None and ndim == 2:
        axis = (0, 1)
    if isinstance(axis, (tuple, list)) and len(axis) == 2:
        return _matrix_norm(x, ord, tuple(a % ndim for a in axis), keepdims)
    if ord is None or ord == 2:
        return sqrt(sum(square(x), axis=axis, keepdims=keepdims))
    magnitude = abs(x)
    if ord == 1:
        return sum(magnitude, axis=axis, keepdims=keepdims)
    if ord == float("inf"):
        return max(magnitude, axis=axis, keepdims=keepdims)
    if ord == float("-inf"):
        return min(magnitude, axis=axis, keepdims=keepdims)
    if ord == 0:
        return sum(cast(not_equal(x, 0), x.dtype), axis=axis, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order {ord!r} for a vector norm. Use a number.")
    return power(sum(power(magnitude, ord), axis=axis, keepdims=keepdims), 1.0 / ord)


def _matrix_norm(x, ord, axes, keepdims):
    rows, cols = axes
    if ord is None or ord == "fro":
        return sqrt(sum(square(x), axis=axes, keepdims=keepdims))
    if ord in (2, -2, "nuc"):
        return _singular_value_norm(x, ord, axes, keepdims)
    if ord in (1, -1):
        inner, outer = rows, cols
    elif ord in (float("inf"), float("-inf")):
        inner, outer = cols, rows
    else:
        raise ValueError(
            f"Invalid norm order {ord!r} for a matrix norm: use None, 'fro', 'nuc', 1, -1, 2, "
            f"-2, inf or -inf."
        )
    sums = sum(abs(x), axis=inner, keepdims=keepdims)
    # Without keepdims the inner axis is gone: an outer axis after it moves down by one.
    outer = outer - 1 if not keepdims and outer > inner else outer
    return (max if ord > 0 else min)(sums, axis=outer, keepdims=keepdims)


@primitive
def _singular_value_norm(x, ord, axes, keepdims=False):
    """The matrix norms of `norm` that singular values give, over the two `axes`: ``ord=2`` the
    largest singular value, ``-2`` the smallest, ``"nuc"`` their sum."""
    xp = array_module(x)
    x = x if x.dtype.kind == "f" else x.astype(floatx())
    moved = xp.moveaxis(x, axes, (-2, -1))
    u, s, vh = xp.linalg.svd(moved, full_matrices=False)
    if ord == "nuc":
        weights = xp.ones_like(s)
    else:
        pick = s.argmax(-1) if ord == 2 else s.argmin(-1)
        weights = (xp.arange(s.shape[-1]) == pick[..., None]).astype(s.dtype)
    out = (s * weights).sum(-1)
    kept = tuple(1 if i in axes else n for i, n in enumerate(x.shape))

    def vjp(g):
        g = g.reshape(out.shape)
        return (xp.moveaxis((u * (weights * g[..., None])[..., None, :]) @ vh, (-2, -1), axes),
                None, None, None)

    return (out.reshape(kept) if keepdims else out), vjp


@graph_op
def normalize(x, axis=-1, order=2, epsilon=None):
    """x divided by its `order`-norm along `axis`, the norm kept at least `epsilon`."""
    floor = default_epsilon() if epsilon is None else epsilon
    return divide(x, maximum(norm(x, ord=order, axis=axis, keepdims=True), floor))
