"""AutoContrast: stretches each image's values to the full value range."""

import numpy as np

from nnet import ops
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS


@LAYERS.register
class AutoContrast(BaseImagePreprocessingLayer):
    """Map each image's minimum to the low end of `value_range` and its maximum to the high
    end (per channel, over axes 1 and 2 as Keras takes them), in training and inference alike;
    a constant image is returned as it is.

    Args:
        value_range: the (min, max) of the pixel values.
        **kwargs: base Layer arguments (``data_format`` among them).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.AutoContrast()(np.array([[[[50.0], [100.0]]]])).numpy()[0, 0, :, 0]
        array([  0., 255.], dtype=float32)
    """

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = self._value_range(value_range)

    def transform_images(self, images, transformation=None, training=True):
        x = self._rescale(images, self.value_range, (0, 255))
        low = ops.min(x, axis=(1, 2), keepdims=True)
        span = ops.subtract(ops.max(x, axis=(1, 2), keepdims=True), low)
        flat = ops.convert_to_numpy(span) == 0
        # A constant image has nothing to stretch: it keeps its values.
        scale = ops.divide(255.0, ops.where(flat, 1.0, span))
        out = ops.clip(ops.multiply(ops.subtract(x, low), scale), 0.0, 255.0)
        out = self._rescale(out, (0, 255), self.value_range)
        return ops.where(np.broadcast_to(flat, out.shape), images, out)

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range})
        return config
