"""RandomTranslation: shifts images by random fractions of their size while training."""

import numpy as np

from nnet.layers.base_image_preprocessing_layer import BaseWarpLayer
from nnet.layers.layer import LAYERS


@LAYERS.register
class RandomTranslation(BaseWarpLayer):
    """Shift each image by random fractions of its height and width while training; pixels
    from outside are filled by `fill_mode`.

    Args:
        height_factor: a fraction f of the height (shifts in [-f, f]) or a (lower, upper) pair,
            within [-1, 1]; positive values move the image down.
        width_factor: the same for the width; positive values move the image right.
        fill_mode: "reflect", "wrap", "constant" or "nearest".
        interpolation: "bilinear" or "nearest".
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        fill_value: the value outside the image in "constant" mode.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.arange(4.0).reshape(1, 1, 4, 1)
        >>> layer = nnet.layers.RandomTranslation(0, (0.5, 0.5), fill_mode="constant")
        >>> layer(x).numpy()[0, 0, :, 0]
        array([0., 0., 0., 1.], dtype=float32)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = self._factor_pair(height_factor, "height_factor",
                                                                 -1.0, 1.0)
        self.width_lower, self.width_upper = self._factor_pair(width_factor, "width_factor",
                                                               -1.0, 1.0)
        self._set_warp(fill_mode, interpolation, fill_value, seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        n = images.shape[0]
        h_axis, w_axis = self._hw_axes(4)
        dy = self._uniform((n,), self.height_lower, self.height_upper) * images.shape[h_axis]
        dx = self._uniform((n,), self.width_lower, self.width_upper) * images.shape[w_axis]
        ones, zeros = np.ones(n), np.zeros(n)
        return np.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros],
                        axis=1).astype("float32")

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config
