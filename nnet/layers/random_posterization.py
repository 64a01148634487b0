"""RandomPosterization: keeps only the top bits of each pixel while training."""

import numpy as np

from nnet import ops, random
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS


@LAYERS.register
class RandomPosterization(BaseImagePreprocessingLayer):
    """While training, reduce each image to b bits per channel on the [0, 255] scale (the low
    8 - b bits cleared), b drawn per image from `factor`. Not differentiable.

    Args:
        factor: a number f in [1, 8] (bits drawn from [1, f)) or a (lower, upper) pair.
        value_range: the (min, max) of the pixel values.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.RandomPosterization((2, 2))(np.array([[[[200.0]]]])).numpy()
        array([[[[192.]]]], dtype=float32)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (1, 8)
    _MAX_FACTOR = 8

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = self._value_range(value_range)
        self._seeded(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        n = images.shape[0]
        if self.factor[0] != self.factor[1]:
            bits = random.randint((n,), self.factor[0], self.factor[1], dtype="int32",
                                  seed=self.generator).numpy()
        else:
            bits = np.full((n,), self.factor[0])
        return (self._MAX_FACTOR - bits).astype("uint8").reshape(-1, 1, 1, 1)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        x = ops.convert_to_numpy(self._rescale(images, self.value_range, (0, 255)))
        x = (x.astype("uint8") >> transformation) << transformation
        return self._rescale(ops.convert_to_tensor(x.astype(self.dtype)), (0, 255),
                             self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config
