"""RandomZoom: zooms images in or out by random factors while training."""

import numpy as np

from nnet.layers.base_image_preprocessing_layer import BaseWarpLayer
from nnet.layers.layer import LAYERS


@LAYERS.register
class RandomZoom(BaseWarpLayer):
    """Zoom each image about its centre while training: a factor f > 0 zooms out (the image
    shrinks by up to 1 + f), f < 0 zooms in; pixels from outside are filled by `fill_mode`.

    Args:
        height_factor: a number f (zoom in [-f, f]) or a (lower, upper) pair within (-1, 1].
        width_factor: the same for the width; None keeps the aspect ratio (the height's zoom).
        fill_mode: "reflect", "wrap", "constant" or "nearest".
        interpolation: "bilinear" or "nearest".
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        fill_value: the value outside the image in "constant" mode.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.ones((1, 4, 4, 1))
        >>> y = nnet.layers.RandomZoom((1, 1), fill_mode="constant")(x).numpy()[0, :, :, 0]
        >>> float(y.sum()) < 16
        True
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = self._factor_pair(
            height_factor, "height_factor", -1.0, 1.0, low_open=True)
        if width_factor is not None:
            self.width_lower, self.width_upper = self._factor_pair(
                width_factor, "width_factor", -1.0, 1.0, low_open=True)
        self._set_warp(fill_mode, interpolation, fill_value, seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        n = images.shape[0]
        h_axis, w_axis = self._hw_axes(4)
        zoom_y = self._uniform((n,), 1.0 + self.height_lower, 1.0 + self.height_upper)
        zoom_x = zoom_y if self.width_factor is None else self._uniform(
            (n,), 1.0 + self.width_lower, 1.0 + self.width_upper)
        x_offset = (images.shape[w_axis] - 1.0) / 2.0 * (1.0 - zoom_x)
        y_offset = (images.shape[h_axis] - 1.0) / 2.0 * (1.0 - zoom_y)
        zeros = np.zeros(n)
        return np.stack([zoom_x, zeros, x_offset, zeros, zoom_y, y_offset, zeros, zeros],
                        axis=1).astype("float32")

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config
