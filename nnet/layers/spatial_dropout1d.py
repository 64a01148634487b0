"""SpatialDropout1D: Dropout that drops entire 1D feature maps."""

from nnet.layers.base_spatial_dropout import BaseSpatialDropout
from nnet.layers.layer import LAYERS


@LAYERS.register
class SpatialDropout1D(BaseSpatialDropout):
    """Drops entire 1D feature maps (whole channels over all timesteps) while training.

    Each channel of each sample is zeroed with probability `rate` (one draw for all its
    positions), the others are scaled by ``1 / (1 - rate)``; at inference the inputs pass
    through. Where neighbouring positions are strongly correlated, as in early convolutions,
    this regularizes where element-wise Dropout would not (Tompson et al., 2014).

    Args:
        rate: float in [0, 1], the fraction of channels to drop.
        seed: an integer for the layer's own `nnet.random.SeedGenerator`, so that runs repeat.
        name: the layer's name.
        dtype: the layer's dtype.

    Shapes: ``(samples, timesteps, channels)``; the output has the input's shape.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.SpatialDropout1D(0.5, seed=0)
        >>> out = layer(np.ones((2, 5, 3)), training=True).numpy()
        >>> bool((out == out[:, :1]).all()), sorted(set(out.ravel().tolist()))
        (True, [0.0, 2.0])
    """

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, 1, data_format="channels_last", seed=seed, name=name, dtype=dtype)
