"""Dropout: zeroes random entries while training and rescales the rest (inverted dropout)."""

import numbers

import numpy as np

from nnet import random
from nnet.layers.layer import LAYERS, Layer


@LAYERS.register
class Dropout(Layer):
    """Randomly sets a fraction `rate` of the inputs to 0 while training.

    With a keep mask ``m ~ Bernoulli(1 - rate)`` the output is ``x * m / (1 - rate)`` when
    ``training=True``, so the expected output equals the input; otherwise the output is ``x``.

    Args:
        rate: float in [0, 1], the fraction of the inputs to drop (1 drops everything).
        noise_shape: the shape of the keep mask, broadcast against the inputs; None entries
            take the input's size. E.g. ``(batch, 1, features)`` drops the same features at
            every timestep. None means the input's shape.
        seed: an integer or None; the layer draws its masks from its own
            `nnet.random.SeedGenerator` (``layer.seed_generator``), seeded with it, or with a
            seed drawn from the global generator `nnet.backend.rng()` when None.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: any shape; the output has the input's shape.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.Dropout(0.5, seed=0)
        >>> out = layer(np.ones((2, 4)), training=True).numpy()
        >>> sorted(set(out.ravel().tolist()))
        [0.0, 2.0]
        >>> layer(np.ones((2, 4))).numpy()
        array([[1., 1., 1., 1.],
               [1., 1., 1., 1.]], dtype=float32)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate <= 1:
            raise ValueError(
                f"Expected a float between 0 and 1 for rate (the fraction of inputs to drop). "
                f"Received: rate={rate!r}"
            )
        self.rate = rate
        self.seed = seed
        self.noise_shape = _validate_noise_shape(noise_shape)
        # As in Keras, the layer owns its SeedGenerator (seeded from the global generator
        # when seed is None, so that `set_random_seed` makes runs repeat).
        self.seed_generator = random.SeedGenerator(seed) if rate > 0 else None
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        return random.dropout(inputs, self.rate, noise_shape=self.noise_shape,
                              seed=self.seed_generator)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config


def _validate_noise_shape(noise_shape):
    """`noise_shape` as a tuple of positive ints or None entries; raises ValueError otherwise."""
    if noise_shape is None:
        return None
    try:
        shape = tuple(noise_shape) if not isinstance(noise_shape, str) else None
    except TypeError:
        shape = None
    valid = shape is not None and all(
        d is None or (isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0)
        for d in shape
    )
    if not valid:
        raise ValueError(
            f"Expected a tuple of positive integers or None entries for noise_shape. "
            f"Received: noise_shape={noise_shape!r}"
        )
    return tuple(None if d is None else int(d) for d in shape)
