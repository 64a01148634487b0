"""RandomPerspective: moves the corners of images at random while training."""

import numpy as np

from nnet import ops
from nnet.layers.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from nnet.layers.layer import LAYERS
from nnet.ops import image


@LAYERS.register
class RandomPerspective(BaseImagePreprocessingLayer):
    """While training, warp each image (with a probability drawn from `factor`) by the
    perspective transform that moves each corner c to c (1 + d), d drawn from
    [-scale / 2, scale / 2] per coordinate; outside pixels take `fill_value`.

    Args:
        factor: a number f in [0, 1] (probabilities in [0, f]) or a (lower, upper) pair.
        scale: in [0, 1], how far the corners move.
        interpolation: "bilinear" or "nearest".
        fill_value: the value of pixels that come from outside the image.
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.random.random((2, 5, 5, 3))
        >>> bool(np.allclose(nnet.layers.RandomPerspective(scale=0.0)(x).numpy(), x, atol=1e-5))
        True
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0,
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        if not 0.0 <= scale <= 1.0:
            raise ValueError(f"The `scale` argument should be a number in the range [0, 1]. "
                             f"Received: scale={scale}")
        self.scale = scale
        self.interpolation = self._check_choice(interpolation, ("nearest", "bilinear"),
                                                "interpolation")
        self.fill_value = fill_value
        self._seeded(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        n = images.shape[0]
        h_axis, w_axis = self._hw_axes(4)
        height, width = images.shape[h_axis], images.shape[w_axis]
        apply = self._random_apply(n)
        shift = self._uniform((n, 4, 2), -0.5 * self.scale, 0.5 * self.scale)
        start = np.array([[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1],
                          [width - 1, height - 1]], dtype=self.dtype)
        start = np.broadcast_to(start, (n, 4, 2))
        end = (start + start * shift.astype(self.dtype)).astype(self.dtype)
        return apply, start, end

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        apply, start, end = transformation
        warped = image.perspective_transform(images, start, end, self.interpolation,
                                             self.fill_value, self.data_format)
        return ops.where(apply, warped, images)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale,
                       "interpolation": self.interpolation, "fill_value": self.fill_value,
                       "seed": self.seed})
        return config
