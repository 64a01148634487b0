"""RandomContrast: scales each image's deviation from its mean by a random factor."""

from nnet import ops
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS


@LAYERS.register
class RandomContrast(BaseImagePreprocessingLayer):
    """While training, ``(x - mean) * c + mean`` per image and channel (the mean over height
    and width), c drawn from [1 - lower, 1 + upper], then clipped to `value_range`.

    Args:
        factor: a number f in [0, 1] (the pair (0, f), as Keras reads it) or a (lower, upper)
            pair.
        value_range: the (min, max) of the pixel values.
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        **kwargs: base Layer arguments (``data_format`` among them).

    Example:
        >>> import numpy as np, nnet
        >>> x = np.random.random((2, 3, 3, 1)) * 255
        >>> bool(np.allclose(nnet.layers.RandomContrast(0.0)(x).numpy(), x, atol=1e-4))
        True
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor=factor, **kwargs)
        self.value_range = value_range
        self._seeded(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        return self._uniform((images.shape[0], 1, 1, 1), 1.0 - self.factor[0],
                             1.0 + self.factor[1]).astype(self.dtype)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        mean = ops.mean(images, axis=self._hw_axes(4), keepdims=True)
        out = ops.add(ops.multiply(ops.subtract(images, mean), transformation), mean)
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config
