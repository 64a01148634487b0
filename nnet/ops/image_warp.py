"""Interpolated gathers for nnet.ops.image: map_coordinates and the warps built on it
(affine_transform, perspective_transform, elastic_transform), differentiable with respect to
the images through one primitive and its vjp."""

import itertools

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module, rng, standardize_data_format
from nnet.ops.image_color import gaussian_blur
from nnet.ops.image_crop import _as_input, _compute_dtype, _images
from nnet.ops.math import _data
from nnet.ops.shape import expand_dims, squeeze, transpose

AFFINE_TRANSFORM_INTERPOLATIONS = {"nearest": 0, "bilinear": 1}
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _to_input_dtype(y, dtype):
    """Resampled values back in the images' dtype: integers rounded and saturated."""
    xp = array_module(y)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return xp.clip(xp.round(y), info.min, info.max).astype(dtype)
    return y.astype(dtype, copy=False)


def _mirror(index, size):
    s = size - 1
    if s == 0:
        return index * 0
    # |x - round(x)| as an integer triangle wave of half-period s.
    return abs((index + s) % (2 * s) - s)


_INDEX_FIXERS = {
    "constant": lambda xp, index, size: xp.clip(index, 0, size - 1),
    "nearest": lambda xp, index, size: xp.clip(index, 0, size - 1),
    "wrap": lambda xp, index, size: index % size,
    "mirror": lambda xp, index, size: _mirror(index, size),
    "reflect": lambda xp, index, size: (_mirror(2 * index + 1, 2 * size + 1) - 1) // 2,
}


def _taps(xp, coordinate, size, order, fill_mode):
    """[(index into the axis, valid mask or None, weight or None)] for one coordinate array."""
    if np.issubdtype(coordinate.dtype, np.integer):
        nodes = [(coordinate, None)]
    elif order == 0:
        nodes = [(xp.round(coordinate).astype(np.int64), None)]
    else:
        lower = xp.floor(coordinate)
        upper_weight = coordinate - lower
        lower = lower.astype(np.int64)
        nodes = [(lower, 1 - upper_weight), (lower + 1, upper_weight)]
    fix = _INDEX_FIXERS[fill_mode]
    return [(fix(xp, index, size), (index >= 0) & (index < size) if fill_mode == "constant"
             else None, weight) for index, weight in nodes]


@primitive
def _interpolate(x, *coordinates, order=1, fill_mode="constant", fill_value=0.0):
    """x sampled at `coordinates` along its leading len(coordinates) axes, by nearest (order 0)
    or linear (order 1) interpolation; integer coordinates are taken exactly. The result has the
    coordinates' (broadcast) shape followed by x's remaining axes."""
    xp = array_module(x)
    k = len(coordinates)
    coordinates = xp.broadcast_arrays(*coordinates)
    lead, rest = x.shape[:k], x.shape[k:]
    rest_size = int(np.prod(rest))
    dtype = x.dtype
    flat_x = x.reshape((-1,) + rest).astype(_compute_dtype(dtype), copy=False)
    strides = [int(np.prod(lead[d + 1:])) for d in range(k)]
    expand = (Ellipsis,) + (None,) * len(rest)
    out, saved = 0, []
    for combo in itertools.product(*(_taps(xp, c, n, order, fill_mode)
                                     for c, n in zip(coordinates, lead))):
        flat = sum(index * stride for (index, _, _), stride in zip(combo, strides))
        valids = [v for _, v, _ in combo if v is not None]
        weights = [w for _, _, w in combo if w is not None]
        valid = np.logical_and.reduce(valids) if valids else None
        weight = np.multiply.reduce(weights) if weights else None
        values = flat_x[flat]
        if valid is not None:
            values = xp.where(valid[expand], values, flat_x.dtype.type(fill_value))
        out = out + (values if weight is None else weight[expand] * values)
        saved.append((flat, valid, weight))

    def vjp(g):
        gx = 0
        g = g.reshape(-1, rest_size)
        for flat, valid, weight in saved:
            scale = 1 if weight is None else weight.reshape(-1, 1)
            if valid is not None:
                scale = scale * valid.reshape(-1, 1)
            index = flat.reshape(-1, 1) * rest_size + xp.arange(rest_size)
            gx = gx + xp.bincount(index.ravel(), weights=(g * scale).ravel(),
                                  minlength=flat_x.shape[0] * rest_size)
        return (gx.reshape(x.shape).astype(g.dtype),) + (None,) * k

    return _to_input_dtype(xp.asarray(out), dtype), vjp


def _check_fill_mode(fill_mode):
    if fill_mode not in FILL_MODES:
        raise ValueError(
            f"Invalid value for argument `fill_mode`. Expected one of {FILL_MODES}. "
            f"Received: fill_mode={fill_mode!r}"
        )


@graph_op
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """`inputs` sampled at `coordinates` (one array per axis of inputs), like
    ``scipy.ndimage.map_coordinates`` with order 0 (nearest) or 1 (linear); differentiable with
    respect to `inputs`.

    Args:
        inputs: an N-d tensor.
        coordinates: N coordinate arrays (or an array of shape (N, ...)), one per axis of inputs.
        order: 0 (nearest) or 1 (linear).
        fill_mode: how points outside are read: "constant" (`fill_value`), "nearest" (edge
            repeated), "wrap", "mirror" (d c b | a b c d | c b a) or "reflect"
            (d c b a | a b c d | d c b a).
        fill_value: the value outside the input in "constant" mode.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.arange(4.0).reshape(2, 2)
        >>> nnet.ops.image.map_coordinates(x, [[0.5], [0.5]], order=1).numpy()
        array([1.5])
    """
    inputs = _as_input(inputs)
    coordinates = [np.asarray(_data(c)) for c in coordinates]
    if len(coordinates) != len(inputs.shape):
        raise ValueError(
            f"First dim of `coordinates` must be the same as the rank of `inputs`. Received "
            f"inputs with shape: {tuple(inputs.shape)} and coordinate leading dim of "
            f"{len(coordinates)}"
        )
    if coordinates[0].ndim < 1:
        raise ValueError(
            f"Invalid coordinates rank: expected at least rank 2. Received input with shape: "
            f"{(len(coordinates),) + coordinates[0].shape}"
        )
    if order not in (0, 1):
        raise ValueError(f"map_coordinates supports order 0 or 1. Received: order={order!r}")
    _check_fill_mode(fill_mode)
    return _interpolate(inputs, *coordinates, order=order, fill_mode=fill_mode,
                        fill_value=fill_value)


def _warp(images, coordinates_fn, interpolation, fill_mode, fill_value, data_format):
    """Images (rank 3 or 4) sampled at ``coordinates_fn(n, height, width, dtype) -> (rows,
    cols)``, two (n, height, width) arrays of input coordinates, one pair per output pixel."""
    if interpolation not in AFFINE_TRANSFORM_INTERPOLATIONS:
        raise ValueError(
            f"Invalid value for argument `interpolation`. Expected one of "
            f"{set(AFFINE_TRANSFORM_INTERPOLATIONS)}. Received: interpolation={interpolation!r}"
        )
    _check_fill_mode(fill_mode)
    data_format = standardize_data_format(data_format)
    single = len(images.shape) == 3
    x = expand_dims(images, 0) if single else images
    if data_format == "channels_first":
        x = transpose(x, (0, 2, 3, 1))
    n, height, width = x.shape[:3]
    rows, cols = coordinates_fn(n, height, width, _compute_dtype(x.dtype))
    batch = np.broadcast_to(np.arange(n)[:, None, None], (n, height, width))
    out = _interpolate(x, batch, rows, cols, order=AFFINE_TRANSFORM_INTERPOLATIONS[interpolation],
                       fill_mode=fill_mode, fill_value=fill_value)
    if data_format == "channels_first":
        out = transpose(out, (0, 3, 1, 2))
    return squeeze(out, 0) if single else out


def _projective(transform):
    """The coordinates function of `_warp` for (N, 8) (or (1, 8)) projective transforms."""
    def coordinates(n, height, width, dtype):
        t = np.asarray(_data(transform), dtype=dtype).reshape(-1, 8)
        t = np.broadcast_to(t, (n, 8)) if t.shape[0] == 1 else t
        a0, a1, a2, b0, b1, b2, c0, c1 = (t[:, i, None, None] for i in range(8))
        yy = np.arange(height, dtype=dtype)[None, :, None]
        xx = np.arange(width, dtype=dtype)[None, None, :]
        k = c0 * xx + c1 * yy + 1
        return (b0 * xx + b1 * yy + b2) / k, (a0 * xx + a1 * yy + a2) / k
    return coordinates


@graph_op
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Warp images by projective transforms (differentiable with respect to `images`).

    Each transform ``[a0, a1, a2, b0, b1, b2, c0, c1]`` maps the output point (x, y) to the
    input point ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1.

    Args:
        images: (H, W, C) or (N, H, W, C) images (channels first with `data_format`).
        transform: (8,) or (N, 8) transforms.
        interpolation: "bilinear" or "nearest".
        fill_mode: "constant", "nearest", "wrap", "mirror" or "reflect" (see map_coordinates).
        fill_value: the value outside the input in "constant" mode.
        data_format: "channels_last" or "channels_first" (None: the configured default).

    Example:
        >>> import numpy as np, nnet
        >>> shift = [1, 0, 1, 0, 1, 0, 0, 0]  # read one pixel to the right
        >>> x = np.arange(3.0).reshape(1, 3, 1)
        >>> nnet.ops.image.affine_transform(x, shift).numpy()[0, :, 0]
        array([1., 2., 0.])
    """
    images = _images(images)
    transform_shape = np.shape(_data(transform))
    if len(transform_shape) not in (1, 2):
        raise ValueError(
            f"Invalid transform rank: expected rank 1 (single transform) or rank 2 (batch of "
            f"transforms). Received input with shape: transform.shape={transform_shape}"
        )
    return _warp(images, _projective(transform), interpolation, fill_mode, fill_value,
                 data_format)


def _homography(start_points, end_points, dtype):
    """(N, 8) projective transforms taking each end point to its start point."""
    start = np.asarray(start_points, dtype=np.float64).reshape(-1, 4, 2)
    end = np.asarray(end_points, dtype=np.float64).reshape(-1, 4, 2)
    ex, ey, sx, sy = end[..., 0], end[..., 1], start[..., 0], start[..., 1]
    one, zero = np.ones_like(ex), np.zeros_like(ex)
    x_rows = np.stack([ex, ey, one, zero, zero, zero, -sx * ex, -sx * ey], axis=-1)
    y_rows = np.stack([zero, zero, zero, ex, ey, one, -sy * ex, -sy * ey], axis=-1)
    matrix = np.stack([x_rows, y_rows], axis=2).reshape(-1, 8, 8)
    target = np.stack([sx, sy], axis=-1).reshape(-1, 8, 1)
    return np.linalg.solve(matrix, target)[..., 0].astype(dtype)


@graph_op
def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """Warp images so that the four `start_points` land on the four `end_points`
    (differentiable with respect to `images`).

    Args:
        images: (H, W, C) or (N, H, W, C) images (channels first with `data_format`).
        start_points: (4, 2) or (N, 4, 2) (x, y) corners in the input.
        end_points: the (x, y) corners they move to, same shape.
        interpolation: "bilinear" or "nearest".
        fill_value: the value of pixels that map from outside the input.
        data_format: "channels_last" or "channels_first" (None: the configured default).

    Example:
        >>> import numpy as np, nnet
        >>> corners = [[0, 0], [3, 0], [0, 3], [3, 3]]
        >>> x = np.arange(16.0).reshape(4, 4, 1)
        >>> y = nnet.ops.image.perspective_transform(x, corners, corners)
        >>> bool(np.allclose(y.numpy(), x))
        True
    """
    images = _images(images)
    shapes = np.shape(_data(start_points)), np.shape(_data(end_points))
    for name, shape in zip(("start_points", "end_points"), shapes):
        if shape[-2:] != (4, 2) or len(shape) not in (2, 3):
            raise ValueError(
                f"Invalid {name} shape: expected (4,2) for a single image or (N,4,2) for a "
                f"batch. Received shape: {shape}"
            )
    if shapes[0] != shapes[1]:
        raise ValueError(
            f"start_points and end_points must have the same shape. Received "
            f"start_points.shape={shapes[0]}, end_points.shape={shapes[1]}"
        )
    transform = _homography(_data(start_points), _data(end_points), _compute_dtype(images.dtype))
    return _warp(images, _projective(transform), interpolation, "constant", fill_value,
                 data_format)


def _noise_generator(seed):
    """The NumPy generator behind a `seed` argument, as nnet.random reads it: None is nnet's
    global generator, a SeedGenerator (anything with a `generator`) advances, an int repeats."""
    if seed is None:
        return rng()
    generator = getattr(seed, "generator", None)
    if generator is not None:
        return generator
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(
            f"Expected None, a non-negative integer or a nnet.random.SeedGenerator for `seed`. "
            f"Received: seed={seed!r}"
        )
    return np.random.default_rng(int(seed))


@graph_op
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """Warp images by a smooth random displacement field (Simard et al., 2003), differentiable
    with respect to `images`.

    Each pixel reads the input at its position plus ``alpha * G(sigma * N)``: N a standard
    normal field per image and axis, G a Gaussian blur of width `sigma` over ``int(6 sigma) | 1``
    taps (zero padded), as Keras computes it.

    Args:
        images: (H, W, C) or (N, H, W, C) images (channels first with `data_format`).
        alpha: the scale of the displacements.
        sigma: the smoothness (and scale) of the displacement field.
        interpolation: "bilinear" or "nearest".
        fill_mode: "constant", "nearest", "wrap", "mirror" or "reflect" (see map_coordinates).
        fill_value: the value outside the image in "constant" mode.
        seed: an int or a `nnet.random.SeedGenerator` for the noise (None: nnet's global
            generator).
        data_format: "channels_last" or "channels_first" (None: the configured default).

    Example:
        >>> import numpy as np, nnet
        >>> x = np.random.random((2, 8, 8, 3))
        >>> y = nnet.ops.image.elastic_transform(x, alpha=0.0, seed=1)
        >>> bool(np.allclose(y.numpy(), x))
        True
    """
    images = _images(images)
    taps = int(6 * sigma) | 1

    def coordinates(n, height, width, dtype):
        noise = _noise_generator(seed).standard_normal((2, n, height, width, 1)).astype(dtype)
        noise *= sigma
        dy, dx = (gaussian_blur(field, (taps, taps), (sigma, sigma)).numpy()[..., 0]
                  for field in noise[::-1])
        return (np.arange(height, dtype=dtype)[None, :, None] + alpha * dy,
                np.arange(width, dtype=dtype)[None, None, :] + alpha * dx)

    return _warp(images, coordinates, interpolation, fill_mode, fill_value, data_format)
