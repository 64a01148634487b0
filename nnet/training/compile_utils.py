"""What `compile` turns its loss and metrics arguments into: one object that computes the total
loss, and one that updates and reports the compiled metrics, for one output or several.

Per-output arguments may be a single value, a list (one entry per output) or a dict keyed by
output name, as in Keras. Targets, predictions and sample weights are flattened in the order of
the model's outputs before they reach the losses and metrics.
"""

import warnings

import numpy as np

from nnet import losses as losses_module
from nnet import metrics as metrics_module
from nnet.autodiff.engine import no_grad
from nnet.autodiff.tensor import Tensor


def flatten_outputs(structure, names, argument):
    """A model output structure (value, list or dict keyed by output name) as a list in `names`
    order. A single value given for several outputs is used for each of them."""
    if isinstance(structure, dict):
        unknown = sorted(set(structure) - set(names))
        if unknown:
            raise ValueError(
                f"{argument} has keys {unknown} that are not outputs of the model. The outputs "
                f"are {names}: key {argument} by these names."
            )
        return [structure.get(name) for name in names]
    if isinstance(structure, (list, tuple)):
        if len(structure) != len(names):
            raise ValueError(
                f"{argument} has {len(structure)} entries, but the model has {len(names)} "
                f"output(s) {names}. Pass one entry per output, or a dict keyed by output name."
            )
        return list(structure)
    return [structure] * len(names)


def flatten_predictions(y_pred, names):
    """Model outputs (a value, list or dict keyed by output name) as a list in `names` order."""
    if isinstance(y_pred, dict):
        return [y_pred[name] for name in names]
    return list(y_pred) if isinstance(y_pred, (list, tuple)) else [y_pred]


def flatten_targets(y, names):
    """Targets as a list in `names` order; a single array is refused for several outputs."""
    if len(names) > 1 and not isinstance(y, (list, tuple, dict)):
        raise ValueError(
            f"The model has {len(names)} outputs {names}, but y is a single array. Pass y as a "
            f"list with one array per output, or as a dict keyed by output name."
        )
    return flatten_outputs(y, names, "y")


def is_crossentropy_alias(identifier):
    """Whether `identifier` is ``"crossentropy"``/``"ce"``, which Keras resolves from the shapes
    of the labels and outputs (binary, sparse categorical or categorical)."""
    return isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce")


def _crossentropy_for(identifier, y_true, y_pred):
    is_binary, is_sparse = metrics_module.is_binary_or_sparse_categorical(
        _shape(y_true), _shape(y_pred))
    if is_binary:
        fn = losses_module.binary_crossentropy
    elif is_sparse:
        fn = losses_module.sparse_categorical_crossentropy
    else:
        fn = losses_module.categorical_crossentropy
    return losses_module.LossFunctionWrapper(fn, name=identifier)


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


def _is_sparse_categorical(loss):
    return isinstance(loss, losses_module.SparseCategoricalCrossentropy) or (
        getattr(loss, "fn", None) is losses_module.sparse_categorical_crossentropy
    )


def _is_binary_crossentropy(loss):
    return isinstance(loss, (losses_module.BinaryCrossentropy,
                             losses_module.BinaryFocalCrossentropy)) or (
        getattr(loss, "fn", None) in (losses_module.binary_crossentropy,
                                      losses_module.binary_focal_crossentropy)
    )


def _check_binary_labels(y, output_name):
    labels = np.asarray(y)
    low, high = labels.min(), labels.max()
    if low < 0 or high > 1:
        raise ValueError(
            f"Binary crossentropy on output '{output_name}' expects labels in [0, 1] (the "
            f"probability of the positive class), but y holds {low if low < 0 else high:g}. Map "
            "the labels to 0 and 1 (e.g. (y + 1) / 2 for -1/1 labels), or use hinge for -1/1 "
            "labels."
        )


class CompileLoss:
    """The compiled loss: the weighted sum of one loss per output.

    Args:
        loss: a loss identifier, a list of them (one per output) or a dict keyed by output name.
        loss_weights: a scalar, list or dict of the same form (1.0 for each output by default).
        output_names: the model's output names, in output order.
    """

    def __init__(self, loss, loss_weights=None, output_names=("output",)):
        self.output_names = list(output_names)
        losses = flatten_outputs(loss, self.output_names, "loss")
        weights = flatten_outputs(loss_weights, self.output_names, "loss_weights")
        # "crossentropy" stays a string until the first batch shows the shapes.
        self.entries = [
            (i, identifier if is_crossentropy_alias(identifier) else _as_loss(identifier),
             1.0 if weight is None else float(weight))
            for i, (identifier, weight) in enumerate(zip(losses, weights))
            if identifier is not None
        ]
        self._unresolved = any(isinstance(loss, str) for _, loss, _ in self.entries)
        # With several losses, each output's unweighted loss is tracked as `<output>_loss`.
        self.metrics = [] if len(self.entries) < 2 else [
            metrics_module.Mean(name=f"{self.output_names[i]}_loss") for i, _, _ in self.entries
        ]

    @property
    def per_output(self):
        """Each output's loss object (None for outputs without a loss), in output order."""
        losses = [None] * len(self.output_names)
        for i, loss, _ in self.entries:
            losses[i] = loss
        return losses

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The total loss for flat lists of targets, predictions and sample weights."""
        if self._unresolved:
            self._resolve(y_true, y_pred)
        total = None
        for k, (i, loss, weight) in enumerate(self.entries):
            if y_true[i] is None:
                raise ValueError(
                    f"No target was given for output '{self.output_names[i]}', which has a loss. "
                    f"Pass y as a dict keyed by output name (outputs: {self.output_names})."
                )
            value = loss(y_true[i], y_pred[i], sample_weight=sample_weight[i])
            if self.metrics:
                self.metrics[k].update_state(float(value.data), sample_weight=len(y_pred[i]))
            value = value if weight == 1.0 else value * weight
            total = value if total is None else total + value
        return total

    def _resolve(self, y_true, y_pred):
        # An output without a target keeps its alias: __call__ then says the target is missing.
        self.entries = [
            (i, _crossentropy_for(loss, y_true[i], y_pred[i])
             if isinstance(loss, str) and y_true[i] is not None else loss, weight)
            for i, loss, weight in self.entries
        ]
        self._unresolved = any(isinstance(loss, str) for _, loss, _ in self.entries)

    def check_targets(self, y_true, num_classes):
        """Raise before any work when a sparse categorical target is not a valid class index,
        or a binary crossentropy target is outside [0, 1]."""
        for i, loss, _ in self.entries:
            if y_true[i] is None or not np.asarray(y_true[i]).size:
                continue
            if _is_sparse_categorical(loss):
                _check_sparse_labels(y_true[i], num_classes[i], self.output_names[i])
            elif _is_binary_crossentropy(loss):
                _check_binary_labels(y_true[i], self.output_names[i])


class CompileMetrics:
    """The compiled metrics, resolved on the first batch (``"accuracy"`` needs the shapes).

    Metrics in `metrics` ignore sample weights; those in `weighted_metrics` use them. With several
    outputs the log names are ``<output>_<metric>``; repeated names get ``_1``, ``_2`` suffixes,
    and a weighted metric named like an unweighted one gets the ``weighted_`` prefix.
    """

    def __init__(self, metrics=None, weighted_metrics=None, output_names=None, losses=None):
        self._metrics, self._weighted_metrics = metrics, weighted_metrics
        self.name = "compile_metrics"
        self.built = False
        self._entries = []
        self._names = []
        if output_names is not None:
            self.set_outputs(output_names, losses)

    def set_outputs(self, output_names, losses=None):
        """Set the model's output names (and each output's loss), which the per-output forms
        of the arguments are read against."""
        self.output_names = list(output_names)
        # Each output's loss, to warn when "accuracy" resolves against it (multi-label BCE).
        self._losses = list(losses) if losses is not None else [None] * len(self.output_names)
        self._identifiers = self._per_output(self._metrics, "metrics")
        self._weighted_identifiers = self._per_output(self._weighted_metrics, "weighted_metrics")

    def _per_output(self, value, argument):
        if value is None:
            return [[] for _ in self.output_names]
        if len(self.output_names) == 1:
            if isinstance(value, dict):
                value = flatten_outputs(value, self.output_names, argument)[0]
            return [_as_list(value)]
        if not isinstance(value, (list, tuple, dict)):
            raise ValueError(
                f"Expected {argument} to be a list or a dict. Received: {argument}={value!r}"
            )
        return [_as_list(v) for v in flatten_outputs(value, self.output_names, argument)]

    def build(self, y_true, y_pred):
        """Resolve every metric for the shapes of the first batch (flat lists per output)."""
        multi = len(self.output_names) > 1
        get = metrics_module.get_metric
        self._entries = []
        for weighted, identifiers in ((False, self._identifiers),
                                      (True, self._weighted_identifiers)):
            for i, output_identifiers in enumerate(identifiers):
                true_shape, pred_shape = _shape(y_true[i]), _shape(y_pred[i])
                for identifier in output_identifiers:
                    metric = get(identifier, true_shape, pred_shape)
                    self._warn_if_multilabel_accuracy(identifier, metric, i)
                    prefix = f"{self.output_names[i]}_" if multi else ""
                    self._entries.append((i, metric, weighted, prefix))
        self._names = _unique_names(self._entries)
        self.built = True

    def _warn_if_multilabel_accuracy(self, identifier, metric, output):
        # Keras resolves "accuracy" from shapes alone: with a sigmoid/BCE output of several
        # units that is CategoricalAccuracy (argmax), rarely what a multi-label model means.
        loss = self._losses[output]
        if (isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc")
                and isinstance(metric, metrics_module.CategoricalAccuracy)
                and _is_binary_crossentropy(loss)):
            warnings.warn(
                f"metrics={identifier!r} on output '{self.output_names[output]}' resolved to "
                "CategoricalAccuracy (argmax over classes), as Keras resolves it from the "
                "shapes, but the loss is binary cross-entropy on several units (multi-label). "
                "Pass metrics=['binary_accuracy'] to score each label on its own.",
                UserWarning,
                stacklevel=2,
            )

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Update every metric with a batch: targets, outputs and sample weights as the model
        takes and returns them (a value, list or dict keyed by output name)."""
        names = self.output_names
        y_true = [_array(t) for t in flatten_targets(y_true, names)]
        # The outputs stay Tensors, as in Keras, so that a cross-entropy metric on a sigmoid or
        # softmax output reads the logits it carries, as the loss does.
        y_pred = flatten_predictions(y_pred, names)
        sample_weight = flatten_outputs(sample_weight, names, "sample_weight")
        if not self.built:
            self.build(y_true, y_pred)
        # Metrics are never differentiated: no graph is recorded for them.
        with no_grad():
            for i, metric, weighted, _ in self._entries:
                if y_true[i] is not None:
                    metric.update_state(y_true[i], y_pred[i],
                                        sample_weight=sample_weight[i] if weighted else None)

    def reset_state(self):
        """Reset every compiled metric (at the start of each epoch)."""
        for _, metric, _, _ in self._entries:
            metric.reset_state()

    def result(self):
        """Every compiled metric's value, keyed by its log name."""
        return {name: log_value(metric.result())
                for name, (_, metric, _, _) in zip(self._names, self._entries)}

    @property
    def all_metrics(self):
        return [metric for _, metric, _, _ in self._entries]

    @property
    def variables(self):
        """The state variables of every compiled metric (none before the first batch)."""
        return [v for metric in self.all_metrics for v in metric.variables]


def log_value(result):
    """A metric's result as logs hold it: a float, or a NumPy array for a metric with a vector
    result (F1Score with ``average=None``, Precision at several thresholds), as in Keras."""
    if type(result) is float:
        return result
    array = result.numpy() if isinstance(result, Tensor) else np.asarray(result)
    return float(array) if array.ndim == 0 else array


def _array(value):
    return value.data if isinstance(value, Tensor) else value


def _is_binary_crossentropy(loss):
    return isinstance(loss, losses_module.BinaryCrossentropy) or (
        getattr(loss, "fn", None) is losses_module.binary_crossentropy
    )


def _unique_names(entries):
    names, seen = [], {}
    for _, metric, weighted, prefix in entries:
        name = prefix + metric.name
        if name in seen and weighted:
            name = f"{prefix}weighted_{metric.name}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name] - 1}"
        seen.setdefault(name, 1)
        names.append(name)
    return names


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _shape(value):
    return tuple(np.shape(value.data if hasattr(value, "data") else value))


def _check_sparse_labels(y, num_classes, output_name):
    labels = np.asarray(y)
    if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
        raise ValueError(
            f"sparse_categorical_crossentropy on output '{output_name}' expects integer class "
            f"labels, but y has non-integer values (e.g. "
            f"{labels[labels != np.round(labels)][:3].tolist()}). Use categorical_crossentropy "
            f"for one-hot or soft labels."
        )
    low, high = labels.min(), labels.max()
    if low < 0 or high >= num_classes:
        bad = low if low < 0 else high
        raise ValueError(
            f"Received a label value of {bad:g} which is outside the valid range of "
            f"[0, {num_classes - 1}] for the {num_classes} outputs of '{output_name}'. Labels "
            f"must be class indices 0..{num_classes - 1}: check the labels, or give the last "
            f"layer more units."
        )
