"""RandomColorJitter: random brightness, contrast, saturation and hue, in that order."""

from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS
from nnet.layers.random_brightness import RandomBrightness
from nnet.layers.random_contrast import RandomContrast
from nnet.layers.random_hue import RandomHue
from nnet.layers.random_saturation import RandomSaturation


@LAYERS.register
class RandomColorJitter(BaseImagePreprocessingLayer):
    """While training, apply `RandomBrightness`, `RandomContrast`, `RandomSaturation` and
    `RandomHue` in turn, each only when its factor is given, all drawing from this layer's
    generator.

    Args:
        value_range: the (min, max) of the pixel values.
        brightness_factor, contrast_factor, saturation_factor, hue_factor: the `factor` of
            each step (None leaves the step out).
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.RandomColorJitter(brightness_factor=0.2, hue_factor=0.1, seed=1)
        >>> layer(np.random.random((2, 4, 4, 3)) * 255).shape
        (2, 4, 4, 3)
    """

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        self._seeded(seed)
        steps = [(RandomBrightness, brightness_factor), (RandomContrast, contrast_factor),
                 (RandomSaturation, saturation_factor), (RandomHue, hue_factor)]
        self._steps = [cls(factor=factor, value_range=value_range, seed=seed,
                           data_format=self.data_format, dtype=self.dtype)
                       for cls, factor in steps if factor is not None]
        for step in self._steps:
            step.generator = self.generator

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        for step in self._steps:
            images = step.transform_images(images, step.get_random_transformation(images))
        return images

    def get_config(self):
        config = super().get_config()
        config.update({
            "value_range": self.value_range, "brightness_factor": self.brightness_factor,
            "contrast_factor": self.contrast_factor, "saturation_factor": self.saturation_factor,
            "hue_factor": self.hue_factor, "seed": self.seed,
        })
        return config
