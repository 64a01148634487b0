"""BaseSpatialDropout: Dropout of whole feature maps, the base of SpatialDropout1D/2D/3D."""

from nnet import backend, random
from nnet.layers.dropout import Dropout
from nnet.layers.input_spec import InputSpec


class BaseSpatialDropout(Dropout):
    """Dropout with one keep/drop draw per (sample, channel), shared by every spatial position.

    While training, each channel of each sample is zeroed with probability `rate` and the rest
    are scaled by ``1 / (1 - rate)``; at inference the inputs pass through. The keep mask has
    shape ``(batch, 1, ..., 1, channels)`` (channels_last) or ``(batch, channels, 1, ..., 1)``
    (channels_first), as Keras computes it.

    Args:
        rate: float in [0, 1], the fraction of channels to drop.
        data_format: ``"channels_last"`` or ``"channels_first"``; None means
            `nnet.config.image_data_format()`.
        seed: an integer for the layer's own `nnet.random.SeedGenerator` (see `Dropout`).
        name: the layer's name.
        dtype: the layer's dtype.

    Example:
        >>> import numpy as np
        >>> from nnet.layers.base_spatial_dropout import BaseSpatialDropout
        >>> layer = BaseSpatialDropout(0.5, rank=1, data_format="channels_last", seed=1)
        >>> out = layer(np.ones((1, 3, 4)), training=True).numpy()
        >>> bool((out == out[:, :1]).all())
        True
    """

    def __init__(self, rate, rank, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = backend.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        return random.dropout(inputs, self.rate, noise_shape=self._noise_shape(inputs.shape),
                              seed=self.seed_generator)

    def _noise_shape(self, shape):
        spatial = (1,) * (len(shape) - 2)
        if self.data_format == "channels_first":
            return (shape[0], shape[1], *spatial)
        return (shape[0], *spatial, shape[-1])

    def get_config(self):
        # Keras's spatial dropout config holds exactly these keys (no trainable, no noise_shape).
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}
