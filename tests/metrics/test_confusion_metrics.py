"""Confusion-matrix metrics against Keras 3 (torch backend) batch by batch, and scikit-learn."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
from metric_oracle import (
    N,
    accumulate,
    batches,
    binary,
    check_against_keras,
    f32,
    keras_params,
    logits,
    on_grid,
)

from nnet import metrics

GRID_5 = [0.0, 0.25, 0.5, 0.75, 1.0]

CASES = [
    ("Precision", {}, binary((N,), (N,))),
    ("Precision", {"thresholds": [0.3, 0.5, 0.7]}, binary((N, 1), (N, 1))),
    ("Precision", {"thresholds": GRID_5}, binary((N, 3), (N, 3))),
    ("Precision", {"top_k": 2}, binary((N, 5), (N, 5))),
    ("Precision", {"class_id": 1}, binary((N, 5), (N, 5))),
    ("Precision", {"top_k": 2, "class_id": 3, "thresholds": 0.4}, binary((N, 5), (N, 5))),
    ("Precision", {"thresholds": GRID_5}, on_grid((N,), 4)),
    ("Precision", {"thresholds": GRID_5}, on_grid((N,), 8)),
    ("Recall", {}, binary((N,), (N, 1))),
    ("Recall", {"thresholds": [0.3, 0.5, 0.7]}, binary((N, 4), (N, 4))),
    ("Recall", {"thresholds": [0.0, 0.5, 1.0]}, binary((N,), (N,))),
    ("Recall", {"top_k": 1}, binary((N, 5), (N, 5))),
    ("Recall", {"class_id": 0}, binary((N, 5), (N, 5))),
    ("AUC", {}, binary((N,), (N, 1))),
    ("AUC", {"curve": "PR"}, binary((N,), (N,))),
    ("AUC", {"curve": "PRGAIN"}, binary((N,), (N,))),
    ("AUC", {"num_thresholds": 7, "summation_method": "minoring"}, binary((N, 2), (N, 2))),
    ("AUC", {"curve": "PR", "summation_method": "majoring"}, binary((N,), (N,))),
    ("AUC", {"from_logits": True}, logits((N, 1))),
    ("AUC", {}, on_grid((N,), 199)),
    ("AUC", {"num_thresholds": 5, "multi_label": True}, on_grid((N, 2), 4)),
    ("AUC", {"thresholds": [0.25, 0.5, 0.75]}, on_grid((N,), 4)),
    ("AUC", {"thresholds": [0.2, 0.5, 0.75]}, on_grid((N,), 4)),
    ("AUC", {"thresholds": [0.1, 0.4, 0.45, 0.9]}, binary((N,), (N,))),
    ("AUC", {"thresholds": [0.75, 0.25, 0.5], "curve": "PR"}, binary((N,), (N,))),
    ("AUC", {"multi_label": True}, binary((N, 3), (N, 3))),
    ("AUC", {"multi_label": True, "curve": "PR", "num_labels": 3}, binary((N, 3), (N, 3))),
    ("AUC", {"multi_label": True, "thresholds": [0.2, 0.6]}, binary((N, 3), (N, 3))),
    ("AUC", {"multi_label": True, "label_weights": [1.0, 0.5, 2.0]}, binary((N, 3), (N, 3))),
    ("AUC", {"label_weights": [1.0, 0.5, 2.0]}, binary((N, 3), (N, 3))),
    ("AUC", {"label_weights": [1.0, 0.5, 2.0], "thresholds": [0.3, 0.7]}, binary((N, 3), (N, 3))),
    ("TruePositives", {}, binary((N,), (N, 1))),
    ("TruePositives", {"thresholds": [0.2, 0.5, 0.8]}, binary((N, 3), (N, 3))),
    ("FalsePositives", {"thresholds": GRID_5}, on_grid((N,), 4)),
    ("FalsePositives", {"thresholds": 0.3}, binary((N, 1), (N, 1))),
    ("TrueNegatives", {}, binary((N,), (N,))),
    ("TrueNegatives", {"thresholds": GRID_5}, on_grid((N, 2), 8)),
    ("FalseNegatives", {"thresholds": [0.0, 1.0]}, on_grid((N,), 4)),
    ("FalseNegatives", {}, binary((N, 4), (N, 4))),
    ("PrecisionAtRecall", {"recall": 0.5}, binary((N,), (N,))),
    ("PrecisionAtRecall", {"recall": 0.8, "num_thresholds": 9}, on_grid((N,), 8)),
    ("PrecisionAtRecall", {"recall": 0.3, "class_id": 2}, binary((N, 4), (N, 4))),
    ("RecallAtPrecision", {"precision": 0.6}, binary((N,), (N, 1))),
    ("RecallAtPrecision", {"precision": 0.5, "num_thresholds": 1}, binary((N,), (N,))),
    ("RecallAtPrecision", {"precision": 0.55, "num_thresholds": 5}, on_grid((N, 3), 4)),
    ("SensitivityAtSpecificity", {"specificity": 0.7}, binary((N,), (N,))),
    ("SensitivityAtSpecificity", {"specificity": 0.4, "num_thresholds": 2}, on_grid((N,), 2)),
    ("SpecificityAtSensitivity", {"sensitivity": 0.6}, binary((N, 2), (N, 2))),
    ("SpecificityAtSensitivity", {"sensitivity": 0.5, "class_id": 0}, binary((N, 3), (N, 3))),
]


@pytest.mark.parametrize("name, kwargs, make, seed, weights", keras_params(CASES))
def test_matches_keras_batch_by_batch(keras, name, kwargs, make, seed, weights):
    check_against_keras(keras, name, kwargs, make, seed, weights)


def test_bad_arguments_raise_with_a_fix():
    with pytest.raises(ValueError, match=r"thresholds=\[0.5, 1.5\]"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match=r"thresholds=\[-0.1\]"):
        metrics.TruePositives(thresholds=-0.1)
    with pytest.raises(ValueError, match="curve='XY'"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="recall=1.5"):
        metrics.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match="num_thresholds=0"):
        metrics.SpecificityAtSensitivity(0.5, num_thresholds=0)
    with pytest.raises(ValueError, match="class_id"):
        metrics.RecallAtPrecision(0.5, class_id=1)(np.zeros(4), np.zeros(4))


# --- Against scikit-learn -----------------------------------------------------------------------


def between_grid_points(rng):
    # Halfway between the thresholds i/200: the 201-point grid holds every vertex of the curves.
    return f32(rng.integers(0, 2, (N, 3))), f32((rng.integers(0, 200, (N, 3)) + 0.5) / 200)


@pytest.mark.parametrize("name", ["precision_score", "recall_score"])
def test_precision_recall_match_sklearn(name):
    sk_metrics = pytest.importorskip("sklearn.metrics")
    cls = metrics.Precision if name == "precision_score" else metrics.Recall
    thresholds = [0.2, 0.5, 0.8]
    result, y_true, y_pred, weights = accumulate(
        cls(thresholds=thresholds), batches(binary((N,), (N,)), 6, "samples"))
    expected = [getattr(sk_metrics, name)(y_true, y_pred > t, sample_weight=weights)
                for t in thresholds]
    np.testing.assert_allclose(result, expected, rtol=1e-6)


@pytest.mark.parametrize("multi_label", [False, True])
def test_roc_auc_matches_sklearn_when_thresholds_separate_predictions(multi_label):
    sk_metrics = pytest.importorskip("sklearn.metrics")
    result, y_true, y_pred, weights = accumulate(
        metrics.AUC(num_thresholds=201, multi_label=multi_label),
        batches(between_grid_points, 7, "samples"))
    if multi_label:
        expected = sk_metrics.roc_auc_score(y_true, y_pred, sample_weight=weights)
    else:
        expected = sk_metrics.roc_auc_score(y_true.ravel(), y_pred.ravel(),
                                            sample_weight=np.repeat(weights, 3))
    assert result == pytest.approx(expected, rel=1e-6)


def test_condition_counts_match_sklearn_confusion_matrix():
    sk_metrics = pytest.importorskip("sklearn.metrics")
    thresholds = [0.25, 0.5, 0.9]
    data = batches(binary((N,), (N,)), 10, "samples")
    names = ("TrueNegatives", "FalsePositives", "FalseNegatives", "TruePositives")
    results = [accumulate(getattr(metrics, name)(thresholds=thresholds), data) for name in names]
    _, y_true, y_pred, weights = results[0]
    for i, t in enumerate(thresholds):
        matrix = sk_metrics.confusion_matrix(y_true, y_pred > t, sample_weight=weights)
        np.testing.assert_allclose([r[0][i] for r in results], matrix.ravel(), rtol=1e-6)


def _best_under_constraint(constrained, dependent, value):
    return max([d for c, d in zip(constrained, dependent) if c >= value], default=0.0)


@pytest.mark.parametrize("value", [0.3, 0.75])
def test_rates_at_a_fixed_rate_match_sklearn_curves(value):
    sk_metrics = pytest.importorskip("sklearn.metrics")
    data = [(y[:, 0], p[:, 0], w) for y, p, w in batches(between_grid_points, 11, "samples")]
    _, y_true, y_pred, weights = accumulate(metrics.TruePositives(), data)
    fpr, tpr, _ = sk_metrics.roc_curve(y_true, y_pred, sample_weight=weights,
                                       drop_intermediate=False)
    precision, recall, _ = sk_metrics.precision_recall_curve(y_true, y_pred,
                                                             sample_weight=weights)
    expected = {
        metrics.SensitivityAtSpecificity: _best_under_constraint(1 - fpr, tpr, value),
        metrics.SpecificityAtSensitivity: _best_under_constraint(tpr, 1 - fpr, value),
        metrics.PrecisionAtRecall: _best_under_constraint(recall, precision, value),
        metrics.RecallAtPrecision: _best_under_constraint(precision, recall, value),
    }
    for cls, best in expected.items():
        assert accumulate(cls(value, num_thresholds=201), data)[0] == pytest.approx(
            best, rel=1e-6), cls.__name__
