"""nnet.random: shapes and dtypes, the seeding rules, distribution statistics (also against
Keras 3's own samplers), dropout and shuffle with their gradients, and errors."""

import math
import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest

import nnet
from nnet import backend, random
from nnet.autodiff import Tensor, check_grad

N = 200_000
# Each statistical check allows 6 standard errors: a correct sampler fails one with probability
# about 2e-9, while a wrong mean or variance of the size these checks target fails it for sure.
SIGMAS = 6
TRUNCATED_STD = 0.87962566103423978  # the std of N(0, 1) truncated to [-2, 2]


@pytest.fixture
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


@pytest.fixture
def float64_default():
    backend.set_floatx("float64")
    yield
    backend.set_floatx("float32")


def _to_numpy(x):
    """A result of nnet or of Keras (a torch tensor) as a NumPy array."""
    if isinstance(x, Tensor):
        return x.numpy()
    return np.asarray(x.detach().cpu()) if hasattr(x, "detach") else np.asarray(x)


def _mean_and_var_errors(x):
    """The sample mean and variance of `x` with their standard errors."""
    x = np.asarray(x, dtype=np.float64).ravel()
    n, mean, var = x.size, x.mean(), x.var()
    fourth = ((x - mean) ** 4).mean()
    return mean, math.sqrt(var / n), var, math.sqrt(max(fourth - var**2, 0.0) / n)


def assert_moments(x, mean, var):
    """The sample mean and variance of `x` are within SIGMAS standard errors of `mean`, `var`."""
    m, se_m, v, se_v = _mean_and_var_errors(x)
    assert abs(m - mean) < SIGMAS * se_m, (m, mean, se_m)
    assert abs(v - var) < SIGMAS * se_v, (v, var, se_v)


def assert_same_moments(a, b):
    """Two samples whose means and variances agree within SIGMAS combined standard errors."""
    ma, se_ma, va, se_va = _mean_and_var_errors(a)
    mb, se_mb, vb, se_vb = _mean_and_var_errors(b)
    assert abs(ma - mb) < SIGMAS * math.hypot(se_ma, se_mb), (ma, mb)
    assert abs(va - vb) < SIGMAS * math.hypot(se_va, se_vb), (va, vb)


# (name, nnet draw of shape (N,), the same draw in Keras, true mean, true variance)
SAMPLERS = [
    ("normal", lambda r, s: r.normal((N,), mean=2.0, stddev=0.5, seed=s), 2.0, 0.25),
    ("uniform", lambda r, s: r.uniform((N,), minval=-1.0, maxval=3.0, seed=s), 1.0, 16 / 12),
    ("truncated_normal", lambda r, s: r.truncated_normal((N,), mean=1.0, stddev=2.0, seed=s),
     1.0, (2.0 * TRUNCATED_STD) ** 2),
    ("randint", lambda r, s: r.randint((N,), 0, 10, seed=s), 4.5, (10**2 - 1) / 12),
    ("gamma", lambda r, s: r.gamma((N,), alpha=2.5, seed=s), 2.5, 2.5),
    ("binomial", lambda r, s: r.binomial((N,), counts=10, probabilities=0.3, seed=s), 3.0, 2.1),
    ("beta", lambda r, s: r.beta((N,), alpha=2.0, beta=5.0, seed=s), 2 / 7, 10 / (49 * 8)),
]
SAMPLER_IDS = [row[0] for row in SAMPLERS]


@pytest.mark.parametrize("name, draw, mean, var", SAMPLERS, ids=SAMPLER_IDS)
def test_sample_moments_match_the_distribution(name, draw, mean, var):
    assert_moments(draw(random, 0).numpy(), mean, var)


@pytest.mark.parametrize("name, draw, mean, var", SAMPLERS, ids=SAMPLER_IDS)
def test_sample_moments_match_keras(keras, name, draw, mean, var):
    assert_same_moments(draw(random, 1).numpy(), _to_numpy(draw(keras.random, 1)))


def test_truncated_normal_stays_within_two_stddev_of_the_mean():
    x = random.truncated_normal((N,), mean=-3.0, stddev=0.5, seed=2).numpy()
    assert x.min() >= -4.0 and x.max() <= -2.0
    # Values near the bounds do occur: the truncation is at 2 stddev, not narrower.
    assert x.min() < -3.95 and x.max() > -2.05


def test_uniform_and_randint_stay_in_their_half_open_range():
    x = random.uniform((N,), minval=2.0, maxval=2.5, dtype="float64", seed=0).numpy()
    assert x.min() >= 2.0 and x.max() < 2.5
    k = random.randint((N,), -2, 3, seed=0).numpy()
    assert sorted(np.unique(k).tolist()) == [-2, -1, 0, 1, 2]


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


LOGITS = np.array([[1.0, 2.0, 3.0, -np.inf], [0.0, 0.0, 0.0, 0.0], [-50.0, 0.0, 50.0, 49.0]])


def _frequencies(samples, num_classes):
    samples = np.asarray(samples)
    return np.stack([np.bincount(row, minlength=num_classes) / len(row) for row in samples])


def test_categorical_frequencies_match_softmax_of_the_logits():
    samples = random.categorical(LOGITS, N, seed=0)
    assert samples.shape == (3, N) and samples.dtype == np.int32
    p = _softmax(LOGITS)
    freq = _frequencies(samples.numpy(), 4)
    assert (np.abs(freq - p) < SIGMAS * np.sqrt(p * (1 - p) / N) + 1e-12).all()
    # Impossible classes never come out, however many draws.
    assert freq[0, 3] == 0 and freq[2, 0] == 0


def test_categorical_frequencies_match_keras(keras):
    logits = LOGITS[:2]
    ours = _frequencies(random.categorical(logits, N, seed=1).numpy(), 4)
    theirs = _frequencies(_to_numpy(keras.random.categorical(logits, N, seed=1)), 4)
    p = _softmax(logits)
    assert (np.abs(ours - theirs) < SIGMAS * np.sqrt(2 * p * (1 - p) / N) + 1e-12).all()


@pytest.mark.parametrize("call", [
    lambda s: random.normal((3, 4), seed=s),
    lambda s: random.uniform((3, 4), seed=s),
    lambda s: random.truncated_normal((3, 4), seed=s),
    lambda s: random.randint((3, 4), 0, 5, seed=s),
    lambda s: random.gamma((3, 4), 1.5, seed=s),
    lambda s: random.binomial((3, 4), 5, 0.5, seed=s),
    lambda s: random.beta((3, 4), 1.5, 2.0, seed=s),
    lambda s: random.categorical(np.zeros((3, 6)), 4, seed=s),
    lambda s: random.dropout(np.ones((3, 4)), 0.5, seed=s),
    lambda s: random.shuffle(np.arange(12.0).reshape(3, 4), axis=1, seed=s),
])
def test_seeding_rules(call):
    # An integer seed: the same values on every call, as in Keras.
    first = call(7).numpy()
    np.testing.assert_array_equal(first, call(7).numpy())
    # A SeedGenerator advances: two draws differ; another one with the same seed repeats them.
    generator, twin = random.SeedGenerator(7), random.SeedGenerator(7)
    a, b = call(generator).numpy(), call(generator).numpy()
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, call(twin).numpy())
    np.testing.assert_array_equal(b, call(twin).numpy())
    # The integer seed gives the SeedGenerator's first draw.
    np.testing.assert_array_equal(first, a)
    # None: the global generator, which set_random_seed re-seeds.
    nnet.utils.set_random_seed(3)
    c, d = call(None).numpy(), call(None).numpy()
    assert not np.array_equal(c, d)
    nnet.utils.set_random_seed(3)
    np.testing.assert_array_equal(c, call(None).numpy())


def test_different_seeds_give_different_values():
    assert not np.array_equal(random.normal((10,), seed=1).numpy(),
                              random.normal((10,), seed=2).numpy())
    a, b = random.SeedGenerator(1), random.SeedGenerator(2)
    assert not np.array_equal(random.normal((10,), seed=a).numpy(),
                              random.normal((10,), seed=b).numpy())


def test_unseeded_seed_generator_follows_set_random_seed_and_config_round_trips():
    nnet.utils.set_random_seed(5)
    a = random.SeedGenerator()
    nnet.utils.set_random_seed(5)
    b = random.SeedGenerator()
    np.testing.assert_array_equal(random.uniform((5,), seed=a).numpy(),
                                  random.uniform((5,), seed=b).numpy())
    assert a.get_config() == {"seed": None, "name": "seed_generator"}
    seeded = random.SeedGenerator(11, name="noise")
    assert seeded.get_config() == {"seed": 11, "name": "noise"}
    rebuilt = random.SeedGenerator.from_config(seeded.get_config())
    np.testing.assert_array_equal(random.normal((4,), seed=seeded).numpy(),
                                  random.normal((4,), seed=rebuilt).numpy())


def test_seed_generator_config_matches_keras(keras):
    assert random.SeedGenerator(4, name="g").get_config() == \
        keras.random.SeedGenerator(4, name="g").get_config()


@pytest.mark.parametrize("fn", [random.normal, random.uniform, random.truncated_normal,
                                lambda shape, **kw: random.gamma(shape, 2.0, **kw),
                                lambda shape, **kw: random.beta(shape, 2.0, 3.0, **kw),
                                lambda shape, **kw: random.binomial(shape, 4, 0.5, **kw)])
def test_float_samplers_default_to_floatx_and_take_a_dtype(fn, float64_default):
    x = fn((2, 3), seed=0)
    assert isinstance(x, nnet.Tensor) and x.shape == (2, 3) and x.dtype == np.float64
    backend.set_floatx("float32")
    assert fn((4,), seed=0).dtype == np.float32
    assert fn((4,), dtype="float16", seed=0).dtype == np.float16
    assert fn((), seed=0).shape == ()
    assert fn(5, seed=0).shape == (5,)


def test_integer_samplers_default_to_int32_and_take_a_dtype():
    assert random.randint((2, 3), 0, 4, seed=0).dtype == np.int32
    assert random.randint((2, 3), 0, 4, dtype="int64", seed=0).dtype == np.int64
    assert random.randint((2, 3), 0, 4, dtype="uint8", seed=0).dtype == np.uint8
    assert random.categorical(np.zeros((2, 3)), 5, dtype="int64", seed=0).dtype == np.int64
    assert random.binomial((3,), 4, 0.5, dtype="int32", seed=0).dtype == np.int32


def test_samplers_are_reachable_the_keras_way():
    import nnet as keras_like

    assert keras_like.random.normal is random.normal
    assert keras_like.random.SeedGenerator is random.SeedGenerator


def test_dropout_scales_the_kept_entries_and_drops_the_right_fraction():
    x = np.random.default_rng(0).uniform(1, 2, size=(400, 500)).astype("float32")
    out = random.dropout(x, 0.3, seed=0)
    assert isinstance(out, nnet.Tensor) and out.dtype == np.float32 and out.shape == x.shape
    out = out.numpy()
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / 0.7, rtol=1e-6)
    assert abs((~kept).mean() - 0.3) < SIGMAS * math.sqrt(0.3 * 0.7 / x.size)


def test_dropout_fraction_and_scale_match_keras(keras):
    import torch

    ours = random.dropout(np.ones(N, "float32"), 0.4, seed=0).numpy()
    theirs = _to_numpy(keras.random.dropout(torch.ones(N), 0.4, seed=0))
    np.testing.assert_allclose(np.unique(ours), np.unique(theirs), rtol=1e-6)
    assert abs((ours == 0).mean() - (theirs == 0).mean()) < SIGMAS * math.sqrt(2 * 0.24 / N)


def test_dropout_edge_rates_and_noise_shape():
    x = np.arange(1.0, 25.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(random.dropout(x, 0.0, seed=0).numpy(), x)
    np.testing.assert_array_equal(random.dropout(x, 1.0, seed=0).numpy(), np.zeros_like(x))
    out = random.dropout(np.ones((50, 6, 40)), 0.5, noise_shape=(None, 1, 40), seed=0).numpy()
    # One mask per (batch, feature), shared along the middle axis.
    np.testing.assert_array_equal(out, np.broadcast_to(out[:, :1, :], out.shape))
    assert 0 < (out == 0).mean() < 1


@pytest.mark.parametrize("noise_shape", [None, (1, 4), (3, None)])
def test_dropout_gradient(noise_shape):
    x = np.random.default_rng(1).standard_normal((3, 4))
    check_grad(lambda t: random.dropout(t, 0.4, noise_shape=noise_shape, seed=3), x)
    # The gradient is the mask scaled by 1 / (1 - rate).
    t = nnet.Variable(x, dtype="float64")
    out = random.dropout(t, 0.4, noise_shape=noise_shape, seed=3)
    nnet.backward(nnet.ops.sum(out))
    np.testing.assert_allclose(t.grad, (out.numpy() != 0) / 0.6)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_shuffle_permutes_whole_slices_along_the_axis(axis):
    x = np.arange(60.0).reshape(3, 4, 5)
    out = random.shuffle(x, axis=axis, seed=0).numpy()
    moved = np.moveaxis(x, axis, 0)
    order = [int(np.flatnonzero((moved == s).all(axis=tuple(range(1, x.ndim))))[0])
             for s in np.moveaxis(out, axis, 0)]
    assert sorted(order) == list(range(x.shape[axis]))
    np.testing.assert_array_equal(np.moveaxis(out, axis, 0), moved[order])


def test_shuffle_keeps_rows_whole_as_keras_does(keras):
    x = np.arange(20).reshape(10, 2)
    for out in (random.shuffle(x, seed=0).numpy(), _to_numpy(keras.random.shuffle(x, seed=0))):
        assert sorted(map(tuple, out.tolist())) == sorted(map(tuple, x.tolist()))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_shuffle_gradient(axis):
    check_grad(lambda t: random.shuffle(t, axis=axis, seed=4) * np.arange(1.0, 6.0),
               np.random.default_rng(2).standard_normal((4, 5)))


def test_a_seed_generator_keeps_its_stream_across_samplers():
    generator = random.SeedGenerator(3)
    random.normal((2,), seed=generator)
    after_normal = random.uniform((3,), seed=generator).numpy()
    twin = random.SeedGenerator(3)
    random.normal((2,), seed=twin)
    np.testing.assert_array_equal(after_normal, random.uniform((3,), seed=twin).numpy())


@pytest.mark.parametrize("call, match", [
    (lambda: random.dropout(np.ones(3), 1.5), "rate=1.5"),
    (lambda: random.dropout(np.ones(3), -0.1), r"rate=-0\.1"),
    (lambda: random.dropout(np.ones(3), "0.5"), "rate='0.5'"),
    (lambda: random.dropout(np.ones((2, 3)), 0.5, noise_shape=(2,)),
     r"noise_shape=\(2,\) for inputs of shape \(2, 3\)"),
    (lambda: random.dropout(np.ones((2, 3)), 0.5, noise_shape=(2, 2)), r"noise_shape=\(2, 2\)"),
    (lambda: random.normal((2,), stddev=-1.0), r"stddev=-1\.0"),
    (lambda: random.truncated_normal((2,), stddev=-0.5), r"stddev=-0\.5"),
    (lambda: random.uniform((2,), minval=1.0, maxval=0.0), r"minval=1\.0, maxval=0\.0"),
    (lambda: random.uniform((2,), minval=1.0, maxval=1.0), r"minval=1\.0, maxval=1\.0"),
    (lambda: random.uniform((2,), dtype="int32"), "dtype='int32'"),
    (lambda: random.normal((2,), dtype="not_a_dtype"), "dtype='not_a_dtype'"),
    (lambda: random.randint((2,), 3, 3), "minval=3, maxval=3"),
    (lambda: random.randint((2,), 0, 3, dtype="float32"), "dtype='float32'"),
    (lambda: random.normal((2, -1)), r"shape=\(2, -1\)"),
    (lambda: random.normal((2.5,)), r"shape=\(2\.5,\)"),
    (lambda: random.normal((2,), seed=1.5), r"seed=1\.5 \(of type float\)"),
    (lambda: random.normal((2,), seed=-1), "seed=-1"),
    (lambda: random.normal((2,), seed="a"), "seed='a'"),
    (lambda: random.SeedGenerator(2.0), r"seed=2\.0"),
    (lambda: random.categorical(np.zeros(3), 2), "logits="),
    (lambda: random.categorical(np.zeros((2, 0)), 2), "logits="),
    (lambda: random.categorical(np.zeros((2, 3)), -1), "num_samples=-1"),
    (lambda: random.categorical(np.array([[0.0, np.nan]]), 2), "NaN"),
    (lambda: random.categorical(np.array([[-np.inf, -np.inf]]), 2), "logits="),
    (lambda: random.shuffle(np.ones((2, 3)), axis=2), r"axis=2.*\(2, 3\)|\(2, 3\).*axis=2"),
    (lambda: random.shuffle(np.float64(1.0)), "axis=0"),
    (lambda: random.gamma((2,), 0.0), r"alpha=0\.0"),
    (lambda: random.binomial((2,), 4, 1.5), r"probabilities=1\.5"),
    (lambda: random.binomial((2,), -1, 0.5), "counts=-1"),
    (lambda: random.beta((2,), 1.0, 0.0), r"beta=0\.0"),
    (lambda: random.beta((2,), -1.0, 1.0), r"alpha=-1\.0"),
])
def test_bad_arguments_are_named_and_echoed(call, match):
    with pytest.raises(ValueError, match=match):
        call()
