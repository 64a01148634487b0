"""Correlation metrics: PearsonCorrelation and ConcordanceCorrelation, with their functions."""

import numpy as np

from nnet.backend import epsilon
from nnet.metrics.metric import METRICS
from nnet.metrics.metrics_utils import _as_floats, _same_shape
from nnet.metrics.reduction_metrics import _Builtin, _register_functions


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's correlation along `axis`: ``mean(z(y_true) * z(y_pred), axis)``.

    ``z(x) = (x - mean(x)) / std(x)`` standardizes along `axis` (population std).

    Args:
        y_true: the targets, shape of `y_pred` (a trailing dimension of 1 may differ).
        y_pred: the predictions.
        axis: the axis along which the correlation is taken.

    Example:
        >>> pearson_correlation([[1., 2., 3.], [1., 2., 3.]], [[2., 4., 7.], [3., 2., 1.]]).round(4)
        array([ 0.9934, -1.    ])
    """
    y_true, y_pred = _same_shape(*_as_floats(y_true, y_pred), "pearson_correlation")
    y_true = y_true - np.mean(y_true, axis=axis, keepdims=True)
    y_pred = y_pred - np.mean(y_pred, axis=axis, keepdims=True)
    # A constant row has std 0: its correlation is NaN, as in Keras.
    with np.errstate(divide="ignore", invalid="ignore"):
        y_true = y_true / np.std(y_true, axis=axis, keepdims=True)
        y_pred = y_pred / np.std(y_pred, axis=axis, keepdims=True)
    return np.mean(y_true * y_pred, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation along `axis`.

    ``2 cov(y_true, y_pred) / (var(y_true) + var(y_pred) + (mean(y_true) - mean(y_pred))**2)``,
    with population (co)variances and ``eps`` added to the denominator.

    Args:
        y_true: the targets, shape of `y_pred` (a trailing dimension of 1 may differ).
        y_pred: the predictions.
        axis: the axis along which the correlation is taken.

    Example:
        >>> concordance_correlation([[1., 2., 3.]], [[1., 2., 4.]]).round(4)
        array([0.8571])
    """
    y_true, y_pred = _same_shape(*_as_floats(y_true, y_pred), "concordance_correlation")
    true_mean = np.mean(y_true, axis=axis, keepdims=True)
    pred_mean = np.mean(y_pred, axis=axis, keepdims=True)
    covariance = (y_true - true_mean) * (y_pred - pred_mean)
    norm = (np.var(y_true, axis=axis, keepdims=True) + np.var(y_pred, axis=axis, keepdims=True)
            + np.square(true_mean - pred_mean))
    return np.mean(2.0 * covariance / (norm + epsilon()), axis=axis)


_register_functions(pearson_correlation, concordance_correlation)


@METRICS.register
class PearsonCorrelation(_Builtin):
    """The mean of `pearson_correlation` over samples.

    Args:
        name: the metric's name.
        dtype: dtype of the computations.
        axis: the axis along which each correlation is taken.

    Example:
        >>> m = PearsonCorrelation()
        >>> round(m([[1., 2., 3.], [1., 2., 3.]], [[2., 4., 7.], [1., 2., 3.]]), 4)
        0.9967
    """

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"


@METRICS.register
class ConcordanceCorrelation(_Builtin):
    """The mean of `concordance_correlation` over samples.

    Args:
        name: the metric's name.
        dtype: dtype of the computations.
        axis: the axis along which each correlation is taken.

    Example:
        >>> round(ConcordanceCorrelation()([[1., 2., 3.]], [[1., 2., 4.]]), 4)
        0.8571
    """

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"
