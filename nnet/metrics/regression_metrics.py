"""Regression metrics and their per-sample functions, which are the losses of `nnet.losses`."""

import warnings

import numpy as np

from nnet import losses
from nnet.losses import (
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from nnet.metrics.metric import METRICS, Metric
from nnet.metrics.metrics_utils import _as_floats, _broadcast_weights, _same_shape, _to_array
from nnet.metrics.reduction_metrics import Mean, _Builtin, _register_functions


def cosine_similarity(y_true, y_pred, axis=-1):
    """Per-sample cosine of the angle between labels and predictions along `axis`.

    ``sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``: the loss
    `nnet.losses.cosine_similarity` with the sign turned, as in Keras.

    Args:
        y_true: the targets, shape of `y_pred` (a trailing dimension of 1 may differ).
        y_pred: the predictions.
        axis: the axis of the vectors.

    Example:
        >>> cosine_similarity([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]]).numpy().round(6)
        array([0., 1.], dtype=float32)
    """
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


_register_functions(mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
                    mean_squared_logarithmic_error, log_cosh, huber, loss=True)
_register_functions(cosine_similarity)


@METRICS.register(aliases=("mse", "MSE"))
class MeanSquaredError(_Builtin):
    """The mean of `mean_squared_error` over samples.

    Example:
        >>> MeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]])
        0.25
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


@METRICS.register(aliases=("mae", "MAE"))
class MeanAbsoluteError(_Builtin):
    """The mean of `mean_absolute_error` over samples.

    Example:
        >>> MeanAbsoluteError()([[0, 1], [0, 0]], [[1, 1], [0, 0]])
        0.25
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


@METRICS.register(aliases=("mape", "MAPE"))
class MeanAbsolutePercentageError(_Builtin):
    """The mean of `mean_absolute_percentage_error` over samples.

    Example:
        >>> MeanAbsolutePercentageError()([[2., 4.]], [[1., 4.]])
        25.0
    """

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


@METRICS.register(aliases=("msle", "MSLE"))
class MeanSquaredLogarithmicError(_Builtin):
    """The mean of `mean_squared_logarithmic_error` over samples.

    Example:
        >>> round(MeanSquaredLogarithmicError()([[np.e - 1]], [[0.]]), 6)
        1.0
    """

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


@METRICS.register
class RootMeanSquaredError(Mean):
    """``sqrt(mean((y_pred - y_true)**2))`` over all elements seen (weighted per sample).

    Example:
        >>> RootMeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]])
        0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the squared errors of one batch."""
        y_true, y_pred = _same_shape(y_true, y_pred, "RootMeanSquaredError")
        super().update_state(np.square(y_pred - y_true), sample_weight)

    def result(self):
        """The square root of the mean squared error so far."""
        return float(np.sqrt(super().result()))


@METRICS.register
class CosineSimilarity(_Builtin):
    """The mean of `cosine_similarity` over samples.

    Args:
        name: the metric's name.
        dtype: dtype of the computations.
        axis: the axis of the vectors (left out of the config, as Keras does).

    Example:
        >>> round(CosineSimilarity()([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]]), 6)
        0.5
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)
        self._direction = "up"

    def get_config(self):
        """``{name, dtype}``."""
        return {"name": self.name, "dtype": self.dtype}


@METRICS.register
class LogCoshError(_Builtin):
    """The mean of `log_cosh` over samples.

    Example:
        >>> round(LogCoshError()([[0., 0.]], [[1., -1.]]), 6)
        0.433781
    """

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name=name, dtype=dtype)


_CLASS_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


@METRICS.register
class R2Score(Metric):
    """The coefficient of determination, ``1 - sum((y - y_pred)**2) / sum((y - mean(y))**2)``.

    Computed per output column over every batch seen (with sample weights), then aggregated.
    With `num_regressors` p > 0 it is adjusted: ``1 - (1 - R2) * (n - 1) / (n - p - 1)``, where
    n counts the label elements seen.

    Args:
        class_aggregation: ``"uniform_average"`` (mean over columns),
            ``"variance_weighted_average"`` (weighted by each column's variance) or None (one
            score per column).
        num_regressors: the number of independent variables, for the adjusted score.
        name: the metric's name.
        dtype: dtype of the computations.

    Shapes: ``y_true`` and ``y_pred`` are ``(batch_size, output_dim)``; ``sample_weight`` is
    ``(batch_size,)`` or of the labels' shape. Before the first batch the result is 0.

    Example:
        >>> R2Score()([[1.], [2.], [3.]], [[1.], [2.], [2.]])
        0.5
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if class_aggregation not in _CLASS_AGGREGATIONS:
            raise ValueError(
                "Invalid value for argument `class_aggregation`. Expected one of "
                f"{_CLASS_AGGREGATIONS}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError(
                "Invalid value for argument `num_regressors`. Expected a value >= 0. "
                f"Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self._add_state(name="num_samples")
        self._built = False

    def _build(self, shape):
        if len(shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim). Received input "
                f"shapes: y_pred.shape={shape} and y_true.shape={shape}.")
        self.squared_sum = self._add_state(shape[-1], name="squared_sum")
        self.sum = self._add_state(shape[-1], name="sum")
        self.total_mse = self._add_state(shape[-1], name="residual")
        self.count = self._add_state(shape[-1], name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the weighted sums of labels, squared labels, squared errors and weights."""
        y_true, y_pred = _same_shape(*_as_floats(y_true, y_pred, self.dtype), "R2Score")
        if not self._built:
            self._build(y_true.shape)
        weights = np.asarray(1.0 if sample_weight is None else _to_array(sample_weight),
                             self.dtype)
        weights = _broadcast_weights(weights[:, None] if weights.ndim == 1 else weights,
                                     y_true.shape)
        weighted_y_true = y_true * weights
        self.sum += weighted_y_true.sum(axis=0)
        self.squared_sum += (y_true * weighted_y_true).sum(axis=0)
        self.total_mse += (np.square(y_true - y_pred) * weights).sum(axis=0)
        self.count += weights.sum(axis=0)
        self.num_samples[()] += y_true.size

    def result(self):
        """A float, or one score per column (an array) with ``class_aggregation=None``."""
        if not self._built:
            return 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum / self.count
            total = self.squared_sum - self.sum * mean
            raw_scores = 1.0 - self.total_mse / total
        # Constant labels make the score -inf: Keras reports 0 for those columns.
        raw_scores = np.where(np.isinf(raw_scores), 0.0, raw_scores)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw_scores)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw_scores) / np.sum(total)
        else:
            score = raw_scores
        score = self._adjust(score)
        return score.astype(self.dtype) if self.class_aggregation is None else float(score)

    def _adjust(self, score):
        n, p = float(self.num_samples), self.num_regressors
        if p == 0:
            return score
        if p > n - 1:
            warnings.warn("More independent predictors than datapoints in adjusted R2 score. "
                          "Falling back to standard R2 score.", stacklevel=3)
        elif p == n - 1:
            warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 "
                          "score.", stacklevel=3)
        else:
            score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return score

    def get_config(self):
        """``{name, dtype, class_aggregation, num_regressors}``."""
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
