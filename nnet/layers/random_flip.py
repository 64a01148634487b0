"""RandomFlip: flips images horizontally and/or vertically at random while training."""

import numpy as np

from nnet import ops
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


@LAYERS.register
class RandomFlip(BaseImagePreprocessingLayer):
    """Flip each image with probability 1/2 while training: left-right ("horizontal"),
    top-bottom ("vertical"), or both at once ("horizontal_and_vertical", one draw per image as
    in Keras).

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical".
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.arange(3.0).reshape(1, 1, 3, 1)
        >>> y = nnet.layers.RandomFlip("horizontal", seed=0)(np.repeat(x, 8, 0)).numpy()
        >>> sorted({tuple(row.tolist()) for row in y[:, 0, :, 0]})
        [(0.0, 1.0, 2.0), (2.0, 1.0, 0.0)]
    """

    _USE_BASE_FACTOR = False

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.mode = self._check_choice(mode, (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL),
                                       "mode")
        self._seeded(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        return self._uniform((images.shape[0], 1, 1, 1)) <= 0.5

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        h_axis, w_axis = self._hw_axes(4)
        axes = {HORIZONTAL: (w_axis,), VERTICAL: (h_axis,),
                HORIZONTAL_AND_VERTICAL: (h_axis, w_axis)}[self.mode]
        if not np.any(transformation):
            return images
        return ops.where(transformation, ops.flip(images, axis=axes), images)

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "mode": self.mode, "data_format": self.data_format})
        return config
