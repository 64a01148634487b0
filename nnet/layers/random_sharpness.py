"""RandomSharpness: sharpens or blurs images by random amounts while training."""

from nnet import ops
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS


@LAYERS.register
class RandomSharpness(BaseImagePreprocessingLayer):
    """While training, ``x + (1 - 2 f) (smooth(x) - x)`` per image, f drawn from `factor`:
    smooth is the 3 x 3 kernel [[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13 (zero padding); f = 0.5
    keeps the image, f > 0.5 sharpens, f < 0.5 blurs. Clipped to `value_range`.

    Args:
        factor: a number f in [0, 1] (the pair (0, f)) or a (lower, upper) pair.
        value_range: the (min, max) of the pixel values.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.random.random((1, 4, 4, 3)) * 255
        >>> bool(np.allclose(nnet.layers.RandomSharpness((0.5, 0.5))(x).numpy(), x, atol=1e-3))
        True
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = self._value_range(value_range)
        self._seeded(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        factor = self._uniform((images.shape[0],), self.factor[0], self.factor[1])
        return (factor * 2).astype(self.dtype).reshape(-1, 1, 1, 1)

    def _smooth(self, images):
        """The 3 x 3 smoothing: (box sum + 4 x) / 13, the box sum separable."""
        box = images
        for axis in self._hw_axes(4):
            widths = [(0, 0)] * 4
            widths[axis] = (1, 1)
            padded = ops.pad(box, widths)
            n = images.shape[axis]
            parts = [ops.getitem(padded, (slice(None),) * axis + (slice(i, i + n),))
                     for i in range(3)]
            box = ops.add(ops.add(parts[0], parts[1]), parts[2])
        return ops.divide(ops.add(box, ops.multiply(images, 4.0)), 13.0)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        out = ops.add(images, ops.multiply(1.0 - transformation,
                                           ops.subtract(self._smooth(images), images)))
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config
