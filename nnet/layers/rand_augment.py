"""RandAugment: applies a few augmentations picked at random from a fixed list."""

import numpy as np

from nnet import ops, random
from nnet.layers.auto_contrast import AutoContrast
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.equalization import Equalization
from nnet.layers.layer import LAYERS
from nnet.layers.random_brightness import RandomBrightness
from nnet.layers.random_color_degeneration import RandomColorDegeneration
from nnet.layers.random_contrast import RandomContrast
from nnet.layers.random_posterization import RandomPosterization
from nnet.layers.random_rotation import RandomRotation
from nnet.layers.random_sharpness import RandomSharpness
from nnet.layers.random_shear import RandomShear
from nnet.layers.random_translation import RandomTranslation
from nnet.layers.solarization import Solarization

# Keras's order: a drawn index picks the layer at that position.
AUGMENTATIONS = ("random_shear", "random_translation", "random_rotation", "random_brightness",
                 "random_color_degeneration", "random_contrast", "random_sharpness",
                 "random_posterization", "solarization", "auto_contrast", "equalization")


def augmentation_layers(layer, names, interpolation):
    """{name: layer} of the augmentations that RandAugment and AugMix choose from, built from
    `layer`'s factor, value_range, data_format and dtype, all drawing from its generator."""
    factor, value_range = layer.factor, layer.value_range
    common = dict(data_format=layer.data_format, dtype=layer.dtype)
    makers = {
        "random_shear": lambda: RandomShear(factor, factor, interpolation, **common),
        "random_translation": lambda: RandomTranslation(factor, factor,
                                                        interpolation=interpolation, **common),
        "random_rotation": lambda: RandomRotation(factor, interpolation=interpolation, **common),
        "random_brightness": lambda: RandomBrightness(factor, value_range, **common),
        "random_color_degeneration": lambda: RandomColorDegeneration(factor, value_range,
                                                                     **common),
        "random_contrast": lambda: RandomContrast(factor, value_range, **common),
        "random_sharpness": lambda: RandomSharpness(factor, value_range, **common),
        "random_posterization": lambda: RandomPosterization(max(1, int(8 * factor[1])),
                                                            value_range, **common),
        "solarization": lambda: Solarization(factor, factor, value_range, **common),
        "auto_contrast": lambda: AutoContrast(value_range, **common),
        "equalization": lambda: Equalization(value_range, **common),
    }
    built = {name: makers[name]() for name in names}
    for sublayer in built.values():
        sublayer.generator = layer.generator
    return built


@LAYERS.register
class RandAugment(BaseImagePreprocessingLayer):
    """While training, apply `num_ops` augmentations in turn, each picked at random (for the
    whole batch) among shear, translation, rotation, brightness, colour degeneration, contrast,
    sharpness, posterization, solarization, auto-contrast and equalization, all of strength
    `factor` (Cubuk et al., 2019).

    Args:
        value_range: the (min, max) of the pixel values.
        num_ops: how many augmentations to apply.
        factor: a number f in [0, 1] (the pair (0, f)) or a (lower, upper) pair: the strength
            given to every augmentation.
        interpolation: "bilinear" or "nearest", for the geometric ones.
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.RandAugment(seed=0)(np.random.random((2, 8, 8, 3)) * 255).shape
        (2, 8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear",
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.num_ops = num_ops
        self._set_factor(factor)
        self.interpolation = interpolation
        self._seeded(seed)
        self._augmentations = augmentation_layers(self, AUGMENTATIONS, interpolation)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        picks = random.randint((self.num_ops,), 0, len(AUGMENTATIONS), seed=self.generator)
        return [AUGMENTATIONS[i] for i in np.asarray(picks.numpy())]

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        for name in transformation:
            step = self._augmentations[name]
            images = step.transform_images(images, step.get_random_transformation(images))
        return ops.cast(images, self.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range, "num_ops": self.num_ops,
                       "factor": self.factor, "interpolation": self.interpolation,
                       "seed": self.seed})
        return config
