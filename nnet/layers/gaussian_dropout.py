"""GaussianDropout: multiplies the inputs by Gaussian noise centred on 1 while training."""

import math

from nnet import ops, random
from nnet.layers.gaussian_noise import _validate_unit_interval
from nnet.layers.layer import LAYERS, Layer


@LAYERS.register
class GaussianDropout(Layer):
    """Multiplies the inputs by ``N(1, rate / (1 - rate))`` noise while training.

    ``y = x * (1 + sqrt(rate / (1 - rate)) * z)`` with ``z ~ N(0, 1)`` when ``training=True``:
    the multiplicative noise has the mean and variance of inverted Dropout's mask. With
    ``training=False`` (the default) the output is the input.

    Args:
        rate: float in [0, 1), the drop probability it mimics (as with `Dropout`).
        seed: an integer or None; the layer draws its noise from its own
            `nnet.random.SeedGenerator` (``layer.seed_generator``), seeded with it, or with a
            seed drawn from the global generator `nnet.backend.rng()` when None.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: any shape; the output has the input's shape.

    Example:
        >>> import numpy as np
        >>> from nnet.layers.gaussian_dropout import GaussianDropout
        >>> layer = GaussianDropout(0.5, seed=0)
        >>> out = layer(np.ones((1000, 10)), training=True).numpy()
        >>> round(float(out.mean()), 1), round(float(out.std()), 1)
        (1.0, 1.0)
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _validate_unit_interval(rate, "rate", "the drop probability")
        if rate == 1:
            raise ValueError(
                "Expected a rate below 1 for GaussianDropout: the noise's standard deviation "
                "sqrt(rate / (1 - rate)) is infinite at 1. "
                f"Received: rate={rate!r}"
            )
        self.seed = seed
        # As in Keras, the layer owns its SeedGenerator (seeded from the global generator
        # when seed is None, so that `set_random_seed` makes runs repeat).
        self.seed_generator = random.SeedGenerator(seed) if rate > 0 else None
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = random.normal(inputs.shape, mean=1.0, stddev=stddev, dtype=inputs.dtype,
                              seed=self.seed_generator)
        return ops.multiply(inputs, noise)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
