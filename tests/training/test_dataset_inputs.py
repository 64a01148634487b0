"""fit/evaluate/predict on a PyTorch DataLoader, and batch_size given with a dataset."""

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import nnet

ROOT = Path(__file__).resolve().parents[2]


def _digits():
    datasets = pytest.importorskip("sklearn.datasets")
    digits = datasets.load_digits()
    order = np.random.default_rng(0).permutation(len(digits.data))
    x, y = (digits.data[order] / 16.0).astype("float32"), digits.target[order]
    return x[:1400], y[:1400], x[1400:], y[1400:]


def _model():
    nnet.utils.set_random_seed(0)
    model = nnet.Sequential([nnet.Input((64,)), nnet.layers.Dense(32, activation="relu"),
                             nnet.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=nnet.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_dataloader_trains_as_the_same_arrays_do():
    torch = pytest.importorskip("torch")
    from torch.utils.data import DataLoader, TensorDataset

    x, y, x_test, y_test = _digits()
    loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=32)
    test_loader = DataLoader(TensorDataset(torch.from_numpy(x_test), torch.from_numpy(y_test)),
                             batch_size=64)

    from_loader = _model()
    history = from_loader.fit(loader, epochs=4, verbose=0, validation_data=test_loader)
    from_arrays = _model()
    expected = from_arrays.fit(x, y, epochs=4, batch_size=32, shuffle=False, verbose=0,
                               validation_data=(x_test, y_test), validation_batch_size=64)

    assert history.params["steps"] == len(loader) == 44
    assert sorted(history.history) == sorted(expected.history)
    for key in expected.history:
        np.testing.assert_allclose(history.history[key], expected.history[key], rtol=1e-6,
                                   err_msg=key)
    for ours, theirs in zip(from_loader.get_weights(), from_arrays.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)

    loss, accuracy = from_loader.evaluate(test_loader, verbose=0)
    assert accuracy > 0.93
    np.testing.assert_allclose([loss, accuracy], from_arrays.evaluate(x_test, y_test, verbose=0),
                               rtol=1e-6)
    predictions = from_loader.predict(test_loader, verbose=0)
    assert predictions.dtype == np.float32 and predictions.shape == (len(x_test), 10)
    np.testing.assert_allclose(predictions, from_arrays.predict(x_test, verbose=0), rtol=1e-6,
                               atol=1e-7)


def test_training_never_imports_torch():
    script = (
        "import sys, numpy as np, nnet\n"
        "model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(1)])\n"
        "model.compile(optimizer='sgd', loss='mse')\n"
        "model.fit(np.ones((8, 3)), np.ones((8, 1)), verbose=0)\n"
        "model.fit(iter([(np.ones((4, 3)), np.ones((4, 1)))]), verbose=0)\n"
        "assert 'torch' not in sys.modules, 'nnet imported torch'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr


class _Batches(nnet.utils.PyDataset):
    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return self.x[i * 16:(i + 1) * 16], self.y[i * 16:(i + 1) * 16]


def test_batch_size_with_a_dataset_is_ignored_with_a_warning():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    start = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(1)]).get_weights()

    def fit(batch_size):
        model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(1)])
        model.set_weights(start)
        model.compile(optimizer="sgd", loss="mse")
        return model, model.fit(_Batches(x, y), batch_size=batch_size, epochs=2, verbose=0)

    message = r"Ignoring {}=8: {} is a dataset, .* which makes its own batches"
    plain, plain_history = fit(None)
    with pytest.warns(UserWarning, match=message.format("batch_size", "x")):
        given, given_history = fit(8)
    assert given_history.params["steps"] == 4
    assert given_history.history == plain_history.history
    for a, b in zip(given.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(a, b)

    with pytest.warns(UserWarning, match=message.format("batch_size", "x")):
        given.evaluate(_Batches(x, y), batch_size=8, verbose=0)
    with pytest.warns(UserWarning, match=message.format("batch_size", "x")):
        assert given.predict(_Batches(x, y), batch_size=8, verbose=0).shape == (64, 1)
    with pytest.warns(UserWarning, match=message.format("validation_batch_size",
                                                        "validation_data")):
        history = given.fit(x, y, batch_size=16, validation_data=_Batches(x, y),
                            validation_batch_size=8, verbose=0)
    assert "val_loss" in history.history
    # fit's own batch_size is for its arrays: a validation dataset does not warn about it.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        given.fit(x, y, batch_size=16, validation_data=_Batches(x, y), verbose=0)
