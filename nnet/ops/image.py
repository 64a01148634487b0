"""Image ops: resizing by bilinear or nearest interpolation (keras.ops.image.resize).

A resize is separable: each spatial axis is mapped by a (new length, old length) matrix of
interpolation weights, so the forward pass is two products and the gradient the transposed ones.
"""

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.backend import array_module, standardize_data_format
from nnet.ops.pooling import along_axis, standardize_tuple

RESIZE_INTERPOLATIONS = ("bilinear", "nearest")


def _interpolation_matrix(new, old, interpolation, antialias):
    """PyTorch's weights (half-pixel centres, ``align_corners=False``), one row per output."""
    scale = old / new
    weights = np.zeros((new, old))
    rows = np.arange(new)
    if interpolation == "nearest":
        weights[rows, np.minimum(np.floor((rows + 0.5) * scale).astype(int), old - 1)] = 1
        return weights
    if antialias and scale > 1:
        # Downsampling with antialiasing widens the triangle filter to the scale.
        centers = scale * (rows + 0.5)
        cells = np.arange(old) + 0.5
        weights = np.maximum(0, 1 - np.abs(cells[None, :] - centers[:, None]) / scale)
        return weights / weights.sum(axis=1, keepdims=True)
    source = np.maximum((rows + 0.5) * scale - 0.5, 0)
    low = np.floor(source).astype(int)
    high = np.minimum(low + 1, old - 1)
    fraction = source - low
    np.add.at(weights, (rows, low), 1 - fraction)
    np.add.at(weights, (rows, high), fraction)
    return weights


@primitive
def _resize(images, size, interpolation, antialias, data_format):
    xp = array_module(images)
    first = images.ndim - 3 if data_format == "channels_last" else images.ndim - 2
    axes = (first, first + 1)
    matrices = [xp.asarray(_interpolation_matrix(n, images.shape[a], interpolation, antialias),
                           dtype=images.dtype) for n, a in zip(size, axes)]
    y = images
    for matrix, axis in zip(matrices, axes):
        y = along_axis(y, matrix, axis)

    def vjp(g):
        for matrix, axis in zip(matrices, axes):
            g = along_axis(g, matrix.T, axis)
        return g, None, None, None, None

    return xp.ascontiguousarray(y), vjp


def resize(images, size, interpolation="bilinear", antialias=False, data_format=None):
    """Resize images to `size` = (height, width) by bilinear or nearest interpolation.

    Pixel centres are aligned as in Keras and PyTorch (``align_corners=False``): output pixel i
    reads the input at ``(i + 0.5) * old / new - 0.5``. Nearest picks
    ``floor((i + 0.5) * old / new)``.

    Args:
        images: ``(batch, height, width, channels)`` or one image ``(height, width, channels)``
            (channels first for ``"channels_first"``).
        size: an integer or ``(height, width)``, the new spatial size.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        antialias: when shrinking with ``"bilinear"``, average over the whole footprint of each
            output pixel (a triangle filter as wide as the scale) instead of two neighbours.
        data_format: ``"channels_last"`` or ``"channels_first"``; None reads
            `nnet.config.image_data_format()`.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.array([0.0, 1.0]).reshape(1, 1, 2, 1)
        >>> nnet.ops.image.resize(x, (1, 4)).numpy().ravel()
        array([0.  , 0.25, 0.75, 1.  ])
    """
    data_format = standardize_data_format(data_format)
    if len(images.shape) not in (3, 4):
        raise ValueError(
            "resize expects images of rank 3 (one image) or 4 (a batch). "
            f"Received: images.shape={tuple(images.shape)}"
        )
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(
            f"Expected one of {RESIZE_INTERPOLATIONS} for interpolation. "
            f"Received: interpolation={interpolation!r}"
        )
    size = standardize_tuple(size, 2, "size")
    return _resize(images, size, interpolation, bool(antialias), data_format)
