"""RandomGrayscale: turns images to grayscale at random while training."""

from nnet import ops
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS
from nnet.ops import image


@LAYERS.register
class RandomGrayscale(BaseImagePreprocessingLayer):
    """While training, replace each image with probability `factor` by its luma, repeated
    over the channels (the shape is kept).

    Args:
        factor: the probability, in [0, 1].
        data_format: "channels_last" or "channels_first" (None: the configured default).
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> y = nnet.layers.RandomGrayscale(1.0)(np.random.random((2, 3, 3, 3))).numpy()
        >>> bool(np.allclose(y[..., 0], y[..., 2]))
        True
    """

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) \
                or not 0 <= factor <= 1:
            raise ValueError(f"`factor` should be between 0 and 1. Received: factor={factor}")
        self.factor = factor
        self._seeded(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        return (self._uniform((images.shape[0],)) < self.factor)[:, None, None, None]

    def transform_images(self, images, transformation, training=True):
        if not training or not transformation.any():
            return images
        gray = image.rgb_to_grayscale(images, data_format=self.data_format)
        return ops.where(transformation, gray, images)

    def get_config(self):
        config = super().get_config()
        # Keras leaves the seed out of this layer's config.
        config.update({"factor": self.factor})
        return config
