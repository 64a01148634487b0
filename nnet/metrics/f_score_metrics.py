"""F-scores: FBetaScore and F1Score, per class or averaged, as Keras computes them."""

import numpy as np

from nnet.backend import epsilon
from nnet.metrics.metric import METRICS, Metric
from nnet.metrics.metrics_utils import _as_floats, _broadcast_weights, _to_array

_AVERAGES = (None, "micro", "macro", "weighted")


@METRICS.register
class FBetaScore(Metric):
    """The F-beta score, the weighted harmonic mean of precision and recall.

    ``(1 + beta**2) * precision * recall / (beta**2 * precision + recall)``, with precision and
    recall counted per class (column) over every batch seen. A prediction is positive when it is
    above `threshold`, or, without a threshold, when it is the row's largest (non-zero) score.

    Args:
        average: None (one score per class), ``"micro"`` (from the counts summed over classes),
            ``"macro"`` (mean of the class scores) or ``"weighted"`` (class scores weighted by
            each class's number of true labels).
        beta: the weight of recall, a positive Python float.
        threshold: a Python float in (0, 1], or None for the argmax of each row.
        name: the metric's name.
        dtype: dtype of the computations.

    Shapes: ``y_true`` and ``y_pred`` are ``(batch_size, num_classes)``; ``sample_weight`` is
    ``(batch_size,)`` (Keras breaks on ``(batch_size, 1)``; nnet refuses it).

    Example:
        >>> m = FBetaScore(beta=2.0, threshold=0.5)
        >>> m([[1, 1, 1], [1, 0, 0], [1, 1, 0]], [[.2, .6, .7], [.2, .6, .6], [.6, .8, 0]]).round(4)
        array([0.3846, 0.9091, 0.8333], dtype=float32)
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if average not in _AVERAGES:
            raise ValueError(
                "Invalid `average` argument value. Expected one of: "
                f"{{None, 'micro', 'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError(
                "Invalid `beta` argument value. It should be a Python float. "
                f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(
                f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(
                    "Invalid `threshold` argument value. It should be a Python float. "
                    f"Received: threshold={threshold} of type '{type(threshold)}'")
            if not 0.0 < threshold <= 1.0:
                raise ValueError(
                    "Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                    f"Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} expects 2D inputs with shape (batch_size, output_dim). "
                f"Received input shapes: y_pred.shape={y_pred_shape} and "
                f"y_true.shape={y_true_shape}.")
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        self.true_positives = self._add_state(shape, name="true_positives")
        self.false_positives = self._add_state(shape, name="false_positives")
        self.false_negatives = self._add_state(shape, name="false_negatives")
        self.intermediate_weights = self._add_state(shape, name="intermediate_weights")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the weighted tp, fp, fn and true-label counts of one batch, per class."""
        y_true, y_pred = _as_floats(y_true, y_pred, self.dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:
            # Keras's argmax: every maximal score counts, but an all-zero row has no positive.
            positive = (y_pred >= y_pred.max(axis=-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            positive = y_pred > np.asarray(self.threshold, self.dtype)
        y_pred = positive.astype(self.dtype)
        if sample_weight is not None:
            sample_weight = np.asarray(_to_array(sample_weight), self.dtype)
            if sample_weight.ndim > 1:
                raise ValueError(
                    f"{type(self).__name__} takes one weight per sample. Received: "
                    f"sample_weight.shape={sample_weight.shape} for y_true.shape="
                    f"{y_true.shape}. Pass sample_weight of shape ({y_true.shape[0]},).")
            weights = _broadcast_weights(sample_weight.reshape(-1, 1), y_true.shape)
            y_true_w, y_pred_w = y_true * weights, y_pred * weights
        else:
            y_true_w, y_pred_w = y_true, y_pred
        self.true_positives += np.sum(y_pred_w * y_true, axis=self.axis)
        self.false_positives += np.sum(y_pred_w * (1 - y_true), axis=self.axis)
        self.false_negatives += np.sum((1 - y_pred) * y_true_w, axis=self.axis)
        self.intermediate_weights += np.sum(y_true_w, axis=self.axis)

    def result(self):
        """Per-class scores (an array) with ``average=None``, else a float; 0 before any batch."""
        if not self._built:
            return 0.0
        # In the metric's dtype, as Keras: there the epsilons vanish next to counts >= 1.
        tp, fp, fn, support = (v.data.astype(self.dtype) for v in self.variables)
        eps, beta2 = np.asarray(epsilon(), self.dtype), np.asarray(self.beta ** 2, self.dtype)
        precision = tp / (tp + fp + eps)
        recall = tp / (tp + fn + eps)
        score = precision * recall / (beta2 * precision + recall + eps) * (1 + beta2)
        if self.average is None:
            return score
        if self.average == "weighted":
            return float(np.sum(score * support / (np.sum(support) + eps)))
        return float(np.mean(score))

    def get_config(self):
        """``{name, dtype, average, beta, threshold}``."""
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


@METRICS.register
class F1Score(FBetaScore):
    """The F1 score, ``2 * precision * recall / (precision + recall)``: FBetaScore with beta 1.

    Args:
        average: None (one score per class), ``"micro"``, ``"macro"`` or ``"weighted"``; see
            `FBetaScore`.
        threshold: a Python float in (0, 1], or None for the argmax of each row.
        name: the metric's name.
        dtype: dtype of the computations.

    Example:
        >>> m = F1Score(threshold=0.5)
        >>> m([[1, 1, 1], [1, 0, 0], [1, 1, 0]], [[.2, .6, .7], [.2, .6, .6], [.6, .8, 0]]).round(4)
        array([0.5   , 0.8   , 0.6667], dtype=float32)
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        """``{name, dtype, average, threshold}``."""
        config = super().get_config()
        del config["beta"]
        return config
