"""Keras 3's built-in regression, hinge, Kullback-Leibler, Poisson and cosine losses, as functions
and `Loss` classes (the cross-entropies are in `crossentropy`).

A loss function maps ``(y_true, y_pred)`` to one value per sample (it averages over the last axis);
its class weights those values and reduces them to a scalar as `Loss` describes.

Example:
    >>> mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy()
    array([0.5], dtype=float32)
"""

import math

from nnet import ops
from nnet.autodiff.tensor import Tensor
from nnet.backend import epsilon
from nnet.losses.loss import LOSSES, _BuiltinLoss, _prepare


@LOSSES.register(aliases=("mse", "MSE"))
def mean_squared_error(y_true, y_pred):
    """Mean squared error per sample: ``mean(square(y_true - y_pred), axis=-1)``.

    Example:
        >>> mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy()
        array([0.5], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "mean_squared_error")
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


@LOSSES.register(aliases=("mae", "MAE"))
def mean_absolute_error(y_true, y_pred):
    """Mean absolute error per sample: ``mean(abs(y_true - y_pred), axis=-1)``.

    Example:
        >>> mean_absolute_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy()
        array([0.5], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "mean_absolute_error")
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


@LOSSES.register(aliases=("mape", "MAPE"))
def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps)), axis=-1)``.

    Example:
        >>> mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 4.0]]).numpy()
        array([25.], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "mean_absolute_percentage_error")
    diff = ops.abs((y_true - y_pred) / ops.maximum(ops.abs(y_true), epsilon()))
    return 100.0 * ops.mean(diff, axis=-1)


@LOSSES.register(aliases=("msle", "MSLE"))
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


@LOSSES.register
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


@LOSSES.register(aliases=("logcosh",))
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


@LOSSES.register
def hinge(y_true, y_pred):
    """``mean(maximum(1 - y_true * y_pred, 0), axis=-1)``; {0, 1} labels are mapped to {-1, 1}.

    Example:
        >>> hinge([[1.0, 0.0]], [[0.5, -2.0]]).numpy()
        array([0.25], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "hinge")
    return ops.mean(ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0), axis=-1)


@LOSSES.register
def squared_hinge(y_true, y_pred):
    """``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)``; {0, 1} labels become {-1, 1}.

    Example:
        >>> squared_hinge([[1.0, 0.0]], [[0.5, -2.0]]).numpy()
        array([0.125], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred, "squared_hinge")
    margin = ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)
    return ops.mean(ops.square(margin), axis=-1)


@LOSSES.register
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


@LOSSES.register(aliases=("kld", "KLD"))
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


@LOSSES.register
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


@LOSSES.register
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


@LOSSES.register
class MeanSquaredError(_BuiltinLoss):
    """Class form of `mean_squared_error`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(MeanSquaredError()([[0.0], [1.0]], [[1.0], [1.0]]))
        0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


@LOSSES.register
class MeanAbsoluteError(_BuiltinLoss):
    """Class form of `mean_absolute_error`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(MeanAbsoluteError()([[0.0], [1.0]], [[1.0], [1.0]]))
        0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


@LOSSES.register
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


@LOSSES.register
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


@LOSSES.register
class LogCosh(_BuiltinLoss):
    """Class form of `log_cosh`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(LogCosh()([[0.0], [0.0]], [[0.0], [0.0]]))
        0.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)


@LOSSES.register
class Hinge(_BuiltinLoss):
    """Class form of `hinge`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(Hinge()([[1.0], [0.0]], [[0.5], [-2.0]]))
        0.25
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


@LOSSES.register
class SquaredHinge(_BuiltinLoss):
    """Class form of `squared_hinge`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(SquaredHinge()([[1.0], [0.0]], [[0.5], [-2.0]]))
        0.125
    """

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


@LOSSES.register
class CategoricalHinge(_BuiltinLoss):
    """Class form of `categorical_hinge`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(CategoricalHinge()([[0.0, 1.0]], [[0.5, 0.5]]))
        1.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)


@LOSSES.register
class KLDivergence(_BuiltinLoss):
    """Class form of `kl_divergence`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(KLDivergence()([[0.5, 0.5]], [[0.5, 0.5]]))
        0.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


@LOSSES.register
class Poisson(_BuiltinLoss):
    """Class form of `poisson`; reduction, name and dtype as for `Loss`.

    Example:
        >>> float(Poisson()([[0.0], [0.0]], [[1.0], [3.0]]))
        2.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)


@LOSSES.register
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


@LOSSES.register
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
