"""RandomBrightness: adds a random offset to each image while training."""

from nnet import ops
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS


@LAYERS.register
class RandomBrightness(BaseImagePreprocessingLayer):
    """While training, add ``delta * (max - min)`` of `value_range` to each image, delta drawn
    from `factor`, then clip to `value_range`.

    Args:
        factor: a number f in [-1, 1] (deltas in [-f, f]) or a (lower, upper) pair.
        value_range: the (min, max) of the pixel values.
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        **kwargs: base Layer arguments (``data_format`` among them).

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.RandomBrightness((0.5, 0.5), value_range=(0, 1))
        >>> layer(np.full((1, 2, 2, 3), 0.25)).numpy().max()
        np.float32(0.75)
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor=factor, **kwargs)
        self._seeded(seed)
        self.value_range = self._value_range(value_range)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        delta = self._uniform((images.shape[0], 1, 1, 1), self.factor[0], self.factor[1])
        return (delta * (self.value_range[1] - self.value_range[0])).astype(self.dtype)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        return ops.clip(ops.add(images, transformation), self.value_range[0],
                        self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config
