"""Recurrent models learn: a token-order task, and padded sequences behind Embedding(mask_zero)
whose padding reaches the RNN, the layers after it, the loss and the metrics as in Keras."""

import numpy as np
import pytest

import nnet
from nnet import layers


def _token_order(rng, samples, length=8, vocabulary=8):
    """Random sequences holding token 1 and token 2 once each: is 1 before 2?"""
    x = rng.integers(3, vocabulary, size=(samples, length))
    positions = np.argsort(rng.random((samples, length)), axis=1)[:, :2]
    rows = np.arange(samples)
    x[rows, positions[:, 0]] = 1
    x[rows, positions[:, 1]] = 2
    return x, (positions[:, 0] < positions[:, 1]).astype("float32")


@pytest.mark.parametrize("recurrent", [
    lambda: layers.LSTM(16),
    lambda: layers.GRU(16),
    lambda: layers.Bidirectional(layers.SimpleRNN(8)),
], ids=["lstm", "gru", "bidirectional"])
def test_token_order_is_learned(recurrent):
    nnet.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = _token_order(rng, 1200)
    x_test, y_test = _token_order(rng, 300)
    model = nnet.Sequential([nnet.Input((8,), dtype="int32"), layers.Embedding(8, 8),
                             recurrent(), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=nnet.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    assert model.evaluate(x_test, y_test, verbose=0)[1] >= 0.9


def _padded_model(return_sequences=False):
    nnet.utils.set_random_seed(1)
    inputs = nnet.Input((None,), dtype="int32")
    h = layers.Embedding(10, 4, mask_zero=True)(inputs)
    h = layers.LSTM(5, return_sequences=return_sequences)(h)
    h = layers.Dropout(0.1)(h)
    outputs = layers.Dense(1, activation="sigmoid")(h)
    return nnet.Model(inputs, outputs)


def test_padding_is_invisible_to_a_masked_lstm():
    model = _padded_model()
    short = np.array([[3, 4, 5]])
    padded = np.array([[3, 4, 5, 0, 0, 0]])
    pre_padded = np.array([[0, 0, 0, 3, 4, 5]])
    expected = model.predict(short, verbose=0)
    # A model with a different input length, same weights: the padded steps change nothing.
    np.testing.assert_allclose(model.predict(padded, verbose=0), expected, rtol=1e-6)
    np.testing.assert_allclose(model.predict(pre_padded, verbose=0), expected, rtol=1e-6)


def test_sequence_loss_and_metrics_skip_padding():
    model = _padded_model(return_sequences=True)
    x = np.array([[3, 4, 0, 0, 0, 0], [5, 6, 7, 8, 0, 0]])
    y = np.random.default_rng(2).integers(0, 2, size=(2, 6, 1)).astype("float32")
    y_pred = model(x)
    assert np.array_equal(np.asarray(y_pred._keras_mask), x != 0)
    valid = x != 0
    p = y_pred.numpy()[..., 0]
    bce = -(y[..., 0] * np.log(p) + (1 - y[..., 0]) * np.log(1 - p))
    loss = nnet.losses.BinaryCrossentropy()(y, y_pred)
    np.testing.assert_allclose(float(loss), bce[valid].mean(), rtol=1e-5)
    accuracy = nnet.metrics.BinaryAccuracy()
    accuracy.update_state(y, y_pred)
    np.testing.assert_allclose(accuracy.result(), ((p > 0.5) == y[..., 0])[valid].mean())


def test_masked_model_trains_on_padded_sequences():
    rng = np.random.default_rng(3)
    lengths = rng.integers(2, 7, size=600)
    x = rng.integers(1, 10, size=(600, 6)) * (np.arange(6) < lengths[:, None])
    y = (x[np.arange(600), lengths - 1] >= 5).astype("float32")
    model = _padded_model()
    model.compile(optimizer=nnet.optimizers.Adam(0.03), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    assert model.evaluate(x, y, verbose=0)[1] >= 0.9
