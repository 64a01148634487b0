"""Accuracy metrics against Keras 3 (torch backend), batch by batch."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
from metric_oracle import (
    N,
    binary,
    check_against_keras,
    f32,
    keras_params,
    keras_value,
    one_hot,
    sparse,
)

from nnet import metrics


def sorted_ids(classes, kept):
    def make(rng):
        scores = rng.random((N, classes))
        return rng.integers(0, classes, (N,)), f32(np.argsort(-scores, axis=1)[:, :kept])
    return make


def integers(rng):
    return rng.integers(0, 3, (N,)), rng.integers(0, 3, (N, 1))


CASES = [
    ("BinaryAccuracy", {}, binary((N,), (N, 1))),
    ("BinaryAccuracy", {"threshold": 0.3}, binary((N, 1), (N, 1))),
    ("BinaryAccuracy", {}, binary((N, 4), (N, 4))),
    ("CategoricalAccuracy", {}, one_hot(5)),
    ("CategoricalAccuracy", {}, one_hot(4, rank3=True)),
    ("SparseCategoricalAccuracy", {}, sparse(5)),
    ("SparseCategoricalAccuracy", {}, sparse(5, (N, 1))),
    ("SparseCategoricalAccuracy", {}, sparse(4, (N, 3))),
    ("TopKCategoricalAccuracy", {"k": 2}, one_hot(6)),
    ("TopKCategoricalAccuracy", {}, one_hot(6, rank3=True)),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, sparse(6)),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, sparse(6, (N, 1))),
    ("SparseTopKCategoricalAccuracy", {"k": 2, "from_sorted_ids": True}, sorted_ids(6, 4)),
    ("Accuracy", {}, integers),
]


@pytest.mark.parametrize("name, kwargs, make, seed, weights", keras_params(CASES))
def test_matches_keras_batch_by_batch(keras, name, kwargs, make, seed, weights):
    check_against_keras(keras, name, kwargs, make, seed, weights)


@pytest.mark.parametrize("name, make", [
    ("binary_accuracy", binary((N,), (N, 1))), ("categorical_accuracy", one_hot(8)),
    ("sparse_categorical_accuracy", sparse(8)), ("top_k_categorical_accuracy", one_hot(8)),
    ("sparse_top_k_categorical_accuracy", sparse(8)),
])
def test_functions_match_keras(keras, name, make):
    y_true, y_pred = make(np.random.default_rng(4))
    np.testing.assert_allclose(getattr(metrics, name)(y_true, y_pred),
                               keras_value(keras, getattr(keras.metrics, name)(y_true, y_pred)),
                               rtol=1e-6)


def test_shape_mismatch_raises_with_a_fix():
    with pytest.raises(ValueError, match="sparse version"):
        metrics.CategoricalAccuracy()(np.zeros(4), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="categorical version"):
        metrics.SparseCategoricalAccuracy()(np.zeros((4, 3)), np.zeros((4, 3)))
