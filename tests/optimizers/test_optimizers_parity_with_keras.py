"""Optimizers against Keras 3 (torch backend): the learning rate and iteration counter as Keras
exposes them, and training with them changed mid-way."""

import os

import numpy as np
import pytest

# Keras reads its backend once, at import: set it before anything can import keras.
os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")

import nnet  # noqa: E402


def _value(tensor):
    return float(keras.ops.convert_to_numpy(tensor) if keras.ops.is_tensor(tensor)
                 else np.asarray(tensor))


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "AdamW"])
def test_learning_rate_is_a_variable_as_keras(name):
    results = {}
    for lib in (nnet, keras):
        optimizer = getattr(lib.optimizers, name)(learning_rate=0.1)
        rate = optimizer.learning_rate
        seen = [type(rate).__name__, _value(rate.value)]
        rate.assign(0.5)
        seen.append(_value(optimizer.learning_rate))
        optimizer.learning_rate = 0.25
        seen += [_value(optimizer.learning_rate), optimizer.learning_rate is rate,
                 bool(optimizer.iterations == 0), type(optimizer.iterations).__name__]
        results[lib.__name__] = seen
    assert results["nnet"] == results["keras"]


def test_a_schedule_learning_rate_is_its_current_value_as_keras():
    x = np.random.default_rng(0).normal(size=(8, 2)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    start = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).get_weights()
    results = {}
    for lib in (nnet, keras):
        schedule = lib.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
        model = lib.Sequential([lib.Input((2,)), lib.layers.Dense(1)])
        model.set_weights(start)
        model.compile(optimizer=lib.optimizers.SGD(schedule), loss="mse")
        before = _value(model.optimizer.learning_rate)
        model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        results[lib.__name__] = (before, _value(model.optimizer.learning_rate),
                                 int(_value(model.optimizer.iterations)),
                                 bool(model.optimizer.iterations == 2), model.get_weights())
    ours, theirs = results["nnet"], results["keras"]
    assert ours[:4] == pytest.approx(theirs[:4])
    for our_weight, their_weight in zip(ours[4], theirs[4]):
        np.testing.assert_allclose(our_weight, their_weight, rtol=1e-6)


def test_assigning_the_learning_rate_variable_mid_training_acts_as_keras():
    x = np.random.default_rng(1).normal(size=(8, 2)).astype("float32")
    y = x[:, :1] - x[:, 1:]
    start = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).get_weights()
    results = {}
    for lib in (nnet, keras):
        model = lib.Sequential([lib.Input((2,)), lib.layers.Dense(1)])
        model.set_weights(start)
        model.compile(optimizer=lib.optimizers.Adam(0.05), loss="mse")
        model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        model.optimizer.learning_rate.assign(0.5)
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        results[lib.__name__] = history.history["loss"], model.get_weights()
    # Float32 steps at a large rate: the project's float32 tolerance against another framework.
    np.testing.assert_allclose(results["nnet"][0], results["keras"][0], rtol=1e-4)
    for our_weight, their_weight in zip(results["nnet"][1], results["keras"][1]):
        np.testing.assert_allclose(our_weight, their_weight, rtol=1e-4, atol=1e-6)
