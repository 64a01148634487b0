"""Weight initializers, as in ``keras.initializers``: an initializer maps a shape to an array.

Every random draw is made in float64 with NumPy and then cast, so CPU and GPU runs start from the
same weights. With ``seed=None`` the draw comes from the global generator `nnet.backend.rng()`
(re-seeded by `nnet.backend.seed_rng`); with an integer seed a fresh generator is made for every
call, so the same seed gives the same values each time, as in Keras.

Example:
    >>> from nnet import initializers
    >>> initializers.get("glorot_uniform")((3, 2)).shape
    (3, 2)
    >>> initializers.serialize(initializers.Zeros())["class_name"]
    'Zeros'
"""

import math
import numbers

import numpy as np

from nnet import backend
from nnet.utils.registry import Registry, serialize_object

# The std of a standard normal truncated to [-2, 2]; VarianceScaling divides by it so that the
# truncated draw keeps the requested variance.
_TRUNCATED_STD = 0.87962566103423978


def _cast(values, dtype):
    return np.asarray(values, dtype=dtype or backend.floatx())


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


def compute_fans(shape, input_axes=None, output_axes=None):
    """The number of input and output units of a weight of `shape`, as Keras counts them.

    Rank 0: (1, 1); rank 1: (n, n); rank 2: (shape[0], shape[1]); rank > 2 (conv kernels
    ``(..., in, out)``): with ``rf = prod(shape[:-2])``, ``(shape[-2] * rf, shape[-1] * rf)``.
    When both `input_axes` and `output_axes` are given, the fans are the products of those dims.

    Args:
        shape: the weight's shape.
        input_axes: optional list of the axes that hold input units.
        output_axes: optional list of the axes that hold output units.

    Example:
        >>> compute_fans((3, 3, 16, 32))
        (144, 288)
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return math.prod(shape[a] for a in input_axes), math.prod(shape[a] for a in output_axes)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive_field = math.prod(shape[:-2])
    return int(shape[-2] * receptive_field), int(shape[-1] * receptive_field)


class Initializer:
    """Base class of initializers: ``initializer(shape, dtype=None)`` returns a NumPy array.

    Subclasses implement `__call__` and, when they take arguments, `get_config`.

    Example:
        >>> class Twos(Initializer):
        ...     def __call__(self, shape, dtype=None):
        ...         return np.full(shape, 2.0, dtype=dtype or "float32")
        >>> Twos()((2,))
        array([2., 2.], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        """An array of `shape` and `dtype` (``floatx()`` by default)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement __call__(shape, dtype=None)."
        )

    def get_config(self):
        """The constructor arguments, as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Rebuild an initializer from the output of `get_config`."""
        return cls(**config)

    def clone(self):
        """A new initializer with the same configuration."""
        return type(self).from_config(self.get_config())


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


class GlorotNormal(_FixedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal with ``stddev = sqrt(2 / (fan_in + fan_out))``.

    Args:
        seed, input_axes, output_axes: as in `VarianceScaling`.

    Example:
        >>> GlorotNormal(seed=1)((3, 3)).shape
        (3, 3)
    """

    _settings = {"scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal"}


class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal with ``stddev = sqrt(2 / fan_in)``.

    Args:
        seed, input_axes, output_axes: as in `VarianceScaling`.

    Example:
        >>> HeNormal(seed=1)((3, 3, 2, 4)).shape
        (3, 3, 2, 4)
    """

    _settings = {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal"}


class HeUniform(_FixedVarianceScaling):
    """He uniform: ``U(-limit, limit)`` with ``limit = sqrt(6 / fan_in)``.

    Args:
        seed, input_axes, output_axes: as in `VarianceScaling`.

    Example:
        >>> bool(abs(HeUniform(seed=1)((6, 3))).max() <= 1.0)
        True
    """

    _settings = {"scale": 2.0, "mode": "fan_in", "distribution": "uniform"}


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal with ``stddev = sqrt(1 / fan_in)``.

    Args:
        seed, input_axes, output_axes: as in `VarianceScaling`.

    Example:
        >>> LecunNormal(seed=1)((4,)).shape
        (4,)
    """

    _settings = {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: ``U(-limit, limit)`` with ``limit = sqrt(3 / fan_in)``.

    Args:
        seed, input_axes, output_axes: as in `VarianceScaling`.

    Example:
        >>> bool(abs(LecunUniform(seed=1)((3, 5))).max() <= 1.0)
        True
    """

    _settings = {"scale": 1.0, "mode": "fan_in", "distribution": "uniform"}


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


class Zeros(Initializer):
    """All zeros (the default bias initializer).

    Example:
        >>> Zeros()((2,))
        array([0., 0.], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype=dtype or backend.floatx())


class Ones(Initializer):
    """All ones.

    Example:
        >>> Ones()((2,), dtype="int32")
        array([1, 1], dtype=int32)
    """

    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype=dtype or backend.floatx())


class Constant(Initializer):
    """Every value equal to the scalar `value`.

    Args:
        value: a Python scalar.

    Example:
        >>> Constant(0.5)((2,))
        array([0.5, 0.5], dtype=float32)
    """

    def __init__(self, value=0.0):
        self.value = value.item() if isinstance(value, np.generic) else value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype=dtype or backend.floatx())

    def get_config(self):
        return {"value": self.value}


class Identity(Initializer):
    """``gain`` times the identity matrix (rectangular shapes get ones on the main diagonal).

    Keras writes an empty config and so loses `gain`; nnet writes ``{"gain": gain}``, which
    Keras also reads.

    Args:
        gain: a multiplicative factor.

    Example:
        >>> Identity(gain=2.0)((2, 2))
        array([[2., 0.],
               [0., 2.]], dtype=float32)
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(
                f"Identity needs a 2-D shape. Received: shape={tuple(shape)} of rank "
                f"{len(shape)}. Use it for square or rectangular matrices only."
            )
        return _cast(self.gain * np.eye(*shape), dtype)

    def get_config(self):
        return {"gain": self.gain}


_REGISTRY = Registry("initializer", base=Initializer)
_REGISTRY.register(Initializer)
_REGISTRY.register(Zeros, "zero")
_REGISTRY.register(Ones, "one")
_REGISTRY.register(Constant)
_REGISTRY.register(Identity, "IdentityInitializer")
_REGISTRY.register(Orthogonal, "OrthogonalInitializer")
_REGISTRY.register(RandomNormal, "normal")
_REGISTRY.register(RandomUniform, "uniform")
for _cls in (TruncatedNormal, VarianceScaling, GlorotUniform, GlorotNormal, HeNormal, HeUniform,
             LecunNormal, LecunUniform):
    _REGISTRY.register(_cls)

# Keras exports the snake_case names as aliases of the classes (keras.initializers.he_normal).
zeros, ones, constant, identity, orthogonal = Zeros, Ones, Constant, Identity, Orthogonal
IdentityInitializer, OrthogonalInitializer = Identity, Orthogonal
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, glorot_uniform, glorot_normal = VarianceScaling, GlorotUniform, GlorotNormal
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform


def _from_array(array):
    """An initializer that returns `array`, cast to the requested dtype, for its own shape."""

    def initialize_fn(shape, dtype=None):
        if tuple(shape) != array.shape:
            raise ValueError(
                f"Expected shape={array.shape} for an array used as initializer. "
                f"Received: shape={tuple(shape)}. Pass an array of the weight's shape."
            )
        return _cast(array, dtype)

    return initialize_fn


def get(identifier):
    """Resolve an initializer from a name, a config dict, an array, a class or a callable.

    A string gives an instance with default arguments (``"glorot_uniform"``, ``"he_normal"``,
    ``"zeros"``, the aliases ``"normal"``, ``"uniform"``, ``"zero"``, ``"one"``, or a class name);
    a dict ``{"class_name", "config"}`` is deserialized; a NumPy array gives an initializer that
    returns it; an instance or callable passes through; None gives None.

    Args:
        identifier: the initializer identifier.

    Example:
        >>> type(get("he_normal")).__name__
        'HeNormal'
        >>> get({"class_name": "Constant", "config": {"value": 3.0}}).value
        3.0
    """
    if isinstance(identifier, (np.ndarray, np.generic)):
        return _from_array(np.asarray(identifier))
    return _REGISTRY.get(identifier, argument="initializer")


def serialize(initializer):
    """Keras's JSON form: ``{"module": "keras.initializers", "class_name", "config", ...}``.

    Args:
        initializer: an Initializer (a plain function serializes to its name).

    Example:
        >>> serialize(RandomUniform())["config"]
        {'seed': None, 'minval': -0.05, 'maxval': 0.05}
    """
    return serialize_object(initializer, "keras.initializers")


def deserialize(config, custom_objects=None):
    """Rebuild an initializer from `serialize`'s output (or a name).

    Args:
        config: a dict with ``"class_name"`` and ``"config"``, or a string name.
        custom_objects: optional dict of extra names to classes.

    Example:
        >>> deserialize(serialize(Orthogonal(gain=2.0))).gain
        2.0
    """
    if isinstance(config, str):
        return get(config)
    return _REGISTRY.deserialize(config, custom_objects)
