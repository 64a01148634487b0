"""RandomHue: rotates the hue of images by random amounts while training."""

import numpy as np

from nnet import ops
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS
from nnet.ops import image


@LAYERS.register
class RandomHue(BaseImagePreprocessingLayer):
    """While training, shift each image's hue (in HSV, hue in [0, 1)) by ±f / 2, f drawn from
    `factor` and the sign at random, wrapping around.

    Args:
        factor: a number f in [0, 1] (the pair (0, f)) or a (lower, upper) pair.
        value_range: the (min, max) of the pixel values.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.array([[[[255.0, 0.0, 0.0]]]])  # red; half a turn of hue gives cyan
        >>> nnet.layers.RandomHue((1.0, 1.0))(x).numpy().round()
        array([[[[  0., 255., 255.]]]], dtype=float32)
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self.value_range = value_range
        self._seeded(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        n = images.shape[0]
        invert = np.where(self._uniform((n,)) > 0.5, -1.0, 1.0)
        factor = self._uniform((n,), self.factor[0], self.factor[1])
        return (invert * factor * 0.5).astype(self.dtype)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        hsv = image.rgb_to_hsv(self._rescale(images, self.value_range, (0, 1)),
                               data_format=self.data_format)
        axis = 3 if self.data_format == "channels_last" else 1
        hue, rest = ops.split(hsv, [1], axis=axis)
        hue = ops.add(hue, transformation.reshape(-1, 1, 1, 1))
        hue = ops.where(ops.convert_to_numpy(hue) > 1.0, ops.subtract(hue, 1.0), hue)
        hue = ops.where(ops.convert_to_numpy(hue) < 0.0, ops.add(hue, 1.0), hue)
        rgb = image.hsv_to_rgb(ops.concatenate([hue, rest], axis=axis),
                               data_format=self.data_format)
        return self._rescale(ops.clip(rgb, 0, 1), (0, 1), self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config
