"""FBetaScore and F1Score against Keras 3 (torch backend) batch by batch, and scikit-learn."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
from metric_oracle import N, accumulate, batches, binary, check_against_keras, keras_params, one_hot

from nnet import metrics


def with_zero_rows(rng):
    y_true, y_pred = one_hot(4)(rng)
    y_pred[:5] = 0.0
    return y_true, y_pred


# Keras multiplies by expand_dims(sample_weight, 1): (N, 1) weights only broadcast by accident
# (into (N, N, C), summed to a wrong micro score), so only per-sample weights are compared.
SAMPLES = [None, "samples"]
CASES = [
    ("F1Score", {}, one_hot(4), SAMPLES),
    ("F1Score", {"average": "micro"}, one_hot(4), SAMPLES),
    ("F1Score", {"average": "macro", "threshold": 0.6}, binary((N, 3), (N, 3)), SAMPLES),
    ("F1Score", {"average": "weighted"}, with_zero_rows, SAMPLES),
    ("FBetaScore", {"beta": 2.0}, one_hot(5), SAMPLES),
    ("FBetaScore", {"beta": 0.5, "average": "micro", "threshold": 0.3}, binary((N, 3), (N, 3)),
     SAMPLES),
    ("FBetaScore", {"beta": 3.0, "average": "weighted", "threshold": 0.5},
     binary((N, 4), (N, 4)), SAMPLES),
    ("FBetaScore", {"average": "macro"}, one_hot(3), SAMPLES),
]


@pytest.mark.parametrize("name, kwargs, make, seed, weights", keras_params(CASES))
def test_matches_keras_batch_by_batch(keras, name, kwargs, make, seed, weights):
    check_against_keras(keras, name, kwargs, make, seed, weights)


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("beta", [1.0, 2.0])
@pytest.mark.parametrize("weights", [None, "samples"])
def test_argmax_scores_match_sklearn(average, beta, weights):
    sk_metrics = pytest.importorskip("sklearn.metrics")
    metric = metrics.F1Score(average) if beta == 1.0 else metrics.FBetaScore(average, beta)
    result, y_true, y_pred, sample_weight = accumulate(metric, batches(one_hot(4), 12, weights))
    predicted = np.eye(4)[np.argmax(y_pred, axis=-1)]
    expected = sk_metrics.fbeta_score(y_true, predicted, beta=beta, average=average,
                                      sample_weight=sample_weight)
    if beta == 1.0:
        np.testing.assert_allclose(expected, sk_metrics.f1_score(
            y_true, predicted, average=average, sample_weight=sample_weight))
    np.testing.assert_allclose(result, expected, rtol=1e-6)


def test_multilabel_threshold_matches_sklearn():
    sk_metrics = pytest.importorskip("sklearn.metrics")
    result, y_true, y_pred, sample_weight = accumulate(
        metrics.F1Score("macro", threshold=0.4), batches(binary((N, 3), (N, 3)), 13, "samples"))
    expected = sk_metrics.f1_score(y_true, y_pred > 0.4, average="macro",
                                   sample_weight=sample_weight)
    assert result == pytest.approx(expected, rel=1e-6)


def test_bad_arguments_and_shapes_raise_with_a_fix():
    with pytest.raises(ValueError, match="average=mean"):
        metrics.F1Score(average="mean")
    with pytest.raises(ValueError, match="beta=1 of type"):
        metrics.FBetaScore(beta=1)
    with pytest.raises(ValueError, match="beta=-1.0"):
        metrics.FBetaScore(beta=-1.0)
    with pytest.raises(ValueError, match="threshold=1.5"):
        metrics.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match="2D inputs"):
        metrics.F1Score()(np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="sample_weight"):
        metrics.F1Score()(np.eye(3), np.eye(3), sample_weight=np.ones((3, 1)))
