"""Dropout: Keras config and inference behaviour, mask statistics, seeding, noise_shape, errors."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet import backend, ops, random
from nnet.autodiff import Tensor, backward
from nnet.layers import Dropout


@pytest.mark.parametrize("input_shape, init_kwargs", [
    ((8, 6), {"rate": 0.3}),
    ((4, 3, 5), {"rate": 0.5, "noise_shape": (None, 1, 5), "seed": 3}),
    ((4, 6), {"rate": 0.0}),
])
def test_dropout_matches_keras(input_shape, init_kwargs):
    check_layer(Dropout, input_shape, init_kwargs, keras_class="Dropout", deterministic=False)


def test_dropped_fraction_and_scaling():
    out = Dropout(0.3, seed=0)(np.ones((200, 500)), training=True).numpy()
    dropped = (out == 0).mean()
    # 1e5 Bernoulli(0.3) draws: the standard error of the fraction is 0.0015.
    assert abs(dropped - 0.3) < 0.0075
    np.testing.assert_allclose(np.unique(out[out != 0]), [1 / 0.7], rtol=1e-6)
    assert abs(out.mean() - 1.0) < 0.011


def test_identity_unless_training():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    layer = Dropout(0.9)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    np.testing.assert_array_equal(Dropout(0.0)(x, training=True).numpy(), x)
    np.testing.assert_array_equal(Dropout(1.0)(x, training=True).numpy(), np.zeros_like(x))


def test_seeded_layers_repeat_and_successive_masks_differ():
    x = np.ones((10, 10))
    a, b, c = Dropout(0.5, seed=7), Dropout(0.5, seed=7), Dropout(0.5, seed=8)
    first = a(x, training=True).numpy()
    np.testing.assert_array_equal(first, b(x, training=True).numpy())
    assert not np.array_equal(first, a(x, training=True).numpy())
    assert not np.array_equal(first, c(x, training=True).numpy())


def test_a_seeded_layer_draws_from_a_seed_generator_of_its_seed():
    x = np.random.default_rng(0).standard_normal((6, 5)).astype("float32")
    layer, generator = Dropout(0.4, seed=9), random.SeedGenerator(9)
    assert isinstance(layer.seed_generator, random.SeedGenerator)
    assert isinstance(Dropout(0.4).seed_generator, random.SeedGenerator)
    assert Dropout(0.0).seed_generator is None
    for _ in range(2):
        np.testing.assert_array_equal(layer(x, training=True).numpy(),
                                      random.dropout(x, 0.4, seed=generator).numpy())


def test_unseeded_layers_are_seeded_from_the_global_generator():
    x = np.ones((10, 10))
    # Unseeded, the layer's SeedGenerator is seeded from the global generator when it is made.
    backend.seed_rng(11)
    first = Dropout(0.5)(x, training=True).numpy()
    backend.seed_rng(11)
    np.testing.assert_array_equal(first, Dropout(0.5)(x, training=True).numpy())


def test_noise_shape_broadcasts_one_mask():
    out = Dropout(0.5, noise_shape=(None, 1, 6), seed=1)(np.ones((4, 5, 6)), training=True)
    out = out.numpy()
    np.testing.assert_array_equal(out, np.broadcast_to(out[:, :1, :], out.shape))
    assert 0 < (out == 0).mean() < 1


def test_gradient_is_the_mask_scaled():
    x = Tensor(np.random.default_rng(0).standard_normal((6, 7)), requires_grad=True)
    out = Dropout(0.25, seed=2, dtype="float64")(x, training=True)
    backward(ops.sum(out))
    np.testing.assert_allclose(x.grad, (out.numpy() != 0) / 0.75)


@pytest.mark.parametrize("rate", [1.5, -0.1, "0.5", None])
def test_rate_outside_zero_one_is_refused(rate):
    with pytest.raises(ValueError, match=f"rate={rate!r}"):
        Dropout(rate)


@pytest.mark.parametrize("noise_shape", ["abc", (0, 2), (2.5,), 3])
def test_bad_noise_shape_is_refused(noise_shape):
    with pytest.raises(ValueError, match="noise_shape="):
        Dropout(0.5, noise_shape=noise_shape)


def test_noise_shape_of_another_rank_is_refused_at_call():
    with pytest.raises(ValueError, match=r"noise_shape=\(None, 1\).*\(2, 3, 4\)"):
        Dropout(0.5, noise_shape=(None, 1))(np.ones((2, 3, 4)), training=True)
