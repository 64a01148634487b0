"""What fit's train_step does with the optimizer: loss scaling, and models with nothing to train."""

import os

import numpy as np
import pytest

import nnet

# Keras reads its backend once, at import: set it before anything can import keras.
os.environ.setdefault("KERAS_BACKEND", "torch")


def _data(n=96, in_dim=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, in_dim)).astype("float32")
    y = (x @ rng.normal(size=(in_dim, 1)) + 0.1).astype("float32")
    return x, y


def _layers(lib, in_dim=5):
    return [lib.Input((in_dim,)), lib.layers.Dense(8, activation="tanh"), lib.layers.Dense(1)]


def _fit(model, lib, x, y, **optimizer_kwargs):
    model.compile(optimizer=lib.optimizers.SGD(0.1, **optimizer_kwargs), loss="mse")
    history = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    return model.get_weights(), history.history["loss"]


def test_loss_scale_factor_leaves_fit_unchanged():
    # The loss is scaled before backward and the gradients unscaled by the optimizer: a power
    # of two cancels exactly, and the logs report the unscaled loss.
    x, y = _data()
    start = nnet.Sequential(_layers(nnet)).get_weights()
    runs = []
    for kwargs in ({}, {"loss_scale_factor": 128.0}):
        model = nnet.Sequential(_layers(nnet))
        model.set_weights(start)
        runs.append(_fit(model, nnet, x, y, **kwargs))
    (plain_weights, plain_loss), (scaled_weights, scaled_loss) = runs
    for plain, scaled in zip(plain_weights, scaled_weights):
        np.testing.assert_allclose(scaled, plain, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(scaled_loss, plain_loss, rtol=1e-6)
    assert not np.allclose(plain_weights[0], start[0])


def test_loss_scale_factor_matches_keras():
    keras = pytest.importorskip("keras")
    x, y = _data()
    theirs = keras.Sequential(_layers(keras))
    ours = nnet.Sequential(_layers(nnet))
    ours.set_weights(theirs.get_weights())
    their_weights, their_loss = _fit(theirs, keras, x, y, loss_scale_factor=128.0)
    our_weights, our_loss = _fit(ours, nnet, x, y, loss_scale_factor=128.0)
    np.testing.assert_allclose(our_loss, their_loss, rtol=1e-4)
    for a, b in zip(our_weights, their_weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
