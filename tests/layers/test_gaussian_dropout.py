"""GaussianDropout: Keras config and inference behaviour, noise statistics, seeding, errors."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet import backend, ops
from nnet.autodiff import Tensor, backward
from nnet.layers.gaussian_dropout import GaussianDropout


@pytest.mark.parametrize("init_kwargs", [{"rate": 0.3}, {"rate": 0.6, "seed": 4}, {"rate": 0.0}])
def test_gaussian_dropout_matches_keras(init_kwargs):
    check_layer(GaussianDropout, (5, 4), init_kwargs, keras_class="GaussianDropout",
                deterministic=False)


def test_multiplicative_noise_statistics():
    x = np.full((200, 500), 2.0, dtype="float32")
    factor = GaussianDropout(0.2, seed=0)(x, training=True).numpy() / x
    # N(1, 0.25): over 1e5 draws the standard errors of the mean and std are 0.0016 and 0.0011.
    assert abs(factor.mean() - 1.0) < 0.008
    assert abs(factor.std() - np.sqrt(0.2 / 0.8)) < 0.0056


def test_identity_unless_training():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    layer = GaussianDropout(0.5)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    np.testing.assert_array_equal(GaussianDropout(0.0)(x, training=True).numpy(), x)


def test_seeding():
    x = np.ones((10, 10))
    a, b = GaussianDropout(0.5, seed=7), GaussianDropout(0.5, seed=7)
    first = a(x, training=True).numpy()
    np.testing.assert_array_equal(first, b(x, training=True).numpy())
    assert not np.array_equal(first, a(x, training=True).numpy())
    # Unseeded, the layer's SeedGenerator is seeded from the global generator when it is made.
    backend.seed_rng(3)
    drawn = GaussianDropout(0.5)(x, training=True).numpy()
    backend.seed_rng(3)
    np.testing.assert_array_equal(drawn, GaussianDropout(0.5)(x, training=True).numpy())


def test_gradient_is_the_noise():
    values = np.random.default_rng(0).standard_normal((6, 7))
    x = Tensor(values, requires_grad=True)
    out = GaussianDropout(0.25, seed=2, dtype="float64")(x, training=True)
    backward(ops.sum(out))
    np.testing.assert_allclose(x.grad, out.numpy() / values)


@pytest.mark.parametrize("rate", [-0.1, 1.5, 1, "0.5", None])
def test_bad_rate_is_refused(rate):
    with pytest.raises(ValueError, match=f"rate={rate!r}"):
        GaussianDropout(rate)
