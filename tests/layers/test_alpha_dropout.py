"""AlphaDropout: Keras config and inference behaviour, the affine map, statistics, seeding."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet import backend
from nnet.layers.alpha_dropout import AlphaDropout

ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


def _affine(rate):
    a = ((1 - rate) * (1 + rate * ALPHA_P**2)) ** -0.5
    return a, -a * ALPHA_P * rate


@pytest.mark.parametrize("input_shape, init_kwargs", [
    ((6, 5), {"rate": 0.2}),
    ((4, 3, 5), {"rate": 0.5, "noise_shape": (None, 1, 5), "seed": 3}),
    ((4, 6), {"rate": 0.0}),
])
def test_alpha_dropout_matches_keras(input_shape, init_kwargs):
    check_layer(AlphaDropout, input_shape, init_kwargs, keras_class="AlphaDropout",
                deterministic=False)


def test_kept_and_dropped_values_follow_the_formula():
    rate = 0.3
    x = np.random.default_rng(0).standard_normal((300, 300))
    out = AlphaDropout(rate, seed=1, dtype="float64")(x, training=True).numpy()
    a, b = _affine(rate)
    dropped = np.isclose(out, a * ALPHA_P + b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out[~dropped], a * x[~dropped] + b, rtol=1e-12)
    # 9e4 Bernoulli(0.3) draws: the standard error of the dropped fraction is 0.0015.
    assert abs(dropped.mean() - rate) < 0.0075


def test_standard_inputs_keep_zero_mean_and_unit_variance():
    x = np.random.default_rng(0).standard_normal((400, 250))
    out = AlphaDropout(0.4, seed=0)(x, training=True).numpy()
    assert abs(out.mean()) < 0.01
    assert abs(out.var() - 1.0) < 0.015


def test_noise_shape_broadcasts_one_mask():
    out = AlphaDropout(0.5, noise_shape=(None, 1, 6), seed=1)(np.ones((4, 5, 6)), training=True)
    out = out.numpy()
    np.testing.assert_array_equal(out, np.broadcast_to(out[:, :1, :], out.shape))
    assert len(np.unique(out)) == 2


def test_identity_unless_training_and_seeding():
    x = np.random.default_rng(0).standard_normal((10, 10)).astype("float32")
    np.testing.assert_array_equal(AlphaDropout(0.5)(x).numpy(), x)
    np.testing.assert_array_equal(AlphaDropout(0.0)(x, training=True).numpy(), x)
    a, b = AlphaDropout(0.5, seed=7), AlphaDropout(0.5, seed=7)
    first = a(x, training=True).numpy()
    np.testing.assert_array_equal(first, b(x, training=True).numpy())
    assert not np.array_equal(first, a(x, training=True).numpy())
    # Unseeded, the layer's SeedGenerator is seeded from the global generator when it is made.
    backend.seed_rng(5)
    drawn = AlphaDropout(0.5)(x, training=True).numpy()
    backend.seed_rng(5)
    np.testing.assert_array_equal(drawn, AlphaDropout(0.5)(x, training=True).numpy())


@pytest.mark.parametrize("rate", [1, 1.0, 1.5, -0.2, "0.5"])
def test_bad_rate_is_refused(rate):
    with pytest.raises(ValueError, match=f"rate={rate!r}"):
        AlphaDropout(rate)


def test_bad_noise_shape_is_refused():
    with pytest.raises(ValueError, match="noise_shape="):
        AlphaDropout(0.5, noise_shape=(0, 2))
