"""Colour spaces and blurs for nnet.ops.image, composed of nnet.ops (their gradients follow)."""

import numpy as np

from nnet.autodiff.symbolic import graph_op
from nnet.backend import standardize_data_format
from nnet.ops.image_crop import _as_input, _compute_dtype, _hw_axes, _images, _tuple
from nnet.ops.joining import stack
from nnet.ops.math import (
    _data,
    add,
    cast,
    clip,
    divide,
    floor,
    maximum,
    minimum,
    multiply,
    subtract,
    where,
)
from nnet.ops.math import abs as _abs
from nnet.ops.reduce import mean as _mean
from nnet.ops.reduce import sum as _sum
from nnet.ops.shape import getitem, pad


def _channels(images, data_format):
    data_format = standardize_data_format(data_format)
    axis = _hw_axes(len(images.shape), data_format)[2]
    return axis, [getitem(images, (slice(None),) * axis + (i,)) for i in range(3)]


@graph_op
def rgb_to_grayscale(images, data_format=None):
    """Luma 0.2989 R + 0.587 G + 0.114 B, keeping a channel axis of size 1 (differentiable);
    integer images are truncated back to their dtype.

    Args:
        images: (H, W, 3) or (N, H, W, 3) images, or grayscale ones (returned as they are).
        data_format: "channels_last" or "channels_first" (None: the configured default).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.image.rgb_to_grayscale(np.ones((1, 1, 3))).numpy()
        array([[[0.9999]]])
    """
    images = _images(images)
    axis = _hw_axes(len(images.shape), standardize_data_format(data_format))[2]
    if images.shape[axis] not in (1, 3):
        raise ValueError(
            f"Invalid channel size: expected 3 (RGB) or 1 (Grayscale). Received input with "
            f"shape: images.shape={tuple(images.shape)}"
        )
    if images.shape[axis] == 1:
        return images
    dtype = images.dtype
    r, g, b = (getitem(images, (slice(None),) * axis + (slice(i, i + 1),)) for i in range(3))
    gray = add(add(multiply(r, 0.2989), multiply(g, 0.587)), multiply(b, 0.114))
    return cast(gray, dtype) if gray.dtype != dtype else gray


def _check_float(images, where_):
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(
            f"Invalid images dtype: expected float dtype. Received: {where_}.dtype={images.dtype}"
        )


@graph_op
def rgb_to_hsv(images, data_format=None):
    """RGB images (values in [0, 1]) to hue, saturation, value, each in [0, 1].

    Args:
        images: float (H, W, 3) or (N, H, W, 3) images.
        data_format: "channels_last" or "channels_first" (None: the configured default).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.image.rgb_to_hsv(np.array([[[0.0, 0.5, 1.0]]])).numpy()
        array([[[0.58333333, 1.        , 1.        ]]])
    """
    images = _images(images)
    _check_float(images, "images")
    axis, (r, g, b) = _channels(images, data_format)
    eps = np.finfo(images.dtype).eps
    r, g, b = (where(abs(_data(c)) < eps, 0.0, c) for c in (r, g, b))
    value = maximum(maximum(r, g), b)
    range_ = subtract(value, minimum(minimum(r, g), b))
    v, rng = _data(value), _data(range_)
    saturation = where(v > 0, divide(range_, where(v > 0, value, 1.0)), 0.0)
    norm = divide(1.0, multiply(6.0, where(rng > 0, range_, 1.0)))
    hue = where(_data(value) == _data(g), add(multiply(norm, subtract(b, r)), 2.0 / 6.0),
                add(multiply(norm, subtract(r, g)), 4.0 / 6.0))
    hue = where(_data(value) == _data(r), multiply(norm, subtract(g, b)), hue)
    hue = add(where(rng > 0, hue, 0.0), (_data(hue) < 0).astype(images.dtype))
    return cast(stack([hue, saturation, value], axis=axis), images.dtype)


@graph_op
def hsv_to_rgb(images, data_format=None):
    """Hue, saturation, value images (each in [0, 1]) to RGB.

    Args:
        images: float (H, W, 3) or (N, H, W, 3) images.
        data_format: "channels_last" or "channels_first" (None: the configured default).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.image.hsv_to_rgb(np.array([[[0.5, 1.0, 1.0]]])).numpy()
        array([[[0., 1., 1.]]])
    """
    images = _images(images)
    _check_float(images, "images")
    axis, (hue, saturation, value) = _channels(images, data_format)
    dh = multiply(subtract(hue, floor(hue)), 6.0)
    one_minus_s = subtract(1.0, saturation)

    def plane(part):
        return multiply(value, add(one_minus_s, multiply(saturation, clip(part, 0.0, 1.0))))

    red = plane(subtract(_abs(subtract(dh, 3.0)), 1.0))
    green = plane(subtract(2.0, _abs(subtract(dh, 2.0))))
    blue = plane(subtract(2.0, _abs(subtract(dh, 4.0))))
    return cast(stack([red, green, blue], axis=axis), images.dtype)


def _gaussian_1d(size, sigma, dtype):
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return (k / k.sum()).astype(dtype)


@graph_op
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blur images with a separable Gaussian kernel, zero-padded to keep their size
    (differentiable).

    Rows are blurred with ``kernel_size[0]`` taps and width ``sigma[1]``, columns with
    ``kernel_size[1]`` taps and width ``sigma[0]``, as Keras's torch backend pairs them.

    Args:
        images: (H, W, C) or (N, H, W, C) float images (channels first with `data_format`).
        kernel_size: (rows, columns) taps, odd numbers.
        sigma: standard deviations of the Gaussian.
        data_format: "channels_last" or "channels_first" (None: the configured default).

    Example:
        >>> import numpy as np, nnet
        >>> x = np.zeros((3, 3, 1)); x[1, 1] = 1.0
        >>> round(float(nnet.ops.image.gaussian_blur(x).numpy().sum()), 6)
        1.0
    """
    images = _images(images)
    kernel_size = _tuple(kernel_size, 2, "kernel_size")
    sigma = (float(sigma),) * 2 if np.isscalar(sigma) else tuple(float(s) for s in sigma)
    h_axis, w_axis, _ = _hw_axes(len(images.shape), standardize_data_format(data_format))
    dtype = _compute_dtype(images.dtype)
    out = images
    for axis, taps, s in ((h_axis, kernel_size[0], sigma[1]), (w_axis, kernel_size[1], sigma[0])):
        weights = _gaussian_1d(taps, s, dtype)
        widths = [(0, 0)] * len(images.shape)
        widths[axis] = (taps // 2, taps // 2)
        padded = pad(out, widths)
        n = out.shape[axis]
        out = _sum(multiply(stack([getitem(padded, (slice(None),) * axis + (slice(i, i + n),))
                          for i in range(taps)], axis=-1), weights), axis=-1)
    return out


def _shifted_sum(x, weights, axis, padding):
    """Sum over i of weights[i] * x shifted by i along `axis`, after zero `padding` (before,
    after): a 1-d correlation with a small kernel, one slice per tap."""
    widths = [(0, 0)] * len(x.shape)
    widths[axis] = padding
    padded = pad(x, widths) if any(padding) else x
    n = padded.shape[axis] - len(weights) + 1
    terms = [multiply(getitem(padded, (slice(None),) * axis + (slice(i, i + n),)), float(w))
             for i, w in enumerate(weights) if w != 0]
    out = terms[0]
    for term in terms[1:]:
        out = add(out, term)
    return out


@graph_op
def sobel_edges(images, data_format=None):
    """The Sobel derivatives of each channel: (N, H, W, C, 2) (or (N, C, H, W, 2)) holding
    [d/dy, d/dx], zero padded at the borders (differentiable).

    Args:
        images: (N, H, W, C) images (channels first with `data_format`).
        data_format: "channels_last" or "channels_first" (None: the configured default).

    Example:
        >>> import numpy as np, nnet
        >>> x = np.tile(np.arange(4.0), (4, 1))[None, :, :, None]  # brightening to the right
        >>> nnet.ops.image.sobel_edges(x).numpy()[0, 1:3, 1:3, 0, 1]
        array([[8., 8.],
               [8., 8.]])
    """
    images = _as_input(images)
    if len(images.shape) != 4:
        raise ValueError(
            f"Invalid images rank: expected rank 4 (batch of images). Received: "
            f"images.shape={tuple(images.shape)}"
        )
    h_axis, w_axis, _ = _hw_axes(4, standardize_data_format(data_format))
    smooth, derive = (1.0, 2.0, 1.0), (-1.0, 0.0, 1.0)
    dy = _shifted_sum(_shifted_sum(images, smooth, w_axis, (1, 1)), derive, h_axis, (1, 1))
    dx = _shifted_sum(_shifted_sum(images, smooth, h_axis, (1, 1)), derive, w_axis, (1, 1))
    return stack([dy, dx], axis=-1)


@graph_op
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """The structural similarity of two images (Wang et al., 2004), averaged over the valid
    windows of a Gaussian filter and over the channels: one value per image (differentiable).

    Args:
        image1, image2: (H, W, C) or (N, H, W, C) images (channels first with `data_format`).
        max_val: the dynamic range of the values (1.0 for [0, 1], 255 for 8 bits).
        filter_size, filter_sigma: the Gaussian window.
        k1, k2: the stabilising constants, (k max_val)^2.
        data_format: "channels_last" or "channels_first" (None: the configured default).

    Example:
        >>> import numpy as np, nnet
        >>> x = np.random.random((2, 16, 16, 3))
        >>> nnet.ops.image.ssim(x, x).numpy()
        array([1., 1.])
    """
    image1 = _images(image1, "image1")
    image2 = _images(image2, "image2")
    dtype = image1.dtype
    if not np.issubdtype(dtype, np.floating):
        image1, image2 = cast(image1, "float32"), cast(image2, "float32")
    h_axis, w_axis, c_axis = _hw_axes(len(image1.shape), standardize_data_format(data_format))
    window = _gaussian_1d(filter_size, filter_sigma, np.float64)

    def blur(x):
        return _shifted_sum(_shifted_sum(x, window, h_axis, (0, 0)), window, w_axis, (0, 0))

    mu1, mu2 = blur(image1), blur(image2)
    mu1_sq, mu2_sq, mu12 = multiply(mu1, mu1), multiply(mu2, mu2), multiply(mu1, mu2)
    var1 = subtract(blur(multiply(image1, image1)), mu1_sq)
    var2 = subtract(blur(multiply(image2, image2)), mu2_sq)
    cov = subtract(blur(multiply(image1, image2)), mu12)
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    numerator = multiply(add(multiply(mu12, 2.0), c1), add(multiply(cov, 2.0), c2))
    denominator = multiply(add(add(mu1_sq, mu2_sq), c1), add(add(var1, var2), c2))
    value = _mean(divide(numerator, denominator), axis=(h_axis, w_axis, c_axis))
    return cast(value, dtype) if value.dtype != dtype else value
