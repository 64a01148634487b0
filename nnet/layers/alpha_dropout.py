"""AlphaDropout: dropout that keeps the mean and variance of SELU activations."""

import numpy as np

from nnet import backend, ops, random
from nnet.layers.dropout import Dropout
from nnet.layers.layer import LAYERS

# SELU's constants: dropped units are set to SELU's negative saturation value -ALPHA * SCALE.
_ALPHA = 1.6732632423543772848170429916717
_SCALE = 1.0507009873554804934193349852946


@LAYERS.register
class AlphaDropout(Dropout):
    """Sets a fraction `rate` of the inputs to SELU's saturation value while training, then
    applies the affine map that restores zero mean and unit variance.

    With a keep mask ``m ~ Bernoulli(1 - rate)`` and ``alpha' = -1.6733 * 1.0507`` (SELU's
    ``-alpha * scale``) the output is ``a * (x * m + alpha' * (1 - m)) + b`` where
    ``a = ((1 - rate) * (1 + rate * alpha'^2)) ** -0.5`` and ``b = -a * alpha' * rate``, when
    ``training=True``; otherwise the output is ``x``. For inputs with zero mean and unit variance
    (the SELU fixed point) the output keeps that mean and variance.

    Args:
        rate: float in [0, 1), the fraction of the inputs to drop.
        noise_shape: the shape of the keep mask, broadcast against the inputs; None entries take
            the input's size. None means the input's shape.
        seed: an integer or None; the layer draws its masks from its own
            `nnet.random.SeedGenerator` (``layer.seed_generator``), seeded with it, or with a
            seed drawn from the global generator `nnet.backend.rng()` when None.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: any shape; the output has the input's shape.

    Example:
        >>> import numpy as np
        >>> from nnet.layers.alpha_dropout import AlphaDropout
        >>> x = np.random.default_rng(0).standard_normal((1000, 100))
        >>> out = AlphaDropout(0.2, seed=0)(x, training=True).numpy()
        >>> bool(abs(out.mean()) < 0.01), round(float(out.std()), 1)
        (True, 1.0)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(rate, noise_shape=noise_shape, seed=seed, **kwargs)
        if rate == 1:
            raise ValueError(
                "Expected a rate below 1 for AlphaDropout: its rescaling factor "
                f"((1 - rate) * (1 + rate * alpha^2)) ** -0.5 is infinite at 1. Received: "
                f"rate={rate!r}"
            )

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        # The keep mask itself, drawn as Dropout draws it: dropout of ones is nonzero where kept.
        kept = random.dropout(np.ones(inputs.shape, dtype=inputs.dtype), self.rate,
                              noise_shape=self.noise_shape, seed=self.seed_generator)
        keep = backend.asarray(kept.data != 0, dtype=inputs.dtype)
        alpha_p = -_ALPHA * _SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * self.rate
        dropped = ops.add(ops.multiply(inputs, keep), alpha_p * (1 - keep))
        return ops.add(ops.multiply(dropped, a), b)
