"""RandomShear: shears images along x and y by random amounts while training."""

import numpy as np

from nnet.layers.base_image_preprocessing_layer import BaseWarpLayer
from nnet.layers.layer import LAYERS


@LAYERS.register
class RandomShear(BaseWarpLayer):
    """Shear each image while training: the output pixel (x, y) reads the input at
    (x + sx y, sy x + y), sx and sy drawn from `x_factor` and `y_factor` and both negated
    for half of the images; pixels from outside are filled by `fill_mode`.

    Args:
        x_factor: a number f in [0, 1] (shears in [-f, f]) or a (lower, upper) pair in
            [-1, 1].
        y_factor: the same along y.
        interpolation: "bilinear" or "nearest".
        fill_mode: "reflect", "wrap", "constant" or "nearest".
        fill_value: the value outside the image in "constant" mode.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.random.random((2, 4, 4, 1))
        >>> bool(np.allclose(nnet.layers.RandomShear(0.0, 0.0)(x).numpy(), x))
        True
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear",
                 fill_mode="reflect", fill_value=0.0, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.x_factor = self._shear_range(x_factor, "x_factor")
        self.y_factor = self._shear_range(y_factor, "y_factor")
        self._set_warp(fill_mode, interpolation, fill_value, seed)

    def _shear_range(self, factor, name):
        # A number f in [0, 1] becomes (-f, f), which is what the config keeps; a pair from a
        # config may thus reach down to -1 (Keras itself refuses to reload that pair).
        if isinstance(factor, (tuple, list)):
            return self._factor_pair(factor, name, -1.0, 1.0)
        return self._factor_pair(factor, name, 0.0, 1.0)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        n = images.shape[0]
        invert = np.where(self._uniform((n,)) > 0.5, -1.0, 1.0)
        shear_y = self._uniform((n,), *self.y_factor) * invert
        shear_x = self._uniform((n,), *self.x_factor) * invert
        ones, zeros = np.ones(n), np.zeros(n)
        return np.stack([ones, shear_x, zeros, shear_y, ones, zeros, zeros, zeros],
                        axis=1).astype("float32")

    def get_config(self):
        config = super().get_config()
        config.update({"x_factor": self.x_factor, "y_factor": self.y_factor})
        return config
