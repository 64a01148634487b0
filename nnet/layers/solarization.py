"""Solarization: inverts the pixels above a random threshold while training."""

from nnet import ops
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS


@LAYERS.register
class Solarization(BaseImagePreprocessingLayer):
    """While training, on the [0, 255] scale: add a random amount, clip, then replace each
    pixel p at or above a random threshold by 255 - p. The amounts are drawn, as in Keras,
    from [lower, upper * 255] of `addition_factor` and `threshold_factor`.

    Args:
        addition_factor: a number f in [0, 1] (the pair (0, f)) or a (lower, upper) pair.
        threshold_factor: the same for the threshold.
        value_range: the (min, max) of the pixel values.
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        **kwargs: base Layer arguments (``data_format`` among them).

    Example:
        >>> import numpy as np, nnet
        >>> x = np.array([[[[10.0], [200.0]]]])
        >>> nnet.layers.Solarization(threshold_factor=(0.5, 0.5), seed=0)(x).numpy()[0, 0, :, 0]
        array([10., 55.], dtype=float32)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self._seeded(seed)
        self.addition_factor = self._zero_based_pair(addition_factor, "addition_factor")
        self.threshold_factor = self._zero_based_pair(threshold_factor, "threshold_factor")
        self.value_range = self._value_range(value_range)

    def _zero_based_pair(self, factor, name):
        lower, upper = self._factor_pair(factor, name, 0.0, 1.0)
        return (0, upper) if not isinstance(factor, (tuple, list)) else (lower, upper)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        shape = (images.shape[0], 1, 1, 1)
        additions = self._uniform(shape, self.addition_factor[0], self.addition_factor[1] * 255)
        thresholds = self._uniform(shape, self.threshold_factor[0],
                                   self.threshold_factor[1] * 255)
        return additions.astype(self.dtype), thresholds.astype(self.dtype)

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        additions, thresholds = transformation
        x = self._rescale(images, self.value_range, (0, 255))
        x = ops.clip(ops.add(x, additions), 0, 255)
        x = ops.where(ops.convert_to_numpy(x) < thresholds, x, ops.subtract(255.0, x))
        return self._rescale(x, (0, 255), self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range, "addition_factor": self.addition_factor,
                       "threshold_factor": self.threshold_factor, "seed": self.seed})
        return config
