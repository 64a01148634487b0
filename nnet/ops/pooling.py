"""Pooling: max and average pooling over sliding windows, and adaptive pooling to a fixed size.

Windows are read as strided views of the (padded) input, one view per window offset, so that
each offset costs one vectorized NumPy call over the whole batch; windows that tile the input
(strides equal to the pool size) write their gradients in place instead of accumulating them.
"""

import itertools
import math
import numbers

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module, standardize_data_format

_PADDINGS = ("valid", "same")


def standardize_tuple(value, n, name, allow_zero=False):
    """`value` as a tuple of `n` integers: an integer is repeated, a sequence is checked.

    Args:
        value: an integer or a sequence of `n` integers.
        n: the length of the tuple (the number of spatial dimensions).
        name: the argument's name, for the error message.
        allow_zero: accept 0 (strides may be 0 in Keras's checks); negatives are always refused.

    Example:
        >>> standardize_tuple(2, 3, "pool_size")
        (2, 2, 2)
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            values = None
        if values is None or len(values) != n or not all(
                isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values):
            raise ValueError(
                f"The `{name}` argument must be a tuple of {n} integers (or one integer). "
                f"Received: {name}={value!r}"
            )
        values = tuple(int(v) for v in values)
    smallest = 0 if allow_zero else 1
    if any(v < smallest for v in values):
        raise ValueError(
            f"The `{name}` argument must hold integers >= {smallest}. Received: {name}={value!r}"
        )
    return values


def _spatial_axes(x, data_format, name):
    """The spatial axes of a (batch, ..., channels) or (batch, channels, ...) input."""
    rank = len(x.shape) - 2
    if rank not in (1, 2, 3):
        raise ValueError(
            f"{name} expects inputs of rank 3, 4 or 5 (batch, 1 to 3 spatial dimensions and "
            f"channels). Received: inputs.shape={tuple(x.shape)}"
        )
    first = 1 if data_format == "channels_last" else 2
    return tuple(range(first, first + rank))


def _check_padding(padding):
    padding = str(padding).lower()
    if padding not in _PADDINGS:
        raise ValueError(f"Expected 'valid' or 'same' for padding. Received: padding={padding!r}")
    return padding


def _window_geometry(length, k, s, padding):
    """(output length, left pad, right pad) of one axis, with TensorFlow's "same" padding."""
    if padding == "valid":
        return (length - k) // s + 1, 0, 0
    out = -(-length // s)
    total = max((out - 1) * s + k - length, 0)
    return out, total // 2, total - total // 2


def _same_counts(xp, geometry, pool_size, strides, lengths, axes, ndim, dtype):
    """The number of real (unpadded) cells in each window, shaped to broadcast on the output."""
    count = 1
    for (out, left, _), k, s, length, axis in zip(geometry, pool_size, strides, lengths, axes):
        start = np.arange(out) * s - left
        per_axis = np.minimum(start + k, length) - np.maximum(start, 0)
        shape = [1] * ndim
        shape[axis] = out
        count = count * per_axis.reshape(shape)
    return xp.asarray(count, dtype=dtype)


@primitive
def _pool(x, pool_size, strides, padding, data_format, mode):
    """Max or average pooling (`mode`) of x over its spatial axes; see `max_pool`."""
    xp = array_module(x)
    axes = _spatial_axes(x, data_format, f"{mode}_pool")
    lengths = [x.shape[a] for a in axes]
    geometry = [_window_geometry(n, k, s, padding)
                for n, k, s in zip(lengths, pool_size, strides)]
    if any(out <= 0 for out, _, _ in geometry):
        raise ValueError(
            f"The pool window is larger than the input: pool_size={pool_size} with "
            f"padding='valid' on inputs.shape={x.shape}. Use a smaller pool_size or padding='same'."
        )
    padded = any(left or right for _, left, right in geometry)
    if padded:
        # Padded cells never win a max (-inf) and are left out of the average's count.
        fill = -np.inf if mode == "max" else 0
        if mode == "max" and x.dtype.kind in "iu":
            fill = np.iinfo(x.dtype).min
        shape = list(x.shape)
        center = [slice(None)] * x.ndim
        for axis, (_, left, right), n in zip(axes, geometry, lengths):
            shape[axis] = n + left + right
            center[axis] = slice(left, left + n)
        center = tuple(center)
        source = xp.full(shape, fill, dtype=x.dtype)
        source[center] = x
    else:
        source = x

    def views(array):
        """The strided view of `array` at each offset of the window, in row-major order."""
        for offsets in itertools.product(*(range(k) for k in pool_size)):
            index = [slice(None)] * array.ndim
            for axis, o, s, (out, _, _) in zip(axes, offsets, strides, geometry):
                index[axis] = slice(o, o + s * (out - 1) + 1, s)
            yield array[tuple(index)]

    combine = xp.maximum if mode == "max" else xp.add
    windows = views(source)
    first = next(windows)
    second = next(windows, None)
    # The first combination allocates the output: cheaper than copying a strided view.
    y = xp.array(first) if second is None else combine(first, second)
    for view in windows:
        combine(y, view, out=y)
    if mode == "average":
        count = (_same_counts(xp, geometry, pool_size, strides, lengths, axes, x.ndim, y.dtype)
                 if padded else math.prod(pool_size))
        y /= count

    def vjp(g):
        gx = xp.zeros(source.shape, dtype=x.dtype)
        if mode == "average":
            g = g / count
            for view in views(gx):
                view += g
        else:
            disjoint = all(s >= k for s, k in zip(strides, pool_size))
            _max_vjp(xp, g, y, views(source), views(gx), disjoint)
        return (gx[center] if padded else gx), None, None, None, None, None

    return y, vjp


def _max_vjp(xp, g, y, x_views, gx_views, disjoint):
    """Send each window's gradient to its first maximum in row-major order, as PyTorch does.

    `open_` marks the windows whose maximum is still to be found; windows that do not overlap
    (`disjoint`) write their cells' gradients directly as ``g * hit`` (exact while g is finite).
    A NaN is the maximum of its window (NumPy and PyTorch propagate it), so it takes the gradient.
    """
    open_ = xp.ones(y.shape, dtype=bool)
    nan = bool(xp.isnan(y).any())
    disjoint = disjoint and bool(xp.isfinite(g).all())
    for view, gview in zip(x_views, gx_views):
        hit = view == y
        if nan:
            hit |= view != view
        hit &= open_
        if disjoint:
            xp.multiply(g, hit, out=gview)
        else:
            gview += xp.where(hit, g, 0)
        open_ ^= hit


def _pool_op(inputs, pool_size, strides, padding, data_format, mode):
    data_format = standardize_data_format(data_format)
    rank = len(_spatial_axes(inputs, data_format, f"{mode}_pool"))
    pool_size = standardize_tuple(pool_size, rank, "pool_size")
    strides = pool_size if strides is None else standardize_tuple(strides, rank, "strides")
    return _pool(inputs, pool_size, strides, _check_padding(padding), data_format, mode)


@graph_op
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling: the maximum of each `pool_size` window, moved by `strides`.

    ``"same"`` padding pads as TensorFlow does (the extra cell on the right) and padded cells
    never win; the gradient goes to the first maximum of each window in row-major order.

    Args:
        inputs: rank 3, 4 or 5: ``(batch, *spatial, channels)`` for ``"channels_last"``,
            ``(batch, channels, *spatial)`` for ``"channels_first"``.
        pool_size: an integer or a tuple with one integer per spatial dimension.
        strides: same form; None means `pool_size`.
        padding: ``"valid"`` (no padding) or ``"same"`` (output length ``ceil(length / stride)``).
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
        >>> nnet.ops.max_pool(x, 2).numpy()[0, :, :, 0]
        array([[ 5.,  7.],
               [13., 15.]])
    """
    return _pool_op(inputs, pool_size, strides, padding, data_format, "max")


@graph_op
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling: the mean of each `pool_size` window, moved by `strides`.

    With ``"same"`` padding the mean is over the real cells of the window only (padded cells are
    not counted), as in TensorFlow and Keras.

    Args:
        inputs: rank 3, 4 or 5: ``(batch, *spatial, channels)`` for ``"channels_last"``,
            ``(batch, channels, *spatial)`` for ``"channels_first"``.
        pool_size: an integer or a tuple with one integer per spatial dimension.
        strides: same form; None means `pool_size`.
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1)
        >>> nnet.ops.average_pool(x, 2, strides=2, padding="same").numpy().ravel()
        array([1.5, 3. ])
    """
    return _pool_op(inputs, pool_size, strides, padding, data_format, "average")


def _adaptive_bins(length, size):
    """PyTorch's and Keras's bins: window i covers [floor(i L / n), ceil((i + 1) L / n))."""
    i = np.arange(size)
    return (i * length) // size, -((-(i + 1) * length) // size)


def along_axis(x, matrix, axis):
    """Apply `matrix` to `axis` of x: ``y[..., o, ...] = sum_l matrix[o, l] x[..., l, ...]``.

    The linear maps along one axis (bin averages, interpolation weights) share this one product.

    Args:
        x: an array (NumPy or CuPy).
        matrix: ``(outputs, x.shape[axis])``, in x's array module.
        axis: the axis of x to map.

    Example:
        >>> import numpy as np
        >>> along_axis(np.ones((2, 3)), np.full((1, 3), 0.5), 1)
        array([[1.5],
               [1.5]])
    """
    xp = array_module(x)
    return xp.moveaxis(xp.tensordot(x, matrix, axes=([axis], [1])), -1, axis)


@primitive
def _adaptive_pool_axis(x, axis, output_size, mode):
    """Adaptive max or average pooling of x along one axis to `output_size` bins."""
    xp = array_module(x)
    length = x.shape[axis]
    start, end = _adaptive_bins(length, output_size)
    if mode == "average":
        # The mean over each bin is one product with a (bins, length) averaging matrix.
        weights = np.zeros((output_size, length), dtype=x.dtype)
        for o, (a, b) in enumerate(zip(start, end)):
            weights[o, a:b] = 1.0 / (b - a)
        weights = xp.asarray(weights)
        return along_axis(x, weights, axis), lambda g: (along_axis(g, weights.T, axis),
                                                       None, None, None)
    size = int((end - start).max())
    # Short bins repeat their last cell, which changes neither the max nor its first position.
    index = np.minimum(start[:, None] + np.arange(size), end[:, None] - 1)
    shape = x.shape[:axis] + (output_size, size) + x.shape[axis + 1:]
    gathered = xp.take(x, xp.asarray(index.ravel()), axis=axis).reshape(shape)
    first = xp.expand_dims(gathered.argmax(axis=axis + 1), axis + 1)
    y = xp.take_along_axis(gathered, first, axis=axis + 1).squeeze(axis + 1)

    def vjp(g):
        picks = (xp.arange(size).reshape((size,) + (1,) * (x.ndim - axis - 1)) == first)
        spread = (picks * xp.expand_dims(g, axis + 1)).reshape(
            x.shape[:axis] + (output_size * size,) + x.shape[axis + 1:])
        select = np.zeros((output_size * size, length), dtype=x.dtype)
        select[np.arange(output_size * size), index.ravel()] = 1
        return along_axis(spread, xp.asarray(select.T), axis), None, None, None

    return y, vjp


def _adaptive_op(inputs, output_size, data_format, mode):
    data_format = standardize_data_format(data_format)
    axes = _spatial_axes(inputs, data_format, f"adaptive_{mode}_pool")
    output_size = standardize_tuple(output_size, len(axes), "output_size")
    y = inputs
    # The innermost axis first: the max then lands on the row-major first maximum of each box.
    for axis, size in reversed(tuple(zip(axes, output_size))):
        y = _adaptive_pool_axis(y, axis, size, mode)
    return y


@graph_op
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Adaptive average pooling: the mean over `output_size` bins of each spatial axis.

    Bin i of an axis of length L covers ``[floor(i L / n), ceil((i + 1) L / n))``, as in
    PyTorch and Keras; neighbouring bins overlap when n does not divide L.

    Args:
        inputs: rank 3, 4 or 5, laid out as `data_format` says.
        output_size: an integer or one integer per spatial dimension.
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.arange(5.0).reshape(1, 5, 1)
        >>> nnet.ops.adaptive_average_pool(x, 2).numpy().ravel()
        array([1., 3.])
    """
    return _adaptive_op(inputs, output_size, data_format, "average")


@graph_op
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Adaptive max pooling: the maximum over `output_size` bins of each spatial axis.

    The bins are those of `adaptive_average_pool`; the gradient goes to the first maximum.

    Args:
        inputs: rank 3, 4 or 5, laid out as `data_format` says.
        output_size: an integer or one integer per spatial dimension.
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.array([3.0, 1.0, 4.0, 1.0, 5.0]).reshape(1, 5, 1)
        >>> nnet.ops.adaptive_max_pool(x, 2).numpy().ravel()
        array([4., 5.])
    """
    return _adaptive_op(inputs, output_size, data_format, "max")
