"""Loss functions and classes with Keras 3's names, defaults, formulas and reductions.

A loss function maps ``(y_true, y_pred)`` to one value per sample (it averages over the last axis);
a `Loss` object then weights those values and reduces them to a scalar. Shapes are checked: (N,)
against (N, 1) is reconciled as Keras does, any other mismatch raises instead of broadcasting.

Example:
    >>> import numpy as np
    >>> float(MeanSquaredError()(np.array([0.0, 1.0]), np.array([[1.0], [1.0]])))
    0.5
"""

import math
import warnings

import numpy as np

from nnet import ops
from nnet.autodiff.tensor import Tensor
from nnet.backend import array_module, asarray, epsilon, floatx
from nnet.utils.naming import to_snake_case, uniquify
from nnet.utils.registry import Registry, serialize_object

_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def _array(x):
    return x if hasattr(x, "shape") and hasattr(x, "dtype") else asarray(x)


def _float_tensor(y_pred, dtype=None):
    """y_pred as a floating Tensor, cast to `dtype` when given; recorded logits follow the cast."""
    if not isinstance(y_pred, Tensor):
        y_pred = Tensor(asarray(y_pred, floatx()) if not hasattr(y_pred, "dtype") else y_pred)
    dtype = dtype or (None if y_pred.dtype.kind == "f" else floatx())
    if dtype is None or y_pred.dtype == dtype:
        return y_pred
    out = ops.cast(y_pred, dtype)
    if y_pred._logits is not None:
        activation, logits = y_pred._logits
        out._logits = (activation, ops.cast(logits, dtype))
    return out


def _as_dtype(y, dtype):
    """y as an array of `dtype`; a Tensor that needs gradients stays a Tensor."""
    if isinstance(y, Tensor):
        if y.requires_grad:
            return y if y.dtype == dtype else ops.cast(y, dtype)
        y = y.data
    y = _array(y)
    return y if y.dtype == dtype else y.astype(dtype)


def _recorded_logits(y_pred, activation):
    """The logits that `nnet.ops.<activation>` ("sigmoid" or "softmax") recorded on y_pred."""
    record = getattr(y_pred, "_logits", None)
    # sigmoid and softmax both record their logits; a loss must not use one's as the other's.
    return record[1] if record is not None and record[0] == activation else None


def _reshape(x, shape):
    if not isinstance(x, Tensor):
        return x.reshape(shape)
    out = ops.reshape(x, shape)
    # A sigmoid acts elementwise, so its logits reshape with its output; a softmax's do not.
    logits = _recorded_logits(x, "sigmoid")
    if logits is not None:
        out._logits = ("sigmoid", ops.reshape(logits, shape))
    return out


def _match_ranks(x1, x2):
    """Keras's squeeze_or_expand_to_same_rank: fix ranks that differ by one trailing 1."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        return (x1, _reshape(x2, x2.shape + (1,))) if r2 == 1 else (_reshape(x1, x1.shape[:-1]), x2)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        return (_reshape(x1, x1.shape + (1,)), x2) if r1 == 1 else (x1, _reshape(x2, x2.shape[:-1]))
    return x1, x2


def _prepare(y_true, y_pred, name):
    """Cast y_true to y_pred's float dtype, reconcile (N,) with (N, 1), refuse other mismatches."""
    y_pred = _float_tensor(y_pred)
    y_true, y_pred = _match_ranks(_as_dtype(y_true, y_pred.dtype), y_pred)
    if y_true.shape != y_pred.shape:
        if name == "categorical_crossentropy" and y_true.shape in (
            y_pred.shape[:-1], y_pred.shape[:-1] + (1,)
        ):
            fix = ("For integer class labels use sparse_categorical_crossentropy, or one-hot "
                   "encode them with nnet.utils.to_categorical.")
        elif math.prod(y_true.shape) == math.prod(y_pred.shape):
            fix = f"Reshape y_true to {tuple(y_pred.shape)}."
        else:
            fix = "Pass one target per prediction."
        raise ValueError(
            f"{name} expects y_true and y_pred of the same shape (only (N,) against (N, 1) is "
            f"matched automatically). Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}. {fix}"
        )
    return y_true, y_pred


def _last_axis(axis, ndim):
    return axis in (-1, ndim - 1)


def _crossentropy_from_probabilities(y_true, y_pred, axis):
    p = ops.clip(y_pred / ops.sum(y_pred, axis=axis, keepdims=True), epsilon(), 1 - epsilon())
    return -ops.sum(y_true * ops.log(p), axis=axis)


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
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    logits = y_pred if from_logits else _recorded_logits(y_pred, "sigmoid")
    if logits is not None:
        return ops.mean(ops.sigmoid_binary_cross_entropy(logits, y_true), axis=axis)
    p = ops.clip(y_pred, epsilon(), 1 - epsilon())
    return ops.mean(-(y_true * ops.log(p) + (1 - y_true) * ops.log(1 - p)), axis=axis)


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
    y_true, y_pred = _prepare(y_true, y_pred, "categorical_crossentropy")
    if y_pred.shape[-1] == 1:
        warnings.warn(
            f"categorical_crossentropy expects y_pred of shape (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={y_pred.shape}. Use binary_crossentropy "
            f"for two classes.", SyntaxWarning, stacklevel=2,
        )
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    logits = y_pred if from_logits else (
        _recorded_logits(y_pred, "softmax") if _last_axis(axis, y_pred.ndim) else None
    )
    if logits is not None:
        return ops.softmax_cross_entropy(logits, y_true, axis=axis)
    return _crossentropy_from_probabilities(y_true, y_pred, axis)


def _sparse_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Sparse categorical cross-entropy and the mask of the samples that count (or None)."""
    y_pred = _float_tensor(y_pred)
    labels = y_true.data if isinstance(y_true, Tensor) else _array(y_true)
    axis = axis % y_pred.ndim
    num_classes = y_pred.shape[axis]
    if labels.ndim == y_pred.ndim and labels.shape[axis] == 1:
        labels = labels.squeeze(axis)
    if labels.shape != y_pred.shape[:axis] + y_pred.shape[axis + 1:]:
        raise ValueError(
            f"sparse_categorical_crossentropy expects integer class labels shaped like y_pred "
            f"without its class axis {axis}, e.g. (N,) or (N, 1) for y_pred (N, num_classes). "
            f"Received: y_true.shape={tuple(labels.shape)}, y_pred.shape={tuple(y_pred.shape)}. "
            f"For one-hot y_true use categorical_crossentropy."
        )
    xp = array_module(labels)
    labels = labels if labels.dtype == np.int64 else labels.astype(np.int64)
    valid = None if ignore_class is None else labels != ignore_class
    if valid is not None:
        labels = xp.where(valid, labels, 0)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)].ravel()[0]
        raise ValueError(
            f"sparse_categorical_crossentropy received the label {int(bad)}, outside [0, "
            f"{num_classes}) for y_pred of shape {tuple(y_pred.shape)}. Labels must be class "
            f"indices below the number of classes; pass ignore_class= to skip a padding label."
        )
    logits = y_pred if from_logits else (
        _recorded_logits(y_pred, "softmax") if _last_axis(axis, y_pred.ndim) else None
    )
    if logits is not None:
        loss = ops.softmax_cross_entropy(logits, labels, axis=axis)
    else:
        one_hot = xp.moveaxis(labels[..., None] == xp.arange(num_classes), -1, axis)
        loss = _crossentropy_from_probabilities(one_hot.astype(y_pred.dtype), y_pred, axis)
    return (loss, None) if valid is None else (ops.where(valid, loss, 0.0), valid)


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


def mean_squared_error(y_true, y_pred):
    """Mean squared error per sample: ``mean(square(y_true - y_pred), axis=-1)``.

    Example:
        >>> mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy()
        array([0.5], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "mean_squared_error")
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Mean absolute error per sample: ``mean(abs(y_true - y_pred), axis=-1)``.

    Example:
        >>> mean_absolute_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy()
        array([0.5], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "mean_absolute_error")
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps)), axis=-1)``.

    Example:
        >>> mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 4.0]]).numpy()
        array([25.], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "mean_absolute_percentage_error")
    diff = ops.abs((y_true - y_pred) / ops.maximum(ops.abs(y_true), epsilon()))
    return 100.0 * ops.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean(square(log(1 + max(y_pred, eps)) - log(1 + max(y_true, eps))), axis=-1)``.

    Example:
        >>> mean_squared_logarithmic_error([[0.0]], [[math.e - 1]]).numpy().round(4)
        array([1.], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "mean_squared_logarithmic_error")
    first = ops.log(ops.maximum(y_pred, epsilon()) + 1.0)
    second = ops.log(ops.maximum(y_true, epsilon()) + 1.0)
    return ops.mean(ops.square(first - second), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Huber loss per sample: ``0.5 x^2`` where ``|x| <= delta``, else ``delta |x| - 0.5 delta^2``.

    x is ``y_pred - y_true``; the result is averaged over the last axis.

    Args:
        delta: where the loss turns from quadratic to linear.

    Example:
        >>> huber([[0.0, 0.0]], [[0.5, 3.0]]).numpy()
        array([1.3125], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "huber")
    error = y_pred - y_true
    abs_error = ops.abs(error)
    quadratic = 0.5 * ops.square(error)
    return ops.mean(ops.where(abs_error <= delta, quadratic, delta * abs_error - 0.5 * delta**2),
                    axis=-1)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed as ``x + softplus(-2x) - log 2``.

    Example:
        >>> log_cosh([[0.0]], [[0.0]]).numpy()
        array([0.], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "log_cosh")
    x = y_pred - y_true
    return ops.mean(x + ops.softplus(-2.0 * x) - math.log(2.0), axis=-1)


def _hinge_labels(y_true):
    data = y_true.data if isinstance(y_true, Tensor) else y_true
    # As in Keras, {0, 1} labels become {-1, 1}; labels already in {-1, 1} are left alone.
    return 2.0 * y_true - 1.0 if bool(((data == 0) | (data == 1)).all()) else y_true


def hinge(y_true, y_pred):
    """``mean(maximum(1 - y_true * y_pred, 0), axis=-1)``; {0, 1} labels are mapped to {-1, 1}.

    Example:
        >>> hinge([[1.0, 0.0]], [[0.5, -2.0]]).numpy()
        array([0.25], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "hinge")
    return ops.mean(ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)``; {0, 1} labels become {-1, 1}.

    Example:
        >>> squared_hinge([[1.0, 0.0]], [[0.5, -2.0]]).numpy()
        array([0.125], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "squared_hinge")
    margin = ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)
    return ops.mean(ops.square(margin), axis=-1)


def categorical_hinge(y_true, y_pred):
    """Categorical hinge: ``maximum(neg - pos + 1, 0)`` per sample.

    ``pos = sum(y_true * y_pred, axis=-1)`` and ``neg = max((1 - y_true) * y_pred, axis=-1)``.

    Example:
        >>> categorical_hinge([[0.0, 1.0]], [[0.3, 0.8]]).numpy().round(4)
        array([0.5], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "categorical_hinge")
    pos = ops.sum(y_true * y_pred, axis=-1)
    neg = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(neg - pos + 1.0, 0.0)


def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence: ``sum(y_true * log(y_true / y_pred), axis=-1)``.

    Both inputs are clipped to [eps, 1] first.

    Example:
        >>> kl_divergence([[0.5, 0.5]], [[0.5, 0.5]]).numpy()
        array([0.], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "kl_divergence")
    y_true = ops.clip(y_true, epsilon(), 1.0)
    return ops.sum(y_true * ops.log(y_true / ops.clip(y_pred, epsilon(), 1.0)), axis=-1)


def poisson(y_true, y_pred):
    """Poisson loss: ``mean(y_pred - y_true * log(y_pred + eps), axis=-1)``.

    Example:
        >>> poisson([[0.0, 2.0]], [[1.0, 1.0]]).numpy().round(4)
        array([1.], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "poisson")
    return ops.mean(y_pred - y_true * ops.log(y_pred + epsilon()), axis=-1)


def _l2_normalize(x, axis):
    # Keras floors the norm at eps, so that a zero vector normalises to zero instead of NaN.
    squares = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return x / ops.sqrt(ops.maximum(squares, epsilon() ** 2))


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity: ``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``.

    Args:
        axis: the axis along which the vectors lie.

    Example:
        >>> cosine_similarity([[1.0, 0.0]], [[2.0, 0.0]]).numpy()
        array([-1.], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "cosine_similarity")
    return -ops.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def _mask_weights(mask, reduction, dtype):
    """Keras's weights for a validity mask."""
    if reduction in ("mean", "sum_over_batch_size"):
        valid = int(mask.sum())
        # Valid entries weigh total/valid, so that the mean runs over the valid entries only.
        mask = mask * (mask.size / valid if valid else 0.0)
    return mask.astype(dtype)


def _check_weights(sample_weight, values):
    if sample_weight.ndim and (
        sample_weight.ndim != values.ndim
        or any(w not in (1, n) for w, n in zip(sample_weight.shape, values.shape))
    ):
        per_sample = values.shape[:1] + (1,) * (values.ndim - 1)
        whole = f", or {per_sample} to weight whole samples" if values.ndim > 1 else ""
        raise ValueError(
            f"sample_weight of shape {tuple(sample_weight.shape)} does not match the per-sample "
            f"loss of shape {tuple(values.shape)}. Pass sample_weight of shape "
            f"{tuple(values.shape)}{whole}."
        )


def _reduce(values, sample_weight, mask, reduction):
    """Weight the per-sample loss and reduce it: Keras's reduce_weighted_values."""
    if sample_weight is not None:
        values, sample_weight = _match_ranks(values, sample_weight)
        _check_weights(sample_weight, values)
    if mask is not None:
        weights = _mask_weights(mask, reduction, values.dtype)
        if sample_weight is not None:
            weights, sample_weight = _match_ranks(weights, sample_weight)
            weights = weights * sample_weight
        sample_weight = weights
    if sample_weight is not None:
        values = values * sample_weight
    if reduction in (None, "none") or values.ndim == 0 or values.shape == (0,):
        return values
    if reduction == "sum":
        return ops.sum(values)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        total = float(sample_weight.sum())
        # Keras's divide_no_nan: all-zero weights give a zero loss.
        return ops.sum(values) / total if total else ops.sum(values) * 0.0
    return ops.mean(values)


class Loss:
    """Base class of losses: ``loss(y_true, y_pred, sample_weight)`` -> a scalar Tensor.

    Subclasses implement ``call(y_true, y_pred)`` returning one value per sample. `__call__` casts
    y_pred and y_true to `dtype`, multiplies by `sample_weight` (shape (N,) or (N, 1) for a (N,)
    loss, (N, T) for a (N, T) one) and reduces: "sum_over_batch_size" (or "mean") is
    ``sum(loss * weight) / number of loss values``, "sum" the sum, "mean_with_sample_weight"
    ``sum(loss * weight) / sum(weight)``, and "none" (or None) returns the weighted values.

    Args:
        name: the loss name (snake_case of the class by default).
        reduction: one of the reductions above.
        dtype: the computation dtype; `floatx()` by default.

    Example:
        >>> class L1(Loss):
        ...     def call(self, y_true, y_pred):
        ...         return ops.mean(ops.abs(y_pred - y_true), axis=-1)
        >>> float(L1(reduction="sum")([[0.0], [1.0]], [[1.0], [3.0]]))
        3.0
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"Invalid value for argument `reduction`. Expected one of "
                f"{', '.join(repr(r) for r in _REDUCTIONS)}. Received: reduction={reduction!r}"
            )
        self.name = name or uniquify(to_snake_case(type(self).__name__))
        self.reduction = reduction
        self.dtype = dtype or floatx()

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = _float_tensor(y_pred, self.dtype)
        values, mask = self._call_with_mask(_as_dtype(y_true, self.dtype), y_pred)
        if sample_weight is not None:
            sample_weight = _as_dtype(
                sample_weight.data if isinstance(sample_weight, Tensor) else sample_weight,
                self.dtype,
            )
        return _reduce(values, sample_weight, mask, self.reduction)

    def _call_with_mask(self, y_true, y_pred):
        return self.call(y_true, y_pred), None

    def call(self, y_true, y_pred):
        """The per-sample loss; subclasses implement it."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement call(y_true, y_pred) returning the per-sample "
            f"loss."
        )

    def get_config(self):
        """The constructor arguments, as in Keras: ``{"name", "reduction", ...}``."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        """Rebuild a loss from `get_config()`'s output."""
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A `Loss` around a function ``fn(y_true, y_pred, **kwargs)`` returning per-sample values.

    y_true and y_pred are reconciled first ((N,) against (N, 1)), as Keras does.

    Args:
        fn: the loss function.
        reduction, name, dtype: as for `Loss`.
        **kwargs: extra keyword arguments passed to `fn`.

    Example:
        >>> float(LossFunctionWrapper(huber, delta=0.5)([[0.0]], [[2.0]]))
        0.875
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = _match_ranks(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return {**super().get_config(), "fn": serialize(self.fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        if "fn" in config:
            config = {**config, "fn": get(config["fn"])}
        return cls(**config)


class _BuiltinLoss(LossFunctionWrapper):
    """A wrapper whose function is fixed by the class, so the config lists only its arguments."""

    def get_config(self):
        return {**Loss.get_config(self), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


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

    def _call_with_mask(self, y_true, y_pred):
        return _sparse_crossentropy(y_true, y_pred, **self._fn_kwargs)


class MeanSquaredError(_BuiltinLoss):
    """Class form of `mean_squared_error`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(MeanSquaredError()([[0.0], [1.0]], [[1.0], [1.0]]))
        0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(_BuiltinLoss):
    """Class form of `mean_absolute_error`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(MeanAbsoluteError()([[0.0], [1.0]], [[1.0], [1.0]]))
        0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(_BuiltinLoss):
    """Class form of `mean_absolute_percentage_error`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(MeanAbsolutePercentageError()([[2.0], [4.0]], [[1.0], [4.0]]))
        25.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name,
                         dtype=dtype)


class MeanSquaredLogarithmicError(_BuiltinLoss):
    """Class form of `mean_squared_logarithmic_error`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(MeanSquaredLogarithmicError()([[0.0], [0.0]], [[0.0], [0.0]]))
        0.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name,
                         dtype=dtype)


class LogCosh(_BuiltinLoss):
    """Class form of `log_cosh`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(LogCosh()([[0.0], [0.0]], [[0.0], [0.0]]))
        0.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)


class Hinge(_BuiltinLoss):
    """Class form of `hinge`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(Hinge()([[1.0], [0.0]], [[0.5], [-2.0]]))
        0.25
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(_BuiltinLoss):
    """Class form of `squared_hinge`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(SquaredHinge()([[1.0], [0.0]], [[0.5], [-2.0]]))
        0.125
    """

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(_BuiltinLoss):
    """Class form of `categorical_hinge`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(CategoricalHinge()([[0.0, 1.0]], [[0.5, 0.5]]))
        1.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)


class KLDivergence(_BuiltinLoss):
    """Class form of `kl_divergence`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(KLDivergence()([[0.5, 0.5]], [[0.5, 0.5]]))
        0.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(_BuiltinLoss):
    """Class form of `poisson`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(Poisson()([[0.0], [0.0]], [[1.0], [3.0]]))
        2.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)


class Huber(_BuiltinLoss):
    """Class form of `huber`.

    Args:
        delta: where the loss turns from quadratic to linear.
        reduction, name, dtype: as for `Loss`.

    Example:
        >>> float(Huber(delta=2.0)([[0.0], [0.0]], [[1.0], [4.0]]))
        3.25
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)


class CosineSimilarity(_BuiltinLoss):
    """Class form of `cosine_similarity`.

    Args:
        axis: the axis along which the vectors lie.
        reduction, name, dtype: as for `Loss`.

    Example:
        >>> float(CosineSimilarity()([[1.0, 0.0]], [[0.0, 3.0]]))
        0.0
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axis)


_REGISTRY = Registry("loss", base=Loss)
for _cls in (
    LossFunctionWrapper, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    Huber, LogCosh, Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson, CosineSimilarity,
):
    _REGISTRY.register(_cls)
# Functions come after the classes: a snake_case class name that is also a function name
# (huber, log_cosh, ...) resolves to the function, as in Keras.
for _fn, *_aliases in (
    (binary_crossentropy, "bce", "BCE"), (categorical_crossentropy,),
    (sparse_categorical_crossentropy,), (mean_squared_error, "mse", "MSE"),
    (mean_absolute_error, "mae", "MAE"), (mean_absolute_percentage_error, "mape", "MAPE"),
    (mean_squared_logarithmic_error, "msle", "MSLE"), (huber,), (log_cosh, "logcosh"),
    (hinge,), (squared_hinge,), (categorical_hinge,), (kl_divergence, "kld", "KLD"), (poisson,),
    (cosine_similarity,),
):
    _REGISTRY.register(_fn, *_aliases)


def get(identifier):
    """Resolve a loss identifier: a function name gives the function, a class name an instance.

    Args:
        identifier: a string, a ``{"class_name", "config"}`` dict, a `Loss` or a callable.

    Example:
        >>> get("mse").__name__, get("MeanSquaredError").name
        ('mean_squared_error', 'mean_squared_error')
    """
    return _REGISTRY.get(identifier, argument="loss")


def serialize(loss):
    """Keras's JSON form of a loss: a function becomes its name, a `Loss` a config dict.

    Example:
        >>> serialize(Huber())["class_name"], serialize(mean_squared_error)
        ('Huber', 'mean_squared_error')
    """
    return serialize_object(loss, "keras.losses")


def deserialize(config, custom_objects=None):
    """Rebuild a loss from `serialize`'s output (also Keras's ``"class_name": "function"`` form).

    Example:
        >>> deserialize({"class_name": "Huber", "config": {"delta": 2.0}}).get_config()["delta"]
        2.0
    """
    if isinstance(config, str):
        return get(config)
    if config.get("class_name") == "function":
        return get(config["config"])
    return _REGISTRY.deserialize(config, custom_objects)
