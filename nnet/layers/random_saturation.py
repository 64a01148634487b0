"""RandomSaturation: scales the saturation of images by random factors while training."""

from nnet import backend, ops
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS
from nnet.ops import image


@LAYERS.register
class RandomSaturation(BaseImagePreprocessingLayer):
    """While training, multiply each image's saturation (in HSV) by f / (1 - f), f drawn from
    `factor` (so 0.5 keeps it, 0 greys the image, 1 saturates it fully), clipped to
    `value_range` as Keras clips it.

    Args:
        factor: a number f (the range [-f, f]) or a (lower, upper) pair, within [-1, 1].
        value_range: the (min, max) of the pixel values.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.array([[[[0.2, 0.4, 0.8]]]])
        >>> nnet.layers.RandomSaturation((0.0, 0.0), value_range=(0, 1))(x).numpy()
        array([[[[0.8, 0.8, 0.8]]]], dtype=float32)
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self.value_range = self._value_range(value_range)
        self._seeded(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        factor = self._uniform((images.shape[0],), self.factor[0], self.factor[1])
        return (factor / (1 - factor + backend.epsilon())).astype(self.dtype)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        hsv = image.rgb_to_hsv(images, data_format=self.data_format)
        axis = 3 if self.data_format == "channels_last" else 1
        hue, saturation, value = ops.split(hsv, 3, axis=axis)
        saturation = ops.clip(ops.multiply(saturation, transformation.reshape(-1, 1, 1, 1)),
                              self.value_range[0], self.value_range[1])
        return image.hsv_to_rgb(ops.concatenate([hue, saturation, value], axis=axis),
                                data_format=self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config
