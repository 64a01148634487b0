"""What fit's train_step does with the optimizer: loss scaling, and models with nothing to train."""

import os
import warnings

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


def test_fit_warns_when_the_model_has_no_trainable_weights():
    x, y = _data()
    model = nnet.Sequential(_layers(nnet))
    model.trainable = False
    model.compile(optimizer="sgd", loss="mse")
    start = model.get_weights()
    with pytest.warns(UserWarning, match=r"^The model does not have any trainable weights\.$"):
        history = model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    assert len(history.history["loss"]) == 2
    for before, after in zip(start, model.get_weights()):
        np.testing.assert_array_equal(before, after)


def test_a_lazily_built_model_trains_on_a_generator_without_the_warning():
    # Its weights exist only after the first forward pass of the first step.
    x, y = _data()

    def batches():
        while True:
            for i in range(0, len(x), 16):
                yield x[i:i + 16], y[i:i + 16]

    model = nnet.Sequential([nnet.layers.Dense(8, activation="tanh"), nnet.layers.Dense(1)])
    model.compile(optimizer=nnet.optimizers.SGD(0.05), loss="mse")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = model.fit(batches(), steps_per_epoch=6, epochs=5, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
