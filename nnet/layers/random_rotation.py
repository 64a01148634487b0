"""RandomRotation: rotates images by random angles while training."""

import numpy as np

from nnet.layers.base_image_preprocessing_layer import BaseWarpLayer
from nnet.layers.layer import LAYERS


@LAYERS.register
class RandomRotation(BaseWarpLayer):
    """Rotate each image about its centre by an angle drawn uniformly from
    ``factor * 360`` degrees while training; pixels from outside are filled by `fill_mode`.

    Args:
        factor: a fraction f of a full turn (angles in [-f, f] turns) or a (lower, upper) pair.
        fill_mode: "reflect", "wrap", "constant" or "nearest".
        interpolation: "bilinear" or "nearest".
        seed: an integer seed for the layer's generator (None: drawn from nnet's global one).
        fill_value: the value outside the image in "constant" mode.
        data_format: "channels_last" or "channels_first" (None: the configured default).
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.random.random((2, 5, 5, 1))
        >>> y = nnet.layers.RandomRotation((0.25, 0.25))(x).numpy()
        >>> bool(np.allclose(y[..., 0], np.rot90(x[..., 0], k=1, axes=(1, 2)), atol=1e-5))
        True
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self._set_warp(fill_mode, interpolation, fill_value, seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        n = images.shape[0]
        h_axis, w_axis = self._hw_axes(4)
        angle = self._uniform((n,), self.factor[0] * 360.0, self.factor[1] * 360.0)
        zeros = np.zeros(n)
        return self._affine_matrix(0.5, 0.5, angle, zeros, zeros, np.ones(n), zeros, zeros,
                                   images.shape[h_axis], images.shape[w_axis])

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config
