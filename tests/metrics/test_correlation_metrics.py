"""Correlation metrics against Keras 3 (torch backend) batch by batch, and NumPy's corrcoef."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
from metric_oracle import N, check_against_keras, keras_params, keras_value, regression

from nnet import metrics


def correlated(shape):
    def make(rng):
        y_true = rng.normal(0, 1, shape)
        return (np.float32(y_true),
                np.float32(0.7 * y_true + 0.5 * rng.normal(0, 1, shape) + 0.3))
    return make


CASES = [
    ("PearsonCorrelation", {}, correlated((N, 6))),
    ("PearsonCorrelation", {}, regression((N, 4), (N, 4))),
    ("PearsonCorrelation", {"axis": 1}, correlated((N, 5, 2))),
    ("ConcordanceCorrelation", {}, correlated((N, 6))),
    ("ConcordanceCorrelation", {}, regression((N, 4), (N, 4), 0.0, 3.0)),
    ("ConcordanceCorrelation", {"axis": 1}, correlated((N, 5, 2))),
]


@pytest.mark.parametrize("name, kwargs, make, seed, weights", keras_params(CASES))
def test_matches_keras_batch_by_batch(keras, name, kwargs, make, seed, weights):
    check_against_keras(keras, name, kwargs, make, seed, weights)


@pytest.mark.parametrize("name", ["pearson_correlation", "concordance_correlation"])
def test_functions_match_keras(keras, name):
    y_true, y_pred = correlated((N, 7))(np.random.default_rng(21))
    np.testing.assert_allclose(getattr(metrics, name)(y_true, y_pred),
                               keras_value(keras, getattr(keras.metrics, name)(y_true, y_pred)),
                               rtol=1e-6, atol=1e-7)


def test_pearson_is_numpy_corrcoef_and_concordance_follows_lin():
    y_true, y_pred = (a.astype(np.float64) for a in correlated((N, 7))(np.random.default_rng(22)))
    pearson = [np.corrcoef(t, p)[0, 1] for t, p in zip(y_true, y_pred)]
    np.testing.assert_allclose(metrics.pearson_correlation(y_true, y_pred), pearson, rtol=1e-9)
    lin = [2 * np.cov(t, p, bias=True)[0, 1] / (t.var() + p.var() + (t.mean() - p.mean()) ** 2)
           for t, p in zip(y_true, y_pred)]
    np.testing.assert_allclose(metrics.concordance_correlation(y_true, y_pred), lin, rtol=1e-6)
