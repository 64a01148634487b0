"""GaussianNoise: adds zero-centred Gaussian noise while training."""

import numbers

from nnet import ops, random
from nnet.layers.layer import LAYERS, Layer


def _validate_unit_interval(value, name, meaning):
    """`value` if it is a real number in [0, 1]; raises ValueError naming `name` otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise ValueError(
            f"Expected a float between 0 and 1 for {name} ({meaning}). Received: {name}={value!r}"
        )
    return value


@LAYERS.register
class GaussianNoise(Layer):
    """Adds ``N(0, stddev^2)`` noise to the inputs while training: ``y = x + stddev * z``.

    With ``training=False`` (inference, the default) the output is the input. The noise does
    not depend on ``x``, so the gradient of ``y`` with respect to ``x`` is the identity.

    Args:
        stddev: float in [0, 1], the standard deviation of the noise.
        seed: an integer or None; the layer draws its noise from its own
            `nnet.random.SeedGenerator` (``layer.seed_generator``), seeded with it, or with a
            seed drawn from the global generator `nnet.backend.rng()` when None.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: any shape; the output has the input's shape.

    Example:
        >>> import numpy as np
        >>> from nnet.layers.gaussian_noise import GaussianNoise
        >>> layer = GaussianNoise(0.1, seed=0)
        >>> x = np.zeros((1000, 10))
        >>> round(float(layer(x, training=True).numpy().std()), 1)
        0.1
        >>> float(np.abs(layer(x).numpy()).max())
        0.0
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = _validate_unit_interval(stddev, "stddev", "the standard deviation")
        self.seed = seed
        # As in Keras, the layer owns its SeedGenerator (seeded from the global generator
        # when seed is None, so that `set_random_seed` makes runs repeat).
        self.seed_generator = random.SeedGenerator(seed) if stddev > 0 else None
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        noise = random.normal(inputs.shape, stddev=self.stddev, dtype=inputs.dtype,
                              seed=self.seed_generator)
        return ops.add(inputs, noise)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config
