"""Same starting weights, same data, shuffle=False: nnet's fit/evaluate/predict against Keras 3."""

import os
import re

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
datasets = pytest.importorskip("sklearn.datasets")

import nnet  # noqa: E402

OPTIMIZERS = {
    "SGD": {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True},
    "Adam": {"learning_rate": 0.01},
    "AdamW": {"learning_rate": 0.01, "weight_decay": 0.01},
    "RMSprop": {"learning_rate": 0.005, "momentum": 0.5, "centered": True},
    "Adagrad": {"learning_rate": 0.1},
    "Adadelta": {"learning_rate": 1.0},
    "Adamax": {"learning_rate": 0.01},
    "Nadam": {"learning_rate": 0.01},
    "Ftrl": {"learning_rate": 0.1, "l1_regularization_strength": 0.001},
    "Lion": {"learning_rate": 0.001},
    "Lamb": {"learning_rate": 0.01},
}


def _data():
    data = datasets.load_breast_cancer()
    x = (data.data - data.data.mean(0)) / data.data.std(0)
    return x[:200].astype("float32"), data.target[:200].astype("float32").reshape(-1, 1)


def _pair(hidden_activation="relu", output_activation="sigmoid", units=1, in_dim=30):
    def layers(lib):
        return [lib.Input((in_dim,)), lib.layers.Dense(16, activation=hidden_activation),
                lib.layers.Dense(units, activation=output_activation)]

    theirs = keras.Sequential(layers(keras))
    ours = nnet.Sequential(layers(nnet))
    ours.set_weights(theirs.get_weights())
    return ours, theirs


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_fit_matches_keras_epoch_by_epoch(name):
    x, y = _data()
    ours, theirs = _pair()
    kwargs = dict(epochs=3, batch_size=32, shuffle=False, verbose=0, validation_split=0.2)
    for model, lib in ((ours, nnet), (theirs, keras)):
        optimizer = getattr(lib.optimizers, name)(**OPTIMIZERS[name])
        model.compile(optimizer=optimizer, loss="binary_crossentropy",
                      metrics=["accuracy", lib.metrics.AUC(name="auc")])
    ours_history = ours.fit(x, y, **kwargs).history
    theirs_history = theirs.fit(x, y, **kwargs).history
    assert sorted(ours_history) == sorted(theirs_history)
    for key in theirs_history:
        np.testing.assert_allclose(ours_history[key], theirs_history[key], rtol=2e-4, atol=1e-6,
                                   err_msg=key)
    # Adaptive optimizers take steps of about the learning rate even for near-zero gradients,
    # so float32 rounding differences in such gradients show up as a small fraction of it.
    atol = 1e-3 * OPTIMIZERS[name]["learning_rate"]
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=atol)


def test_categorical_training_with_class_weight_and_l2_matches_keras():
    data = datasets.load_iris()
    x = ((data.data - data.data.mean(0)) / data.data.std(0)).astype("float32")
    y = data.target
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]

    def build(lib):
        return lib.Sequential([
            lib.Input((4,)),
            lib.layers.Dense(8, activation="tanh", kernel_regularizer=lib.regularizers.L2(0.01)),
            lib.layers.Dense(3, activation="softmax"),
        ])

    theirs, ours = build(keras), build(nnet)
    ours.set_weights(theirs.get_weights())
    for model in (ours, theirs):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    kwargs = dict(epochs=3, batch_size=16, shuffle=False, verbose=0,
                  class_weight={0: 1.0, 1: 2.0, 2: 0.5})
    h_ours, h_theirs = ours.fit(x, y, **kwargs).history, theirs.fit(x, y, **kwargs).history
    for key in h_theirs:
        np.testing.assert_allclose(h_ours[key], h_theirs[key], rtol=2e-4, err_msg=key)


def test_evaluate_predict_and_history_structures_match_keras():
    x, y = _data()
    ours, theirs = _pair()
    for model in (ours, theirs):
        model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy", "mse"])
    h_ours = ours.fit(x, y, epochs=2, batch_size=64, verbose=0, shuffle=False)
    h_theirs = theirs.fit(x, y, epochs=2, batch_size=64, verbose=0, shuffle=False)
    assert h_ours.params == h_theirs.params
    assert h_ours.epoch == h_theirs.epoch
    assert list(h_ours.history) == list(h_theirs.history)

    ev_ours, ev_theirs = ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0)
    assert isinstance(ev_ours, list) and len(ev_ours) == len(ev_theirs) == 3
    np.testing.assert_allclose(ev_ours, ev_theirs, rtol=1e-5)
    d_ours = ours.evaluate(x, y, verbose=0, return_dict=True)
    d_theirs = theirs.evaluate(x, y, verbose=0, return_dict=True)
    assert list(d_ours) == list(d_theirs)

    p_ours, p_theirs = ours.predict(x, verbose=0), theirs.predict(x, verbose=0)
    assert p_ours.dtype == p_theirs.dtype == np.float32 and p_ours.shape == p_theirs.shape
    np.testing.assert_allclose(p_ours, p_theirs, rtol=1e-5, atol=1e-7)

    for method in ("train_on_batch", "test_on_batch"):
        r_ours = getattr(ours, method)(x[:32], y[:32])
        r_theirs = getattr(theirs, method)(x[:32], y[:32])
        np.testing.assert_allclose(r_ours, r_theirs, rtol=1e-4)
        assert sorted(getattr(ours, method)(x[:32], y[:32], return_dict=True)) == sorted(
            getattr(theirs, method)(x[:32], y[:32], return_dict=True))
    np.testing.assert_allclose(ours.predict_on_batch(x[:5]), theirs.predict_on_batch(x[:5]),
                               rtol=1e-5)


def test_loss_only_evaluate_returns_a_float_like_keras():
    x, y = _data()
    ours, theirs = _pair()
    for model in (ours, theirs):
        model.compile(optimizer="sgd", loss="binary_crossentropy")
    a, b = ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0)
    assert isinstance(a, float) and isinstance(b, float)
    np.testing.assert_allclose(a, b, rtol=1e-5)


def _strip(text):
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_final_progress_bar_line_has_keras_format(capsys):
    x, y = _data()
    ours, theirs = _pair()
    for model in (ours, theirs):
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    theirs.fit(x, y, epochs=2, batch_size=32, shuffle=False, validation_split=0.25)
    keras_out = _strip(capsys.readouterr().out)
    ours.fit(x, y, epochs=2, batch_size=32, shuffle=False, validation_split=0.25)
    nnet_out = _strip(capsys.readouterr().out)

    def final_lines(out):
        # What stays on screen: the last frame of each line.
        frames = [re.split(r"[\r\b]+", line)[-1] for line in out.split("\n")]
        return [f.rstrip() for f in frames if re.match(r"^\s*5/5 ━", f)]

    pattern = (r"5/5 ━{20} \d+s \d+m?u?s/step - accuracy: \d\.\d{4} - loss: \d\.\d{4} - "
               r"val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}$")
    assert "Epoch 1/2" in nnet_out and "Epoch 2/2" in nnet_out
    assert len(final_lines(keras_out)) == len(final_lines(nnet_out)) == 2
    for line in final_lines(keras_out) + final_lines(nnet_out):
        assert re.match(pattern, line.strip()), line
    # Same numbers: shuffle=False and identical starting weights.
    numbers = [re.findall(r"\d\.\d{4}", line) for line in final_lines(nnet_out)]
    keras_numbers = [re.findall(r"\d\.\d{4}", line) for line in final_lines(keras_out)]
    np.testing.assert_allclose(np.float64(numbers[-1]), np.float64(keras_numbers[-1]), atol=2e-4)
