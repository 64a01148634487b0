"""`MonitorCallback`: the "is this value an improvement?" logic of the monitoring callbacks."""

import operator
import warnings

from nnet.callbacks.callback import Callback

# Used by mode='auto' when the model's metric objects do not say which way is better.
_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "r2",
                     "cosine_similarity", "correlation", "true_positives", "true_negatives",
                     "sensitivity", "specificity")
_LOWER_IS_BETTER = ("loss", "error", "mae", "mse", "mape", "msle", "crossentropy", "hinge",
                    "divergence", "poisson", "cosh", "false_positives", "false_negatives")


def _direction_from_metrics(model, metric_name):
    """``"up"``/``"down"`` from the `_direction` of the model's metric called `metric_name`."""
    found = None
    for metric in getattr(model, "metrics", None) or ():
        for inner in [metric, *(getattr(metric, "metrics", None) or ())]:
            if getattr(inner, "name", None) == metric_name:
                found = getattr(inner, "_direction", found)
    return found


def _direction_from_name(metric_name):
    if metric_name == "loss" or metric_name.endswith("_loss"):
        return "down"
    if any(word in metric_name for word in _HIGHER_IS_BETTER):
        return "up"
    if any(word in metric_name for word in _LOWER_IS_BETTER):
        return "down"
    return None


class MonitorCallback(Callback):
    """Base of the callbacks that watch one logged value (`EarlyStopping`, `ModelCheckpoint`,
    `ReduceLROnPlateau`).

    A value `current` improves on `reference` when ``current - min_delta < reference`` (mode
    ``'min'``) or ``current - min_delta > reference`` (mode ``'max'``); any value improves on
    None. Mode ``'auto'`` asks the model's metric of that name (``val_`` prefix removed) for its
    direction, as Keras does, and otherwise goes by the name: losses and errors are minimised,
    accuracies, AUC, precision, recall and the like are maximised.

    Args:
        monitor: the name of the logged value, e.g. ``"val_loss"``.
        mode: ``"auto"``, ``"min"`` or ``"max"``; anything else warns and means ``"auto"``.
        baseline: the starting reference value, or None.
        min_delta: the least change that counts as an improvement (its sign is ignored).

    Example:
        >>> watch = MonitorCallback(monitor="val_accuracy", min_delta=0.01)
        >>> watch._set_monitor_op()
        >>> watch._is_improvement(0.905, 0.9), watch._is_improvement(0.92, 0.9)
        (False, True)
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.",
                stacklevel=2,
            )
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        """Choose `monitor_op` (`operator.lt` or `operator.gt`) from the mode and the metric."""
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            metric_name = self.monitor.removeprefix("val_")
            direction = _direction_from_metrics(self.model, metric_name)
            direction = direction or _direction_from_name(metric_name)
            if direction is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but nnet "
                    "isn't able to automatically determine whether that metric should be "
                    "maximized or minimized. Pass `mode='max'` in order to monitor based on the "
                    "highest metric value, or pass `mode='min'` in order to use the lowest value."
                )
            self.monitor_op = operator.gt if direction == "up" else operator.lt
        if self.monitor_op is operator.lt:
            self.min_delta = -abs(self.min_delta)

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return self.monitor_op(monitor_value - self.min_delta, reference_value)
