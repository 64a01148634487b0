"""Convolutions in 1, 2 and 3 dimensions, with Keras's kernel layouts and padding rules.

One code path serves every rank: the input is viewed channels-last, its sliding windows are a
strided view (no copy), copied once into an im2col matrix and multiplied by the kernel in one
GEMM. The kernel gradient is one more GEMM over the same windows; the input gradient is col2im,
a loop over the kernel offsets adding strided slices. A transposed convolution is col2im
forward and im2col backward. Groups are stacked GEMMs.

Kernel layouts are Keras's: conv ``(*kernel_size, in_channels // groups, filters)``, transposed
conv ``(*kernel_size, filters, in_channels)``, depthwise ``(*kernel_size, in_channels,
depth_multiplier)``. Padding ``"same"`` pads as TensorFlow does (the odd pixel on the right);
``"causal"`` (1D) pads only on the left.

Example:
    >>> import numpy as np, nnet
    >>> nnet.ops.conv(np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 4)), padding="same").shape
    (1, 5, 5, 4)
"""

import itertools
import math

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module, standardize_data_format
from nnet.ops.fused import _DENSE_ACTIVATIONS
from nnet.ops.pooling import standardize_tuple
from nnet.ops.shape import reshape


def standardize_padding(value, allow_causal=False):
    """The lower-case padding name: ``"valid"``, ``"same"`` or, when allowed, ``"causal"``.

    Args:
        value: the padding name, in any case.
        allow_causal: whether ``"causal"`` is valid (1D convolutions).

    Example:
        >>> standardize_padding("Valid")
        'valid'
    """
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(f"Expected one of {', '.join(map(repr, allowed))} for padding. "
                         f"Received: padding={value!r}")
    return padding


def conv_padding(size, kernel_size, stride, dilation, padding):
    """(left, right) padding of one spatial axis, as Keras/TensorFlow pad.

    Args:
        size: the input length along the axis.
        kernel_size, stride, dilation: the convolution along the axis.
        padding: ``"valid"``, ``"same"`` (the extra pixel goes right) or ``"causal"``.

    Example:
        >>> conv_padding(28, 3, 1, 1, "same"), conv_padding(10, 3, 1, 2, "causal")
        ((1, 1), (4, 0))
    """
    span = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return span - 1, 0
    total = max((-(-size // stride) - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def conv_output_length(size, kernel_size, stride, dilation, padding):
    """The output length of a convolution along one axis (None stays None).

    Example:
        >>> conv_output_length(28, 3, 1, 1, "valid"), conv_output_length(7, 3, 2, 1, "same")
        (26, 4)
    """
    if size is None:
        return None
    left, right = conv_padding(size, kernel_size, stride, dilation, padding)
    return (size + left + right - (kernel_size - 1) * dilation - 1) // stride + 1


def conv_transpose_padding(kernel_size, stride, dilation, padding, output_padding):
    """(left, right) padding of the stride-dilated input in a transposed conv, as Keras has it.

    Example:
        >>> conv_transpose_padding(3, 2, 1, "same", None)
        (2, 1)
    """
    span = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        return span - 1, span - 1 + extra
    if output_padding is None:
        total = stride + span - 2
    else:
        total = span + span % 2 - 2 + output_padding
    left = min(total // 2 + total % 2, span - 1)
    return left, total - left


def conv_transpose_output_length(size, kernel_size, stride, dilation, padding, output_padding):
    """The output length of a transposed convolution along one axis (None stays None).

    Example:
        >>> conv_transpose_output_length(4, 3, 2, 1, "same", None)
        8
    """
    if size is None:
        return None
    left, right = conv_transpose_padding(kernel_size, stride, dilation, padding, output_padding)
    return (size - 1) * stride + left + right - (kernel_size - 1) * dilation + 1


def _channels_last(x, data_format):
    return x if data_format == "channels_last" else x.transpose(0, *range(2, x.ndim), 1)


def _channels_first(x, data_format):
    if data_format == "channels_last":
        return x
    return x.transpose(0, x.ndim - 1, *range(1, x.ndim - 1))


def _geometry(x_shape, kernel_shape, strides, padding, data_format, dilation_rate, transpose):
    """Checked arguments: (rank, data_format, strides, dilation, padding name)."""
    rank = len(x_shape) - 2
    if rank not in (1, 2, 3) or len(kernel_shape) != rank + 2:
        raise ValueError(
            "Expected inputs of rank 3, 4 or 5 (batch, spatial dims, channels) and a kernel of "
            f"the same rank. Received: inputs.shape={tuple(x_shape)}, "
            f"kernel.shape={tuple(kernel_shape)}"
        )
    padding = standardize_padding(padding, allow_causal=rank == 1 and not transpose)
    return (rank, standardize_data_format(data_format),
            standardize_tuple(strides, rank, "strides"),
            standardize_tuple(dilation_rate, rank, "dilation_rate"), padding)


def _windows(x, pads, kernel_size, strides, dilation, out_size, groups):
    """A view (groups, N, *out_size, *kernel_size, C // groups) of channels-last `x` padded by
    `pads`: window element [g, n, o..., k..., c] is x_padded[n, o*stride + k*dilation, g, c]."""
    xp = array_module(x)
    if any(left or right for left, right in pads):
        x = xp.pad(x, [(0, 0), *pads, (0, 0)])
    n, *spatial, channels = x.shape
    x = x.reshape(n, *spatial, groups, channels // groups)
    st = x.strides
    shape = (groups, n, *out_size, *kernel_size, channels // groups)
    steps = (st[-2], st[0], *(st[1 + i] * s for i, s in enumerate(strides)),
             *(st[1 + i] * d for i, d in enumerate(dilation)), st[-1])
    return xp.lib.stride_tricks.as_strided(x, shape, steps)


def _im2col(x, pads, kernel_size, strides, dilation, out_size, groups):
    """The im2col matrix (groups, N * prod(out_size), prod(kernel_size) * C // groups)."""
    windows = _windows(x, pads, kernel_size, strides, dilation, out_size, groups)
    xp = array_module(x)
    columns = math.prod(kernel_size) * windows.shape[-1]
    return xp.ascontiguousarray(windows).reshape(groups, -1, columns)


def _col2im(cols, n, padded, crop, size, kernel_size, strides, dilation, out_size):
    """The adjoint of `_im2col`: add (groups, M, prod(kernel_size) * Cg) columns into a
    channels-last (N, *padded, groups * Cg) buffer, one strided slice per kernel offset, and
    return the window of `size` starting at `crop`."""
    xp = array_module(cols)
    groups, cg = cols.shape[0], cols.shape[-1] // math.prod(kernel_size)
    cols = cols.reshape(groups, n, *out_size, *kernel_size, cg)
    buffer = xp.zeros((n, *padded, groups, cg), dtype=cols.dtype)
    rank = len(kernel_size)
    for offset in itertools.product(*map(range, kernel_size)):
        target = buffer[(slice(None),) + tuple(
            slice(k * d, k * d + s * (o - 1) + 1, s)
            for k, d, s, o in zip(offset, dilation, strides, out_size))]
        source = cols[(slice(None),) * (2 + rank) + offset]
        target += xp.moveaxis(source, 0, -2) if groups > 1 else source[0][..., None, :]
    if tuple(padded) != tuple(size):
        buffer = buffer[(slice(None),) + tuple(slice(c, c + s) for c, s in zip(crop, size))]
    return buffer.reshape(n, *size, groups * cg)


def _gemm(a, b):
    """The stacked product a @ b over groups. NumPy's matmul on stacks of transposed operands
    leaves BLAS for a slow loop, so one group is a plain 2D product (BLAS takes transposes) and
    several groups are made contiguous first."""
    if a.shape[0] == 1:
        return (a[0] @ b[0])[None]
    xp = array_module(a)
    return xp.ascontiguousarray(a) @ xp.ascontiguousarray(b)


def _group_matrix(kernel, groups):
    """Kernel (*K, Cg, F) as stacked GEMM operands (groups, prod(K) * Cg, F // groups)."""
    return kernel.reshape(-1, groups, kernel.shape[-1] // groups).transpose(1, 0, 2)


@primitive
def fused_conv(inputs, kernel, bias=None, activation=None, strides=1, padding="valid",
               data_format=None, dilation_rate=1):
    """activation(conv(inputs, kernel) + bias) as one node; `activation` is None, "relu" or
    "tanh". The convolution layers call it; `conv` is the same without bias and activation.

    Args: as `conv`, plus `bias` (filters,) or None and the `activation` name.

    Example:
        >>> import numpy as np, nnet
        >>> from nnet.ops.conv import fused_conv
        >>> fused_conv(-np.ones((1, 4, 2)), np.ones((3, 2, 5)), np.ones(5), "relu").numpy()[0, 0]
        array([0., 0., 0., 0., 0.])
    """
    xp = array_module(inputs)
    rank, data_format, strides, dilation, padding = _geometry(
        inputs.shape, kernel.shape, strides, padding, data_format, dilation_rate, False)
    x = _channels_last(inputs, data_format)
    n, *spatial, channels = x.shape
    kernel_size, cg, filters = kernel.shape[:-2], kernel.shape[-2], kernel.shape[-1]
    if channels % cg:
        raise ValueError(
            f"The input's {channels} channels must be a multiple of the kernel's input channels "
            f"(kernel.shape[-2], the channels per group). Received: inputs.shape="
            f"{tuple(inputs.shape)}, kernel.shape={tuple(kernel.shape)}, "
            f"data_format={data_format!r}"
        )
    groups = channels // cg
    if filters % groups:
        raise ValueError(
            f"The kernel's {filters} filters must be a multiple of the {groups} groups "
            f"(in channels / kernel.shape[-2]). Received: kernel.shape={tuple(kernel.shape)}"
        )
    pads = [conv_padding(*a, padding) for a in zip(spatial, kernel_size, strides, dilation)]
    out_size = tuple((s + left + right - (k - 1) * d - 1) // st + 1 for s, (left, right), k, d, st
                     in zip(spatial, pads, kernel_size, dilation, strides))
    if min(out_size) <= 0:
        raise ValueError(
            f"The convolution's output would be empty: spatial input {tuple(spatial)} is smaller "
            f"than the dilated kernel. Received: kernel.shape={tuple(kernel.shape)}, "
            f"dilation_rate={dilation}, padding={padding!r}. Use padding='same' or a larger input."
        )
    geometry = (pads, kernel_size, strides, dilation, out_size, groups)
    weights = _group_matrix(kernel, groups)
    cols = _im2col(x, *geometry)
    y = _gemm(cols, weights)
    del cols
    y = (y[0] if groups == 1 else y.transpose(1, 0, 2)).reshape(n, *out_size, filters)
    apply, derivative = _DENSE_ACTIVATIONS[activation]
    if bias is not None:
        y += bias
    if apply is not None:
        apply(xp, y)

    def vjp(g):
        g = _channels_last(g, data_format)
        if derivative is not None:
            g = g * derivative(y)
        g = g.reshape(-1, groups, filters // groups).transpose(1, 0, 2)
        gb = None if bias is None else g.sum(axis=1).reshape(filters)

        def gx():
            padded = [s + left + right for s, (left, right) in zip(spatial, pads)]
            cols = _gemm(g, weights.transpose(0, 2, 1))
            gx = _col2im(cols, n, padded, [p[0] for p in pads], spatial, kernel_size, strides,
                         dilation, out_size)
            return _channels_first(gx, data_format)

        def gw():
            gw = _gemm(_im2col(x, *geometry).transpose(0, 2, 1), g)
            return gw.transpose(1, 0, 2).reshape(kernel.shape)

        return gx, gw, gb, None

    return _channels_first(y, data_format), vjp


@graph_op
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (1D, 2D or 3D), as `keras.ops.conv`.

    ``out[n, o, f] = sum_{k, c} x_padded[n, o * strides + k * dilation_rate, g * Cg + c]
    * kernel[k, c, f]`` with ``g = f // (filters // groups)``; the groups are implied by the
    kernel: ``groups = in_channels // kernel.shape[-2]``.

    Args:
        inputs: (batch, *spatial, channels) for channels_last, (batch, channels, *spatial)
            for channels_first.
        kernel: (*kernel_size, in_channels // groups, filters).
        strides: an integer or one per spatial axis.
        padding: ``"valid"``, ``"same"`` or (1D) ``"causal"``.
        data_format: ``"channels_last"`` or ``"channels_first"``; None means
            `nnet.config.image_data_format()`.
        dilation_rate: an integer or one per spatial axis.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.conv(np.ones((2, 8, 3)), np.ones((3, 3, 4)), strides=2).shape
        (2, 3, 4)
    """
    return fused_conv(inputs, kernel, strides=strides, padding=padding, data_format=data_format,
                      dilation_rate=dilation_rate)


@primitive
def fused_conv_transpose(inputs, kernel, bias=None, activation=None, strides=1, padding="valid",
                         output_padding=None, data_format=None, dilation_rate=1):
    """activation(conv_transpose(inputs, kernel) + bias) as one node ("relu", "tanh" or None).

    Args: as `conv_transpose`, plus `bias` (filters,) or None and the `activation` name.

    Example:
        >>> import numpy as np
        >>> fused_conv_transpose(np.ones((1, 3, 2)), np.ones((3, 4, 2)), np.ones(4), None, 2).shape
        (1, 7, 4)
    """
    xp = array_module(inputs)
    rank, data_format, strides, dilation, padding = _geometry(
        inputs.shape, kernel.shape, strides, padding, data_format, dilation_rate, True)
    x = _channels_last(inputs, data_format)
    n, *in_size, channels = x.shape
    kernel_size, filters = kernel.shape[:-2], kernel.shape[-2]
    if kernel.shape[-1] != channels:
        raise ValueError(
            f"The kernel's last axis must equal the input's {channels} channels. Received: "
            f"inputs.shape={tuple(inputs.shape)}, kernel.shape={tuple(kernel.shape)}, "
            f"data_format={data_format!r}"
        )
    if output_padding is not None:
        output_padding = standardize_tuple(output_padding, rank, "output_padding",
                                           allow_zero=True)
    extras = output_padding or (None,) * rank
    pads = [conv_transpose_padding(k, s, d, padding, e)
            for k, s, d, e in zip(kernel_size, strides, dilation, extras)]
    size = [(i - 1) * s + left + right - (k - 1) * d + 1
            for i, s, (left, right), k, d in zip(in_size, strides, pads, kernel_size, dilation)]
    if min(size) <= 0:
        raise ValueError(
            f"The transposed convolution's output would be empty. Received: inputs.shape="
            f"{tuple(inputs.shape)}, kernel.shape={tuple(kernel.shape)}, padding={padding!r}, "
            f"output_padding={output_padding}"
        )
    # The full scatter of input i reaches i * stride + k * dilation; the output starts `crop`
    # into it, where the dilated-input formulation puts its left padding.
    crop = [(k - 1) * d - left for k, d, (left, _) in zip(kernel_size, dilation, pads)]
    padded = [max((i - 1) * s + (k - 1) * d + 1, c + o)
              for i, s, k, d, c, o in zip(in_size, strides, kernel_size, dilation, crop, size)]
    weights = kernel.reshape(-1, channels)
    x2 = x.reshape(-1, channels)
    cols = (x2 @ weights.T)[None]
    y = _col2im(cols, n, padded, crop, size, kernel_size, strides, dilation, in_size)
    del cols
    y = xp.ascontiguousarray(y)
    apply, derivative = _DENSE_ACTIVATIONS[activation]
    if bias is not None:
        y += bias
    if apply is not None:
        apply(xp, y)
    pads_of_g = [(c, p - c - o) for c, p, o in zip(crop, padded, size)]

    def vjp(g):
        g = _channels_last(g, data_format)
        if derivative is not None:
            g = g * derivative(y)
        gb = None if bias is None else g.reshape(-1, filters).sum(axis=0)
        cols = _im2col(g, pads_of_g, kernel_size, strides, dilation, in_size, 1)[0]
        gx = (cols @ weights).reshape(x.shape)
        gw = (cols.T @ x2).reshape(kernel.shape)
        return _channels_first(gx, data_format), gw, gb, None

    return _channels_first(y, data_format), vjp


@graph_op
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """N-D transposed convolution (the gradient of `conv` with respect to its input), as
    `keras.ops.conv_transpose`.

    Args:
        inputs: (batch, *spatial, in_channels), or channels first.
        kernel: (*kernel_size, filters, in_channels).
        strides: an integer or one per spatial axis.
        padding: ``"valid"`` or ``"same"``.
        output_padding: None (inferred) or the extra length along each axis, below `strides`.
        data_format: ``"channels_last"``, ``"channels_first"`` or None (the config's).
        dilation_rate: an integer or one per spatial axis.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.conv_transpose(np.ones((1, 4, 4, 3)), np.ones((3, 3, 2, 3)), 2, "same").shape
        (1, 8, 8, 2)
    """
    return fused_conv_transpose(inputs, kernel, strides=strides, padding=padding,
                                output_padding=output_padding, data_format=data_format,
                                dilation_rate=dilation_rate)


@graph_op
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise convolution: each input channel convolved with its own `depth_multiplier`
    filters, as `keras.ops.depthwise_conv`; output channel ``c * depth_multiplier + m``.

    Args:
        inputs: (batch, *spatial, channels), or channels first.
        kernel: (*kernel_size, channels, depth_multiplier).
        strides, padding, data_format, dilation_rate: as `conv`.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.depthwise_conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 2))).shape
        (1, 3, 3, 6)
    """
    return conv(inputs, depthwise_kernel_as_grouped(kernel), strides, padding, data_format,
                dilation_rate)


def depthwise_kernel_as_grouped(kernel):
    """A depthwise kernel (*K, C, M) as the equivalent grouped conv kernel (*K, 1, C * M).

    Example:
        >>> import numpy as np
        >>> depthwise_kernel_as_grouped(np.ones((3, 3, 4, 2))).shape
        (3, 3, 1, 8)
    """
    *kernel_size, channels, multiplier = kernel.shape
    return reshape(kernel, (*kernel_size, 1, channels * multiplier))


@graph_op
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """Depthwise convolution followed by a 1x1 (pointwise) convolution, as
    `keras.ops.separable_conv`.

    Args:
        inputs: (batch, *spatial, channels), or channels first.
        depthwise_kernel: (*kernel_size, channels, depth_multiplier).
        pointwise_kernel: (*ones, channels * depth_multiplier, filters).
        strides, padding, data_format, dilation_rate: of the depthwise step, as `conv`.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.separable_conv(np.ones((1, 6, 6, 2)), np.ones((3, 3, 2, 2)),
        ...                         np.ones((1, 1, 4, 5))).shape
        (1, 4, 4, 5)
    """
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", data_format, 1)
