"""Keras 3's cross-entropy losses: binary, categorical and sparse categorical, as functions and
`Loss` classes, with the label smoothing and label checks that the focal and generalized
cross-entropies share."""

import warnings

import numpy as np

from nnet import ops
from nnet.autodiff.tensor import Tensor
from nnet.backend import array_module
from nnet.losses.loss import (
    LOSSES,
    _array,
    _BuiltinLoss,
    _float_tensor,
    _masked_by,
    _prepare,
    _recorded_logits,
)


def _last_axis(axis, ndim):
    return axis in (-1, ndim - 1)


def _smooth_binary(y_true, label_smoothing):
    """Targets squeezed towards 0.5: ``y * (1 - ls) + 0.5 * ls``."""
    return y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing if label_smoothing else y_true


def _smooth_categorical(y_true, label_smoothing):
    """Targets mixed with the uniform distribution over the last axis: ``y (1 - ls) + ls / K``."""
    if not label_smoothing:
        return y_true
    return y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]


def _warn_single_class(y_pred, name):
    if y_pred.shape[-1] == 1:
        warnings.warn(
            f"{name} expects y_pred of shape (batch_size, num_classes) with num_classes > 1. "
            f"Received: y_pred.shape={y_pred.shape}. Use binary_crossentropy for two classes.",
            SyntaxWarning, stacklevel=3,
        )


@LOSSES.register(aliases=("bce", "BCE"))
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy per sample, averaged over `axis`.

    ``-mean(y * log(p) + (1 - y) * log(1 - p))`` with p clipped to [eps, 1 - eps]; from logits z
    (or when y_pred came from `nnet.ops.sigmoid`) the stable ``max(z, 0) - z*y + log(1 + e^-|z|)``.

    Args:
        y_true: targets in [0, 1], shape of y_pred.
        y_pred: probabilities, or logits when `from_logits`.
        from_logits: whether y_pred holds logits.
        label_smoothing: in [0, 1]; targets become ``y * (1 - ls) + 0.5 * ls``.
        axis: the axis averaged over.

    Example:
        >>> binary_crossentropy([[0.0, 1.0]], [[0.0, 0.0]], from_logits=True).numpy().round(4)
        array([0.6931], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "binary_crossentropy")
    y_true = _smooth_binary(y_true, label_smoothing)
    logits = y_pred if from_logits else _recorded_logits(y_pred, "sigmoid")
    if logits is not None:
        return ops.mean(ops.binary_crossentropy(y_true, logits, from_logits=True), axis=axis)
    return ops.mean(ops.binary_crossentropy(y_true, y_pred), axis=axis)


@LOSSES.register
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical cross-entropy per sample: ``-sum(y * log(p), axis)``.

    p is y_pred renormalised along `axis` and clipped to [eps, 1 - eps]; from logits z (or when
    y_pred came from `nnet.ops.softmax`) ``-sum(y * log_softmax(z))`` in one stable op.

    Args:
        y_true: one-hot (or soft) targets, shape of y_pred.
        y_pred: probabilities, or logits when `from_logits`.
        from_logits: whether y_pred holds logits.
        label_smoothing: in [0, 1]; targets become ``y * (1 - ls) + ls / num_classes``.
        axis: the class axis.

    Example:
        >>> categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]]).numpy().round(4)
        array([0.6931], dtype=float32)
    """
    if isinstance(axis, bool):
        raise ValueError(
            f"Expected an integer for axis, the class axis. Received: axis={axis!r}. Pass e.g. "
            f"axis=-1 for classes on the last axis."
        )
    y_true, y_pred = _prepare(y_true, y_pred, "categorical_crossentropy")
    _warn_single_class(y_pred, "categorical_crossentropy")
    y_true = _smooth_categorical(y_true, label_smoothing)
    logits = y_pred if from_logits else (
        _recorded_logits(y_pred, "softmax") if _last_axis(axis, y_pred.ndim) else None
    )
    if logits is not None:
        return ops.categorical_crossentropy(y_true, logits, from_logits=True, axis=axis)
    return ops.categorical_crossentropy(y_true, y_pred, axis=axis)


def _sparse_labels(y_true, y_pred, axis, name, ignore_class=None):
    """Integer labels for the class `axis` of y_pred, checked, and the mask of those that count.

    A size-1 class axis on y_true is squeezed; labels equal to `ignore_class` become 0 and are
    left out of the mask (None when there is no `ignore_class`).
    """
    labels = y_true.data if isinstance(y_true, Tensor) else _array(y_true)
    num_classes = y_pred.shape[axis]
    if labels.ndim == y_pred.ndim and labels.shape[axis] == 1:
        labels = labels.squeeze(axis)
    sparse = name == "sparse_categorical_crossentropy"
    if labels.shape != y_pred.shape[:axis] + y_pred.shape[axis + 1:]:
        raise ValueError(
            f"{name} expects integer class labels shaped like y_pred without its class axis "
            f"{axis}, e.g. (N,) or (N, 1) for y_pred (N, num_classes). Received: "
            f"y_true.shape={tuple(labels.shape)}, y_pred.shape={tuple(y_pred.shape)}. "
            + ("For one-hot y_true use categorical_crossentropy." if sparse else
               "For one-hot y_true pass its argmax along the class axis.")
        )
    xp = array_module(labels)
    labels = labels if labels.dtype == np.int64 else labels.astype(np.int64)
    valid = None if ignore_class is None else labels != ignore_class
    if valid is not None:
        labels = xp.where(valid, labels, 0)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)].ravel()[0]
        raise ValueError(
            f"{name} received the label {int(bad)}, outside [0, {num_classes}) for y_pred of "
            f"shape {tuple(y_pred.shape)}. Expected labels in [0, {num_classes}): class indices "
            f"below the number of classes"
            + ("; pass ignore_class= to skip a padding label." if sparse else ".")
        )
    return labels, valid


def _one_hot(labels, num_classes, axis, dtype):
    """One-hot targets of `dtype` with the class dimension at `axis`."""
    xp = array_module(labels)
    return xp.moveaxis(labels[..., None] == xp.arange(num_classes), -1, axis).astype(dtype)


def _sparse_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Sparse categorical cross-entropy and the mask of the samples that count (or None)."""
    y_pred = _float_tensor(y_pred)
    axis = axis % y_pred.ndim
    labels, valid = _sparse_labels(
        y_true, y_pred, axis, "sparse_categorical_crossentropy", ignore_class
    )
    logits = y_pred if from_logits else (
        _recorded_logits(y_pred, "softmax") if _last_axis(axis, y_pred.ndim) else None
    )
    if logits is not None:
        loss = ops.sparse_categorical_crossentropy(labels, logits, from_logits=True, axis=axis)
    else:
        loss = ops.sparse_categorical_crossentropy(labels, y_pred, axis=axis)
    return (loss, None) if valid is None else (ops.where(valid, loss, 0.0), valid)


@LOSSES.register
@_masked_by(_sparse_crossentropy)
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Categorical cross-entropy against integer class labels: ``-log(p[label])``.

    Args:
        y_true: integer labels, y_pred's shape without the class axis (or with it of size 1).
        y_pred: probabilities, or logits when `from_logits`.
        from_logits: whether y_pred holds logits.
        ignore_class: a label (e.g. -1 or 255) whose samples get loss 0.
        axis: the class axis.

    Example:
        >>> sparse_categorical_crossentropy([1], [[0.5, 0.5]]).numpy().round(4)
        array([0.6931], dtype=float32)
    """
    return _sparse_crossentropy(y_true, y_pred, from_logits, ignore_class, axis)[0]


@LOSSES.register
class BinaryCrossentropy(_BuiltinLoss):
    """Class form of `binary_crossentropy` (stable when y_pred holds or came from logits).

    Args:
        from_logits, label_smoothing, axis: as for `binary_crossentropy`.
        reduction, name, dtype: as for `Loss`.

    Example:
        >>> round(float(BinaryCrossentropy(from_logits=True)([[1.0]], [[0.0]])), 4)
        0.6931
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


@LOSSES.register
class CategoricalCrossentropy(_BuiltinLoss):
    """Class form of `categorical_crossentropy` for one-hot labels.

    Args:
        from_logits, label_smoothing, axis: as for `categorical_crossentropy`.
        reduction, name, dtype: as for `Loss`.

    Example:
        >>> round(float(CategoricalCrossentropy()([[0, 1]], [[0.5, 0.5]])), 4)
        0.6931
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


@LOSSES.register
class SparseCategoricalCrossentropy(_BuiltinLoss):
    """Class form of `sparse_categorical_crossentropy` for integer labels.

    With `ignore_class`, the ignored samples get loss 0 and are left out of the mean.

    Args:
        from_logits, ignore_class, axis: as for `sparse_categorical_crossentropy`.
        reduction, name, dtype: as for `Loss`.

    Example:
        >>> float(SparseCategoricalCrossentropy(ignore_class=-1)([1, -1], [[0.5, 0.5], [1, 0]]))
        0.6931471824645996
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits, self.ignore_class, self.axis = from_logits, ignore_class, axis
