"""Regression metrics against Keras 3 (torch backend) batch by batch, and R2 against sklearn."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
from metric_oracle import (
    N,
    accumulate,
    batches,
    check_against_keras,
    compare,
    f32,
    keras_params,
    keras_value,
    regression,
)

from nnet import metrics


def with_constant_column(rng):
    y_true, y_pred = regression((N, 3), (N, 3))(rng)
    y_true[:, 1] = 0.5
    return y_true, y_pred


CASES = [
    ("MeanSquaredError", {}, regression((N, 3), (N, 3))),
    ("MeanSquaredError", {}, regression((N,), (N, 1))),
    ("RootMeanSquaredError", {}, regression((N, 3), (N, 3))),
    ("RootMeanSquaredError", {}, regression((N, 1), (N,))),
    ("MeanAbsoluteError", {}, regression((N, 3), (N, 3))),
    ("MeanAbsolutePercentageError", {}, regression((N, 3), (N, 3), 0.5, 3.0)),
    ("MeanSquaredLogarithmicError", {}, regression((N, 3), (N, 3), 0.0, 3.0)),
    ("CosineSimilarity", {}, regression((N, 4), (N, 4))),
    ("CosineSimilarity", {"axis": 1}, regression((N, 3, 2), (N, 3, 2))),
    ("LogCoshError", {}, regression((N, 3), (N, 3), -8.0, 8.0)),
    ("LogCoshError", {}, regression((N, 1), (N,))),
    ("R2Score", {}, regression((N, 3), (N, 3))),
    ("R2Score", {}, regression((N,), (N, 1))),
    ("R2Score", {"class_aggregation": "variance_weighted_average"}, regression((N, 3), (N, 3))),
    ("R2Score", {"class_aggregation": None}, regression((N, 3), (N, 3))),
    # Unweighted only: with weights Keras's float32 sums leave a rounding residue for the
    # variance of a constant column (R2 of -4e7 where nnet's float64 state gives the exact 0).
    ("R2Score", {"class_aggregation": None}, with_constant_column, [None]),
    ("R2Score", {"num_regressors": 5}, regression((N, 2), (N, 2))),
]


@pytest.mark.parametrize("name, kwargs, make, seed, weights", keras_params(CASES))
def test_matches_keras_batch_by_batch(keras, name, kwargs, make, seed, weights):
    check_against_keras(keras, name, kwargs, make, seed, weights)


def test_batch_of_rank_one_counts_as_one_sample_like_keras(keras):
    # Keras's MSE of (N,) against (N,) is a scalar per batch, so each batch weighs 1.
    ours, theirs = metrics.MeanSquaredError(), keras.metrics.MeanSquaredError()
    rng = np.random.default_rng(0)
    compare(keras, ours, theirs, [(*regression((n,), (n,))(rng), None) for n in (4, 40, 9)])


@pytest.mark.parametrize("name", ["mean_squared_error", "mean_absolute_error",
                                  "mean_absolute_percentage_error",
                                  "mean_squared_logarithmic_error", "log_cosh"])
def test_functions_match_keras(keras, name):
    y_true, y_pred = regression((N, 3), (N, 3), 0.1, 2.0)(np.random.default_rng(4))
    np.testing.assert_allclose(getattr(metrics, name)(y_true, y_pred),
                               keras_value(keras, getattr(keras.metrics, name)(y_true, y_pred)),
                               rtol=1e-6)


def test_cosine_similarity_matches_keras_with_zero_vectors(keras):
    from keras.src.metrics.regression_metrics import cosine_similarity

    y_true, y_pred = regression((N, 3), (N, 3))(np.random.default_rng(5))
    y_true[:4] = 0.0
    np.testing.assert_allclose(
        metrics.regression_metrics.cosine_similarity(y_true, y_pred),
        keras_value(keras, cosine_similarity(y_true, y_pred)), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("class_aggregation, multioutput", [
    ("uniform_average", "uniform_average"), ("variance_weighted_average", "variance_weighted"),
    (None, "raw_values")])
@pytest.mark.parametrize("weights", [None, "samples"])
def test_r2_matches_sklearn(class_aggregation, multioutput, weights):
    sk_metrics = pytest.importorskip("sklearn.metrics")
    result, y_true, y_pred, sample_weight = accumulate(
        metrics.R2Score(class_aggregation=class_aggregation),
        batches(regression((N, 3), (N, 3)), 8, weights))
    expected = sk_metrics.r2_score(y_true, y_pred, sample_weight=sample_weight,
                                   multioutput=multioutput)
    np.testing.assert_allclose(result, expected, rtol=1e-6)


def test_adjusted_r2_follows_the_formula():
    sk_metrics = pytest.importorskip("sklearn.metrics")
    result, y_true, y_pred, _ = accumulate(
        metrics.R2Score(num_regressors=4), batches(regression((N, 1), (N, 1)), 9, None))
    n, r2 = y_true.size, sk_metrics.r2_score(y_true, y_pred)
    assert result == pytest.approx(1 - (1 - r2) * (n - 1) / (n - 4 - 1), rel=1e-6)


def test_adjusted_r2_falls_back_with_a_warning_when_too_few_samples():
    metric = metrics.R2Score(num_regressors=3)
    metric.update_state(f32([[1.0], [2.0], [4.0]]), f32([[1.0], [2.5], [3.0]]))
    with pytest.warns(UserWarning, match="More independent predictors"):
        assert metric.result() == pytest.approx(
            metrics.R2Score()(f32([[1.0], [2.0], [4.0]]), f32([[1.0], [2.5], [3.0]])))


def test_bad_arguments_and_shapes_raise_with_a_fix():
    with pytest.raises(ValueError, match=r"y_true.shape=\(4, 3\), y_pred.shape=\(4, 2\)"):
        metrics.MeanSquaredError()(np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="class_aggregation=mean"):
        metrics.R2Score(class_aggregation="mean")
    with pytest.raises(ValueError, match="num_regressors=-1"):
        metrics.R2Score(num_regressors=-1)
    with pytest.raises(ValueError, match="2D inputs"):
        metrics.R2Score()(np.zeros((4, 3, 2)), np.zeros((4, 3, 2)))
