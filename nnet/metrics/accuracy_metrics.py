"""Accuracy metrics and their per-sample functions."""

import numpy as np

from nnet.backend import floatx
from nnet.metrics.metric import METRICS
from nnet.metrics.metrics_utils import _one_hot_labels, _same_shape, _sparse_labels, _to_array
from nnet.metrics.reduction_metrics import _Builtin, _register_functions


def _in_top_k(labels, y_pred, k):
    """Whether each label's score is at least the k-th largest score (ties count as hits)."""
    scores = y_pred.reshape(-1, y_pred.shape[-1])
    labels = labels.reshape(-1).astype(np.int64)
    target = np.take_along_axis(scores, labels[:, None], axis=-1)[:, 0]
    num_classes = scores.shape[-1]
    if k >= num_classes:
        return np.ones(labels.shape, dtype=bool)
    kth_largest = np.partition(scores, num_classes - k, axis=-1)[:, num_classes - k]
    return target >= kth_largest


def accuracy(y_true, y_pred):
    """How often predictions equal labels, per element: ``y_true == y_pred``.

    Args:
        y_true: the targets, shape of `y_pred` (a trailing dimension of 1 may differ).
        y_pred: the predictions.

    Example:
        >>> accuracy([1, 2, 3], [1, 2, 0])
        array([1., 1., 0.])
    """
    y_true, y_pred = _same_shape(y_true, y_pred, "accuracy")
    return (y_true == y_pred).astype(np.float64)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Per-element match of binary labels and thresholded scores: ``y_true == (y_pred > t)``.

    Args:
        y_true: 0/1 labels, shape of `y_pred` (a trailing 1 may differ).
        y_pred: scores or probabilities.
        threshold: scores above it count as 1.

    Example:
        >>> binary_accuracy([1, 0, 1], [0.9, 0.6, 0.2])
        array([1., 0., 0.])
    """
    y_true, y_pred = _same_shape(y_true, y_pred, "binary_accuracy")
    # Keras compares against a float32 threshold.
    return (y_true == (y_pred > np.asarray(threshold, floatx()))).astype(np.float64)


def categorical_accuracy(y_true, y_pred):
    """Per-sample match of argmaxes for one-hot labels: ``argmax(y_true) == argmax(y_pred)``.

    Args:
        y_true: one-hot labels, shape ``(..., num_classes)``.
        y_pred: scores of the same shape.

    Example:
        >>> categorical_accuracy([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]])
        array([1., 0.])
    """
    labels, y_pred = _one_hot_labels(y_true, y_pred, "categorical_accuracy")
    return (labels == np.argmax(y_pred, axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true, y_pred):
    """Per-sample match for integer labels ``(N,)`` or ``(N, 1)``: ``y_true == argmax(y_pred)``.

    As in Keras, a trailing 1 of `y_true` is dropped when it has the rank of `y_pred`, and the
    labels are then compared with the predicted classes ``argmax(y_pred, -1)`` under NumPy
    broadcasting (labels ``(2, 1)`` against scores ``(1, 2, 3)`` give ``(2, 2)`` matches).

    Args:
        y_true: integer labels, shape ``y_pred.shape[:-1]`` (a trailing 1 may be added), or any
            shape that broadcasts against it.
        y_pred: scores, shape ``(..., num_classes)``.

    Example:
        >>> sparse_categorical_accuracy([[1], [0]], [[0.2, 0.8], [0.3, 0.7]])
        array([1., 0.])
    """
    y_true, y_pred = _to_array(y_true), _to_array(y_pred)
    squeezed = y_true.ndim == y_pred.ndim and y_true.shape[-1:] == (1,)
    labels = y_true[..., 0] if squeezed else y_true
    predicted = np.argmax(y_pred, axis=-1)
    try:
        matches = np.equal(labels, predicted).astype(np.float64)
    except ValueError:
        raise ValueError(
            f"sparse_categorical_accuracy expects integer labels of shape {y_pred.shape[:-1]} "
            f"(or with a trailing 1) for predictions of shape {y_pred.shape}. Received: "
            f"y_true.shape={y_true.shape}. For one-hot labels use the categorical version of this "
            "metric."
        ) from None
    if squeezed:
        matches = matches.reshape(y_true.shape)
    return matches[..., 0] if matches.ndim > 1 and matches.shape[-1] == 1 else matches


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether the one-hot label's class is among the `k` highest scores, per sample.

    Args:
        y_true: one-hot labels, shape ``(..., num_classes)``.
        y_pred: scores of the same shape.
        k: how many top scores count as a hit.

    Example:
        >>> top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[.1, .5, .4], [.1, .3, .6]], k=2)
        array([1., 1.])
    """
    labels, y_pred = _one_hot_labels(y_true, y_pred, "top_k_categorical_accuracy")
    return _in_top_k(labels, y_pred, k).reshape(labels.shape).astype(np.float64)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Whether the integer label is among the `k` highest scores, per sample.

    Args:
        y_true: integer labels, shape ``(N,)`` or ``(N, 1)``.
        y_pred: scores ``(N, num_classes)``, or class ids ``(N, >= k)`` with `from_sorted_ids`.
        k: how many top scores count as a hit.
        from_sorted_ids: `y_pred` holds class ids sorted by decreasing score instead of scores.

    Example:
        >>> sparse_top_k_categorical_accuracy([2, 0], [[.1, .5, .4], [.1, .3, .6]], k=2)
        array([1., 0.])
    """
    y_true = _to_array(y_true)
    labels, y_pred = _sparse_labels(y_true, y_pred, "sparse_top_k_categorical_accuracy")
    if from_sorted_ids:
        hits = (labels[..., None] == y_pred[..., :k]).any(axis=-1)
    else:
        # Keras casts the labels to int32, truncating float labels.
        hits = _in_top_k(labels.astype(np.int64), y_pred, k)
    return hits.reshape(y_true.shape).astype(np.float64)



_register_functions(accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
                    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy)


@METRICS.register
class Accuracy(_Builtin):
    """How often predictions equal labels: the mean of `accuracy`.

    Example:
        >>> Accuracy()([[1], [2], [3], [4]], [[0], [2], [3], [4]])
        0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)
        self._direction = "up"


@METRICS.register
class BinaryAccuracy(_Builtin):
    """How often thresholded scores match binary labels: the mean of `binary_accuracy`.

    Args:
        threshold: scores above it count as 1.

    Example:
        >>> BinaryAccuracy()([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
        0.75
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"


@METRICS.register
class CategoricalAccuracy(_Builtin):
    """How often the argmax matches one-hot labels: the mean of `categorical_accuracy`.

    Example:
        >>> CategoricalAccuracy()([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        0.5
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"


@METRICS.register
class SparseCategoricalAccuracy(_Builtin):
    """How often the argmax matches integer labels: the mean of `sparse_categorical_accuracy`.

    Example:
        >>> SparseCategoricalAccuracy()([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
        0.5
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"


@METRICS.register
class TopKCategoricalAccuracy(_Builtin):
    """How often one-hot targets are in the top `k` predictions.

    Args:
        k: how many top scores count as a hit.

    Example:
        >>> TopKCategoricalAccuracy(k=1)([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        0.5
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"


@METRICS.register
class SparseTopKCategoricalAccuracy(_Builtin):
    """How often integer targets are in the top `k` predictions.

    Args:
        k: how many top scores count as a hit.
        from_sorted_ids: `y_pred` holds class ids sorted by decreasing score.

    Example:
        >>> SparseTopKCategoricalAccuracy(k=1)([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        0.5
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self):
        """``{name, dtype, k}``, plus ``from_sorted_ids`` only when True (as Keras)."""
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
