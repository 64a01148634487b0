"""RandomColorDegeneration: blends images towards their grayscale while training."""

from nnet import ops
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS
from nnet.ops import image


@LAYERS.register
class RandomColorDegeneration(BaseImagePreprocessingLayer):
    """While training, ``x + f (gray(x) - x)`` per image, f drawn from `factor`, clipped to
    `value_range`.

    Args:
        factor: a number f (the range [-f, f]) or a (lower, upper) pair, within [-1, 1].
        value_range: the (min, max) of the pixel values.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> y = nnet.layers.RandomColorDegeneration((1.0, 1.0))(np.random.random((1, 2, 2, 3)))
        >>> bool(np.allclose(y.numpy()[..., 0], y.numpy()[..., 1]))
        True
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self.value_range = self._value_range(value_range)
        self._seeded(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        return self._uniform((images.shape[0], 1, 1, 1), self.factor[0],
                             self.factor[1]).astype(self.dtype)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        gray = image.rgb_to_grayscale(images, data_format=self.data_format)
        out = ops.add(images, ops.multiply(transformation, ops.subtract(gray, images)))
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config
