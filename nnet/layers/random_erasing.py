"""RandomErasing: overwrites a random box of images while training."""

import numpy as np

from nnet import ops, random
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS


@LAYERS.register
class RandomErasing(BaseImagePreprocessingLayer):
    """While training, overwrite one random box per image, with a probability drawn from
    `factor`, by `fill_value` (Gaussian noise times the top of `value_range` when None),
    clipped to `value_range` (Zhong et al., 2017). The box's sides are the square roots of
    fractions drawn from `scale` of the width and height.

    Args:
        factor: a number f in [0, 1] (probabilities in [0, f]) or a (lower, upper) pair.
        scale: a number or (lower, upper) pair in [0, 1]: the fractions of each side, squared.
        fill_value: None (noise), a number, or three numbers (one per channel).
        value_range: the (min, max) of the pixel values.
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.RandomErasing((1.0, 1.0), scale=(0.25, 0.25), fill_value=0.0)
        >>> float((layer(np.ones((1, 8, 8, 1))).numpy() == 0).sum())
        16.0
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = self._factor_pair(scale, "scale", 0.0, 1.0)
        if not isinstance(scale, (tuple, list)):
            self.scale = (0.0, self.scale[1])
        if fill_value is not None and not (
                isinstance(fill_value, (int, float)) and not isinstance(fill_value, bool)
                or isinstance(fill_value, (tuple, list)) and len(fill_value) == 3):
            raise ValueError(
                f"The `fill_value` argument should be a number (or a list of three numbers). "
                f"Received: fill_value={fill_value}"
            )
        self.fill_value = fill_value
        self.value_range = value_range
        self._seeded(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        n = images.shape[0]
        fraction = np.sqrt(self._uniform((n, 2), self.scale[0], self.scale[1]))
        masks, _ = self._box_masks(images.shape, fraction[:, 0], fraction[:, 1])
        apply = self._random_apply(n)
        if self.fill_value is None:
            fill = random.normal(images.shape, dtype=self.dtype,
                                 seed=self.generator).numpy() * self.value_range[1]
        else:
            fill = np.asarray(self.fill_value, dtype=self.dtype)
            if fill.ndim:
                fill = fill.reshape((3, 1, 1) if self.data_format == "channels_first" else (3,))
        fill = np.clip(fill, self.value_range[0], self.value_range[1]).astype(self.dtype)
        return masks & apply, fill

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        masks, fill = transformation
        return ops.where(masks, fill, images)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale, "fill_value": self.fill_value,
                       "value_range": self.value_range, "seed": self.seed})
        return config
