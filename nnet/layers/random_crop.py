"""RandomCrop: crops a random window of images while training."""

import numpy as np

from nnet import backend
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS
from nnet.ops import image


@LAYERS.register
class RandomCrop(BaseImagePreprocessingLayer):
    """Crop one random (height, width) window, the same for the whole batch, while training.

    An image no larger than the window in both dimensions is instead resized (bilinear) from its
    centred window of the target aspect ratio. As in Keras, inference (``training=False``)
    returns the images unchanged.

    Args:
        height, width: the output size.
        seed: an integer seed for the layer's generator (None: one drawn from nnet's global
            generator, and kept in the config).
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments.

    Shapes: (N, H, W, C) -> (N, height, width, C) while training.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.RandomCrop(2, 3, seed=0)(np.ones((1, 5, 5, 3))).shape
        (1, 2, 3, 3)
    """

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(data_format=data_format, name=name, **kwargs)
        self.height, self.width = height, width
        # Keras keeps a drawn seed in the config when none is given.
        self._seeded(seed if seed is not None else int(backend.rng().integers(1, 10**9)))

    def get_random_transformation(self, images, training=True, seed=None):
        h_axis, w_axis = self._hw_axes(len(images.shape))
        height, width = images.shape[h_axis], images.shape[w_axis]
        if training and height > self.height and width > self.width:
            starts = self._uniform((2,)) * np.array([height - self.height + 1,
                                                     width - self.width + 1])
            return int(starts[0]), int(starts[1])
        return None

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        if transformation is None:
            return image.resize(images, (self.height, self.width), crop_to_aspect_ratio=True,
                                data_format=self.data_format)
        top, left = transformation
        h_axis, w_axis = self._hw_axes(len(images.shape))
        index = [slice(None)] * len(images.shape)
        index[h_axis] = slice(top, top + self.height)
        index[w_axis] = slice(left, left + self.width)
        images = images[tuple(index)]
        if images.shape[h_axis] != self.height or images.shape[w_axis] != self.width:
            images = image.resize(images, (self.height, self.width), data_format=self.data_format)
        return images

    def compute_output_shape(self, input_shape):
        return self._sized_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "seed": self.seed,
                       "data_format": self.data_format})
        return config
