"""Confusion-matrix metrics: counts, Precision, Recall, rates at a fixed rate, AUC."""

import numpy as np

from nnet.backend import epsilon
from nnet.metrics.metric import METRICS, Metric
from nnet.metrics.metrics_utils import (
    NEG_INF,
    _check_thresholds,
    _confusion_counts,
    _divide_no_nan,
    _evenly_distributed,
    _to_array,
)

_COUNTS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


class _ConditionCount(Metric):
    """One weighted confusion count (tp, fp, tn or fn) at each threshold, summed over batches."""

    _count = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _check_thresholds(thresholds, 0.5)
        self._thresholds_distributed_evenly = _evenly_distributed(self.thresholds)
        self.accumulator = self._add_state(len(self.thresholds), name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the weighted count of one batch at every threshold."""
        counts = _confusion_counts(y_true, y_pred, self.thresholds,
                                   self._thresholds_distributed_evenly, sample_weight=sample_weight)
        self.accumulator += counts[_COUNTS.index(self._count)]

    def result(self):
        """A float for one threshold, else an array with one count per threshold."""
        if len(self.thresholds) == 1:
            return float(self.accumulator[0])
        return self.accumulator.astype(self.dtype)

    def get_config(self):
        """``{name, dtype, thresholds}``, thresholds as passed."""
        return {**super().get_config(), "thresholds": self.init_thresholds}


@METRICS.register
class TruePositives(_ConditionCount):
    """The weighted number of true positives: ``sum(w * (y_pred > t) * (y_true == 1))``.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); with several,
            `result()` returns one count per threshold.
        name: the metric's name.
        dtype: dtype of the computations.

    Example:
        >>> TruePositives()([0, 1, 1, 1], [1, 0, 1, 1])
        2.0
    """

    _count = "true_positives"


@METRICS.register
class FalsePositives(_ConditionCount):
    """The weighted number of false positives: ``sum(w * (y_pred > t) * (y_true == 0))``.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); with several,
            `result()` returns one count per threshold.
        name: the metric's name.
        dtype: dtype of the computations.

    Example:
        >>> FalsePositives(thresholds=[0.3, 0.7])([0, 0, 1, 1], [0.5, 0.9, 0.2, 1.0]).tolist()
        [2.0, 1.0]
    """

    _count = "false_positives"


@METRICS.register
class TrueNegatives(_ConditionCount):
    """The weighted number of true negatives: ``sum(w * (y_pred <= t) * (y_true == 0))``.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); with several,
            `result()` returns one count per threshold.
        name: the metric's name.
        dtype: dtype of the computations.

    Example:
        >>> TrueNegatives()([0, 1, 0, 0], [1, 1, 0, 0])
        2.0
    """

    _count = "true_negatives"


@METRICS.register
class FalseNegatives(_ConditionCount):
    """The weighted number of false negatives: ``sum(w * (y_pred <= t) * (y_true == 1))``.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); with several,
            `result()` returns one count per threshold.
        name: the metric's name.
        dtype: dtype of the computations.

    Example:
        >>> FalseNegatives()([0, 1, 1, 1], [0, 1, 0, 0])
        2.0
    """

    _count = "false_negatives"


class _PrecisionRecall(Metric):
    """Shared state and update of Precision and Recall (``tp`` and ``fp`` or ``fn``)."""

    _second = None

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _check_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._thresholds_distributed_evenly = _evenly_distributed(self.thresholds)
        self.true_positives = self._add_state(len(self.thresholds), name="true_positives")
        setattr(self, self._second, self._add_state(len(self.thresholds), name=self._second))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the weighted confusion counts of one batch at every threshold."""
        tp, fp, _, fn = _confusion_counts(
            y_true, y_pred, self.thresholds, self._thresholds_distributed_evenly,
            top_k=self.top_k, class_id=self.class_id, sample_weight=sample_weight)
        self.true_positives += tp
        getattr(self, self._second)[...] += fp if self._second == "false_positives" else fn

    def result(self):
        """A float for one threshold, else an array with one value per threshold."""
        tp = self.true_positives
        value = _divide_no_nan(tp, tp + getattr(self, self._second))
        return float(value[0]) if len(self.thresholds) == 1 else value.astype(self.dtype)

    def get_config(self):
        """``{name, dtype, thresholds, top_k, class_id}``, thresholds as passed."""
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


@METRICS.register
class Precision(_PrecisionRecall):
    """The precision of thresholded predictions: ``tp / (tp + fp)``, accumulated over batches.

    Args:
        thresholds: a float or list of floats in [0, 1]; ``y_pred > t`` is a positive
            (default 0.5). With several, `result()` returns one value per threshold.
        top_k: only the `k` highest scores of each sample can be positive.
        class_id: compute the metric for this class (column) only.
        name: the metric's name.
        dtype: dtype of the computations.

    Example:
        >>> Precision()([0, 1, 1, 1], [1, 0, 1, 1])
        0.6666666666666666
    """

    _second = "false_positives"


@METRICS.register
class Recall(_PrecisionRecall):
    """The recall of thresholded predictions: ``tp / (tp + fn)``, accumulated over batches.

    Args:
        thresholds: a float or list of floats in [0, 1]; ``y_pred > t`` is a positive
            (default 0.5). With several, `result()` returns one value per threshold.
        top_k: only the `k` highest scores of each sample can be positive.
        class_id: compute the metric for this class (column) only.
        name: the metric's name.
        dtype: dtype of the computations.

    Example:
        >>> Recall()([0, 1, 1, 1], [1, 0, 1, 1])
        0.6666666666666666
    """

    _second = "false_negatives"


_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


@METRICS.register
class AUC(Metric):
    """Area under the ROC or precision-recall curve, by a Riemann sum over fixed thresholds.

    The thresholds are ``[-eps, 1/(n-1), ..., (n-2)/(n-1), 1+eps]``; tp/fp/tn/fn are accumulated
    at each one, and the area is summed with the trapezoid rule (ROC) or with Davis & Goadrich's
    interpolation (PR), exactly as Keras does.

    Args:
        num_thresholds: number of thresholds (> 1) when `thresholds` is not given.
        curve: ``"ROC"``, ``"PR"`` or ``"PRGAIN"``.
        summation_method: ``"interpolation"``, ``"majoring"`` or ``"minoring"``.
        name: the metric's name.
        dtype: dtype of the computations.
        thresholds: explicit thresholds in [0, 1] (the epsilon end points are added).
        multi_label: average the AUCs of the label columns instead of flattening them.
        num_labels: number of label columns, to build the state before the first batch.
        label_weights: per-label weights, for the flattened counts or the label average.
        from_logits: apply a sigmoid to `y_pred` first.

    Example:
        >>> AUC(num_thresholds=3)([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        if str(curve).lower() not in _CURVES:
            raise ValueError(
                f"Invalid AUC curve value: curve={curve!r}. Expected 'ROC', 'PR' or 'PRGAIN'.")
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(
                f"Invalid AUC summation method: summation_method={summation_method!r}. Expected "
                "'interpolation', 'majoring' or 'minoring'.")
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(_check_thresholds(thresholds, None))
            self._thresholds_distributed_evenly = _evenly_distributed([0.0, *thresholds, 1.0])
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    "Argument `num_thresholds` must be an integer > 1. "
                    f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        # End points just outside [0, 1] absorb floating-point imprecision at 0 and 1.
        self._thresholds = np.array([0.0 - epsilon(), *thresholds, 1.0 + epsilon()])
        self.curve = _CURVES[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = (None if label_weights is None
                              else np.asarray(label_weights, dtype=self.dtype))
        self._from_logits = from_logits
        self._built = False
        if num_labels and not multi_label:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        if not multi_label or num_labels:
            self._build((None, num_labels))

    @property
    def thresholds(self):
        """The thresholds, end points included."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    "`y_pred` must have rank 2 when `multi_label=True`. "
                    f"Found rank {len(shape)}. Full shape received for `y_pred`: {shape}")
            self._num_labels = shape[1]
        state_shape = (self.num_thresholds, self._num_labels) if self.multi_label else (
            self.num_thresholds,)
        self.true_positives = self._add_state(state_shape, name="true_positives")
        self.false_positives = self._add_state(state_shape, name="false_positives")
        self.true_negatives = self._add_state(state_shape, name="true_negatives")
        self.false_negatives = self._add_state(state_shape, name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the weighted confusion counts of one batch at every threshold."""
        y_pred = _to_array(y_pred)
        if not self._built:
            self._build(y_pred.shape)
        if self._from_logits:
            y_pred = np.exp(-np.logaddexp(0.0, -y_pred))
        tp, fp, tn, fn = _confusion_counts(
            y_true, y_pred, self._thresholds, self._thresholds_distributed_evenly,
            sample_weight=sample_weight, multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights)
        self.true_positives += tp
        self.false_positives += fp
        self.true_negatives += tn
        self.false_negatives += fn

    def _interpolate_pr_auc(self):
        """Davis & Goadrich: interpolate tp and fp linearly between thresholds, not precision."""
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        prec_slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        both_positive = (p[:-1] > 0) & (p[1:] > 0)
        safe_p_ratio = np.where(both_positive, _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        return _divide_no_nan(prec_slope * (dtp + intercept * np.log(safe_p_ratio)),
                              np.maximum(tp[1:] + fn[1:], 0))

    def _curve_points(self):
        tp, fp, tn, fn = (self.true_positives, self.false_positives, self.true_negatives,
                          self.false_negatives)
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            return _divide_no_nan(fp, fp + tn), recall
        if self.curve == "PR":
            return recall, _divide_no_nan(tp, tp + fp)
        scaling = _divide_no_nan(tp + fn, tn + fp)
        recall_gain = np.where(tp == 0, 0.0, 1.0 - scaling * _divide_no_nan(fn, tp))
        precision_gain = np.where(tp == 0, 1.0, 1.0 - scaling * _divide_no_nan(fp, tp))
        return np.maximum(recall_gain, 0.0), precision_gain

    def result(self):
        """The area, averaged over labels (weighted by `label_weights`) with `multi_label`."""
        if self.curve == "PR" and self.summation_method == "interpolation":
            areas = self._interpolate_pr_auc()
        else:
            x, y = self._curve_points()
            pick = {"interpolation": lambda a, b: (a + b) / 2.0, "minoring": np.minimum,
                    "majoring": np.maximum}[self.summation_method]
            areas = (x[:-1] - x[1:]) * pick(y[:-1], y[1:])
        if not self.multi_label:
            return float(areas.sum())
        by_label = areas.sum(axis=0)
        if self.label_weights is None:
            return float(by_label.mean())
        return float(_divide_no_nan(np.sum(by_label * self.label_weights),
                                    np.sum(self.label_weights)))

    def get_config(self):
        """Keras's AUC config; the thresholds appear only when they were given."""
        config = {
            **super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
            "summation_method": self.summation_method, "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return config


class _SensitivitySpecificityBase(Metric):
    """The best `dependent` rate over thresholds where the `constrained` rate is >= `value`.

    Keeps tp/fp/tn/fn at `num_thresholds` evenly spaced thresholds in [0, 1] (just 0.5 when
    `num_thresholds` is 1), as Keras does.
    """

    _value_name = None
    _constrained = None
    _dependent = None

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if not 0 <= value <= 1:
            raise ValueError(
                f"Argument `{self._value_name}` must be in the range [0, 1]. "
                f"Received: {self._value_name}={value}")
        if num_thresholds <= 0:
            raise ValueError(
                "Argument `num_thresholds` must be an integer > 0. "
                f"Received: num_thresholds={num_thresholds}")
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        setattr(self, self._value_name, value)
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            self.thresholds = [i / (num_thresholds - 1) for i in range(num_thresholds)]
        self._thresholds_distributed_evenly = num_thresholds > 1
        for count in _COUNTS:
            setattr(self, count, self._add_state(num_thresholds, name=count))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the weighted confusion counts of one batch at every threshold."""
        counts = _confusion_counts(
            y_true, y_pred, self.thresholds, self._thresholds_distributed_evenly,
            class_id=self.class_id, sample_weight=sample_weight)
        for count, batch_count in zip(_COUNTS, counts):
            getattr(self, count)[...] += batch_count

    def result(self):
        """``max(dependent where constrained >= value)``, 0 when no threshold qualifies."""
        # Keras compares the rates in the metric's dtype; so do we, so that ties fall alike.
        tp, fp, tn, fn = (getattr(self, count).astype(self.dtype) for count in _COUNTS)
        rates = {"recall": _divide_no_nan(tp, tp + fn), "precision": _divide_no_nan(tp, tp + fp),
                 "specificity": _divide_no_nan(tn, tn + fp)}
        feasible = rates[self._constrained] >= np.asarray(self.value, self.dtype)
        return float(np.max(np.where(feasible, rates[self._dependent], 0.0), initial=0.0))

    def get_config(self):
        """``{name, dtype, class_id, num_thresholds, <value name>}``."""
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._value_name: self.value}


@METRICS.register
class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    """The best sensitivity ``tp / (tp + fn)`` at a specificity ``tn / (tn + fp)`` >= `specificity`.

    Args:
        specificity: the minimal specificity, in [0, 1].
        num_thresholds: how many evenly spaced thresholds in [0, 1] to try.
        class_id: compute the metric for this class (column) only.
        name: the metric's name.
        dtype: dtype of the computations.

    Example:
        >>> SensitivityAtSpecificity(0.5)([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        0.5
    """

    _value_name, _constrained, _dependent = "specificity", "specificity", "recall"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


@METRICS.register
class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    """The best specificity ``tn / (tn + fp)`` at a sensitivity ``tp / (tp + fn)`` >= `sensitivity`.

    Args:
        sensitivity: the minimal sensitivity, in [0, 1].
        num_thresholds: how many evenly spaced thresholds in [0, 1] to try.
        class_id: compute the metric for this class (column) only.
        name: the metric's name.
        dtype: dtype of the computations.

    Example:
        >>> round(SpecificityAtSensitivity(0.5)([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]), 6)
        0.666667
    """

    _value_name, _constrained, _dependent = "sensitivity", "recall", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


@METRICS.register
class PrecisionAtRecall(_SensitivitySpecificityBase):
    """The best precision ``tp / (tp + fp)`` at a recall ``tp / (tp + fn)`` >= `recall`.

    Args:
        recall: the minimal recall, in [0, 1].
        num_thresholds: how many evenly spaced thresholds in [0, 1] to try.
        class_id: compute the metric for this class (column) only.
        name: the metric's name.
        dtype: dtype of the computations.

    Example:
        >>> PrecisionAtRecall(0.5)([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        0.5
    """

    _value_name, _constrained, _dependent = "recall", "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


@METRICS.register
class RecallAtPrecision(_SensitivitySpecificityBase):
    """The best recall ``tp / (tp + fn)`` at a precision ``tp / (tp + fp)`` >= `precision`.

    Args:
        precision: the minimal precision, in [0, 1].
        num_thresholds: how many evenly spaced thresholds in [0, 1] to try.
        class_id: compute the metric for this class (column) only.
        name: the metric's name.
        dtype: dtype of the computations.

    Example:
        >>> RecallAtPrecision(0.8)([0, 0, 1, 1], [0.5, 0.3, 0.8, 0.6])
        1.0
    """

    _value_name, _constrained, _dependent = "precision", "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
