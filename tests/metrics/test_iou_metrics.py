"""IoU metrics against Keras 3 (torch backend) batch by batch, and sklearn's Jaccard score."""

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
    keras_params,
    one_hot,
)

from nnet import metrics


def class_ids(classes, shape=(N,), low=0, high=None):
    """True and predicted class ids in [low, high) (default [0, classes))."""
    def make(rng):
        high_ = classes if high is None else high
        return rng.integers(low, high_, shape), rng.integers(low, high_, shape)
    return make


def one_hot_and_ids(classes):
    def make(rng):
        y_true, _ = one_hot(classes)(rng)
        return y_true, rng.integers(0, classes, N)
    return make


CASES = [
    ("IoU", {"num_classes": 3, "target_class_ids": [0, 2]}, class_ids(3)),
    ("IoU", {"num_classes": 4, "target_class_ids": [1]}, class_ids(4, low=-1, high=5)),
    ("IoU", {"num_classes": 4, "target_class_ids": [0, 1, 3], "ignore_class": 1},
     class_ids(4)),
    ("IoU", {"num_classes": 3, "target_class_ids": [0, 1], "dtype": "float32"}, class_ids(3)),
    ("IoU", {"num_classes": 3, "target_class_ids": [2], "sparse_y_true": False},
     lambda rng: (one_hot(3)(rng)[0], rng.integers(0, 3, N))),
    ("IoU", {"num_classes": 3, "target_class_ids": [1, 2]}, class_ids(3, shape=(N, 3))),
    ("MeanIoU", {"num_classes": 5}, class_ids(5)),
    ("MeanIoU", {"num_classes": 6}, class_ids(4)),
    ("MeanIoU", {"num_classes": 3, "ignore_class": 0, "dtype": "float32"}, class_ids(3)),
    ("MeanIoU", {"num_classes": 4, "sparse_y_pred": False},
     lambda rng: (rng.integers(0, 4, N), one_hot(4)(rng)[1])),
    ("BinaryIoU", {}, binary((N,), (N,))),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, binary((N, 1), (N, 1))),
    ("BinaryIoU", {"target_class_ids": [0], "dtype": "float32"}, binary((N,), (N,))),
    ("OneHotIoU", {"num_classes": 4, "target_class_ids": [0, 3]}, one_hot(4)),
    ("OneHotIoU", {"num_classes": 3, "target_class_ids": [1], "sparse_y_pred": True},
     one_hot_and_ids(3)),
    ("OneHotMeanIoU", {"num_classes": 5}, one_hot(5)),
    ("OneHotMeanIoU", {"num_classes": 3, "ignore_class": 2, "dtype": "float32"}, one_hot(3)),
]


@pytest.mark.filterwarnings("ignore:You are passing weight as `float`")
@pytest.mark.parametrize("name, kwargs, make, seed, weights", keras_params(CASES))
def test_matches_keras_batch_by_batch(keras, name, kwargs, make, seed, weights):
    check_against_keras(keras, name, kwargs, make, seed, weights)


@pytest.mark.parametrize("weights", [None, "samples"])
def test_iou_is_sklearn_jaccard(weights):
    sk_metrics = pytest.importorskip("sklearn.metrics")
    data = batches(class_ids(4), 14, weights)
    per_class = [accumulate(metrics.IoU(4, [c], dtype="float32"), data)[0] for c in range(4)]
    mean_iou, y_true, y_pred, sample_weight = accumulate(metrics.MeanIoU(4, dtype="float32"), data)
    expected = sk_metrics.jaccard_score(y_true, y_pred, labels=range(4), average=None,
                                        sample_weight=sample_weight)
    np.testing.assert_allclose(per_class, expected, rtol=1e-6)
    assert mean_iou == pytest.approx(expected.mean(), rel=1e-6)


def test_float_weights_are_truncated_to_the_integer_dtype_with_a_warning():
    ours = metrics.MeanIoU(2)
    with pytest.warns(UserWarning, match="integer weights"):
        ours.update_state([0, 1, 1], [0, 1, 0], sample_weight=np.array([1.7, 0.9, 2.2]))
    np.testing.assert_array_equal(ours.variables[0], [[1, 0], [2, 0]])


def test_bad_arguments_raise_with_a_fix():
    with pytest.raises(ValueError, match=r"Target class id 3 is out of range.*\[0, 3\)"):
        metrics.IoU(num_classes=3, target_class_ids=[0, 3])
    with pytest.raises(ValueError, match="as many true as predicted"):
        metrics.MeanIoU(3)(np.zeros(4), np.zeros(5))
