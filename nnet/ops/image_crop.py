"""Crops, pads and patch extraction for nnet.ops.image, and the argument checks all image ops
share."""

import itertools

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.autodiff.tensor import SymbolicTensor, Tensor
from nnet.backend import array_module, standardize_data_format
from nnet.ops.shape import expand_dims, getitem, pad, squeeze, transpose


def _as_input(x):
    """`x` as it is if a Tensor or a symbolic tensor, else as a NumPy array."""
    return x if isinstance(x, (Tensor, SymbolicTensor)) else np.asarray(x)


def _images(images, where_="images"):
    """`images` as a Tensor, symbolic tensor or array, checked to be rank 3 or 4."""
    images = _as_input(images)
    if len(images.shape) not in (3, 4):
        raise ValueError(
            f"Invalid images rank: expected rank 3 (single image) or 4 (batch of images). "
            f"Received input with shape: {where_}.shape={tuple(images.shape)}"
        )
    return images


def _hw_axes(ndim, data_format):
    """The positive indices of the height, width and channel axes."""
    if data_format == "channels_last":
        return ndim - 3, ndim - 2, ndim - 1
    return ndim - 2, ndim - 1, ndim - 3


def _compute_dtype(dtype):
    return np.dtype(dtype) if np.issubdtype(dtype, np.floating) else np.dtype("float32")


# ---------------------------------------------------------------------------------------------
# Crops, pads and patches.

def _complete(before, after, target, size, names, verb):
    """The (before, after) margins of a crop or pad from exactly two of before/after/target."""
    if [before, after, target].count(None) != 1:
        raise ValueError(
            f"Must specify exactly two of {', '.join(names)}. Received: {names[0]}={before}, "
            f"{names[1]}={after}, {names[2]}={target}"
        )
    for name, value in zip(names, (before, after, target)):
        if value is not None and value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")
    sign = 1 if verb == "pad" else -1
    if before is None:
        before = sign * (target - size) - after
    elif after is None:
        after = sign * (target - size) - before
    for name, value in zip(names, (before, after)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")
    return before, after


@graph_op
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Pad images with zeros; give exactly two of top/bottom/target height, same for width.

    Args:
        images: (H, W, C) or (N, H, W, C) images (channels first with `data_format`).
        top_padding, bottom_padding: rows of zeros added above and below.
        left_padding, right_padding: columns of zeros added left and right.
        target_height, target_width: the size of the output.
        data_format: "channels_last" or "channels_first" (None: the configured default).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.image.pad_images(np.ones((2, 2, 1)), 1, 0, target_height=4,
        ...                           target_width=3).numpy()[..., 0]
        array([[0., 0., 0.],
               [1., 1., 0.],
               [1., 1., 0.],
               [0., 0., 0.]])
    """
    images = _images(images)
    h_axis, w_axis, _ = _hw_axes(len(images.shape), standardize_data_format(data_format))
    widths = [(0, 0)] * len(images.shape)
    widths[h_axis] = _complete(top_padding, bottom_padding, target_height, images.shape[h_axis],
                               ("top_padding", "bottom_padding", "target_height"), "pad")
    widths[w_axis] = _complete(left_padding, right_padding, target_width, images.shape[w_axis],
                               ("left_padding", "right_padding", "target_width"), "pad")
    return pad(images, widths)


@graph_op
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Crop images; give exactly two of top/bottom/target height, same for width.

    Args:
        images: (H, W, C) or (N, H, W, C) images (channels first with `data_format`).
        top_cropping, bottom_cropping: rows removed above and below.
        left_cropping, right_cropping: columns removed left and right.
        target_height, target_width: the size of the output.
        data_format: "channels_last" or "channels_first" (None: the configured default).

    Example:
        >>> import numpy as np, nnet
        >>> x = np.arange(16.0).reshape(4, 4, 1)
        >>> nnet.ops.image.crop_images(x, 1, 1, target_height=2, target_width=2).numpy()[..., 0]
        array([[ 5.,  6.],
               [ 9., 10.]])
    """
    images = _images(images)
    h_axis, w_axis, _ = _hw_axes(len(images.shape), standardize_data_format(data_format))
    index = [slice(None)] * len(images.shape)
    for axis, margins, names in (
            (h_axis, (top_cropping, bottom_cropping, target_height),
             ("top_cropping", "bottom_cropping", "target_height")),
            (w_axis, (left_cropping, right_cropping, target_width),
             ("left_cropping", "right_cropping", "target_width"))):
        size = images.shape[axis]
        before, after = _complete(*margins, size, names, "crop")
        index[axis] = slice(before, size - after)
    return getitem(images, tuple(index))


def _same_padding(size, kernel, stride, dilation):
    effective = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


@primitive
def _patches(x, size, strides, dilation):
    """(N, *spatial, C) -> (N, *out, prod(size) * C): the window at each output position,
    flattened in (offsets..., channel) order (channels last)."""
    xp = array_module(x)
    spatial = x.shape[1:-1]
    out = tuple((n - (k - 1) * d - 1) // s + 1
                for n, k, d, s in zip(spatial, size, dilation, strides))
    offsets = list(itertools.product(*(range(k) for k in size)))

    def window(offset):
        return (slice(None),) + tuple(slice(o * d, o * d + (m - 1) * s + 1, s) for o, d, m, s
                                      in zip(offset, dilation, out, strides)) + (slice(None),)

    y = xp.empty((x.shape[0],) + out + (len(offsets), x.shape[-1]), dtype=x.dtype)
    for i, offset in enumerate(offsets):
        y[..., i, :] = x[window(offset)]

    def vjp(g):
        g = g.reshape(y.shape)
        gx = xp.zeros(x.shape, dtype=g.dtype)
        for i, offset in enumerate(offsets):
            gx[window(offset)] += g[..., i, :]
        return gx, None, None, None

    return y.reshape(y.shape[:-2] + (-1,)), vjp


def _tuple(value, n, name):
    value = (value,) * n if isinstance(value, int) else tuple(value)
    if len(value) != n or any(not isinstance(v, (int, np.integer)) or v < 1 for v in value):
        raise ValueError(
            f"Expected `{name}` to be a positive integer or a tuple of {n} positive integers. "
            f"Received: {name}={value}"
        )
    return value


@graph_op
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """The patches of images (or of volumes, for a `size` of length 3), flattened into the
    channel axis in (rows, columns, channels) order (differentiable).

    Args:
        images: (H, W, C) or (N, H, W, C) images; (D, H, W, C) or (N, D, H, W, C) volumes for 3-d
            patches (channels first with `data_format`).
        size: patch size, an int or a tuple of 2 (or 3) ints.
        strides: steps between patches (defaults to `size`: non-overlapping patches).
        dilation_rate: spacing between the pixels of a patch.
        padding: "valid" or "same" (zeros around, as a convolution pads).
        data_format: "channels_last" or "channels_first" (None: the configured default).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.image.extract_patches(np.ones((2, 20, 20, 3)), (5, 5)).shape
        (2, 4, 4, 75)
    """
    if not isinstance(size, int) and (not isinstance(size, (tuple, list))
                                      or len(size) not in (2, 3)):
        raise ValueError(
            f"Invalid `size` argument. Expected an int or a tuple of length 2 or 3. "
            f"Received: size={size}"
        )
    rank = 2 if isinstance(size, int) else len(size)
    if padding not in ("valid", "same"):
        raise ValueError(
            f"Expected `padding` to be 'valid' or 'same'. Received: padding={padding!r}"
        )
    data_format = standardize_data_format(data_format)
    images = _as_input(images)
    if len(images.shape) not in (rank + 1, rank + 2):
        raise ValueError(
            f"Invalid images rank for {rank}-d patches: expected rank {rank + 1} or {rank + 2}. "
            f"Received input with shape: images.shape={tuple(images.shape)}"
        )
    size = _tuple(size, rank, "size")
    strides = size if not strides else _tuple(strides, rank, "strides")
    dilation = _tuple(dilation_rate, rank, "dilation_rate")
    single = len(images.shape) == rank + 1
    x = expand_dims(images, 0) if single else images
    if data_format == "channels_first":
        x = transpose(x, (0,) + tuple(range(2, rank + 2)) + (1,))
    if padding == "same":
        widths = [(0, 0)] + [_same_padding(n, k, s, d) for n, k, s, d
                             in zip(x.shape[1:-1], size, strides, dilation)] + [(0, 0)]
        x = pad(x, widths)
    y = _patches(x, size, strides, dilation)
    if data_format == "channels_first":
        y = transpose(y, (0, rank + 1) + tuple(range(1, rank + 1)))
    return squeeze(y, 0) if single else y


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """The 3-d patches of volumes: `extract_patches` with a patch size of three ints.

    Args:
        volumes: (D, H, W, C) or (N, D, H, W, C) volumes (channels first with `data_format`).
        size: an int or a tuple of 3 ints.
        strides, dilation_rate, padding, data_format: as in `extract_patches`.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.image.extract_patches_3d(np.ones((10, 10, 10, 3)), 3).shape
        (3, 3, 3, 81)
    """
    return extract_patches(volumes, _tuple(size, 3, "size"), strides, dilation_rate, padding,
                           data_format)
