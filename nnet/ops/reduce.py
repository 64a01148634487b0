"""Reductions: sum, mean, max, min, var, std, logsumexp, argmax, argmin."""

from nnet.autodiff.engine import primitive
from nnet.backend import array_module
from nnet.backend import epsilon as default_epsilon
from nnet.ops.math import divide, maximum, sqrt, square


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


def _extremum(x, axis, keepdims, reduce):
    out = reduce(x, axis=axis, keepdims=keepdims)

    def vjp(g):
        # Ties share the gradient equally.
        hit = (x == _keep(out, axis, keepdims, x.shape)).astype(g.dtype)
        return (hit * (_keep(g, axis, keepdims, x.shape) / hit.sum(axis=axis, keepdims=True)),)

    return out, vjp


@primitive
def max(x, axis=None, keepdims=False):
    """Maximum over `axis`; tied maxima share the gradient."""
    return _extremum(x, axis, keepdims, array_module(x).max)


@primitive
def min(x, axis=None, keepdims=False):
    """Minimum over `axis`; tied minima share the gradient."""
    return _extremum(x, axis, keepdims, array_module(x).min)


@primitive
def var(x, axis=None, keepdims=False):
    """Population variance (divides by N) over `axis`."""
    d = x - x.mean(axis=axis, keepdims=True)
    out = (d * d).mean(axis=axis, keepdims=keepdims)
    scale = 2 * out.size / x.size if x.size else 0.0
    return out, lambda g: (_keep(g, axis, keepdims, x.shape) * scale * d,)


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
def cumsum(x, axis=None):
    """Cumulative sum along `axis` (of the flattened x when None)."""
    xp = array_module(x)

    def vjp(g):
        if axis is None:
            return xp.flip(xp.cumsum(xp.flip(g))).reshape(x.shape), None
        return xp.flip(xp.cumsum(xp.flip(g, axis), axis=axis), axis), None

    return xp.cumsum(x, axis=axis), vjp


def norm(x, axis=None, keepdims=False):
    """The Euclidean (Frobenius) norm of x over `axis`: sqrt(sum(x^2))."""
    return sqrt(sum(square(x), axis=axis, keepdims=keepdims))


def normalize(x, axis=-1, epsilon=None):
    """x divided by its L2 norm along `axis`, the norm kept at least `epsilon`."""
    floor = default_epsilon() if epsilon is None else epsilon
    return divide(x, maximum(norm(x, axis=axis, keepdims=True), floor))
