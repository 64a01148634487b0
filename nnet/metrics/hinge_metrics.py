"""Hinge metrics: Hinge, SquaredHinge, CategoricalHinge, with their functions."""

import numpy as np

from nnet.metrics.metrics_utils import _as_floats, _same_shape
from nnet.metrics.reduction_metrics import _Builtin, _register_functions


def _hinge_margins(y_true, y_pred, fn_name):
    """``max(1 - y_true * y_pred, 0)``, with 0/1 labels first mapped to -1/1."""
    y_true, y_pred = _same_shape(*_as_floats(y_true, y_pred), fn_name)
    if np.all((y_true == 0) | (y_true == 1)):
        y_true = 2.0 * y_true - 1.0
    return np.maximum(1.0 - y_true * y_pred, 0.0)


def hinge(y_true, y_pred):
    """Per-sample hinge: ``mean(max(1 - y_true * y_pred, 0), axis=-1)``.

    Args:
        y_true: labels in {-1, 1} (or {0, 1}, mapped to -1/1), shape of `y_pred`.
        y_pred: the scores.

    Example:
        >>> hinge([[0., 1.]], [[0.6, 0.4]]).round(4)
        array([1.1])
    """
    return np.mean(_hinge_margins(y_true, y_pred, "hinge"), axis=-1)


def squared_hinge(y_true, y_pred):
    """Per-sample squared hinge: ``mean(max(1 - y_true * y_pred, 0)**2, axis=-1)``.

    Args:
        y_true: labels in {-1, 1} (or {0, 1}, mapped to -1/1), shape of `y_pred`.
        y_pred: the scores.

    Example:
        >>> squared_hinge([[0., 1.]], [[0.6, 0.4]]).round(4)
        array([1.46])
    """
    return np.mean(np.square(_hinge_margins(y_true, y_pred, "squared_hinge")), axis=-1)


def categorical_hinge(y_true, y_pred):
    """Per-sample ``max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)``.

    Args:
        y_true: one-hot labels, shape of `y_pred`.
        y_pred: the scores.

    Example:
        >>> categorical_hinge([[0., 1.]], [[0.6, 0.4]]).round(4)
        array([1.2])
    """
    y_true, y_pred = _same_shape(*_as_floats(y_true, y_pred), "categorical_hinge")
    positive = np.sum(y_true * y_pred, axis=-1)
    negative = np.max((1.0 - y_true) * y_pred, axis=-1)
    return np.maximum(negative - positive + 1.0, 0.0)


_register_functions(hinge, squared_hinge, categorical_hinge, loss=True)


class Hinge(_Builtin):
    """The mean of `hinge` over samples.

    Example:
        >>> round(Hinge()([[0., 1.], [0., 0.]], [[0.6, 0.4], [0.4, 0.6]]), 4)
        1.3
    """

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name=name, dtype=dtype)


class SquaredHinge(_Builtin):
    """The mean of `squared_hinge` over samples.

    Example:
        >>> round(SquaredHinge()([[0., 1.], [0., 0.]], [[0.6, 0.4], [0.4, 0.6]]), 4)
        1.86
    """

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(_Builtin):
    """The mean of `categorical_hinge` over samples.

    Example:
        >>> round(CategoricalHinge()([[0., 1.], [0., 0.]], [[0.6, 0.4], [0.4, 0.6]]), 4)
        1.4
    """

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, dtype=dtype)
