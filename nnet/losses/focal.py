"""Focal cross-entropies (Lin et al., 2017): cross-entropy scaled down on the examples the model
already gets right, so that training concentrates on the hard ones.

Example:
    >>> binary_focal_crossentropy([[0.0, 1.0]], [[0.5, 0.5]], gamma=0.0).numpy().round(4)
    array([0.6931], dtype=float32)
"""

from nnet import ops
from nnet.backend import asarray
from nnet.losses.crossentropy import (
    _smooth_binary,
    _smooth_categorical,
    _warn_single_class,
)
from nnet.losses.loss import LOSSES, _BuiltinLoss, _prepare
from nnet.ops.crossentropy import _normalized_probabilities


@LOSSES.register
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary focal cross-entropy per sample: ``mean(w * (1 - p_t)**gamma * bce, axis)``.

    ``bce = -(y log p + (1 - y) log(1 - p))`` with p clipped to [eps, 1 - eps],
    ``p_t = y p + (1 - y)(1 - p)`` with p unclipped, and ``w = alpha y + (1 - alpha)(1 - y)`` with
    `apply_class_balancing` (else 1). From logits, p is ``sigmoid(y_pred)``, as in Keras.

    Args:
        y_true: targets in [0, 1], shape of y_pred.
        y_pred: probabilities, or logits when `from_logits`.
        apply_class_balancing: whether to weight class 1 by `alpha` and class 0 by ``1 - alpha``.
        alpha: the weight of class 1 under `apply_class_balancing`.
        gamma: the focusing exponent; 0 gives binary cross-entropy.
        from_logits: whether y_pred holds logits.
        label_smoothing: in [0, 1]; targets become ``y * (1 - ls) + 0.5 * ls``.
        axis: the axis averaged over.

    Example:
        >>> binary_focal_crossentropy([[0.0, 1.0]], [[0.6, 0.4]]).numpy().round(4)
        array([0.3299], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "binary_focal_crossentropy")
    y_true = _smooth_binary(y_true, label_smoothing)
    p = ops.sigmoid(y_pred) if from_logits else y_pred
    p_t = y_true * p + (1 - y_true) * (1 - p)
    focal = ops.power(1.0 - p_t, gamma) * ops.binary_crossentropy(y_true, p)
    if apply_class_balancing:
        focal = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal
    return ops.mean(focal, axis=axis)


@LOSSES.register
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical focal cross-entropy per sample: ``-sum(alpha (1 - p)**gamma y log(p), axis)``.

    p is y_pred (its softmax along `axis` when `from_logits`) renormalised along `axis` and
    clipped to [eps, 1 - eps].

    Args:
        y_true: one-hot (or soft) targets, shape of y_pred.
        y_pred: probabilities, or logits when `from_logits`.
        alpha: a weight for every class, or a list of one weight per class (last axis).
        gamma: the focusing exponent; 0 gives `alpha` times categorical cross-entropy.
        from_logits: whether y_pred holds logits.
        label_smoothing: in [0, 1]; targets become ``y * (1 - ls) + ls / num_classes``.
        axis: the class axis.

    Example:
        >>> categorical_focal_crossentropy([[0.0, 1.0]], [[0.5, 0.5]]).numpy().round(4)
        array([0.0433], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "categorical_focal_crossentropy")
    _warn_single_class(y_pred, "categorical_focal_crossentropy")
    y_true = _smooth_categorical(y_true, label_smoothing)
    p = _normalized_probabilities(ops.softmax(y_pred, axis=axis) if from_logits else y_pred, axis)
    if not isinstance(alpha, (int, float)):
        alpha = asarray(alpha, y_pred.dtype)
    return -ops.sum(alpha * ops.power(1.0 - p, gamma) * y_true * ops.log(p), axis=axis)


@LOSSES.register
class BinaryFocalCrossentropy(_BuiltinLoss):
    """Class form of `binary_focal_crossentropy`.

    Args:
        apply_class_balancing, alpha, gamma, from_logits, label_smoothing, axis: as for
            `binary_focal_crossentropy`.
        reduction, name, dtype: as for `Loss`.

    Example:
        >>> round(float(BinaryFocalCrossentropy(gamma=0.0)([[1.0]], [[0.5]])), 4)
        0.6931
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma)
        self.apply_class_balancing, self.alpha, self.gamma = apply_class_balancing, alpha, gamma
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


@LOSSES.register
class CategoricalFocalCrossentropy(_BuiltinLoss):
    """Class form of `categorical_focal_crossentropy` for one-hot labels.

    Args:
        alpha, gamma, from_logits, label_smoothing, axis: as for
            `categorical_focal_crossentropy`.
        reduction, name, dtype: as for `Loss`.

    Example:
        >>> round(float(CategoricalFocalCrossentropy(gamma=0.0)([[0, 1]], [[0.5, 0.5]])), 4)
        0.1733
    """

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(categorical_focal_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis, alpha=alpha, gamma=gamma)
        self.alpha, self.gamma = alpha, gamma
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis
