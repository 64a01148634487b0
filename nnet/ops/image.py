"""keras.ops.image: resizing, affine warps, crops, pads, colour spaces, patches and blurs.

Images are rank 3 (one image) or rank 4 (a batch), laid out by `data_format` (None reads
`nnet.config.image_data_format()`). Resampling rests on two primitives with their vjps: a
separable linear map along the spatial axes (resize, here) and an interpolated gather
(map_coordinates and the warps, in `image_warp`). Crops, pads and patches live in
`image_crop`, colour spaces and blurs in `image_color`; all are exported here.

Example:
    >>> import numpy as np, nnet
    >>> nnet.ops.image.resize(np.ones((2, 4, 4, 3)), (2, 6)).shape
    (2, 2, 6, 3)
"""


import numpy as np

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.autodiff.tensor import Tensor
from nnet.backend import array_module, standardize_data_format
from nnet.ops.image_color import (
    gaussian_blur,
    hsv_to_rgb,
    rgb_to_grayscale,
    rgb_to_hsv,
    sobel_edges,
    ssim,
)
from nnet.ops.image_crop import (
    _as_input,
    _compute_dtype,
    _hw_axes,
    _images,
    crop_images,
    extract_patches,
    extract_patches_3d,
    pad_images,
)
from nnet.ops.image_warp import (
    _to_input_dtype,
    affine_transform,
    elastic_transform,
    map_coordinates,
    perspective_transform,
)
from nnet.ops.math import _data
from nnet.ops.shape import getitem, pad

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")
_FLOAT32_EPS = float(np.finfo(np.float32).eps)


# ---------------------------------------------------------------------------------------------
# Separable resampling: one weight matrix per spatial axis.

def _triangle(x):
    return np.maximum(0.0, 1.0 - x)


def _keys_cubic(x, a=-0.5):
    out = ((a + 2) * x - (a + 3)) * x * x + 1
    out = np.where(x >= 1.0, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, out)
    return np.where(x >= 2.0, 0.0, out)


def _lanczos(radius):
    def kernel(x):
        y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius)
        # Near 0 the ratio is 0/0; its limit is 1.
        out = np.where(x > 1e-3, y / np.where(x != 0, np.pi**2 * x**2, 1), 1.0)
        return np.where(x > radius, 0.0, out)
    return kernel


_KERNELS = {"bilinear": _triangle, "bicubic": _keys_cubic,
            "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0)}


def _kernel_weights(m, n, kernel, antialias, scale=None, translation=0.0):
    """(m, n) weights of input pixel i in output pixel j: the kernel centred on the sample of
    j, ((j + 1/2) - translation) / scale - 1/2 (scale n / m by default), widened by 1 / scale
    when antialiasing a downsample; columns sum to 1, and are 0 for samples off the input."""
    inv_scale = m / n if scale is None else 1.0 / scale
    kernel_scale = max(inv_scale, 1.0) if antialias else 1.0
    sample = (np.arange(n) + 0.5) * inv_scale - translation * inv_scale - 0.5
    w = kernel(np.abs(sample[None, :] - np.arange(m)[:, None]) / kernel_scale)
    total = w.sum(axis=0, keepdims=True)
    # Columns whose weights all but vanish stay zero rather than blow up.
    w = np.where(np.abs(total) > 1000.0 * _FLOAT32_EPS, w / np.where(total != 0, total, 1), 0)
    return np.where((sample >= -0.5) & (sample <= m - 0.5), w, 0)


def _clamped_cubic_weights(m, n):
    """(m, n) weights of the four-tap cubic convolution with a = -0.75, border pixels repeated
    (the bicubic resize of PyTorch and Keras's torch backend without antialiasing)."""
    sample = (np.arange(n) + 0.5) * (m / n) - 0.5
    start = np.floor(sample)
    t = sample - start
    taps = np.stack([_keys_cubic(t + 1, -0.75), _keys_cubic(t, -0.75),
                     _keys_cubic(1 - t, -0.75), _keys_cubic(2 - t, -0.75)])
    rows = np.clip(start.astype(np.int64) + np.arange(-1, 3)[:, None], 0, m - 1)
    w = np.zeros((m, n))
    np.add.at(w, (rows, np.broadcast_to(np.arange(n), rows.shape)), taps)
    return w


def _area_weights(m, n):
    """(m, n) weights averaging the input pixels under each output pixel by their overlap
    (TensorFlow's "area" resize)."""
    scale = m / n
    lo, hi = np.arange(n) * scale, (np.arange(n) + 1) * scale
    i = np.arange(m)[:, None]
    return np.clip(np.minimum(i + 1, hi) - np.maximum(i, lo), 0, None) / scale


def _resize_weights(m, n, interpolation, antialias):
    if interpolation == "area":
        return _area_weights(m, n)
    if interpolation == "bicubic" and not antialias:
        return _clamped_cubic_weights(m, n)
    return _kernel_weights(m, n, _KERNELS[interpolation], antialias)


def _nearest_indices(m, n):
    """Input row of each output row: floor((j + 1/2) m / n), PyTorch's "nearest-exact"."""
    scale = np.float32(m / n)
    index = np.floor((np.arange(n, dtype=np.float32) + np.float32(0.5)) * scale)
    return np.minimum(index.astype(np.int64), m - 1)


@primitive
def _resample(x, weights):
    """x mapped by `weights`, ``((axis, W), ...)``: axis `axis` of size m becomes size n by the
    (m, n) matrix W."""
    xp = array_module(x)
    dtype = x.dtype
    weights = tuple((axis, xp.asarray(w, dtype=_compute_dtype(dtype))) for axis, w in weights)
    y = x.astype(weights[0][1].dtype, copy=False) if weights else x
    for axis, w in weights:
        y = xp.moveaxis(xp.tensordot(y, w, axes=(axis, 0)), -1, axis)

    def vjp(g):
        for axis, w in reversed(weights):
            g = xp.moveaxis(xp.tensordot(g, w, axes=(axis, 1)), -1, axis)
        return g, None

    return _to_input_dtype(y, dtype), vjp


def _aspect_crop(images, size, h_axis, w_axis):
    height, width = images.shape[h_axis], images.shape[w_axis]
    crop_height = max(min(height, int(float(width * size[0]) / size[1])), 1)
    crop_width = max(min(width, int(float(height * size[1]) / size[0])), 1)
    top, left = int((height - crop_height) / 2), int((width - crop_width) / 2)
    index = [slice(None)] * len(images.shape)
    index[h_axis] = slice(top, top + crop_height)
    index[w_axis] = slice(left, left + crop_width)
    return getitem(images, tuple(index))


def _aspect_pad(images, size, h_axis, w_axis, fill_value):
    height, width = images.shape[h_axis], images.shape[w_axis]
    pad_height = max(height, int(float(width * size[0]) / size[1]))
    pad_width = max(width, int(float(height * size[1]) / size[0]))
    top, left = int((pad_height - height) / 2), int((pad_width - width) / 2)
    if not top and not left:
        return images
    widths = [(0, 0)] * len(images.shape)
    widths[h_axis], widths[w_axis] = (top, top), (left, left)
    return pad(images, widths, constant_values=fill_value)


@graph_op
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resize images to `size` = (height, width) (differentiable with respect to `images`).

    Pixels are sampled at their centres (half-pixel convention). `"bilinear"`, `"nearest"`
    (PyTorch's "nearest-exact") and `"bicubic"` give Keras's torch-backend numbers; with
    `antialias=True` the bilinear and bicubic kernels widen by the downscaling factor (PIL's
    filters, a = -0.5 for bicubic). `"lanczos3"` and `"lanczos5"` give Keras's numpy/JAX numbers;
    `"area"` (which Keras's image datasets accept) averages the covered input area.
    Integer images are resized in float32, then rounded and saturated.

    Args:
        images: (H, W, C) or (N, H, W, C) images (channels first with `data_format`).
        size: (height, width) of the output.
        interpolation: one of "bilinear", "nearest", "bicubic", "lanczos3", "lanczos5",
            "area".
        antialias: widen the kernel when downsampling.
        crop_to_aspect_ratio: crop the largest centred window of the target aspect ratio first.
        pad_to_aspect_ratio: pad the short side evenly to the target aspect ratio first.
        fill_mode: padding mode; only "constant".
        fill_value: padding value for `pad_to_aspect_ratio`.
        data_format: "channels_last" or "channels_first" (None: the configured default).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.image.resize(np.array([[[0.0], [1.0]]]), (1, 4)).numpy()[0, :, 0]
        array([0.  , 0.25, 0.75, 1.  ])
    """
    data_format = standardize_data_format(data_format)
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(
            f"Invalid value for argument `interpolation`. Expected one of "
            f"{RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation!r}"
        )
    if fill_mode != "constant":
        raise ValueError(
            f"Invalid value for argument `fill_mode`. Only 'constant' is supported. "
            f"Received: fill_mode={fill_mode!r}"
        )
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be True.")
    images = _images(images)
    if (not isinstance(size, (tuple, list)) or len(size) != 2
            or any(not isinstance(n, (int, np.integer)) or n <= 0 for n in size)):
        raise ValueError(
            f"Expected `size` to be a tuple of 2 positive integers (height, width). "
            f"Received: size={size}"
        )
    size = (int(size[0]), int(size[1]))
    h_axis, w_axis, _ = _hw_axes(len(images.shape), data_format)
    if crop_to_aspect_ratio:
        images = _aspect_crop(images, size, h_axis, w_axis)
    elif pad_to_aspect_ratio:
        images = _aspect_pad(images, size, h_axis, w_axis, fill_value)
    if interpolation == "nearest":
        for axis, n in zip((h_axis, w_axis), size):
            m = images.shape[axis]
            if m != n:
                index = (slice(None),) * axis + (_nearest_indices(m, n),)
                images = getitem(images, index)
        return _tensor(images)
    weights = tuple((axis, _resize_weights(images.shape[axis], n, interpolation, antialias))
                    for axis, n in zip((h_axis, w_axis), size) if images.shape[axis] != n)
    return _resample(images, weights) if weights else _tensor(images)


def _tensor(images):
    """An op returns a Tensor, also when it had nothing to do to an array."""
    return Tensor(images) if isinstance(images, np.ndarray) else images


_SCALE_AND_TRANSLATE_KERNELS = {
    **dict.fromkeys(("linear", "bilinear", "trilinear"), "bilinear"),
    **dict.fromkeys(("cubic", "bicubic", "tricubic"), "bicubic"),
    "lanczos3": "lanczos3", "lanczos5": "lanczos5",
}


@graph_op
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """Resample `images` to `output_shape`, mapping the input point x of each spatial axis to
    ``x * scale + translation`` (JAX's `scale_and_translate`; differentiable).

    Args:
        images: a tensor of any rank.
        output_shape: the full output shape.
        scale, translation: one number per axis of `spatial_dims`.
        spatial_dims: the axes to resample.
        method: "linear" (or "bilinear", "trilinear"), "cubic" (or "bicubic",
            "tricubic"; Keys a = -0.5), "lanczos3" or "lanczos5".
        antialias: widen the kernel by 1 / scale when downsampling.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.array([0.0, 1.0, 2.0, 3.0])
        >>> nnet.ops.image.scale_and_translate(x, (4,), [1.0], [1.0], [0], "linear").numpy()
        array([0., 0., 1., 2.])
    """
    if method not in _SCALE_AND_TRANSLATE_KERNELS:
        raise ValueError(
            f"Invalid value for argument `method`. Expected one of "
            f"{sorted(_SCALE_AND_TRANSLATE_KERNELS)}. Received: method={method!r}"
        )
    images = _as_input(images)
    kernel = _KERNELS[_SCALE_AND_TRANSLATE_KERNELS[method]]
    weights = tuple((d % len(images.shape),
                     _kernel_weights(images.shape[d], output_shape[d], kernel, antialias,
                                     float(s), float(t)))
                    for d, s, t in zip(spatial_dims, np.ravel(_data(scale)),
                                       np.ravel(_data(translation))))
    return _resample(images, weights) if weights else images



__all__ = [
    "affine_transform", "crop_images", "elastic_transform", "extract_patches",
    "extract_patches_3d", "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images",
    "perspective_transform", "resize", "rgb_to_grayscale", "rgb_to_hsv", "scale_and_translate",
    "sobel_edges", "ssim",
]
