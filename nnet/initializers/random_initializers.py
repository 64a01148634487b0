"""Initializers that draw from a distribution: normal, truncated normal, uniform, the
`VarianceScaling` family (Glorot, He, LeCun) and `Orthogonal`.
"""

import math
import numbers

import numpy as np

from nnet import backend
from nnet.initializers.initializer import INITIALIZERS, Initializer, _cast, compute_fans

# The std of a standard normal truncated to [-2, 2]; VarianceScaling divides by it so that the
# truncated draw keeps the requested variance.
_TRUNCATED_STD = 0.87962566103423978


def _generator(seed):
    # A fresh generator per call makes a seeded initializer return the same values every call.
    return backend.rng() if seed is None else np.random.default_rng(seed)


def _truncated_normal(rng, shape, mean, stddev):
    """Normal draws with every value beyond 2 standard deviations redrawn."""
    z = rng.standard_normal(shape)
    outside = np.abs(z) > 2
    while outside.any():
        z[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(z) > 2
    return mean + stddev * z


class _RandomInitializer(Initializer):
    """An initializer that draws from a distribution; subclasses implement `_draw(rng, shape)`."""

    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(
                f"Expected an integer or None for seed. Received: seed={seed!r}. "
                f"Pass an int to make the draws reproducible, or None to use the global generator."
            )
        self.seed = None if seed is None else int(seed)

    def __call__(self, shape, dtype=None):
        return _cast(self._draw(_generator(self.seed), tuple(shape)), dtype)

    def get_config(self):
        return {"seed": self.seed}


class _NormalInitializer(_RandomInitializer):
    """The shared arguments of RandomNormal and TruncatedNormal."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@INITIALIZERS.register(aliases=("normal",))
class RandomNormal(_NormalInitializer):
    """Draws from a normal distribution ``N(mean, stddev^2)``.

    Args:
        mean: the mean of the values.
        stddev: the standard deviation of the values.
        seed: an int for reproducible draws; None draws from the global generator.

    Example:
        >>> RandomNormal(stddev=1.0, seed=0)((2, 2)).shape
        (2, 2)
    """

    def _draw(self, rng, shape):
        return self.mean + self.stddev * rng.standard_normal(shape)


@INITIALIZERS.register
class TruncatedNormal(_NormalInitializer):
    """Draws from ``N(mean, stddev^2)``, redrawing values more than 2 stddev from the mean.

    Args:
        mean: the mean of the values (before truncation).
        stddev: the standard deviation before truncation (the result's is ``0.8796 * stddev``).
        seed: an int for reproducible draws; None draws from the global generator.

    Example:
        >>> bool(abs(TruncatedNormal(seed=0)((100,))).max() <= 0.1)
        True
    """

    def _draw(self, rng, shape):
        return _truncated_normal(rng, shape, self.mean, self.stddev)


@INITIALIZERS.register(aliases=("uniform",))
class RandomUniform(_RandomInitializer):
    """Draws from the uniform distribution on ``[minval, maxval)``.

    Args:
        minval: the lower bound (inclusive).
        maxval: the upper bound (exclusive).
        seed: an int for reproducible draws; None draws from the global generator.

    Example:
        >>> w = RandomUniform(0.0, 1.0, seed=0)((50,))
        >>> bool(w.min() >= 0 and w.max() < 1)
        True
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def _draw(self, rng, shape):
        return rng.uniform(self.minval, self.maxval, shape)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


@INITIALIZERS.register
class VarianceScaling(_RandomInitializer):
    """Draws with a variance scaled to the weight's fans: ``var = scale / n``.

    ``n`` is fan_in, fan_out or their mean (`mode`). ``"truncated_normal"`` draws from a normal
    truncated at 2 stddev with ``stddev = sqrt(scale / n) / .87962566103423978``;
    ``"untruncated_normal"`` uses ``stddev = sqrt(scale / n)``; ``"uniform"`` draws from
    ``[-limit, limit]`` with ``limit = sqrt(3 * scale / n)``.

    Args:
        scale: a positive scaling factor.
        mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``.
        distribution: ``"truncated_normal"`` (``"normal"`` is accepted for it),
            ``"untruncated_normal"`` or ``"uniform"``.
        seed: an int for reproducible draws; None draws from the global generator.
        input_axes: optional list of the axes that hold input units (see `compute_fans`).
        output_axes: optional list of the axes that hold output units.

    Example:
        >>> VarianceScaling(scale=2.0, mode="fan_out", seed=0)((4, 8)).dtype
        dtype('float32')
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        if not scale > 0:
            raise ValueError(f"Expected a positive float for scale. Received: scale={scale!r}")
        if mode not in _MODES:
            raise ValueError(
                f"Invalid mode: expected one of {', '.join(_MODES)}. Received: mode={mode!r}"
            )
        dist = str(distribution).lower()
        dist = "truncated_normal" if dist == "normal" else dist
        if dist not in _DISTRIBUTIONS:
            raise ValueError(
                f"Invalid distribution: expected one of {', '.join(_DISTRIBUTIONS)}. "
                f"Received: distribution={distribution!r}"
            )
        self.scale = scale
        self.mode = mode
        self.distribution = dist
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def _draw(self, rng, shape):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            return _truncated_normal(rng, shape, 0.0, math.sqrt(variance) / _TRUNCATED_STD)
        if self.distribution == "untruncated_normal":
            return math.sqrt(variance) * rng.standard_normal(shape)
        limit = math.sqrt(3.0 * variance)
        return rng.uniform(-limit, limit, shape)

    def get_config(self):
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling whose scale, mode and distribution are fixed by the subclass."""

    _settings = {}

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(**self._settings, seed=seed, input_axes=input_axes,
                         output_axes=output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


@INITIALIZERS.register
class GlorotUniform(_FixedVarianceScaling):
    """Glorot (Xavier) uniform: ``U(-limit, limit)`` with ``limit = sqrt(6 / (fan_in + fan_out))``.

    The default kernel initializer of Dense and Conv layers.

    Args:
        seed, input_axes, output_axes: as in `VarianceScaling`.

    Example:
        >>> bool(abs(GlorotUniform(seed=1)((3, 3))).max() <= 1.0)
        True
    """

    _settings = {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"}


@INITIALIZERS.register
class GlorotNormal(_FixedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal with ``stddev = sqrt(2 / (fan_in + fan_out))``.

    Args:
        seed, input_axes, output_axes: as in `VarianceScaling`.

    Example:
        >>> GlorotNormal(seed=1)((3, 3)).shape
        (3, 3)
    """

    _settings = {"scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal"}


@INITIALIZERS.register
class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal with ``stddev = sqrt(2 / fan_in)``.

    Args:
        seed, input_axes, output_axes: as in `VarianceScaling`.

    Example:
        >>> HeNormal(seed=1)((3, 3, 2, 4)).shape
        (3, 3, 2, 4)
    """

    _settings = {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal"}


@INITIALIZERS.register
class HeUniform(_FixedVarianceScaling):
    """He uniform: ``U(-limit, limit)`` with ``limit = sqrt(6 / fan_in)``.

    Args:
        seed, input_axes, output_axes: as in `VarianceScaling`.

    Example:
        >>> bool(abs(HeUniform(seed=1)((6, 3))).max() <= 1.0)
        True
    """

    _settings = {"scale": 2.0, "mode": "fan_in", "distribution": "uniform"}


@INITIALIZERS.register
class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal with ``stddev = sqrt(1 / fan_in)``.

    Args:
        seed, input_axes, output_axes: as in `VarianceScaling`.

    Example:
        >>> LecunNormal(seed=1)((4,)).shape
        (4,)
    """

    _settings = {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}


@INITIALIZERS.register
class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: ``U(-limit, limit)`` with ``limit = sqrt(3 / fan_in)``.

    Args:
        seed, input_axes, output_axes: as in `VarianceScaling`.

    Example:
        >>> bool(abs(LecunUniform(seed=1)((3, 5))).max() <= 1.0)
        True
    """

    _settings = {"scale": 1.0, "mode": "fan_in", "distribution": "uniform"}


@INITIALIZERS.register(aliases=("OrthogonalInitializer",))
class Orthogonal(_RandomInitializer):
    """An orthogonal matrix from the QR decomposition of a normal draw, times `gain`.

    The shape is flattened to ``(prod(shape[:-1]), shape[-1])``; with fewer rows than columns the
    rows are orthonormal, otherwise the columns are. ``Q`` is made unique by multiplying its
    columns by ``sign(diag(R))``.

    Args:
        gain: a multiplicative factor.
        seed: an int for reproducible draws; None draws from the global generator.

    Example:
        >>> q = Orthogonal(seed=0)((3, 3), dtype="float64")
        >>> bool(np.allclose(q.T @ q, np.eye(3)))
        True
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def _draw(self, rng, shape):
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal needs a shape of rank 2 or more. Received: shape={shape} of rank "
                f"{len(shape)}. Use it for matrices and conv kernels."
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        q, r = np.linalg.qr(rng.standard_normal((max(rows, cols), min(rows, cols))))
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}
