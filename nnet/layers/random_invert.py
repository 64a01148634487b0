"""RandomInvert: inverts images (max - x) at random while training."""

import numpy as np

from nnet import ops
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS


@LAYERS.register
class RandomInvert(BaseImagePreprocessingLayer):
    """While training, replace each image x by ``value_range[1] - x`` with a probability
    drawn from `factor`.

    Args:
        factor: a number f in [0, 1] (probabilities in [0, f]) or a (lower, upper) pair.
        value_range: the (min, max) of the pixel values.
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.RandomInvert((1.0, 1.0))(np.full((1, 1, 1, 3), 55.0)).numpy()
        array([[[[200., 200., 200.]]]], dtype=float32)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self._seeded(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        return self._random_apply(images.shape[0])

    def transform_images(self, images, transformation, training=True):
        if not training or not np.any(transformation):
            return images
        return ops.where(transformation, ops.subtract(self.value_range[1], images), images)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config
