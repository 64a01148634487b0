"""Products, order statistics and other reductions: prod, cumprod, amax/amin/ptp, average,
count_nonzero, quantile (median, percentile), diff, trapezoid, corrcoef.

Integer products and counts come out as int32 at least (int64 stays int64), and averages and
quantiles as floats, as Keras's dtype rules say.
"""

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.autodiff.tensor import Tensor
from nnet.backend import array_module
from nnet.ops.dtypes import as_array, float_type, tensor_like
from nnet.ops.math import (
    _axis,
    cast,
    clip,
    divide,
    multiply,
    not_equal,
    sqrt,
    subtract,
)
from nnet.ops.reduce import _axes, _keep, max, mean, min, sum
from nnet.ops.shape import expand_dims, getitem, reshape, transpose

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _accumulation_dtype(x, dtype):
    """Keras's dtype of a product of x: `dtype` when given, else x's, bool and integers of fewer
    than 32 bits widened to int32."""
    if dtype is not None:
        return np.dtype(dtype).name
    x = np.dtype(x.dtype)
    return "int32" if x.kind == "b" or (x.kind in "iu" and x.itemsize < 4) else x.name


def _exclusive_cumprod(x, reverse=False):
    """prod of the entries before (after, with `reverse`) each one along the last axis."""
    xp = array_module(x)
    if reverse:
        return xp.flip(_exclusive_cumprod(xp.flip(x, -1)), -1)
    ones = xp.ones(x.shape[:-1] + (1,), dtype=x.dtype)
    return xp.cumprod(xp.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)


@primitive
def _prod(x, axis=None, keepdims=False, dtype=None):
    x = as_array(x)
    xp = array_module(x)
    out = x.prod(axis=axis, keepdims=keepdims, dtype=dtype)
    axes = _axes(axis, x.ndim)
    rest = tuple(i for i in range(x.ndim) if i not in axes)
    order = rest + axes

    def vjp(g):
        # The product of all the other entries: the exclusive products from the left and from
        # the right, which stay right where entries are 0 (unlike out / x).
        rows = x.transpose(order).reshape([x.shape[i] for i in rest] + [-1]).astype(g.dtype)
        gk = _keep(g, axis, keepdims, x.shape).transpose(order).reshape(rows.shape[:-1] + (1,))
        gx = _exclusive_cumprod(rows) * _exclusive_cumprod(rows, reverse=True) * gk
        gx = gx.reshape([x.shape[i] for i in order]).transpose(xp.argsort(order))
        return gx, None, None, None

    return out, vjp


@graph_op
def prod(x, axis=None, keepdims=False, dtype=None):
    """The product of the entries of x over `axis` (all by default).

    Integers narrower than 32 bits (and bools) multiply in int32, as in Keras; `dtype` sets the
    result's dtype. The gradient of each entry is the product of the others (exact with zeros).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.prod(np.array([[1, 2], [3, 4]], "int8"), axis=1).numpy()
        array([ 2, 12], dtype=int32)
    """
    return _prod(x, _axis(axis), keepdims, _accumulation_dtype(tensor_like(x), dtype))


@primitive
def cumprod(x, axis=None, dtype=None):
    """The cumulative product of x along `axis` (of the flattened x when None).

    Bools give int32; `dtype` sets the result's dtype. The gradient is exact where entries are 0.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.cumprod(np.array([[1, 2], [3, 4]])).numpy()
        array([ 1,  2,  6, 24])
    """
    x = as_array(x)
    dtype = dtype or ("int32" if x.dtype.kind == "b" else x.dtype)
    flat = x.reshape(-1) if axis is None else x
    a = 0 if axis is None else axis
    xp = array_module(x)
    y = xp.cumprod(flat, axis=a, dtype=dtype)

    def vjp(g):
        rows = xp.moveaxis(flat, a, -1).astype(g.dtype)
        gm = xp.moveaxis(g, a, -1)
        zero = rows == 0
        zeros_so_far = xp.cumsum(zero, axis=-1)
        # Before the first 0, d y_i / d x_j = y_i / x_j; at the first 0, it is the product of
        # the other entries up to i (the cumulative product with that 0 made 1); after it, 0.
        first_zero = zero & (zeros_so_far == 1)
        safe = xp.where(zero, 1, rows)
        before = xp.where(zeros_so_far == 0, _reverse_cumsum(gm * xp.cumprod(rows, -1)) / safe, 0)
        at = _reverse_cumsum(gm * xp.cumprod(xp.where(first_zero, 1, rows), -1))
        gx = xp.moveaxis(before + xp.where(first_zero, at, 0), -1, a)
        return gx.reshape(x.shape).astype(g.dtype, copy=False), None, None

    return y, vjp


def _reverse_cumsum(x):
    xp = array_module(x)
    return xp.flip(xp.cumsum(xp.flip(x, -1), -1), -1)


@graph_op
def amax(x, axis=None, keepdims=False):
    """The maximum of x over `axis` (the same as `max`).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.amax(np.array([[1, 5], [3, 2]]), axis=0).numpy()
        array([3, 5])
    """
    return max(x, axis=_axis(axis), keepdims=keepdims)


@graph_op
def amin(x, axis=None, keepdims=False):
    """The minimum of x over `axis` (the same as `min`).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.amin(np.array([[1, 5], [3, 2]]), axis=[0, 1]).numpy()
        array(1)
    """
    return min(x, axis=_axis(axis), keepdims=keepdims)


@graph_op
def ptp(x, axis=None, keepdims=False):
    """The range of x over `axis`: max - min ("peak to peak").

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.ptp(np.array([[1, 5], [3, 2]]), axis=1).numpy()
        array([4, 1])
    """
    axis = _axis(axis)
    return subtract(max(x, axis=axis, keepdims=keepdims), min(x, axis=axis, keepdims=keepdims))


def _float(x, *others):
    x = tensor_like(x)
    return cast(x, float_type(x, *others))


@graph_op
def average(x, axis=None, weights=None):
    """The mean of x over `axis`, weighted by `weights` when given: sum(x * w) / sum(w).

    Args:
        x: the tensor.
        axis: the axis to average over (all by default).
        weights: weights of x's shape, or 1-D weights of the length of `axis`.

    Example:
        >>> import numpy as np, nnet
        >>> x, w = np.array([[1, 2], [3, 4]]), np.array([1.0, 3.0])
        >>> nnet.ops.average(x, axis=1, weights=w).numpy()
        array([1.75, 3.75])
    """
    if weights is None:
        return mean(_float(x), axis=axis)
    x = _float(x, weights)
    w = cast(weights if hasattr(weights, "dtype") else as_array(weights), x.dtype)
    if w.ndim == 1 and x.ndim > 1 and axis is not None:
        shape = [1] * x.ndim
        shape[axis] = -1
        w = reshape(w, tuple(shape))
    return divide(sum(multiply(x, w), axis=axis), sum(multiply(w, 1 + 0 * x), axis=axis))


@graph_op
def count_nonzero(x, axis=None):
    """How many entries of x over `axis` are not zero; int32.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.count_nonzero(np.array([[0, 1], [2, 3]]), axis=1).numpy()
        array([1, 2], dtype=int32)
    """
    return cast(sum(cast(not_equal(x, 0), "int32"), axis=_axis(axis)), "int32")


def _check_method(method):
    if method not in _METHODS:
        raise ValueError(
            f"Invalid interpolation method. Expected one of {list(_METHODS)}. Received: "
            f"method={method!r}"
        )


def _quantiles(q):
    q = np.asarray(q.numpy() if isinstance(q, Tensor) else q, dtype="float64")
    if q.ndim > 1 or not ((q >= 0) & (q <= 1)).all():
        raise ValueError(
            f"Expected q of 0-D or 1-D with values in [0, 1] (in [0, 100] for percentiles). "
            f"Received: q={q.tolist()}"
        )
    return q


def _quantile(x, q, axis, method, keepdims, skip_nan):
    """The `q`-th quantiles of x over `axis` (nnet's one implementation of quantile, median,
    percentile and their NaN-skipping forms)."""
    _check_method(method)
    q = _quantiles(q)
    # Python floats (a tuple for several): what a functional model's config stores exactly.
    q = float(q) if q.ndim == 0 else tuple(float(v) for v in q)
    return _order_statistic(x, q, _axis(axis), method, keepdims, skip_nan)


def _picks(position, method):
    """(first index, second index, weight of the second) into the sorted rows for `method`."""
    below, above = np.floor(position), np.ceil(position)
    if method == "lower":
        return below, below, 0.0
    if method == "higher":
        return above, above, 0.0
    if method == "nearest":
        return np.round(position), np.round(position), 0.0
    return below, above, 0.5 if method == "midpoint" else position - below


@primitive
def _order_statistic(x, q, axis, method, keepdims, skip_nan):
    # The entries of the sorted x at q * (n - 1), n the count of (non-NaN, with `skip_nan`)
    # entries, interpolated by `method`; the gradient goes back to the entries read.
    x = as_array(x, float_type(x))
    xp = array_module(x)
    axes = _axes(axis, x.ndim)
    rest = tuple(i for i in range(x.ndim) if i not in axes)
    rows = x.transpose(rest + axes).reshape([x.shape[i] for i in rest] + [-1])
    n = rows.shape[-1]
    q = xp.asarray(q, dtype=x.dtype)
    leading = q.ndim
    # NaN sorts last, so the first `count` sorted entries are the non-NaN ones.
    order = xp.argsort(rows, axis=-1, kind="stable")
    ordered = xp.take_along_axis(rows, order, -1)[(None,) * leading]
    order = order[(None,) * leading]
    nan = xp.isnan(rows)
    count = (n - nan.sum(-1, keepdims=True)).astype(x.dtype) if skip_nan else x.dtype.type(n)
    position = xp.broadcast_to(q.reshape(q.shape + (1,) * rows.ndim) * (count - 1),
                               q.shape + rows.shape[:-1] + (1,))
    first, second, weight = _picks(position, method)
    first, second = (xp.clip(i, 0, max(n - 1, 0)).astype("intp") for i in (first, second))
    weight = xp.asarray(weight, x.dtype)
    shape = first.shape[:-1] + (n,)
    low = xp.take_along_axis(xp.broadcast_to(ordered, shape), first, -1)
    high = xp.take_along_axis(xp.broadcast_to(ordered, shape), second, -1)
    missing = (count == 0) if skip_nan else nan.any(-1, keepdims=True)
    out = xp.where(missing, xp.asarray(xp.nan, x.dtype), low + (high - low) * weight)[..., 0]
    if keepdims:
        out = out.reshape(q.shape + tuple(1 if i in axes else x.shape[i] for i in range(x.ndim)))

    def vjp(g):
        g = g.reshape(first.shape) * ~missing
        grid = list(xp.ogrid[tuple(slice(m) for m in g.shape)])[leading:-1]
        g_rows = xp.zeros(rows.shape, dtype=g.dtype)
        for index, share in ((first, 1 - weight), (second, weight)):
            source = xp.take_along_axis(xp.broadcast_to(order, shape), index, -1)
            xp.add.at(g_rows, (*grid, source), g * share.astype(g.dtype))
        gx = g_rows.reshape([x.shape[i] for i in rest + axes]).transpose(
            xp.argsort(rest + axes))
        return gx, None, None, None, None, None

    return out, vjp


@graph_op
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th quantiles of x over `axis` (all entries by default), q in [0, 1].

    Args:
        x: the tensor.
        q: one quantile or a 1-D list of them; the output gets a leading axis for a list.
        axis: an axis or a tuple of axes to reduce.
        method: how to pick between the two entries around q * (n - 1) in the sorted x:
            "linear" (interpolate), "lower", "higher", "midpoint" or "nearest" (half to even).
        keepdims: keep the reduced axes with size 1.

    A slice that holds a NaN gives NaN. Integers give `floatx()`. The gradient goes to the
    entries the quantile was read from.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.quantile(np.array([1.0, 2.0, 3.0, 4.0, 10.0]), [0.5, 0.9]).numpy()
        array([3. , 7.6])
    """
    return _quantile(x, q, axis, method, keepdims, skip_nan=False)


@graph_op
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th percentiles of x over `axis`, q in [0, 100] (see `quantile`).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.percentile(np.array([1.0, 2.0, 3.0, 4.0, 10.0]), 50.0).numpy()
        array(3.)
    """
    return _quantile(x, _from_percent(q), axis, method, keepdims, skip_nan=False)


def _from_percent(q):
    return np.asarray(q.numpy() if isinstance(q, Tensor) else q, dtype="float64") / 100


@graph_op
def median(x, axis=None, keepdims=False):
    """The median of x over `axis` (the mean of the two middle entries for an even count).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.median(np.array([[1, 2, 3, 4]]), axis=1).numpy()
        array([2.5], dtype=float32)
    """
    return _quantile(x, 0.5, axis, "linear", keepdims, skip_nan=False)


@graph_op
def diff(a, n=1, axis=-1):
    """The `n`-th discrete difference of `a` along `axis`: a[i + 1] - a[i], `n` times.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.diff(np.array([1, 4, 9, 16]), n=2).numpy()
        array([2, 2])
    """
    a = a if hasattr(a, "dtype") else as_array(a)
    axis = axis % a.ndim
    head = (slice(None),) * axis
    for _ in range(n):
        upper, lower = getitem(a, head + (slice(1, None),)), getitem(a, head + (slice(None, -1),))
        a = not_equal(upper, lower) if np.dtype(a.dtype).kind == "b" else subtract(upper, lower)
    return a


@graph_op
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of `y` along `axis` by the trapezoidal rule, at sample points `x` (spaced
    `dx` apart when None).

    Example:
        >>> import numpy as np, nnet
        >>> float(nnet.ops.trapezoid(np.array([1.0, 2.0, 3.0]), x=np.array([0.0, 1.0, 3.0])))
        6.5
    """
    y = _float(y) if x is None else _float(y, x)
    axis = axis % y.ndim
    head = (slice(None),) * axis
    pairs = getitem(y, head + (slice(1, None),)) + getitem(y, head + (slice(None, -1),))
    if x is None:
        return multiply(sum(pairs, axis=axis), 0.5 * dx)
    x = cast(tensor_like(x), y.dtype)
    steps = diff(x, axis=axis if x.ndim > 1 else -1)
    if x.ndim == 1 and y.ndim > 1:
        shape = [1] * y.ndim
        shape[axis] = -1
        steps = reshape(steps, tuple(shape))
    return multiply(sum(multiply(pairs, steps), axis=axis), 0.5)


@graph_op
def corrcoef(x):
    """The Pearson correlation coefficients of the rows of x (variables) over its columns
    (observations).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.corrcoef(np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])).numpy()
        array([[ 1., -1.],
               [-1.,  1.]])
    """
    x = _float(x)
    if x.ndim == 1:
        x = expand_dims(x, 0)
    centred = subtract(x, mean(x, axis=-1, keepdims=True))
    scale = sqrt(sum(multiply(centred, centred), axis=-1, keepdims=True))
    out = divide(divide(centred @ transpose(centred), scale), transpose(scale))
    # Rounding can put a coefficient just past +-1.
    return clip(out, -1, 1)
