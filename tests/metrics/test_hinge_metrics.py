"""Hinge metrics against Keras 3 (torch backend) batch by batch, and sklearn's hinge loss."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
from metric_oracle import (
    N,
    accumulate,
    batches,
    check_against_keras,
    f32,
    keras_params,
    keras_value,
    one_hot,
)

from nnet import metrics


def scores(shape, labels=(0, 1)):
    def make(rng):
        return f32(rng.choice(labels, shape)), f32(rng.normal(0, 1.5, shape))
    return make


CASES = [
    ("Hinge", {}, scores((N, 3))),
    ("Hinge", {}, scores((N, 1), labels=(-1, 1))),
    ("Hinge", {}, scores((N, 2), labels=(-1, 0, 1))),
    ("SquaredHinge", {}, scores((N, 3))),
    ("SquaredHinge", {}, scores((N, 4), labels=(-1, 1))),
    ("CategoricalHinge", {}, one_hot(4)),
    ("CategoricalHinge", {}, one_hot(3, rank3=True)),
]


@pytest.mark.parametrize("name, kwargs, make, seed, weights", keras_params(CASES))
def test_matches_keras_batch_by_batch(keras, name, kwargs, make, seed, weights):
    check_against_keras(keras, name, kwargs, make, seed, weights)


@pytest.mark.parametrize("name", ["hinge", "squared_hinge", "categorical_hinge"])
def test_functions_match_keras(keras, name):
    y_true, y_pred = one_hot(5)(np.random.default_rng(19))
    np.testing.assert_allclose(getattr(metrics, name)(y_true, y_pred),
                               keras_value(keras, getattr(keras.metrics, name)(y_true, y_pred)),
                               rtol=1e-6, atol=1e-7)


def test_hinge_is_sklearn_hinge_loss():
    sk_metrics = pytest.importorskip("sklearn.metrics")
    result, y_true, y_pred, weights = accumulate(
        metrics.Hinge(), batches(scores((N, 1), labels=(-1, 1)), 20, "samples"))
    expected = sk_metrics.hinge_loss(y_true[:, 0], y_pred[:, 0], sample_weight=weights)
    assert result == pytest.approx(expected, rel=1e-6)
