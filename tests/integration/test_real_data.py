"""Training to thresholds on scikit-learn's bundled data sets (they load offline)."""

import numpy as np
import pytest

import nnet

datasets = pytest.importorskip("sklearn.datasets")


def _split(x, y, seed=0, test_fraction=0.25):
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(len(x) * (1 - test_fraction))
    return x[order[:cut]], y[order[:cut]], x[order[cut:]], y[order[cut:]]


def _standardize(train, test):
    mean, std = train.mean(axis=0), train.std(axis=0) + 1e-8
    return (train - mean) / std, (test - mean) / std


def test_digits_mlp_reaches_95_percent():
    nnet.utils.set_random_seed(1)
    data = datasets.load_digits()
    x_train, y_train, x_test, y_test = _split(data.data / 16.0, data.target)
    model = nnet.Sequential([
        nnet.Input((64,)),
        nnet.layers.Dense(64, activation="relu"),
        nnet.layers.Dense(64, activation="relu"),
        nnet.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=30, batch_size=32, verbose=0)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert accuracy >= 0.95, accuracy


def test_digits_one_hot_labels_with_categorical_crossentropy():
    nnet.utils.set_random_seed(2)
    data = datasets.load_digits()
    x_train, y_train, x_test, y_test = _split(data.data / 16.0, data.target)
    model = nnet.Sequential([
        nnet.Input((64,)),
        nnet.layers.Dense(64, activation="relu"),
        nnet.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, nnet.utils.to_categorical(y_train), epochs=30, verbose=0)
    _, accuracy = model.evaluate(x_test, nnet.utils.to_categorical(y_test, 10), verbose=0)
    assert accuracy >= 0.95, accuracy


def test_breast_cancer_reaches_95_percent():
    nnet.utils.set_random_seed(3)
    data = datasets.load_breast_cancer()
    x_train, y_train, x_test, y_test = _split(data.data, data.target)
    x_train, x_test = _standardize(x_train, x_test)
    model = nnet.Sequential([
        nnet.Input((30,)),
        nnet.layers.Dense(32, activation="relu"),
        nnet.layers.Dense(16, activation="relu"),
        nnet.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=30, batch_size=32, verbose=0, validation_split=0.1)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.95, accuracy


def test_diabetes_regression_r2_above_0_3():
    nnet.utils.set_random_seed(4)
    data = datasets.load_diabetes()
    x_train, y_train, x_test, y_test = _split(data.data, data.target)
    x_train, x_test = _standardize(x_train, x_test)
    mean, scale = y_train.mean(), y_train.std()
    model = nnet.Sequential([
        nnet.Input((10,)),
        nnet.layers.Dense(16, activation="relu"),
        nnet.layers.Dense(1),
    ])
    model.compile(optimizer=nnet.optimizers.Adam(0.001), loss="mse", metrics=["mae"])
    model.fit(x_train, (y_train - mean) / scale, epochs=100, batch_size=32, verbose=0)
    prediction = model.predict(x_test, verbose=0)[:, 0] * scale + mean
    r2 = 1 - ((y_test - prediction) ** 2).sum() / ((y_test - y_test.mean()) ** 2).sum()
    assert r2 >= 0.3, r2


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adagrad", "adamw"])
def test_iris_learns_with_each_optimizer(optimizer):
    nnet.utils.set_random_seed(5)
    data = datasets.load_iris()
    x_train, y_train, x_test, y_test = _split(data.data, data.target)
    x_train, x_test = _standardize(x_train, x_test)
    lr = {"sgd": 0.1, "rmsprop": 0.01, "adagrad": 0.3, "adamw": 0.01}[optimizer]
    model = nnet.Sequential([nnet.Input((4,)), nnet.layers.Dense(16, activation="tanh"),
                             nnet.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=nnet.optimizers.get({"class_name": optimizer,
                                                 "config": {"learning_rate": lr}}),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=40, batch_size=16, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.85, (optimizer, accuracy)
