"""BaseImagePreprocessingLayer: what the image preprocessing and augmentation layers share."""

import math

import numpy as np

from nnet import ops, random
from nnet.backend import standardize_data_format
from nnet.layers.layer import Layer
from nnet.ops import image


class BaseImagePreprocessingLayer(Layer):
    """Base of the image preprocessing layers, as Keras's: `call` draws one random
    transformation for the batch (`get_random_transformation`), then applies it to the images
    (`transform_images`) and, for the layers that mix samples, to the labels.

    Inputs are images, (H, W, C) or (N, H, W, C) (channels first with `data_format`), or a dict
    with "images" and optionally "labels". Called outside `fit`/`predict` without `training`,
    the layer augments (`training` defaults to True, as in Keras); `predict` and
    ``training=False`` leave the augmentations out.

    Subclasses set `_USE_BASE_FACTOR` (whether the constructor takes `factor`, kept as
    ``self.factor = (lower, upper)``) and `_FACTOR_BOUNDS`, and implement
    ``get_random_transformation(images, training, seed)`` and ``transform_images(images,
    transformation, training)``.

    Args:
        factor: a number f (the range [-f, f], clipped to the bounds) or a (lower, upper) pair.
        bounding_box_format: kept in the config; nnet's layers transform images and labels,
            not bounding boxes.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.RandomFlip("horizontal", seed=1)
        >>> layer(np.ones((2, 4, 4, 3)), training=False).shape
        (2, 4, 4, 3)
    """

    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS = (-1, 1)

    def __init__(self, factor=None, bounding_box_format=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        self.data_format = standardize_data_format(data_format)
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(
                f"Layer {type(self).__name__} does not take a `factor` argument. Received: "
                f"factor={factor}"
            )
        self._build_at_init()

    def _set_factor(self, factor):
        low, high = self._FACTOR_BOUNDS
        message = (f"The `factor` argument should be a number (or a list of two numbers) in the "
                   f"range [{low}, {high}]. Received: factor={factor}")
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > high or factor[1] < low:
                raise ValueError(message)
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            if not low <= factor <= high:
                raise ValueError(message)
            factor = abs(factor)
            lower, upper = max(-factor, low), factor
        else:
            raise ValueError(message)
        self.factor = lower, upper

    @staticmethod
    def _factor_pair(factor, name, low, high, low_open=False):
        """(lower, upper) from a number f ([-f, f]) or a pair, each end within [low, high]
        (``(low, high]`` with `low_open`); raises ValueError naming `name` otherwise."""
        def valid(v):
            return (isinstance(v, (int, float)) and not isinstance(v, bool)
                    and (low < v if low_open else low <= v) and v <= high)
        pair = isinstance(factor, (tuple, list))
        if not (valid(factor) or pair and len(factor) == 2 and all(valid(v) for v in factor)):
            bracket = "(" if low_open else "["
            raise ValueError(
                f"The `{name}` argument should be a number (or a list of two numbers) in the "
                f"range {bracket}{low}, {high}]. Received: {name}={factor}"
            )
        if pair:
            return tuple(sorted(factor))
        return -abs(factor), abs(factor)

    @staticmethod
    def _check_choice(value, supported, name):
        if value not in supported:
            raise ValueError(f"Unknown `{name}` {value!r}. Expected one of {supported}.")
        return value

    @staticmethod
    def _value_range(value_range):
        """`value_range` sorted, checked to be two numbers."""
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(
                f"The `value_range` argument should be a list of two numbers. Received: "
                f"value_range={value_range}"
            )
        return sorted(value_range)

    @staticmethod
    def _rescale(images, original_range, target_range):
        """Images mapped linearly from `original_range` onto `target_range`."""
        if tuple(original_range) == tuple(target_range):
            return images
        (lo, hi), (new_lo, new_hi) = original_range, target_range
        return ops.add(ops.multiply(ops.divide(ops.subtract(images, lo), hi - lo),
                                    new_hi - new_lo), new_lo)

    def _box_masks(self, shape, width_ratio, height_ratio):
        """(N, H, W, 1) (or (N, 1, H, W)) masks of one box per image, of the given fractions of
        the width and height, placed uniformly at random inside the image."""
        n = shape[0]
        h_axis, w_axis = self._hw_axes(4)
        height, width = shape[h_axis], shape[w_axis]
        bounds = []
        for length, ratio in ((width, width_ratio), (height, height_ratio)):
            crop = (ratio * length).astype(self.dtype)
            start = self._uniform((n,)).astype(self.dtype) * (length - crop)
            bounds.append((start, start + crop))
        (x0, x1), (y0, y1) = bounds
        gy, gx = np.meshgrid(np.arange(height, dtype=self.dtype),
                             np.arange(width, dtype=self.dtype), indexing="ij")
        inside = ((gx >= x0[:, None, None]) & (gx < x1[:, None, None])
                  & (gy >= y0[:, None, None]) & (gy < y1[:, None, None]))
        masks = inside[..., None] if self.data_format == "channels_last" else inside[:, None]
        return masks, (x0, x1, y0, y1)

    def _random_apply(self, n):
        """(n, 1, 1, 1) booleans: whether each image is transformed, with a probability drawn
        for it from `factor` (Keras's two draws)."""
        probability = self._uniform((n,), self.factor[0], self.factor[1])
        return (self._uniform((n,)) < probability)[:, None, None, None]

    def _seeded(self, seed):
        """Keras's `seed` argument and the layer's SeedGenerator drawn from it."""
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def _uniform(self, shape, minval=0.0, maxval=1.0):
        """Uniform draws in [minval, maxval) from the layer's generator, as a float64 NumPy
        array (minval == maxval gives that value, as in Keras)."""
        u = random.uniform(shape, dtype="float64", seed=self.generator).numpy()
        return minval + u * (maxval - minval)

    def _hw_axes(self, ndim):
        return (ndim - 3, ndim - 2) if self.data_format == "channels_last" else (ndim - 2, ndim - 1)

    def _sized_output_shape(self, input_shape):
        """`input_shape` with the height and width of a layer that has `height` and `width`."""
        shape = list(input_shape)
        h_axis, w_axis = self._hw_axes(len(shape))
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def get_random_transformation(self, images, training=True, seed=None):
        """The random parameters for one batch (None where nothing is random)."""
        return None

    def transform_images(self, images, transformation, training=True):
        """The images transformed by `transformation` (only when `training`)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement transform_images.")

    def transform_labels(self, labels, transformation, training=True):
        """The labels of the transformed images (unchanged unless the layer mixes images)."""
        return labels

    def call(self, data, training=None):
        # Keras's preprocessing layers default to training=True outside fit and predict.
        training = True if training is None else bool(training)
        images = data["images"] if isinstance(data, dict) else data
        if len(images.shape) not in (3, 4):
            raise ValueError(
                f"Expected image tensor to have rank 3 (single image) or 4 (batch of images). "
                f"Received: data.shape={tuple(images.shape)}"
            )
        single = len(images.shape) == 3
        batch = ops.expand_dims(images, 0) if single else images
        transformation = self.get_random_transformation(batch, training=training)
        out = self.transform_images(batch, transformation, training=training)
        out = ops.squeeze(out, 0) if single else out
        if not isinstance(data, dict):
            return out
        if "bounding_boxes" in data or "segmentation_masks" in data:
            raise ValueError(
                f"{type(self).__name__} transforms 'images' and 'labels'; it does not transform "
                f"'bounding_boxes' or 'segmentation_masks'. Received keys: {sorted(data)}"
            )
        result = dict(data, images=out)
        if "labels" in data:
            labels = data["labels"]
            labels = ops.expand_dims(labels, 0) if single else labels
            labels = self.transform_labels(labels, transformation, training=training)
            result["labels"] = ops.squeeze(labels, 0) if single else labels
        return result

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config

    @staticmethod
    def _affine_matrix(center_x, center_y, angle, translate_x, translate_y, scale, shear_x,
                       shear_y, height, width):
        """(N, 8) transforms of a rotation by `angle` degrees about the relative centre, a
        scaling, shears (degrees) and translations (pixels), as Keras composes them."""
        angle, shear_x, shear_y = (np.asarray(a, dtype=np.float64) * (math.pi / 180.0)
                                   for a in (angle, shear_x, shear_y))
        cx, cy = center_x * (width - 1), center_y * (height - 1)
        cos, sin = np.cos(angle), np.sin(angle)
        shear_x, shear_y = np.tan(shear_x), np.tan(shear_y)
        a0 = scale * (cos + shear_x * sin)
        a1 = scale * (-sin + shear_x * cos)
        a2 = translate_x + cx - cx * a0 - cy * a1
        b0 = scale * (shear_y * cos + sin)
        b1 = scale * (shear_y * -sin + cos)
        b2 = translate_y + cy - cx * b0 - cy * b1
        zeros = np.zeros_like(a0)
        return np.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1).astype("float32")


class BaseWarpLayer(BaseImagePreprocessingLayer):
    """Base of the layers that warp images with `nnet.ops.image.affine_transform` while
    training (rotation, translation, zoom, shear): `get_random_transformation` returns the
    (N, 8) transforms; `fill_mode`, `interpolation`, `fill_value` and `seed` are shared.

    Example:
        >>> import numpy as np, nnet
        >>> isinstance(nnet.layers.RandomZoom(0.1), BaseWarpLayer)
        True
    """

    def _set_warp(self, fill_mode, interpolation, fill_value, seed):
        self.fill_mode = self._check_choice(fill_mode, ("reflect", "wrap", "constant", "nearest"),
                                            "fill_mode")
        self.interpolation = self._check_choice(interpolation, ("nearest", "bilinear"),
                                                "interpolation")
        self.fill_value = fill_value
        self._seeded(seed)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        return image.affine_transform(images, transformation, self.interpolation,
                                      self.fill_mode, self.fill_value, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"fill_mode": self.fill_mode, "interpolation": self.interpolation,
                       "fill_value": self.fill_value, "seed": self.seed})
        return config
