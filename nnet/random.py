"""nnet.random: Keras 3's `keras.random`, the samplers and `SeedGenerator`, on NumPy's generators.

Every sampler takes a `seed`:

- ``None`` draws from the global generator `nnet.backend.rng()`, which
  `nnet.utils.set_random_seed` re-seeds, so a whole run repeats;
- an integer gives the same values on every call (a fresh generator seeded with it, as Keras);
- a `SeedGenerator` advances with each draw, so successive calls differ while two
  SeedGenerators built with the same seed give the same sequence.

Results are `nnet.Tensor`s in `floatx()` unless a `dtype` is given. `dropout` and `shuffle` are
differentiable with respect to their input.

Example:
    >>> import nnet as keras
    >>> keras.random.normal((2, 3), seed=1).shape
    (2, 3)
    >>> bool((keras.random.uniform((4,), seed=7).numpy() == keras.random.uniform((4,), seed=7)
    ...       .numpy()).all())
    True
"""

import numbers
import operator

import numpy as np

from nnet import backend, ops
from nnet.autodiff import Tensor


class SeedGenerator:
    """A stateful seed: each draw that uses it advances it, so successive draws differ.

    Two SeedGenerators built with the same integer seed give the same sequence of draws. With
    ``seed=None`` the seed is drawn from the global generator `nnet.backend.rng()`, so
    `nnet.utils.set_random_seed` makes it reproducible too.

    Args:
        seed: a non-negative integer, or None for a seed drawn from `nnet.backend.rng()`.
        name: a name for the generator (kept in its config, as Keras does).

    Attributes:
        generator: the `numpy.random.Generator` the draws come from; its
            ``bit_generator.state`` is the SeedGenerator's state (what `BackupAndRestore`
            saves). In a data-parallel job each rank draws from its own stream of the seed
            (`jump_for_process`).

    Example:
        >>> import nnet
        >>> a, b = nnet.random.SeedGenerator(42), nnet.random.SeedGenerator(42)
        >>> first, second = nnet.random.normal((3,), seed=a), nnet.random.normal((3,), seed=a)
        >>> bool((first.numpy() == second.numpy()).all())
        False
        >>> bool((first.numpy() == nnet.random.normal((3,), seed=b).numpy()).all())
        True
    """

    def __init__(self, seed=None, name=None):
        self._initial_seed = None if seed is None else _check_seed(seed, "SeedGenerator")
        if seed is None:
            # Keras draws the default seed from an RNG that `set_random_seed` seeds; so does nnet.
            seed = int(backend.rng().integers(1, 10**9, endpoint=True))
        self.name = "seed_generator" if name is None else name
        self.generator = np.random.default_rng(seed)
        jump_for_process(self.generator)

    def get_config(self):
        """The arguments that rebuild this SeedGenerator in its initial state."""
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        """A new SeedGenerator from the output of `get_config`."""
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator name={self.name}, seed={self._initial_seed}>"


def jump_for_process(generator):
    """Move `generator` on to this process's own stream in a data-parallel job: rank r jumps
    r times 2^127 draws ahead (``PCG64.jumped``), so the ranks' dropout masks and noise differ
    while all derive from one seed. Nothing changes in a single process (rank 0).

    Example:
        >>> import numpy as np
        >>> generator = np.random.default_rng(0)
        >>> jump_for_process(generator)
        >>> generator.random() == np.random.default_rng(0).random()
        True
    """
    rank = backend.process_id()
    if rank:
        bit_generator = generator.bit_generator
        bit_generator.state = bit_generator.jumped(rank).state


def _check_seed(seed, where):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(
            f"Expected None, a non-negative integer or a nnet.random.SeedGenerator for the seed "
            f"of {where}. Received: seed={seed!r} (of type {type(seed).__name__})"
        )
    return int(seed)


def _generator(seed, where):
    """The NumPy generator that a draw with this `seed` argument uses."""
    if seed is None:
        return backend.rng()
    if isinstance(seed, SeedGenerator):
        return seed.generator
    # A fresh generator per call: an integer seed gives the same values every call.
    return np.random.default_rng(_check_seed(seed, where))


def _dtype(dtype, kinds, where, default):
    """`dtype` (or `default`) as a NumPy dtype of one of `kinds` ("f", "iu"); else ValueError."""
    try:
        result = np.dtype(default if dtype is None else dtype)
    except TypeError:
        result = None
    if result is None or result.kind not in kinds:
        wanted = "a float dtype such as 'float32'" if kinds == "f" else (
            "an integer dtype such as 'int32'" if kinds == "iu" else "a numeric dtype")
        raise ValueError(f"nnet.random.{where} expects {wanted}. Received: dtype={dtype!r}")
    return result


def _shape(shape, where):
    """`shape` as a tuple of non-negative ints (an int is a 1-D shape); else ValueError."""
    dims = (shape,) if isinstance(shape, numbers.Integral) else shape
    try:
        dims = tuple(operator.index(d) for d in dims)
    except TypeError:
        dims = None
    if dims is None or isinstance(shape, bool) or any(d < 0 for d in dims):
        raise ValueError(
            f"nnet.random.{where} expects a tuple of non-negative integers for shape. "
            f"Received: shape={shape!r}"
        )
    return dims


def _check(condition, where, message, **values):
    """Raise ValueError naming `values` (``name=value``) unless `condition`."""
    if not condition:
        received = ", ".join(f"{k}={v!r}" for k, v in values.items())
        raise ValueError(f"nnet.random.{where} {message}. Received: {received}")


def _result(values, dtype):
    return Tensor(backend.asarray(values, dtype=dtype))


def _array(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of the normal distribution ``N(mean, stddev^2)``: ``mean + stddev * z``.

    Args:
        shape: the shape of the result.
        mean: the mean of the distribution.
        stddev: its standard deviation, ``>= 0``.
        dtype: a float dtype; `floatx()` by default.
        seed: None (the global generator), an integer (the same values every call) or a
            `SeedGenerator` (advances with each call).

    Returns:
        A Tensor of `shape`.

    Example:
        >>> import nnet
        >>> x = nnet.random.normal((10000,), mean=2.0, stddev=0.5, seed=0).numpy()
        >>> round(float(x.mean()), 1), round(float(x.std()), 1)
        (2.0, 0.5)
    """
    shape, dtype = _shape(shape, "normal"), _dtype(dtype, "f", "normal", backend.floatx())
    _check(np.all(np.asarray(stddev) >= 0), "normal", "expects stddev >= 0", stddev=stddev)
    z = _generator(seed, "nnet.random.normal").standard_normal(shape)
    return _result(mean + stddev * z, dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples of the uniform distribution on ``[minval, maxval)``.

    Args:
        shape: the shape of the result.
        minval: the lower bound (included).
        maxval: the upper bound (excluded), ``> minval``.
        dtype: a float dtype; `floatx()` by default.
        seed: None, an integer or a `SeedGenerator` (see `normal`).

    Returns:
        A Tensor of `shape`.

    Example:
        >>> import nnet
        >>> x = nnet.random.uniform((1000,), minval=-1.0, maxval=1.0, seed=0).numpy()
        >>> bool(x.min() >= -1.0 and x.max() < 1.0)
        True
    """
    shape, dtype = _shape(shape, "uniform"), _dtype(dtype, "f", "uniform", backend.floatx())
    _check(np.all(np.asarray(minval) < np.asarray(maxval)), "uniform",
           "expects minval < maxval", minval=minval, maxval=maxval)
    values = _generator(seed, "nnet.random.uniform").uniform(minval, maxval, size=shape)
    return _result(values, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of ``N(mean, stddev^2)`` with every value beyond 2 stddev from the mean redrawn.

    Args:
        shape: the shape of the result.
        mean: the mean of the untruncated distribution.
        stddev: its standard deviation, ``>= 0`` (the result's is about ``0.88 * stddev``).
        dtype: a float dtype; `floatx()` by default.
        seed: None, an integer or a `SeedGenerator` (see `normal`).

    Returns:
        A Tensor of `shape`, every value within ``[mean - 2 stddev, mean + 2 stddev]``.

    Example:
        >>> import nnet
        >>> x = nnet.random.truncated_normal((1000,), stddev=3.0, seed=0).numpy()
        >>> bool(abs(x).max() <= 6.0)
        True
    """
    where = "truncated_normal"
    shape, dtype = _shape(shape, where), _dtype(dtype, "f", where, backend.floatx())
    _check(np.all(np.asarray(stddev) >= 0), where, "expects stddev >= 0", stddev=stddev)
    rng = _generator(seed, "nnet.random.truncated_normal")
    z = rng.standard_normal(shape)
    outside = np.abs(z) > 2
    while outside.any():
        z[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(z) > 2
    return _result(mean + stddev * z, dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from ``[minval, maxval)``.

    Args:
        shape: the shape of the result.
        minval: the lower bound (included).
        maxval: the upper bound (excluded), ``> minval``.
        dtype: an integer dtype, ``"int32"`` by default.
        seed: None, an integer or a `SeedGenerator` (see `normal`).

    Returns:
        An integer Tensor of `shape`.

    Example:
        >>> import nnet
        >>> x = nnet.random.randint((1000,), 3, 7, seed=0).numpy()
        >>> sorted(set(x.tolist())), x.dtype
        ([3, 4, 5, 6], dtype('int32'))
    """
    shape, dtype = _shape(shape, "randint"), _dtype(dtype, "iu", "randint", "int32")
    _check(np.all(np.asarray(minval) < np.asarray(maxval)), "randint",
           "expects minval < maxval", minval=minval, maxval=maxval)
    rng = _generator(seed, "nnet.random.randint")
    return Tensor(backend.asarray(rng.integers(minval, maxval, size=shape, dtype=dtype)))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Class indices drawn from the categorical distributions ``softmax(logits)``, one per row.

    Args:
        logits: a 2-D array ``(batch_size, num_classes)`` of unnormalized log-probabilities;
            ``-inf`` gives a class probability 0.
        num_samples: the number of independent draws per row.
        dtype: an integer dtype, ``"int32"`` by default.
        seed: None, an integer or a `SeedGenerator` (see `normal`).

    Returns:
        An integer Tensor ``(batch_size, num_samples)``.

    Example:
        >>> import numpy as np, nnet
        >>> logits = np.array([[0.0, np.log(4.0)], [0.0, -np.inf]])  # p = [.2, .8] and [1, 0]
        >>> x = nnet.random.categorical(logits, 10000, seed=0).numpy()
        >>> x.mean(axis=1).round(1)
        array([0.8, 0. ])
    """
    where = "categorical"
    dtype = _dtype(dtype, "iu", where, "int32")
    logits = np.asarray(_array(logits), dtype=np.float64)
    _check(logits.ndim == 2 and logits.shape[-1] > 0, where,
           "expects 2-D logits of shape (batch_size, num_classes)", logits=logits)
    _check(isinstance(num_samples, numbers.Integral) and not isinstance(num_samples, bool)
           and num_samples >= 0, where, "expects a non-negative integer for num_samples",
           num_samples=num_samples)
    # Subtracting each row's max keeps exp finite; a row needs a finite max to be a distribution.
    row_max = logits.max(axis=1, keepdims=True)
    _check(np.isfinite(row_max).all(), where,
           "expects logits without NaN or +inf, and a finite value in every row", logits=logits)
    cdf = np.cumsum(np.exp(logits - row_max), axis=1)
    u = _generator(seed, "nnet.random.categorical").random((len(logits), num_samples))
    u *= cdf[:, -1:]
    samples = np.empty(u.shape, dtype=np.int64)
    for row in range(len(logits)):
        samples[row] = np.searchsorted(cdf[row], u[row], side="right")
    # Rounding in u * total can land on the total: fall back to the last class that is possible.
    last_possible = logits.shape[1] - 1 - np.argmax(np.isfinite(logits[:, ::-1]), axis=1)
    return Tensor(backend.asarray(np.minimum(samples, last_possible[:, None]), dtype=dtype))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero a fraction `rate` of `inputs` at random and scale the rest by ``1 / (1 - rate)``.

    The keep mask ``m ~ Bernoulli(1 - rate)`` has shape `noise_shape` (broadcast against the
    inputs); the result ``inputs * m / (1 - rate)`` has the inputs' expectation and is
    differentiable with respect to `inputs`.

    Args:
        inputs: a Tensor or array.
        rate: the fraction to drop, in ``[0, 1]`` (1 zeroes everything).
        noise_shape: the mask's shape, one entry per axis of `inputs`, each the input's size, 1
            (the same mask along that axis) or None (the input's size). None: the inputs' shape.
        seed: None, an integer or a `SeedGenerator` (see `normal`).

    Returns:
        A Tensor of the inputs' shape and dtype.

    Example:
        >>> import numpy as np, nnet
        >>> out = nnet.random.dropout(np.ones((2, 4), "float32"), 0.5, seed=0).numpy()
        >>> sorted(set(out.ravel().tolist()))
        [0.0, 2.0]
    """
    _check(not isinstance(rate, bool) and isinstance(rate, numbers.Real) and 0 <= rate <= 1,
           "dropout", "expects a float between 0 and 1 for rate (the fraction to drop)",
           rate=rate)
    x = inputs if isinstance(inputs, Tensor) else Tensor(np.asarray(inputs))
    if rate == 0:
        return x
    shape = x.shape
    if noise_shape is not None:
        noise_shape = tuple(noise_shape)
        if len(noise_shape) != len(shape) or not all(
                m is None or m in (1, n) for m, n in zip(noise_shape, shape)):
            raise ValueError(
                "nnet.random.dropout expects noise_shape to have one entry per axis of inputs, "
                "each None (the input's size), 1 or the input's size. Received: "
                f"noise_shape={noise_shape} for inputs of shape {shape}"
            )
        shape = tuple(n if m is None else m for m, n in zip(noise_shape, shape))
    keep = _generator(seed, "nnet.random.dropout").random(shape) >= rate
    scale = 0.0 if rate == 1 else 1.0 / (1.0 - rate)
    mask_dtype = x.dtype if np.dtype(x.dtype).kind == "f" else backend.floatx()
    return ops.multiply(x, backend.asarray(keep, dtype=mask_dtype) * scale)


def shuffle(x, axis=0, seed=None):
    """Permute `x` at random along `axis`: the slices along it are reordered, each kept whole.

    Differentiable with respect to `x` (the gradient is permuted back).

    Args:
        x: a Tensor or array with at least one axis.
        axis: the axis to shuffle along.
        seed: None, an integer or a `SeedGenerator` (see `normal`).

    Returns:
        A Tensor of the shape and dtype of `x`.

    Example:
        >>> import numpy as np, nnet
        >>> x = np.arange(6).reshape(3, 2)
        >>> out = nnet.random.shuffle(x, seed=0).numpy()
        >>> sorted(out.tolist()) == x.tolist()
        True
    """
    x = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    _check(isinstance(axis, numbers.Integral) and not isinstance(axis, bool)
           and -x.ndim <= axis < x.ndim, "shuffle",
           f"expects an axis of x, which has shape {x.shape}", axis=axis)
    order = _generator(seed, "nnet.random.shuffle").permutation(x.shape[axis])
    return ops.take(x, order, axis=axis)


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples of the Gamma distribution with concentration `alpha` and scale 1.

    Args:
        shape: the shape of the result.
        alpha: the concentration, ``> 0`` (the mean and the variance are both `alpha`).
        dtype: a float dtype; `floatx()` by default.
        seed: None, an integer or a `SeedGenerator` (see `normal`).

    Returns:
        A Tensor of `shape`.

    Example:
        >>> import nnet
        >>> x = nnet.random.gamma((10000,), alpha=3.0, seed=0).numpy()
        >>> round(float(x.mean()))
        3
    """
    shape, dtype = _shape(shape, "gamma"), _dtype(dtype, "f", "gamma", backend.floatx())
    _check(np.all(np.asarray(alpha) > 0), "gamma", "expects alpha > 0", alpha=alpha)
    return _result(_generator(seed, "nnet.random.gamma").gamma(alpha, 1.0, size=shape), dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples of the Binomial distribution: successes in `counts` trials of chance
    `probabilities`.

    Args:
        shape: the shape of the result.
        counts: the number of trials (``>= 0``), broadcastable with `probabilities` and `shape`.
        probabilities: the chance of success of each trial, in ``[0, 1]``.
        dtype: a numeric dtype; `floatx()` by default.
        seed: None, an integer or a `SeedGenerator` (see `normal`).

    Returns:
        A Tensor of `shape`.

    Example:
        >>> import nnet
        >>> x = nnet.random.binomial((10000,), counts=10, probabilities=0.3, seed=0).numpy()
        >>> round(float(x.mean()))
        3
    """
    shape = _shape(shape, "binomial")
    dtype = _dtype(dtype, "fiu", "binomial", backend.floatx())
    _check(np.all(np.asarray(counts) >= 0), "binomial", "expects counts >= 0", counts=counts)
    p = np.asarray(probabilities)
    _check(np.all((p >= 0) & (p <= 1)), "binomial", "expects probabilities in [0, 1]",
           probabilities=probabilities)
    rng = _generator(seed, "nnet.random.binomial")
    return _result(rng.binomial(counts, probabilities, size=shape), dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples of the Beta distribution with parameters `alpha` and `beta`, on ``[0, 1]``.

    Args:
        shape: the shape of the result.
        alpha: the first parameter, ``> 0``, broadcastable with `beta` and `shape`.
        beta: the second parameter, ``> 0``; the mean is ``alpha / (alpha + beta)``.
        dtype: a float dtype; `floatx()` by default.
        seed: None, an integer or a `SeedGenerator` (see `normal`).

    Returns:
        A Tensor of `shape`.

    Example:
        >>> import nnet
        >>> x = nnet.random.beta((10000,), alpha=2.0, beta=6.0, seed=0).numpy()
        >>> round(float(x.mean()), 2)
        0.25
    """
    shape, dtype = _shape(shape, "beta"), _dtype(dtype, "f", "beta", backend.floatx())
    _check(np.all(np.asarray(alpha) > 0), "beta", "expects alpha > 0", alpha=alpha)
    _check(np.all(np.asarray(beta) > 0), "beta", "expects beta > 0", beta=beta)
    return _result(_generator(seed, "nnet.random.beta").beta(alpha, beta, size=shape), dtype)


__all__ = [
    "SeedGenerator", "normal", "uniform", "truncated_normal", "randint", "categorical",
    "dropout", "shuffle", "gamma", "binomial", "beta",
]
