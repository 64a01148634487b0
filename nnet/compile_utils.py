"""What `compile` turns its loss and metrics arguments into: one object that computes the total
loss, and one that updates and reports the compiled metrics."""

import numpy as np

from nnet import losses as losses_module
from nnet import metrics as metrics_module


def _as_loss(identifier):
    loss = losses_module.get(identifier)
    if isinstance(loss, losses_module.Loss):
        return loss
    if callable(loss):
        return losses_module.LossFunctionWrapper(loss, name=getattr(loss, "__name__", None))
    raise ValueError(
        f"Could not interpret loss identifier: loss={identifier!r}. Pass a loss name such as "
        f"'mse', a nnet.losses.Loss instance, or a function (y_true, y_pred) -> per-sample loss."
    )


class CompileLoss:
    """The compiled loss of a single-output model: loss(y_true, y_pred) times its weight.

    Args:
        loss: a loss identifier (name, Loss instance or function).
        loss_weights: a scalar multiplying the loss (1.0 by default).
    """

    def __init__(self, loss, loss_weights=None):
        self.identifier = loss
        self.loss = _as_loss(loss)
        self.weight = 1.0 if loss_weights is None else float(loss_weights)

    def __call__(self, y_true, y_pred, sample_weight=None):
        value = self.loss(y_true, y_pred, sample_weight=sample_weight)
        return value if self.weight == 1.0 else value * self.weight

    @property
    def is_sparse_categorical(self):
        """Whether the loss takes integer class labels (so fit checks their range)."""
        fn = getattr(self.loss, "fn", None)
        return isinstance(self.loss, losses_module.SparseCategoricalCrossentropy) or (
            fn is losses_module.sparse_categorical_crossentropy
        )


def _shape(value):
    return tuple(np.shape(value.data if hasattr(value, "data") else value))


class CompileMetrics:
    """The compiled metrics of a single-output model, resolved on the first batch.

    ``"accuracy"`` (and ``"acc"``) become Binary/Categorical/SparseCategorical accuracy from the
    shapes of y_true and y_pred, as Keras resolves them; metrics in `weighted_metrics` receive
    the sample weights, the others do not.
    """

    def __init__(self, metrics=None, weighted_metrics=None):
        self._identifiers = _as_list(metrics, "metrics")
        self._weighted_identifiers = _as_list(weighted_metrics, "weighted_metrics")
        self.metrics = []
        self.weighted_metrics = []
        self.built = False
        self.name = "compile_metrics"

    def build(self, y_true, y_pred):
        true_shape, pred_shape = _shape(y_true), _shape(y_pred)
        get = metrics_module.get_metric
        self.metrics = [get(m, true_shape, pred_shape) for m in self._identifiers]
        names = {m.name for m in self.metrics}
        self.weighted_metrics = []
        for identifier in self._weighted_identifiers:
            metric = get(identifier, true_shape, pred_shape)
            if metric.name in names:
                metric.name = "weighted_" + metric.name
            self.weighted_metrics.append(metric)
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        for metric in self.metrics:
            metric.update_state(y_true, y_pred)
        for metric in self.weighted_metrics:
            metric.update_state(y_true, y_pred, sample_weight=sample_weight)

    def reset_state(self):
        for metric in self.metrics + self.weighted_metrics:
            metric.reset_state()

    def result(self):
        return {m.name: float(m.result()) for m in self.metrics + self.weighted_metrics}

    @property
    def all_metrics(self):
        return self.metrics + self.weighted_metrics


def _as_list(value, argument):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, dict):
        raise ValueError(
            f"{argument} was given as a dict ({value!r}), which needs named outputs. For a "
            f"single-output model pass a list, e.g. {argument}=['accuracy']."
        )
    return [value]

