"""Overlap losses for segmentation masks: Dice and its weighted generalisation, Tversky.

Both sum over `axis`; with the default ``axis=None`` the whole batch is one overlap and the loss
is a single value, as in Keras. Pass the non-batch axes (e.g. ``axis=(1, 2, 3)`` for images) to
get one loss per sample, which `sample_weight` can then weight.

Example:
    >>> float(dice([[1.0, 0.0]], [[1.0, 0.0]]))
    0.0
"""

from nnet import ops
from nnet.backend import epsilon
from nnet.losses.loss import LOSSES, _BuiltinLoss, _prepare


def _overlap(y_true, y_pred, axis, name):
    """(y_true, y_pred, axis, sum(y_true * y_pred, axis)) after the usual shape checks."""
    y_true, y_pred = _prepare(y_true, y_pred, name)
    # A tuple of axes becomes a list in a JSON config; NumPy reduces over tuples only.
    axis = tuple(axis) if isinstance(axis, list) else axis
    return y_true, y_pred, axis, ops.sum(y_true * y_pred, axis=axis)


@LOSSES.register
def dice(y_true, y_pred, axis=None):
    """Dice loss: ``1 - 2 sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps)``.

    The sums run over `axis`.

    Args:
        y_true: targets in [0, 1], shape of y_pred.
        y_pred: predicted probabilities.
        axis: the axes summed over (an int or a tuple); None sums over everything.

    Example:
        >>> dice([[1.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [1.0, 0.0]], axis=1).numpy().round(4)
        array([0.3333, 0.    ], dtype=float32)
    """
    y_true, y_pred, axis, intersection = _overlap(y_true, y_pred, axis, "dice")
    total = ops.sum(y_true, axis=axis) + ops.sum(y_pred, axis=axis)
    return 1.0 - 2.0 * intersection / (total + epsilon())


@LOSSES.register
def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """Tversky loss: ``1 - I / (I + alpha * sum(y_true (1 - y_pred)) + beta * sum((1 - y_true)
    y_pred) + eps)`` with ``I = sum(y_true * y_pred)``, the sums running over `axis`.

    As in Keras, `alpha` weighs the positives the prediction misses and `beta` the predicted
    positives that are not; ``alpha = beta = 0.5`` is the Dice loss.

    Args:
        y_true: targets in [0, 1], shape of y_pred.
        y_pred: predicted probabilities.
        alpha: the weight of ``sum(y_true * (1 - y_pred))``.
        beta: the weight of ``sum((1 - y_true) * y_pred)``.
        axis: the axes summed over (an int or a tuple); None sums over everything.

    Example:
        >>> round(float(tversky([[1.0, 1.0]], [[1.0, 0.0]], alpha=1.0, beta=0.0)), 4)
        0.5
    """
    y_true, y_pred, axis, intersection = _overlap(y_true, y_pred, axis, "tversky")
    missed = ops.sum(y_true * (1.0 - y_pred), axis=axis)
    spurious = ops.sum((1.0 - y_true) * y_pred, axis=axis)
    return 1.0 - intersection / (intersection + alpha * missed + beta * spurious + epsilon())


@LOSSES.register
class Dice(_BuiltinLoss):
    """Class form of `dice`.

    Args:
        reduction, name, dtype: as for `Loss`.
        axis: as for `dice`.

    Example:
        >>> round(float(Dice(axis=1)([[1.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [1.0, 0.0]])), 4)
        0.1667
    """

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype, axis=axis)
        self.axis = axis


@LOSSES.register
class Tversky(_BuiltinLoss):
    """Class form of `tversky`.

    Args:
        alpha, beta, axis: as for `tversky`.
        reduction, name, dtype: as for `Loss`.

    Example:
        >>> round(float(Tversky(alpha=1.0, beta=0.0)([[1.0, 1.0]], [[1.0, 0.0]])), 4)
        0.5
    """

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, reduction=reduction, name=name, dtype=dtype, alpha=alpha,
                         beta=beta, axis=axis)
        self.alpha, self.beta, self.axis = alpha, beta, axis
