"""Normalization primitives: batch normalization over feature maps (training, with its batch
statistics as extra outputs, and inference, with given statistics), and layer / RMS normalization
over feature axes, each one forward pass and one analytic backward pass.

No reduction here is a BLAS matrix-vector product: multi-threaded BLAS calls of this size stall
for milliseconds on a busy machine, so sums are einsum, add.reduce or stacked row-times-column
products (which NumPy runs on one thread).
"""

import math as _math
import warnings

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module, cross_process_sum, num_processes
from nnet.backend import epsilon as default_epsilon
from nnet.ops.math import cast, rsqrt
from nnet.ops.reduce import var
from nnet.ops.shape import reshape


class _Channels:
    """The input seen around its feature `axis`, for per-channel sums and broadcasts.

    Channels-first data is viewed as (before, channels, after), so that elementwise loops run
    over the contiguous `after` axis. Channels-last data is viewed as (rows, repeat * channels):
    `repeat` consecutive pixels per row, so that NumPy's inner loops run over long rows instead
    of rows of `channels` values; per-channel vectors are then tiled `repeat` times.
    """

    _ROW = 4096

    def __init__(self, shape, axis, xp):
        axis = axis % len(shape)
        self.xp = xp
        self.channels = shape[axis]
        before, after = _math.prod(shape[:axis]), _math.prod(shape[axis + 1:])
        self.count = before * after
        self.last = after == 1
        if self.last:
            self.repeat = next(k for k in range(max(1, self._ROW // self.channels), 0, -1)
                               if before % k == 0)
            self.shape = (before // self.repeat, self.repeat * self.channels)
        else:
            self.shape = (before, self.channels, after)

    def broadcast(self, v):
        """A (channels,) vector shaped to broadcast against the view."""
        return self.xp.tile(v, self.repeat) if self.last else v.reshape(-1, 1)

    def sum(self, x):
        """The per-channel sum of a view: (channels,)."""
        if not self.last:
            before, channels, after = x.shape
            rows = x.reshape(-1, 1, after) @ self.xp.ones((after, 1), x.dtype)
            return rows.reshape(before, channels).sum(axis=0)
        return x.sum(axis=0).reshape(self.repeat, -1).sum(axis=0)

    def dot(self, u, v):
        """The per-channel sum of ``u * v`` over two views: (channels,)."""
        if not self.last:
            before, channels, after = u.shape
            rows = u.reshape(-1, 1, after) @ v.reshape(-1, after, 1)
            return rows.reshape(before, channels).sum(axis=0)
        return self.xp.einsum("ij,ij->j", u, v).reshape(self.repeat, -1).sum(axis=0)


def _across_processes(*arrays):
    """The `arrays` summed over the processes of a data-parallel step (one message for all of
    them), or the arrays themselves in a single process."""
    if num_processes() == 1:
        return arrays
    xp = array_module(*arrays)
    total = cross_process_sum(xp.concatenate([a.ravel() for a in arrays]))
    parts = xp.split(total, np.cumsum([a.size for a in arrays])[:-1])
    return [part.reshape(a.shape).astype(a.dtype, copy=False) for part, a in zip(parts, arrays)]


@primitive
def fused_batch_normalization(x, scale=None, offset=None, axis=-1, epsilon=1e-3):
    """Batch normalization while training: the output and the batch statistics in one node.

    ``y = (x - mean) / sqrt(variance + epsilon) * scale + offset``, where `mean` and the biased
    `variance` are taken over every axis but `axis`. Returns ``(y, mean, variance)``, the
    statistics of shape ``(x.shape[axis],)``. The backward pass is the analytic one:
    ``dx = scale / std * (g - mean(g) - x_hat * mean(g * x_hat))``,
    ``dscale = sum(g * x_hat)``, ``doffset = sum(g)`` (plus the terms of the statistics' own
    gradients, when they reach a loss).

    Args:
        x: the input, of any rank (e.g. feature maps ``(batch, height, width, channels)``).
        scale: optional ``(channels,)`` scale (gamma); positional, so that it gets a gradient.
        offset: optional ``(channels,)`` offset (beta); positional as well.
        axis: the feature (channel) axis: -1 for channels_last, 1 for channels_first.
        epsilon: small float added to the variance.

    Example:
        >>> import numpy as np
        >>> from nnet import ops
        >>> y, mean, variance = ops.fused_batch_normalization(
        ...     np.array([[0.0, 4.0], [2.0, 8.0]]), None, None, epsilon=0.0)
        >>> y.numpy(), mean.numpy(), variance.numpy()
        (array([[-1., -1.],
               [ 1.,  1.]]), array([1., 6.]), array([1., 4.]))
    """
    xp = array_module(x)
    channels = _Channels(x.shape, axis, xp)
    x3 = x.reshape(channels.shape)
    # In a data-parallel step the sums run over every process's shard of the global batch.
    sum_x, count = _across_processes(channels.sum(x3), xp.full(1, channels.count, np.float64))
    count = int(count[0])
    mean = sum_x / count
    # Two passes (mean, then the squares of x - mean): E[x^2] - E[x]^2 cancels in float32.
    centered = x3 - channels.broadcast(mean)
    variance, = _across_processes(channels.dot(centered, centered))
    variance /= count
    inv_std = 1 / xp.sqrt(variance + epsilon)
    factor = inv_std if scale is None else inv_std * scale
    y = centered
    y *= channels.broadcast(factor)
    if offset is not None:
        y += channels.broadcast(offset)

    def vjp(grads):
        gy, gmean, gvariance = grads
        # x - mean is recomputed rather than kept: one pass here instead of one more array held
        # from the forward pass to the backward one by every layer of a deep network.
        centered = x3 - channels.broadcast(mean)
        coef_centered = xp.zeros_like(mean)
        coef_constant = xp.zeros_like(mean)
        gscale = goffset = None
        if gy is not None:
            g3 = gy.reshape(channels.shape)
            sum_g = channels.sum(g3)
            sum_g_centered = channels.dot(g3, centered)
            # This shard's share of the weights' gradients; the trainer sums those over the
            # processes, while x's gradient needs the global sums at once.
            gscale = None if scale is None else sum_g_centered * inv_std
            goffset = None if offset is None else sum_g
            sum_g, sum_g_centered = _across_processes(sum_g, sum_g_centered)
            coef_centered -= factor * inv_std * inv_std * sum_g_centered / count
            coef_constant -= factor * sum_g / count
        if gmean is not None:
            gmean, = _across_processes(gmean)
            coef_constant += gmean / count
        if gvariance is not None:
            gvariance, = _across_processes(gvariance)
            coef_centered += 2 * gvariance / count
        gx = centered
        gx *= channels.broadcast(coef_centered)
        gx += channels.broadcast(coef_constant)
        if gy is not None:
            gx += g3 * channels.broadcast(factor)
        return gx.reshape(x.shape), gscale, goffset

    return (y.reshape(x.shape), mean, variance), vjp


@primitive
def _batch_normalization(x, mean, variance, offset=None, scale=None, axis=-1, epsilon=1e-3):
    xp = array_module(x)
    channels = _Channels(x.shape, axis, xp)
    inv_std = 1 / xp.sqrt(variance + epsilon)
    factor = inv_std if scale is None else inv_std * scale
    shift = -mean * factor
    if offset is not None:
        shift = shift + offset
    x3 = x.reshape(channels.shape)
    y = x3 * channels.broadcast(factor)
    y += channels.broadcast(shift)

    def vjp(g):
        g3 = g.reshape(channels.shape)
        sum_g = channels.sum(g3)
        memo = []

        def sum_g_centered():
            if not memo:
                memo.append(channels.dot(g3, x3 - channels.broadcast(mean)))
            return memo[0]

        def gscale():
            return sum_g_centered() * inv_std

        def gvariance():
            return -0.5 * sum_g_centered() * factor * inv_std * inv_std

        return ((g3 * channels.broadcast(factor)).reshape(x.shape), -sum_g * factor, gvariance,
                sum_g, gscale)

    return y.reshape(x.shape), vjp


@graph_op
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """Normalizes `x` with the given statistics along the feature `axis` (Keras's op).

    ``(x - mean) / sqrt(variance + epsilon) * scale + offset``, with `mean`, `variance`, `offset`
    and `scale` vectors of length ``x.shape[axis]``; computed as ``x * a + b`` (one multiply and
    one add over the input). Every argument gets a gradient.

    Args:
        x: the input tensor.
        mean: the mean vector.
        variance: the variance vector.
        axis: the feature axis.
        offset: optional offset vector (beta).
        scale: optional scale vector (gamma).
        epsilon: small float added to the variance.

    Example:
        >>> import numpy as np
        >>> from nnet import ops
        >>> x = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]])
        >>> ops.batch_normalization(x, mean=[0.4, 0.5, 0.6], variance=[0.67, 0.67, 0.67],
        ...                         axis=-1).numpy().round(4)
        array([[-0.3662, -0.3662, -0.3662],
               [ 0.    ,  0.    ,  0.    ],
               [ 0.3662,  0.3662,  0.3662]])
    """
    channels = x.shape[axis]
    for name, value in (("mean", mean), ("variance", variance), ("offset", offset),
                        ("scale", scale)):
        if value is not None and tuple(_shape(value)) != (channels,):
            raise ValueError(
                f"Argument `{name}` must be a vector of length `x.shape[axis]`. Expected: "
                f"{(channels,)}. Received: {name}.shape={tuple(_shape(value))}"
            )
    return _batch_normalization(x, mean, variance, offset, scale, axis=axis, epsilon=epsilon)


def _shape(value):
    return value.shape if hasattr(value, "shape") else (len(value),)


def _rows(x, axes):
    """`x` as (rows, features) with `axes` (sorted, non-negative) last, and the function that
    takes such an array back to x's layout."""
    xp = array_module(x)
    rest = [i for i in range(x.ndim) if i not in axes]
    order = rest + list(axes)
    moved = x if order == list(range(x.ndim)) else xp.transpose(x, order)
    features = _math.prod(x.shape[i] for i in axes)
    rows = moved.reshape(-1, features)

    def back(r):
        r = r.reshape(moved.shape)
        return r if moved is x else xp.transpose(r, [order.index(i) for i in range(x.ndim)])

    return rows, back


@primitive
def _normalize_rows(x, scale=None, offset=None, axes=(-1,), epsilon=1e-3, center=True):
    # Layer normalization (center=True) and RMS normalization (center=False) over `axes`:
    # ``x_hat = (x - mean) / sqrt(var + epsilon)`` (or ``x / sqrt(mean(x^2) + epsilon)``), then
    # ``x_hat * scale + offset``; scale and offset have the input's sizes along `axes`.
    xp = array_module(x)
    rows, back = _rows(x, axes)
    features = rows.shape[1]
    if center:
        x_hat = rows - (xp.einsum("ij->i", rows) / features)[:, None]
        squares = xp.einsum("ij,ij->i", x_hat, x_hat)
    else:
        x_hat = rows
        squares = xp.einsum("ij,ij->i", rows, rows)
    inv_std = (1 / xp.sqrt(squares / features + epsilon))[:, None]
    if center:
        x_hat *= inv_std
    else:
        x_hat = rows * inv_std
    flat_scale = None if scale is None else scale.reshape(-1)
    if scale is not None:
        y = x_hat * flat_scale
        if offset is not None:
            y += offset.reshape(-1)
    else:
        y = x_hat if offset is None else x_hat + offset.reshape(-1)

    def vjp(g):
        g2, _ = _rows(g, axes)
        gs = g2 if flat_scale is None else g2 * flat_scale
        # dx = inv_std * (gs - mean(gs) - x_hat * mean(gs * x_hat)); the mean(gs) term only
        # when centered.
        gx = x_hat * (-xp.einsum("ij,ij->i", gs, x_hat) / features)[:, None]
        gx += gs
        if center:
            gx -= (xp.einsum("ij->i", gs) / features)[:, None]
        gx *= inv_std

        def gscale():
            return xp.einsum("ij,ij->j", g2, x_hat).reshape(scale.shape)

        goffset = None if offset is None else (lambda: g2.sum(axis=0).reshape(offset.shape))
        return back(gx), (None if scale is None else gscale), goffset

    return back(y), vjp


def _feature_axes(axis, ndim):
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    return tuple(sorted(int(a) % ndim for a in axes))


def _in_float32(fn, x, *weights):
    """``fn(x, *weights)`` computed in at least float32 and cast back to x's dtype, as Keras
    does: statistics of half floats overflow."""
    dtype = np.dtype(x.dtype)
    if dtype.itemsize >= 4:
        return fn(x, *weights)
    return cast(fn(cast(x, "float32"), *[None if w is None else cast(w, "float32")
                                         for w in weights]), dtype)


@graph_op
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Layer normalization (Ba et al., 2016) over `axis`, per sample.

    ``(x - mean) / sqrt(var + epsilon) * gamma + beta`` with the mean and biased variance over
    `axis`; one primitive with an analytic backward. With the deprecated ``rms_scaling=True``
    (a keyword, as in Keras) the output is ``x / sqrt(var + epsilon) * gamma``, Keras's
    variance (not root-mean-square) scaling.

    Args:
        x: the input tensor.
        gamma: optional scale, of the input's sizes along `axis`.
        beta: optional offset, of the same shape.
        axis: an axis or a list of axes (the last by default).
        epsilon: small float added to the variance; `nnet.config.epsilon()` when None.
        **kwargs: ``rms_scaling`` (deprecated, see above).

    Example:
        >>> from nnet import ops
        >>> ops.layer_normalization([0.0, 1.0, 2.0, 3.0, 4.0]).numpy().round(4)
        array([-1.4142, -0.7071,  0.    ,  0.7071,  1.4142])
    """
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(
            f"layer_normalization() got unexpected keyword arguments {sorted(kwargs)}. The only "
            f"extra keyword is rms_scaling."
        )
    epsilon = default_epsilon() if epsilon is None else epsilon
    x = _as_array_like(x)
    axes = _feature_axes(axis, len(x.shape))
    if rms_scaling:
        warnings.warn(
            "You passed `rms_scaling=True`, which is deprecated. This argument incorrectly "
            "scales the input by the variance, not the root mean square. To correctly use RMS "
            "Normalization, please use `ops.rms_normalization` instead.",
            stacklevel=2,
        )
        return _in_float32(lambda t, g: variance_scaled(t, g, axes, epsilon), x, gamma)
    return _in_float32(lambda t, g, b: _normalize_rows(t, g, b, axes=axes, epsilon=epsilon),
                       x, gamma, beta)


def variance_scaled(x, gamma, axis, epsilon):
    """``x / sqrt(var(x) + epsilon) * gamma`` over `axis`: Keras's deprecated `rms_scaling` of
    layer normalization (LayerNormalization calls it without the op's warning).

    Args:
        x: the input tensor.
        gamma: optional scale, of the input's sizes along `axis`.
        axis: an axis or a list of axes.
        epsilon: small float added to the variance.

    Example:
        >>> from nnet.ops.normalization import variance_scaled
        >>> variance_scaled([1.0, 3.0], None, -1, 0.0).numpy()
        array([1., 3.])
    """
    x = _as_array_like(x)
    axes = _feature_axes(axis, len(x.shape))
    outputs = x * rsqrt(var(x, axis=axes, keepdims=True) + epsilon)
    if gamma is None:
        return outputs
    return outputs * reshape(gamma, [n if i in axes else 1 for i, n in enumerate(x.shape)])


def _as_array_like(x):
    """Tensors, arrays and symbolic tensors as they are; lists and numbers as arrays."""
    return x if hasattr(x, "shape") and hasattr(x, "dtype") else np.asarray(x)


@graph_op
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """Root-mean-square normalization (Zhang & Sennrich, 2019) over `axis`.

    ``x / sqrt(mean(x^2) + epsilon) * scale``; one primitive with an analytic backward.

    Args:
        x: the input tensor.
        scale: optional scale, of the input's sizes along `axis`.
        axis: an axis or a list of axes (the last by default).
        epsilon: small float added to the mean square; `nnet.config.epsilon()` when None.

    Example:
        >>> from nnet import ops
        >>> ops.rms_normalization([[3.0, 4.0]], epsilon=0.0).numpy().round(4)
        array([[0.8485, 1.1314]])
    """
    epsilon = default_epsilon() if epsilon is None else epsilon
    x = _as_array_like(x)
    axes = _feature_axes(axis, len(x.shape))
    return _in_float32(
        lambda t, s: _normalize_rows(t, s, None, axes=axes, epsilon=epsilon, center=False),
        x, scale)
