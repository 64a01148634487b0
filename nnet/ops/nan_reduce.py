"""Reductions that skip NaN: nansum, nanmean, nanmax, nanvar, nanquantile and the rest.

Each one replaces the NaN entries (with 0 for sums, 1 for products, -inf or inf for extrema) and
reduces what is left, so that the gradient reaches every non-NaN entry and no NaN one. A slice of
NaN only gives NaN for means, variances, extrema and quantiles, 0 for sums, 1 for products and
-1 for nanargmax/nanargmin, as in Keras.
"""

import numpy as np

from nnet.autodiff.symbolic import graph_op
from nnet.ops.dtypes import tensor_like
from nnet.ops.math import _axis, all, cast, isnan, logical_not, sqrt, where
from nnet.ops.reduce import argmax, argmin, cumsum, max, min, sum
from nnet.ops.statistics import _accumulation_dtype, _float, _from_percent, _quantile, cumprod, prod


def _filled(x, value):
    """x with its NaN entries replaced by `value` (x itself when it cannot hold NaN)."""
    x = tensor_like(x)
    if np.dtype(x.dtype).kind not in "fc":
        return x
    return where(isnan(x), np.asarray(value, x.dtype), x)


def _count(x, axis, keepdims):
    """The number of non-NaN entries of x over `axis`, in x's (float) dtype."""
    return sum(cast(logical_not(isnan(x)), x.dtype), axis=axis, keepdims=keepdims)


def _all_nan(x, axis, keepdims=False):
    return all(isnan(x), axis=axis, keepdims=keepdims)


@graph_op
def nansum(x, axis=None, keepdims=False):
    """The sum of the non-NaN entries of x over `axis` (0 for a slice of NaN only).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.nansum(np.array([[np.nan, 1.0, 2.0]]), axis=1).numpy()
        array([3.])
    """
    x = tensor_like(x)
    out = sum(_filled(x, 0), axis=_axis(axis), keepdims=keepdims)
    return cast(out, _accumulation_dtype(x, None))


@graph_op
def nanmean(x, axis=None, keepdims=False):
    """The mean of the non-NaN entries of x over `axis` (NaN for a slice of NaN only).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.nanmean(np.array([np.nan, 1.0, 2.0])).numpy()
        array(1.5)
    """
    x = _float(x)
    axis = _axis(axis)
    return sum(_filled(x, 0), axis=axis, keepdims=keepdims) / _count(x, axis, keepdims)


@graph_op
def nanvar(x, axis=None, keepdims=False):
    """The variance (divided by the count) of the non-NaN entries of x over `axis`.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.nanvar(np.array([np.nan, 1.0, 3.0])).numpy()
        array(1.)
    """
    x = _float(x)
    axis = _axis(axis)
    deviation = _filled(x - nanmean(x, axis=axis, keepdims=True), 0)
    return sum(deviation * deviation, axis=axis, keepdims=keepdims) / _count(x, axis, keepdims)


@graph_op
def nanstd(x, axis=None, keepdims=False):
    """The standard deviation of the non-NaN entries of x over `axis`.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.nanstd(np.array([np.nan, 1.0, 3.0])).numpy()
        array(1.)
    """
    return sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def _nan_extremum(reduce, fill, x, axis, keepdims):
    x = tensor_like(x)
    axis = _axis(axis)
    out = reduce(_filled(x, fill), axis=axis, keepdims=keepdims)
    if np.dtype(x.dtype).kind not in "fc":
        return out
    return where(_all_nan(x, axis, keepdims), np.asarray(np.nan, x.dtype), out)


@graph_op
def nanmax(x, axis=None, keepdims=False):
    """The maximum of the non-NaN entries of x over `axis` (NaN for a slice of NaN only).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.nanmax(np.array([[np.nan, 1.0], [np.nan, np.nan]]), axis=1).numpy()
        array([ 1., nan])
    """
    return _nan_extremum(max, -np.inf, x, axis, keepdims)


@graph_op
def nanmin(x, axis=None, keepdims=False):
    """The minimum of the non-NaN entries of x over `axis` (NaN for a slice of NaN only).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.nanmin(np.array([np.nan, 1.0, 2.0])).numpy()
        array(1.)
    """
    return _nan_extremum(min, np.inf, x, axis, keepdims)


def _nan_arg(reduce, fill, x, axis, keepdims):
    x = tensor_like(x)
    out = reduce(_filled(x, fill), axis=axis, keepdims=keepdims)
    if np.dtype(x.dtype).kind not in "fc":
        return out
    return where(_all_nan(x, axis, keepdims), np.asarray(-1, "int32"), out)


@graph_op
def nanargmax(x, axis=None, keepdims=False):
    """The index of the largest non-NaN entry of x along `axis` (of the flattened x when None),
    -1 for a slice of NaN only; int32.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.nanargmax(np.array([[np.nan, 1.0, 2.0], [np.nan, np.nan, np.nan]]),
        ...                    axis=1).numpy()
        array([ 2, -1], dtype=int32)
    """
    return _nan_arg(argmax, -np.inf, x, axis, keepdims)


@graph_op
def nanargmin(x, axis=None, keepdims=False):
    """The index of the smallest non-NaN entry of x along `axis` (of the flattened x when None),
    -1 for a slice of NaN only; int32.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.nanargmin(np.array([np.nan, 3.0, 1.0])).numpy()
        array(2, dtype=int32)
    """
    return _nan_arg(argmin, np.inf, x, axis, keepdims)


@graph_op
def nanprod(x, axis=None, keepdims=False):
    """The product of the non-NaN entries of x over `axis` (1 for a slice of NaN only).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.nanprod(np.array([np.nan, 2.0, 3.0])).numpy()
        array(6.)
    """
    return prod(_filled(x, 1), axis=axis, keepdims=keepdims)


@graph_op
def nancumsum(x, axis=None, dtype=None):
    """The cumulative sum of x along `axis` (flattened when None), NaN entries counted as 0.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.nancumsum(np.array([np.nan, 1.0, 2.0])).numpy()
        array([0., 1., 3.])
    """
    x = tensor_like(x)
    dtype = dtype or ("int32" if np.dtype(x.dtype).kind == "b" else np.dtype(x.dtype).name)
    return cumsum(_filled(x, 0), axis=axis, dtype=dtype)


@graph_op
def nancumprod(x, axis=None, dtype=None):
    """The cumulative product of x along `axis` (flattened when None), NaN entries counted
    as 1.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.nancumprod(np.array([2.0, np.nan, 3.0])).numpy()
        array([2., 2., 6.])
    """
    return cumprod(_filled(x, 1), axis=axis, dtype=dtype)


@graph_op
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th quantiles of the non-NaN entries of x over `axis` (see `quantile`); NaN for a
    slice of NaN only.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.nanquantile(np.array([np.nan, 1.0, 2.0, 3.0]), 0.25).numpy()
        array(1.5)
    """
    return _quantile(x, q, axis, method, keepdims, skip_nan=True)


@graph_op
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th percentiles (q in [0, 100]) of the non-NaN entries of x over `axis`.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.nanpercentile(np.array([np.nan, 1.0, 2.0, 3.0]), 50.0).numpy()
        array(2.)
    """
    return _quantile(x, _from_percent(q), axis, method, keepdims, skip_nan=True)


@graph_op
def nanmedian(x, axis=None, keepdims=False):
    """The median of the non-NaN entries of x over `axis`; NaN for a slice of NaN only.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.nanmedian(np.array([np.nan, 1.0, 2.0, 7.0])).numpy()
        array(2.)
    """
    return _quantile(x, 0.5, axis, "linear", keepdims, skip_nan=True)
