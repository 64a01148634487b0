"""GaussianNoise: Keras config and inference behaviour, noise statistics, seeding, errors."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet import backend, ops, random
from nnet.autodiff import Tensor, backward
from nnet.layers.gaussian_noise import GaussianNoise


@pytest.mark.parametrize("init_kwargs", [{"stddev": 0.3}, {"stddev": 1.0, "seed": 4},
                                         {"stddev": 0.0}])
def test_gaussian_noise_matches_keras(init_kwargs):
    check_layer(GaussianNoise, (5, 4), init_kwargs, keras_class="GaussianNoise",
                deterministic=False)


def test_noise_statistics():
    x = np.full((200, 500), 3.0, dtype="float32")
    noise = GaussianNoise(0.4, seed=0)(x, training=True).numpy() - x
    # 1e5 draws: the standard errors of the mean and of the std are 0.0013 and 0.0009.
    assert abs(noise.mean()) < 0.0065
    assert abs(noise.std() - 0.4) < 0.0045
    # Noise is independent across entries: neighbouring entries are uncorrelated.
    assert abs(np.corrcoef(noise[:, :-1].ravel(), noise[:, 1:].ravel())[0, 1]) < 0.015


def test_identity_unless_training():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    layer = GaussianNoise(0.5)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    np.testing.assert_array_equal(GaussianNoise(0.0)(x, training=True).numpy(), x)


def test_seeded_layers_repeat_and_successive_draws_differ():
    x = np.zeros((10, 10))
    a, b, c = GaussianNoise(0.5, seed=7), GaussianNoise(0.5, seed=7), GaussianNoise(0.5, seed=8)
    first = a(x, training=True).numpy()
    np.testing.assert_array_equal(first, b(x, training=True).numpy())
    assert not np.array_equal(first, a(x, training=True).numpy())
    assert not np.array_equal(first, c(x, training=True).numpy())


def test_a_seeded_layer_draws_from_a_seed_generator_of_its_seed():
    x = np.random.default_rng(0).standard_normal((6, 5)).astype("float32")
    layer, generator = GaussianNoise(0.3, seed=9), random.SeedGenerator(9)
    assert isinstance(layer.seed_generator, random.SeedGenerator)
    for _ in range(2):
        noise = random.normal(x.shape, stddev=0.3, seed=generator).numpy()
        np.testing.assert_array_equal(layer(x, training=True).numpy(), x + noise)


def test_unseeded_layers_are_seeded_from_the_global_generator():
    x = np.zeros((10, 10))
    # Unseeded, the layer's SeedGenerator is seeded from the global generator when it is made.
    backend.seed_rng(11)
    first = GaussianNoise(0.5)(x, training=True).numpy()
    backend.seed_rng(11)
    np.testing.assert_array_equal(first, GaussianNoise(0.5)(x, training=True).numpy())


def test_gradient_is_the_identity_and_dtype_is_kept():
    x = Tensor(np.random.default_rng(0).standard_normal((6, 7)), requires_grad=True)
    out = GaussianNoise(0.25, seed=2, dtype="float64")(x, training=True)
    assert out.dtype == np.float64
    backward(ops.sum(out * 3.0))
    np.testing.assert_array_equal(x.grad, np.full((6, 7), 3.0))
    assert GaussianNoise(0.1)(np.ones((2, 2)), training=True).dtype == np.float32


@pytest.mark.parametrize("stddev", [-0.1, 1.5, "0.1", None, True])
def test_bad_stddev_is_refused(stddev):
    with pytest.raises(ValueError, match=f"stddev={stddev!r}"):
        GaussianNoise(stddev)
