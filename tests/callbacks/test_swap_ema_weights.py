"""SwapEMAWeights: validation, evaluate and predict see the EMA of the weights computed by hand
from the training trajectory; training itself is unchanged; errors; the same run in Keras."""

import os

import numpy as np
import pytest

import nnet
from nnet.callbacks import Callback, SwapEMAWeights

os.environ["KERAS_BACKEND"] = "torch"

MOMENTUM = 0.8
BATCHES = 4  # per epoch: 32 samples in batches of 8


class Trajectory(Callback):
    """The weights after every training batch, and at every epoch begin and end."""

    def __init__(self):
        super().__init__()
        self.steps, self.epoch_begin, self.epoch_end = [], [], []

    def on_train_batch_end(self, batch, logs=None):
        self.steps.append(self.model.get_weights())

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_begin.append(self.model.get_weights())

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_end.append(self.model.get_weights())


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype("float32")
    return (x[:32], y[:32]), (x[32:], y[32:])


def _model(**optimizer_kwargs):
    model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(1)])
    model.set_weights([np.full((3, 1), 0.1, "float32"), np.zeros(1, "float32")])
    kwargs = {"use_ema": True, "ema_momentum": MOMENTUM, **optimizer_kwargs}
    model.compile(optimizer=nnet.optimizers.SGD(0.05, **kwargs), loss="mse")
    return model


def _ema(steps):
    """The EMA after each step: the first average is the weights themselves."""
    averages, average = [], None
    for weights in steps:
        average = list(weights) if average is None else [
            MOMENTUM * a + (1 - MOMENTUM) * w for a, w in zip(average, weights)
        ]
        averages.append(average)
    return averages


def _mse(weights, x, y):
    kernel, bias = weights
    return float(np.mean((x @ kernel + bias - y) ** 2))


def _fit(model, callbacks, epochs=3):
    (x, y), validation = _data()
    return model.fit(x, y, epochs=epochs, batch_size=8, shuffle=False, verbose=0,
                     validation_data=validation, callbacks=callbacks)


def _assert_weights_close(actual, expected):
    for a, b in zip(actual, expected):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("swap_on_epoch", [False, True])
def test_validation_sees_the_ema_weights_and_training_is_unchanged(swap_on_epoch):
    plain, plain_trajectory = _model(), Trajectory()
    plain_history = _fit(plain, [plain_trajectory]).history
    model, trajectory = _model(), Trajectory()
    history = _fit(model, [SwapEMAWeights(swap_on_epoch=swap_on_epoch), trajectory]).history

    # The training steps are exactly those of a run without the callback.
    for mine, theirs in zip(trajectory.steps, plain_trajectory.steps):
        for a, b in zip(mine, theirs):
            np.testing.assert_array_equal(a, b)
    assert history["loss"] == plain_history["loss"]

    averages = _ema(trajectory.steps)
    at_epoch_end = [averages[(e + 1) * BATCHES - 1] for e in range(3)]
    _, (x_val, y_val) = _data()
    np.testing.assert_allclose(history["val_loss"], [_mse(w, x_val, y_val) for w in at_epoch_end],
                               rtol=1e-5)
    assert not np.allclose(history["val_loss"], plain_history["val_loss"])

    # Callbacks after SwapEMAWeights see the EMA weights at the epoch end only with
    # swap_on_epoch; at each epoch start they see the training weights.
    for e in range(3):
        expected = at_epoch_end[e] if swap_on_epoch else trajectory.steps[(e + 1) * BATCHES - 1]
        _assert_weights_close(trajectory.epoch_end[e], expected)
    for e in range(1, 3):
        for a, b in zip(trajectory.epoch_begin[e], trajectory.steps[e * BATCHES - 1]):
            np.testing.assert_array_equal(a, b)

    # fit ends with the EMA weights in the model, with or without the callback.
    _assert_weights_close(model.get_weights(), at_epoch_end[-1])
    _assert_weights_close(plain.get_weights(), at_epoch_end[-1])


def test_evaluate_and_predict_use_the_ema_weights_and_restore_the_training_ones():
    model = _model()
    (x, y), (x_val, y_val) = _data()
    steps = []
    for i in range(0, 32, 8):
        model.train_on_batch(x[i:i + 8], y[i:i + 8])
        steps.append(model.get_weights())
    ema = _ema(steps)[-1]
    assert not np.allclose(ema[0], steps[-1][0])

    loss = model.evaluate(x_val, y_val, verbose=0, callbacks=[SwapEMAWeights()])
    np.testing.assert_allclose(loss, _mse(ema, x_val, y_val), rtol=1e-5)
    prediction = model.predict(x_val, verbose=0, callbacks=[SwapEMAWeights()])
    np.testing.assert_allclose(prediction, x_val @ ema[0] + ema[1], rtol=1e-5, atol=1e-6)
    for a, b in zip(model.get_weights(), steps[-1]):
        np.testing.assert_array_equal(a, b)
    averages = model.optimizer._model_variables_moving_average
    _assert_weights_close([a.numpy() for a in averages], ema)


def test_optimizer_without_ema_is_refused_before_training():
    model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(1)])
    model.compile(optimizer=nnet.optimizers.SGD(0.05), loss="mse")
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"`use_ema=True` is set on the optimizer\. Received: "
                                         r"use_ema=False"):
        _fit(model, [SwapEMAWeights()])
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_evaluate_before_any_training_step_is_refused():
    model = _model()
    _, (x_val, y_val) = _data()
    with pytest.raises(ValueError, match="has not taken a step yet"):
        model.evaluate(x_val, y_val, verbose=0, callbacks=[SwapEMAWeights()])


@pytest.mark.parametrize("swap_on_epoch", [False, True])
def test_matches_keras(swap_on_epoch):
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    (x, y), validation = _data()
    rng = np.random.default_rng(1)
    initial = [rng.normal(size=(3, 4)).astype("float32"), np.zeros(4, "float32"),
               rng.normal(size=(4, 1)).astype("float32"), np.zeros(1, "float32")]

    def run(lib):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(4, activation="tanh"),
                                lib.layers.Dense(1)])
        model.set_weights(initial)
        optimizer = lib.optimizers.SGD(0.05, momentum=0.5, use_ema=True, ema_momentum=MOMENTUM)
        model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
        history = model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0,
                            validation_data=validation,
                            callbacks=[lib.callbacks.SwapEMAWeights(swap_on_epoch)])
        return model, history.history

    ours, ours_history = run(nnet)
    theirs, theirs_history = run(keras)
    assert sorted(ours_history) == sorted(theirs_history)
    for key, values in theirs_history.items():
        np.testing.assert_allclose(ours_history[key], values, rtol=1e-5, atol=1e-7, err_msg=key)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
