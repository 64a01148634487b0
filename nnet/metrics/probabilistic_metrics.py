"""Probabilistic metrics: cross-entropies, KL divergence and Poisson, with their functions.

The functions are NumPy twins of the losses of the same names in `nnet.losses`: metrics are
never differentiated, so they skip the autodiff graph.
"""

import numpy as np

from nnet.backend import epsilon, floatx
from nnet.metrics.metrics_utils import _as_floats, _same_shape, _to_array
from nnet.metrics.reduction_metrics import _Builtin, _register_functions, _register_masked


def _log_softmax(x, axis):
    # Subtracting the max keeps exp() from overflowing.
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample binary cross-entropy: ``mean(-(y log p + (1 - y) log(1 - p)), axis)``.

    Probabilities are clipped to ``[eps, 1 - eps]``; labels are smoothed towards 0.5 by
    ``y * (1 - label_smoothing) + 0.5 * label_smoothing``.

    Args:
        y_true: 0/1 labels, shape of `y_pred` (a trailing dimension of 1 may differ).
        y_pred: probabilities, or logits with `from_logits`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1].
        axis: the axis to average over.

    Example:
        >>> binary_crossentropy([[0., 1.], [0., 0.]], [[0.6, 0.4], [0.4, 0.6]]).round(4)
        array([0.9163, 0.7136])
    """
    y_true, y_pred = _same_shape(*_as_floats(y_true, y_pred), "binary_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        # max(x, 0) - x y + log(1 + exp(-|x|)) is exact for logits of any size.
        values = (np.maximum(y_pred, 0.0) - y_pred * y_true
                  + np.log1p(np.exp(-np.abs(y_pred))))
    else:
        y_pred = np.clip(y_pred, epsilon(), 1.0 - epsilon())
        values = -(y_true * np.log(y_pred) + (1.0 - y_true) * np.log(1.0 - y_pred))
    return np.mean(values, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample categorical cross-entropy: ``-sum(y_true * log(p), axis)``.

    Probabilities are first scaled to sum to 1 along `axis` and clipped to ``[eps, 1 - eps]``;
    labels are smoothed by ``y * (1 - label_smoothing) + label_smoothing / num_classes``.

    Args:
        y_true: one-hot (or soft) labels, shape of `y_pred`.
        y_pred: probabilities, or logits with `from_logits`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1].
        axis: the class axis.

    Example:
        >>> categorical_crossentropy([[0, 1, 0], [0, 0, 1]], [[.05, .95, 0], [.1, .8, .1]]).round(4)
        array([0.0513, 2.3026])
    """
    if isinstance(axis, bool):
        raise ValueError(
            f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")
    y_true, y_pred = _as_floats(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "categorical_crossentropy expects one-hot y_true of the same shape as y_pred. "
            f"Received: y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}. "
            "For integer labels use sparse_categorical_crossentropy.")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        log_probs = _log_softmax(y_pred, axis)
    else:
        y_pred = y_pred / np.sum(y_pred, axis=axis, keepdims=True)
        log_probs = np.log(np.clip(y_pred, epsilon(), 1.0 - epsilon()))
    return -np.sum(y_true * log_probs, axis=axis)


def _sparse_crossentropy_with_mask(y_true, y_pred, from_logits=False, ignore_class=None,
                                   axis=-1):
    """Sparse categorical cross-entropy and the mask of the labels that count (or None)."""
    y_pred = _to_array(y_pred)
    if y_pred.dtype.kind != "f":
        y_pred = y_pred.astype(floatx())
    y_true = _to_array(y_true)
    axis = axis % y_pred.ndim
    if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
        y_true = np.squeeze(y_true, axis=axis)
    if y_true.shape != y_pred.shape[:axis] + y_pred.shape[axis + 1:]:
        raise ValueError(
            "sparse_categorical_crossentropy expects integer labels of the shape of y_pred "
            f"without its class axis {axis}. Received: y_true.shape={y_true.shape}, "
            f"y_pred.shape={y_pred.shape}. For one-hot labels use categorical_crossentropy.")
    labels = y_true.astype(np.int64)
    mask = None if ignore_class is None else labels != ignore_class
    if mask is not None:
        labels = np.where(mask, labels, 0)
    num_classes = y_pred.shape[axis]
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"Expected labels in [0, {num_classes}) for y_pred with {num_classes} classes. "
            f"Received labels from {labels.min()} to {labels.max()}. Pass ignore_class to skip "
            "a padding label.")
    picked = np.squeeze(np.take_along_axis(y_pred, np.expand_dims(labels, axis), axis), axis)
    if from_logits:
        top = np.max(y_pred, axis=axis, keepdims=True)
        # logsumexp with the max taken out, so that exp() cannot overflow.
        log_norm = np.squeeze(top, axis) + np.log(np.sum(np.exp(y_pred - top), axis=axis))
        values = log_norm - picked
    else:
        picked = picked / np.sum(y_pred, axis=axis)
        values = -np.log(np.clip(picked, epsilon(), 1.0 - epsilon()))
    if mask is not None:
        values = np.where(mask, values, 0.0).astype(y_pred.dtype, copy=False)
    return values, mask


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """Per-sample cross-entropy for integer labels: ``-log(p[y_true])``.

    Probabilities are first scaled to sum to 1 along `axis` and clipped to ``[eps, 1 - eps]``.
    Labels equal to `ignore_class` give 0.

    Args:
        y_true: integer labels, shape of `y_pred` without its class axis (a trailing 1 may
            be added).
        y_pred: probabilities, or logits with `from_logits`.
        from_logits: whether `y_pred` holds logits.
        ignore_class: a label value to leave out, e.g. padding.
        axis: the class axis.

    Example:
        >>> sparse_categorical_crossentropy([1, 2], [[.05, .95, 0], [.1, .8, .1]]).round(4)
        array([0.0513, 2.3026])
    """
    return _sparse_crossentropy_with_mask(y_true, y_pred, from_logits, ignore_class, axis)[0]


def kl_divergence(y_true, y_pred):
    """Per-sample Kullback-Leibler divergence: ``sum(y_true * log(y_true / y_pred), axis=-1)``.

    Both are clipped to ``[eps, 1]`` first.

    Args:
        y_true: the target distributions, shape of `y_pred` (a trailing 1 may differ).
        y_pred: the predicted distributions.

    Example:
        >>> kl_divergence([[0.5, 0.5]], [[0.25, 0.75]]).round(4)
        array([0.1438])
    """
    y_true, y_pred = _same_shape(*_as_floats(y_true, y_pred), "kl_divergence")
    y_true = np.clip(y_true, epsilon(), 1.0)
    y_pred = np.clip(y_pred, epsilon(), 1.0)
    return np.sum(y_true * np.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """Per-sample Poisson deviance: ``mean(y_pred - y_true * log(y_pred + eps), axis=-1)``.

    Args:
        y_true: the observed counts, shape of `y_pred` (a trailing 1 may differ).
        y_pred: the predicted rates.

    Example:
        >>> poisson([[1., 0.]], [[1., 2.]]).round(4)
        array([1.5])
    """
    y_true, y_pred = _same_shape(*_as_floats(y_true, y_pred), "poisson")
    return np.mean(y_pred - y_true * np.log(y_pred + epsilon()), axis=-1)


_register_functions(binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy,
                    kl_divergence, poisson, loss=True)
_register_masked(sparse_categorical_crossentropy, _sparse_crossentropy_with_mask)


class KLDivergence(_Builtin):
    """The mean of `kl_divergence` over samples.

    Example:
        >>> round(KLDivergence()([[0.5, 0.5]], [[0.25, 0.75]]), 4)
        0.1438
    """

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)


class Poisson(_Builtin):
    """The mean of `poisson` over samples.

    Example:
        >>> round(Poisson()([[1., 0.]], [[1., 2.]]), 4)
        1.5
    """

    def __init__(self, name="poisson", dtype=None):
        super().__init__(poisson, name=name, dtype=dtype)


class BinaryCrossentropy(_Builtin):
    """The mean of `binary_crossentropy` over samples.

    Args:
        name: the metric's name.
        dtype: dtype of the computations.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels move towards 0.5.

    Example:
        >>> round(BinaryCrossentropy()([[0., 1.], [0., 0.]], [[0.6, 0.4], [0.4, 0.6]]), 3)
        0.815
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing


class CategoricalCrossentropy(_Builtin):
    """The mean of `categorical_crossentropy` over samples.

    Args:
        name: the metric's name.
        dtype: dtype of the computations.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels move towards ``1 / num_classes``.
        axis: the class axis.

    Example:
        >>> m = CategoricalCrossentropy()
        >>> round(m([[0, 1, 0], [0, 0, 1]], [[.05, .95, 0], [.1, .8, .1]]), 4)
        1.1769
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class SparseCategoricalCrossentropy(_Builtin):
    """The mean of `sparse_categorical_crossentropy` over samples.

    Args:
        name: the metric's name.
        dtype: dtype of the computations.
        from_logits: whether `y_pred` holds logits.
        ignore_class: a label value whose samples give 0. With sample weights they get weight
            0; without, they still count in the mean: Keras applies the mask to weights only.
        axis: the class axis.

    Example:
        >>> m = SparseCategoricalCrossentropy(ignore_class=0)
        >>> round(m([1, 2, 0], [[.05, .95, 0], [.1, .8, .1], [.9, .1, 0]]), 4)
        0.7846
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis
