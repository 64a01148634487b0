"""Metrics: Keras 3's `keras.metrics` on NumPy.

Metrics are never differentiated. They take NumPy arrays (or nnet Tensors, read through ``.data``)
and keep their state in float64 NumPy arrays that `update_state` adds to in place; `variables`
lists those live arrays (so that data-parallel training can all-reduce them). `result()` returns a
Python float (an array for Precision/Recall with several thresholds).

Shapes follow Keras: labels ``(N,)`` against predictions ``(N, 1)`` are reconciled; any other
shape mismatch raises an error that says how to fix the shapes, where Keras would broadcast.
"""

import numpy as np

from nnet.autodiff.tensor import Tensor, Variable
from nnet.backend import epsilon, floatx, to_numpy
from nnet.utils.naming import to_snake_case, uniquify
from nnet.utils.registry import Registry, serialize_object

NEG_INF = -1e10


def _to_array(x):
    return to_numpy(x.data if isinstance(x, Tensor) else x)


def _divide_no_nan(x, y):
    safe = np.where(y == 0, 1, y)
    return np.where(y == 0, 0.0, x / safe)


def _squeeze_or_expand(x1, x2, expand_rank_1=True):
    """Keras's `squeeze_or_expand_to_same_rank`: fix ranks that differ by a trailing 1."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            return x1, x2[:, None]
        return x1[..., 0], x2
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            return x1[:, None], x2
        return x1, x2[..., 0]
    return x1, x2


def _same_shape(y_true, y_pred, fn_name):
    y_true, y_pred = _squeeze_or_expand(_to_array(y_true), _to_array(y_pred))
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{fn_name} expects y_true and y_pred of the same shape (a trailing dimension of 1 "
            f"may differ). Received: y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}. "
            "Reshape the labels to the shape of the predictions."
        )
    return y_true, y_pred


def _sparse_labels(y_true, y_pred, fn_name):
    """Integer labels of shape ``y_pred.shape[:-1]``, from ``(N,)`` or ``(N, 1)``."""
    y_true, y_pred = _to_array(y_true), _to_array(y_pred)
    labels = y_true[..., 0] if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1 else y_true
    if labels.shape != y_pred.shape[:-1]:
        raise ValueError(
            f"{fn_name} expects integer labels of shape {y_pred.shape[:-1]} (or with a trailing 1) "
            f"for predictions of shape {y_pred.shape}. Received: y_true.shape={y_true.shape}. "
            "For one-hot labels use the categorical version of this metric."
        )
    return labels, y_pred


def _one_hot_labels(y_true, y_pred, fn_name):
    y_true, y_pred = _to_array(y_true), _to_array(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{fn_name} expects one-hot y_true of the same shape as y_pred. Received: "
            f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}. "
            "For integer labels use the sparse version of this metric."
        )
    return np.argmax(y_true, axis=-1), y_pred


def _in_top_k(labels, y_pred, k):
    """Whether each label's score is at least the k-th largest score (ties count as hits)."""
    scores = y_pred.reshape(-1, y_pred.shape[-1])
    labels = labels.reshape(-1).astype(np.int64)
    target = np.take_along_axis(scores, labels[:, None], axis=-1)[:, 0]
    num_classes = scores.shape[-1]
    if k >= num_classes:
        return np.ones(labels.shape, dtype=bool)
    kth_largest = np.partition(scores, num_classes - k, axis=-1)[:, num_classes - k]
    return target >= kth_largest


# ---------------------------------------------------------------------------------------------
# Per-sample metric functions (NumPy; the differentiable losses live in nnet.losses).


def accuracy(y_true, y_pred):
    """How often predictions equal labels, per element: ``y_true == y_pred``.

    Args:
        y_true: the targets, shape of `y_pred` (a trailing dimension of 1 may differ).
        y_pred: the predictions.

    Example:
        >>> accuracy([1, 2, 3], [1, 2, 0])
        array([1., 1., 0.])
    """
    y_true, y_pred = _same_shape(y_true, y_pred, "accuracy")
    return (y_true == y_pred).astype(np.float64)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Per-element match of binary labels and thresholded scores: ``y_true == (y_pred > t)``.

    Args:
        y_true: 0/1 labels, shape of `y_pred` (a trailing 1 may differ).
        y_pred: scores or probabilities.
        threshold: scores above it count as 1.

    Example:
        >>> binary_accuracy([1, 0, 1], [0.9, 0.6, 0.2])
        array([1., 0., 0.])
    """
    y_true, y_pred = _same_shape(y_true, y_pred, "binary_accuracy")
    # Keras compares against a float32 threshold.
    return (y_true == (y_pred > np.asarray(threshold, floatx()))).astype(np.float64)


def categorical_accuracy(y_true, y_pred):
    """Per-sample match of argmaxes for one-hot labels: ``argmax(y_true) == argmax(y_pred)``.

    Args:
        y_true: one-hot labels, shape ``(..., num_classes)``.
        y_pred: scores of the same shape.

    Example:
        >>> categorical_accuracy([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]])
        array([1., 0.])
    """
    labels, y_pred = _one_hot_labels(y_true, y_pred, "categorical_accuracy")
    return (labels == np.argmax(y_pred, axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true, y_pred):
    """Per-sample match for integer labels ``(N,)`` or ``(N, 1)``: ``y_true == argmax(y_pred)``.

    Args:
        y_true: integer labels, shape ``y_pred.shape[:-1]`` (a trailing 1 may be added).
        y_pred: scores, shape ``(..., num_classes)``.

    Example:
        >>> sparse_categorical_accuracy([[1], [0]], [[0.2, 0.8], [0.3, 0.7]])
        array([1., 0.])
    """
    labels, y_pred = _sparse_labels(y_true, y_pred, "sparse_categorical_accuracy")
    return (labels == np.argmax(y_pred, axis=-1)).astype(np.float64)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether the one-hot label's class is among the `k` highest scores, per sample.

    Args:
        y_true: one-hot labels, shape ``(..., num_classes)``.
        y_pred: scores of the same shape.
        k: how many top scores count as a hit.

    Example:
        >>> top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[.1, .5, .4], [.1, .3, .6]], k=2)
        array([1., 1.])
    """
    labels, y_pred = _one_hot_labels(y_true, y_pred, "top_k_categorical_accuracy")
    return _in_top_k(labels, y_pred, k).reshape(labels.shape).astype(np.float64)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Whether the integer label is among the `k` highest scores, per sample.

    Args:
        y_true: integer labels, shape ``(N,)`` or ``(N, 1)``.
        y_pred: scores ``(N, num_classes)``, or class ids ``(N, >= k)`` with `from_sorted_ids`.
        k: how many top scores count as a hit.
        from_sorted_ids: `y_pred` holds class ids sorted by decreasing score instead of scores.

    Example:
        >>> sparse_top_k_categorical_accuracy([2, 0], [[.1, .5, .4], [.1, .3, .6]], k=2)
        array([1., 0.])
    """
    y_true = _to_array(y_true)
    labels, y_pred = _sparse_labels(y_true, y_pred, "sparse_top_k_categorical_accuracy")
    if from_sorted_ids:
        hits = (labels[..., None] == y_pred[..., :k]).any(axis=-1)
    else:
        # Keras casts the labels to int32, truncating float labels.
        hits = _in_top_k(labels.astype(np.int64), y_pred, k)
    return hits.reshape(y_true.shape).astype(np.float64)


def mean_squared_error(y_true, y_pred):
    """Per-sample mean squared error: ``mean((y_true - y_pred)**2, axis=-1)``.

    Args:
        y_true: the targets, shape of `y_pred` (a trailing dimension of 1 may differ).
        y_pred: the predictions.

    Example:
        >>> mean_squared_error([[0., 1.]], [[1., 1.]])
        array([0.5])
    """
    y_true, y_pred = _same_shape(y_true, y_pred, "mean_squared_error")
    return np.mean(np.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Per-sample mean absolute error: ``mean(|y_true - y_pred|, axis=-1)``.

    Args:
        y_true: the targets, shape of `y_pred` (a trailing dimension of 1 may differ).
        y_pred: the predictions.

    Example:
        >>> mean_absolute_error([[0., 1.]], [[1., 3.]])
        array([1.5])
    """
    y_true, y_pred = _same_shape(y_true, y_pred, "mean_absolute_error")
    return np.mean(np.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """Per-sample ``100 * mean(|(y_true - y_pred) / max(|y_true|, eps)|, axis=-1)``.

    Args:
        y_true: the targets, shape of `y_pred` (a trailing dimension of 1 may differ).
        y_pred: the predictions.

    Example:
        >>> mean_absolute_percentage_error([[2., 4.]], [[1., 4.]])
        array([25.])
    """
    y_true, y_pred = _same_shape(y_true, y_pred, "mean_absolute_percentage_error")
    diff = np.abs((y_true - y_pred) / np.maximum(np.abs(y_true), epsilon()))
    return 100.0 * np.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """Per-sample ``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))**2, axis=-1)``.

    Args:
        y_true: the targets, shape of `y_pred` (a trailing dimension of 1 may differ).
        y_pred: the predictions.

    Example:
        >>> mean_squared_logarithmic_error([[np.e - 1]], [[0.]]).round(6)
        array([1.])
    """
    y_true, y_pred = _same_shape(y_true, y_pred, "mean_squared_logarithmic_error")
    diff = np.log(np.maximum(y_pred, epsilon()) + 1.0) - np.log(np.maximum(y_true, epsilon()) + 1.0)
    return np.mean(np.square(diff), axis=-1)


_FUNCTIONS = {
    f.__name__: f
    for f in (
        accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
        top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, mean_squared_error,
        mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    )
}


# ---------------------------------------------------------------------------------------------
# Base classes and reductions.


class Metric:
    """Base class of stateful metrics: `update_state` accumulates, `result` reads the value.

    Subclasses create their state in `__init__` with `add_variable` and update it in place in
    `update_state`, as in Keras.

    Args:
        dtype: dtype of the computations (`floatx()` by default).
        name: the metric's name; defaults to the snake_case class name made unique.

    Example:
        >>> class Count(Metric):
        ...     def __init__(self, name="count"):
        ...         super().__init__(name=name)
        ...         self.n = self.add_variable(shape=(), name="n")
        ...     def update_state(self, values):
        ...         self.n.assign(self.n.numpy() + np.size(values))
        ...     def result(self):
        ...         return float(self.n.numpy())
        >>> m = Count(); m([1, 2, 3])
        3.0
    """

    def __init__(self, dtype=None, name=None):
        self.name = name or uniquify(to_snake_case(type(self).__name__))
        self._dtype = np.dtype(dtype or floatx()).name
        self._variables = []

    @property
    def dtype(self):
        """The dtype name of the metric's computations, e.g. ``"float32"``."""
        return self._dtype

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="sum", name=None):
        """Create a non-trainable state Variable that `reset_state` sets back to zeros.

        Args:
            shape: the variable's shape.
            initializer: ``"zeros"``, ``"ones"`` or a callable ``(shape, dtype) -> array``.
            dtype: its dtype, the metric's by default.
            aggregation: how replicas combine it (kept for Keras compatibility).
            name: its name.
        """
        dtype = dtype or self.dtype
        if callable(initializer):
            value = initializer(shape, dtype=dtype)
        elif initializer in ("zeros", "ones"):
            value = (np.zeros if initializer == "zeros" else np.ones)(shape, dtype=dtype)
        else:
            raise ValueError(
                "Expected 'zeros', 'ones' or a callable for initializer. "
                f"Received: initializer={initializer!r}"
            )
        variable = Variable(value, trainable=False, name=name or "variable", dtype=dtype)
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Alias of `add_variable`, as in Keras."""
        return self.add_variable(shape, initializer or "zeros", dtype=dtype, name=name)

    def _add_state(self, shape=()):
        state = np.zeros(shape)
        self._variables.append(state)
        return state

    @property
    def variables(self):
        """The state as a list of live arrays (updates write into them)."""
        return [v.data if isinstance(v, Tensor) else v for v in self._variables]

    def reset_state(self):
        """Set every state array back to zeros."""
        for v in self.variables:
            v[...] = 0

    def update_state(self, *args, **kwargs):
        """Accumulate statistics from one batch."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        """The metric's value from the state accumulated so far."""
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        """The constructor arguments, as a JSON-friendly dict."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """Rebuild a metric from `get_config()`."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _broadcast_weights(sample_weight, shape):
    if sample_weight.shape == shape:
        return sample_weight
    try:
        return np.broadcast_to(sample_weight, shape)
    except ValueError:
        raise ValueError(
            f"sample_weight of shape {sample_weight.shape} does not broadcast to the values of "
            f"shape {shape}. Pass one weight per sample, shape ({shape[0] if shape else 1},)."
        ) from None


def _samplewise(values, sample_weight, reduce_fn):
    """Keras's `reduce_to_samplewise_values`: per-sample values times weights, and the weights."""
    values = _to_array(values)
    if values.dtype.kind != "f":
        values = values.astype(np.float64)
    if sample_weight is not None:
        sample_weight = np.asarray(_to_array(sample_weight), dtype=np.float64)
        values, sample_weight = _squeeze_or_expand(values, sample_weight)
        weight_ndim = sample_weight.ndim
        if values.ndim > weight_ndim:
            values = reduce_fn(values, axis=tuple(range(weight_ndim, values.ndim)))
        sample_weight = _broadcast_weights(sample_weight, values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of the given values: ``total += sum(values * sample_weight)``.

    Args:
        name: the metric's name.
        dtype: dtype of the computations.

    Example:
        >>> m = Sum(); m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); m.result()
        4.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self._add_state()

    def update_state(self, values, sample_weight=None):
        """Add the (weighted) values of one batch."""
        values, _ = _samplewise(values, sample_weight, np.sum)
        # Scalar item updates cost a tenth of a 0-d array ufunc.
        self.total[()] += values.sum()

    def result(self):
        """The sum so far."""
        return float(self.total)


class Mean(Metric):
    """The (weighted) mean of the given values: ``sum(values * w) / sum(w)``.

    Values of rank > 1 are first averaged per sample; without weights every sample counts 1.

    Args:
        name: the metric's name.
        dtype: dtype of the computations.

    Example:
        >>> m = Mean(); m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); m.result()
        2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self._add_state()
        self.count = self._add_state()

    def update_state(self, values, sample_weight=None):
        """Add the (weighted) values of one batch and their weight."""
        values, sample_weight = _samplewise(values, sample_weight, np.mean)
        self.total[()] += values.sum()
        self.count[()] += values.size if sample_weight is None else sample_weight.sum()

    def result(self):
        """``total / count``, or 0 before any weight was seen."""
        return float(self.total / self.count) if self.count else 0.0


def _serialize_fn(fn):
    return {"module": "builtins", "class_name": "function", "config": fn.__name__,
            "registered_name": "function"}


def _deserialize_fn(config):
    name = config["config"] if isinstance(config, dict) else config
    if name not in _FUNCTIONS:
        raise ValueError(
            f"Unknown metric function: fn={name!r}. Known functions are: "
            f"{', '.join(sorted(_FUNCTIONS))}. Pass custom functions to MeanMetricWrapper directly."
        )
    return _FUNCTIONS[name]


class MeanMetricWrapper(Mean):
    """The mean over all samples of a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    Args:
        fn: the function; returns one value per sample (or per element).
        name: the metric's name.
        dtype: dtype of the computations.
        **kwargs: passed on to `fn`.

    Example:
        >>> m = MeanMetricWrapper(mean_absolute_error)
        >>> m.update_state([[0.], [1.]], [[1.], [1.]]); m.result()
        0.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        if fn in (mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
                  mean_squared_logarithmic_error):
            self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add ``fn(y_true, y_pred)`` of one batch, weighted by `sample_weight`."""
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        """``{name, dtype, fn, **kwargs}``; `fn` in Keras's form for functions."""
        return {**super().get_config(), "fn": _serialize_fn(self._fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        """Rebuild from `get_config()`; `fn` must name a function of this module."""
        config = dict(config)
        if "fn" in config:
            config["fn"] = _deserialize_fn(config["fn"])
        return cls(**config)


class _Builtin(MeanMetricWrapper):
    """A MeanMetricWrapper whose function is fixed, so its config holds only its arguments."""

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, **self._fn_kwargs}


# ---------------------------------------------------------------------------------------------
# Accuracy and regression metrics.


class Accuracy(_Builtin):
    """How often predictions equal labels: the mean of `accuracy`.

    Example:
        >>> Accuracy()([[1], [2], [3], [4]], [[0], [2], [3], [4]])
        0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)
        self._direction = "up"


class BinaryAccuracy(_Builtin):
    """How often thresholded scores match binary labels: the mean of `binary_accuracy`.

    Args:
        threshold: scores above it count as 1.

    Example:
        >>> BinaryAccuracy()([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
        0.75
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"


class CategoricalAccuracy(_Builtin):
    """How often the argmax matches one-hot labels: the mean of `categorical_accuracy`.

    Example:
        >>> CategoricalAccuracy()([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        0.5
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"


class SparseCategoricalAccuracy(_Builtin):
    """How often the argmax matches integer labels: the mean of `sparse_categorical_accuracy`.

    Example:
        >>> SparseCategoricalAccuracy()([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
        0.5
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"


class TopKCategoricalAccuracy(_Builtin):
    """How often one-hot targets are in the top `k` predictions.

    Args:
        k: how many top scores count as a hit.

    Example:
        >>> TopKCategoricalAccuracy(k=1)([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        0.5
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"


class SparseTopKCategoricalAccuracy(_Builtin):
    """How often integer targets are in the top `k` predictions.

    Args:
        k: how many top scores count as a hit.
        from_sorted_ids: `y_pred` holds class ids sorted by decreasing score.

    Example:
        >>> SparseTopKCategoricalAccuracy(k=1)([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        0.5
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self):
        """``{name, dtype, k}``, plus ``from_sorted_ids`` only when True (as Keras)."""
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config


class MeanSquaredError(_Builtin):
    """The mean of `mean_squared_error` over samples.

    Example:
        >>> MeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]])
        0.25
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(_Builtin):
    """The mean of `mean_absolute_error` over samples.

    Example:
        >>> MeanAbsoluteError()([[0, 1], [0, 0]], [[1, 1], [0, 0]])
        0.25
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(_Builtin):
    """The mean of `mean_absolute_percentage_error` over samples.

    Example:
        >>> MeanAbsolutePercentageError()([[2., 4.]], [[1., 4.]])
        25.0
    """

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_Builtin):
    """The mean of `mean_squared_logarithmic_error` over samples.

    Example:
        >>> round(MeanSquaredLogarithmicError()([[np.e - 1]], [[0.]]), 6)
        1.0
    """

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


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



# ---------------------------------------------------------------------------------------------
# Confusion-matrix metrics: Precision, Recall, AUC (Keras's `metrics_utils`).


def _check_thresholds(thresholds, default):
    if thresholds is None:
        return [default]
    thresholds = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [
        thresholds]
    invalid = [t for t in thresholds if t is None or not 0 <= t <= 1]
    if invalid:
        raise ValueError(
            f"Threshold values must be in [0, 1]. Received: thresholds={thresholds} "
            f"(invalid: {invalid})."
        )
    return thresholds


def _evenly_distributed(thresholds):
    """Whether thresholds are ``i / (n - 1)``: then one bucketing pass replaces n comparisons."""
    n = len(thresholds)
    return n >= 3 and np.allclose(thresholds, np.arange(n, dtype=np.float32) / (n - 1),
                                  atol=epsilon())


def _filter_top_k(x, k):
    """Keep the `k` largest values of the last axis, set the others to NEG_INF."""
    if k >= x.shape[-1]:
        return x
    top = np.argpartition(-x, k - 1, axis=-1)[..., :k]
    mask = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(mask, top, True, axis=-1)
    return np.where(mask, x, np.asarray(NEG_INF, x.dtype))


def _confusion_counts(y_true, y_pred, thresholds, evenly, top_k=None, class_id=None,
                      sample_weight=None, multi_label=False, label_weights=None):
    """Weighted (tp, fp, tn, fn) of ``y_pred > t`` for each threshold t.

    Shapes are ``(T,)``, or ``(T, num_labels)`` with `multi_label`. Evenly spaced thresholds
    use Keras's bucketing (``ceil(p * (T - 1)) - 1``) in float32, so that ties fall as in Keras.
    """
    dtype = floatx()
    y_true = _to_array(y_true).astype(dtype, copy=False)
    y_pred = _to_array(y_pred).astype(dtype, copy=False)
    y_pred, y_true = _squeeze_or_expand(y_pred, y_true)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"Expected y_true and y_pred of the same shape (a trailing dimension of 1 may "
            f"differ). Received: y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}. "
            "Reshape the labels to the shape of the predictions."
        )
    if sample_weight is not None:
        sample_weight = _to_array(sample_weight).astype(dtype)[..., None]
        _, sample_weight = _squeeze_or_expand(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes). Received: y_pred.shape={y_pred.shape}"
            )
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]

    weights = None
    if sample_weight is not None or label_weights is not None:
        weights = np.ones(y_pred.shape)
        if sample_weight is not None:
            weights = weights * _broadcast_weights(sample_weight, y_pred.shape)
        if label_weights is not None:
            weights = weights * np.asarray(label_weights, dtype)
        weights = weights.reshape(-1) if not multi_label else weights
    if not multi_label:
        y_true, y_pred = y_true.reshape(-1), y_pred.reshape(-1)
    labels = y_true != 0
    n = len(thresholds)
    if not evenly:
        passed = y_pred > np.asarray(thresholds, dtype).reshape((n,) + (1,) * y_pred.ndim)
        weights = 1.0 if weights is None else weights
        pos_w, neg_w = np.where(labels, weights, 0.0), np.where(labels, 0.0, weights)
        tp, fp = (passed * pos_w).sum(axis=1), (passed * neg_w).sum(axis=1)
        return tp, fp, neg_w.sum(axis=0) - fp, pos_w.sum(axis=0) - tp

    buckets = np.ceil(np.minimum(np.maximum(y_pred, 0), 1) * np.asarray(n - 1, dtype)) - 1
    if thresholds[0] < 0 or thresholds[-1] > 1:
        # With an epsilon below 0 every prediction passes the first threshold.
        buckets = np.maximum(buckets, 0)
    # One bincount over (label, column, bucket + 1): bucket -1 (passes no threshold) lands in
    # slot 0, which counts towards the totals but not towards any threshold.
    num_labels = 1 if buckets.ndim == 1 else buckets.shape[1]
    ids = buckets.astype(np.int64) + 1 + (n + 1) * (labels * num_labels + np.arange(num_labels))
    weights = None if weights is None else weights.reshape(-1)
    counts = np.bincount(ids.reshape(-1), weights, 2 * num_labels * (n + 1))
    counts = counts.reshape(2, num_labels, n + 1)
    neg_total, pos_total = counts.sum(axis=-1)
    fp, tp = np.cumsum(counts[..., :0:-1], axis=-1)[..., ::-1].transpose(0, 2, 1)
    if not multi_label:
        fp, tp, neg_total, pos_total = fp[:, 0], tp[:, 0], neg_total[0], pos_total[0]
    return tp, fp, neg_total - fp, pos_total - tp


class _PrecisionRecall(Metric):
    """Shared state and update of Precision and Recall (``tp`` and ``fp`` or ``fn``)."""

    _second = None

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _check_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._thresholds_distributed_evenly = _evenly_distributed(self.thresholds)
        self.true_positives = self._add_state(len(self.thresholds))
        setattr(self, self._second, self._add_state(len(self.thresholds)))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the weighted confusion counts of one batch at every threshold."""
        tp, fp, _, fn = _confusion_counts(
            y_true, y_pred, self.thresholds, self._thresholds_distributed_evenly,
            top_k=self.top_k, class_id=self.class_id, sample_weight=sample_weight)
        self.true_positives += tp
        getattr(self, self._second)[...] += fp if self._second == "false_positives" else fn

    def result(self):
        """A float for one threshold, else an array with one value per threshold."""
        tp = self.true_positives
        value = _divide_no_nan(tp, tp + getattr(self, self._second))
        return float(value[0]) if len(self.thresholds) == 1 else value.astype(self.dtype)

    def get_config(self):
        """``{name, dtype, thresholds, top_k, class_id}``, thresholds as passed."""
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """The precision of thresholded predictions: ``tp / (tp + fp)``, accumulated over batches.

    Args:
        thresholds: a float or list of floats in [0, 1]; ``y_pred > t`` is a positive
            (default 0.5). With several, `result()` returns one value per threshold.
        top_k: only the `k` highest scores of each sample can be positive.
        class_id: compute the metric for this class (column) only.
        name: the metric's name.
        dtype: dtype of the computations.

    Example:
        >>> Precision()([0, 1, 1, 1], [1, 0, 1, 1])
        0.6666666666666666
    """

    _second = "false_positives"


class Recall(_PrecisionRecall):
    """The recall of thresholded predictions: ``tp / (tp + fn)``, accumulated over batches.

    Args:
        thresholds: a float or list of floats in [0, 1]; ``y_pred > t`` is a positive
            (default 0.5). With several, `result()` returns one value per threshold.
        top_k: only the `k` highest scores of each sample can be positive.
        class_id: compute the metric for this class (column) only.
        name: the metric's name.
        dtype: dtype of the computations.

    Example:
        >>> Recall()([0, 1, 1, 1], [1, 0, 1, 1])
        0.6666666666666666
    """

    _second = "false_negatives"


_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


class AUC(Metric):
    """Area under the ROC or precision-recall curve, by a Riemann sum over fixed thresholds.

    The thresholds are ``[-eps, 1/(n-1), ..., (n-2)/(n-1), 1+eps]``; tp/fp/tn/fn are accumulated
    at each one, and the area is summed with the trapezoid rule (ROC) or with Davis & Goadrich's
    interpolation (PR), exactly as Keras does.

    Args:
        num_thresholds: number of thresholds (> 1) when `thresholds` is not given.
        curve: ``"ROC"``, ``"PR"`` or ``"PRGAIN"``.
        summation_method: ``"interpolation"``, ``"majoring"`` or ``"minoring"``.
        name: the metric's name.
        dtype: dtype of the computations.
        thresholds: explicit thresholds in [0, 1] (the epsilon end points are added).
        multi_label: average the AUCs of the label columns instead of flattening them.
        num_labels: number of label columns, to build the state before the first batch.
        label_weights: per-label weights, for the flattened counts or the label average.
        from_logits: apply a sigmoid to `y_pred` first.

    Example:
        >>> AUC(num_thresholds=3)([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        if str(curve).lower() not in _CURVES:
            raise ValueError(
                f"Invalid AUC curve value: curve={curve!r}. Expected 'ROC', 'PR' or 'PRGAIN'.")
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(
                f"Invalid AUC summation method: summation_method={summation_method!r}. Expected "
                "'interpolation', 'majoring' or 'minoring'.")
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(_check_thresholds(thresholds, None))
            self._thresholds_distributed_evenly = _evenly_distributed([0.0, *thresholds, 1.0])
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    "Argument `num_thresholds` must be an integer > 1. "
                    f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        # End points just outside [0, 1] absorb floating-point imprecision at 0 and 1.
        self._thresholds = np.array([0.0 - epsilon(), *thresholds, 1.0 + epsilon()])
        self.curve = _CURVES[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = (None if label_weights is None
                              else np.asarray(label_weights, dtype=self.dtype))
        self._from_logits = from_logits
        self._built = False
        if num_labels and not multi_label:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        if not multi_label or num_labels:
            self._build((None, num_labels))

    @property
    def thresholds(self):
        """The thresholds, end points included."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    "`y_pred` must have rank 2 when `multi_label=True`. "
                    f"Found rank {len(shape)}. Full shape received for `y_pred`: {shape}")
            self._num_labels = shape[1]
        state_shape = (self.num_thresholds, self._num_labels) if self.multi_label else (
            self.num_thresholds,)
        self.true_positives = self._add_state(state_shape)
        self.false_positives = self._add_state(state_shape)
        self.true_negatives = self._add_state(state_shape)
        self.false_negatives = self._add_state(state_shape)
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the weighted confusion counts of one batch at every threshold."""
        y_pred = _to_array(y_pred)
        if not self._built:
            self._build(y_pred.shape)
        if self._from_logits:
            y_pred = np.exp(-np.logaddexp(0.0, -y_pred))
        tp, fp, tn, fn = _confusion_counts(
            y_true, y_pred, self._thresholds, self._thresholds_distributed_evenly,
            sample_weight=sample_weight, multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights)
        self.true_positives += tp
        self.false_positives += fp
        self.true_negatives += tn
        self.false_negatives += fn

    def _interpolate_pr_auc(self):
        """Davis & Goadrich: interpolate tp and fp linearly between thresholds, not precision."""
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        prec_slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        both_positive = (p[:-1] > 0) & (p[1:] > 0)
        safe_p_ratio = np.where(both_positive, _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        return _divide_no_nan(prec_slope * (dtp + intercept * np.log(safe_p_ratio)),
                              np.maximum(tp[1:] + fn[1:], 0))

    def _curve_points(self):
        tp, fp, tn, fn = (self.true_positives, self.false_positives, self.true_negatives,
                          self.false_negatives)
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            return _divide_no_nan(fp, fp + tn), recall
        if self.curve == "PR":
            return recall, _divide_no_nan(tp, tp + fp)
        scaling = _divide_no_nan(tp + fn, tn + fp)
        recall_gain = np.where(tp == 0, 0.0, 1.0 - scaling * _divide_no_nan(fn, tp))
        precision_gain = np.where(tp == 0, 1.0, 1.0 - scaling * _divide_no_nan(fp, tp))
        return np.maximum(recall_gain, 0.0), precision_gain

    def result(self):
        """The area, averaged over labels (weighted by `label_weights`) with `multi_label`."""
        if self.curve == "PR" and self.summation_method == "interpolation":
            areas = self._interpolate_pr_auc()
        else:
            x, y = self._curve_points()
            pick = {"interpolation": lambda a, b: (a + b) / 2.0, "minoring": np.minimum,
                    "majoring": np.maximum}[self.summation_method]
            areas = (x[:-1] - x[1:]) * pick(y[:-1], y[1:])
        if not self.multi_label:
            return float(areas.sum())
        by_label = areas.sum(axis=0)
        if self.label_weights is None:
            return float(by_label.mean())
        return float(_divide_no_nan(np.sum(by_label * self.label_weights),
                                    np.sum(self.label_weights)))

    def get_config(self):
        """Keras's AUC config; the thresholds appear only when they were given."""
        config = {
            **super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
            "summation_method": self.summation_method, "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return config


# ---------------------------------------------------------------------------------------------
# String identifiers, serialization, and compile's resolution of metric identifiers.

_REGISTRY = Registry("metric", base=Metric)
for _cls in (Metric, Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
             SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
             Precision, Recall, AUC, RootMeanSquaredError):
    _REGISTRY.register(_cls)
_REGISTRY.register(MeanSquaredError, "mse", "MSE")
_REGISTRY.register(MeanAbsoluteError, "mae", "MAE")
_REGISTRY.register(MeanAbsolutePercentageError, "mape", "MAPE")
_REGISTRY.register(MeanSquaredLogarithmicError, "msle", "MSLE")


def get(identifier):
    """Resolve a metric identifier, as `keras.metrics.get` does.

    A string names a class (``"AUC"``, ``"auc"``, ``"mse"``, ...) and gives an instance with its
    default name; a class is instantiated; a dict is deserialized; Metric instances and plain
    functions are returned as they are. Unknown strings raise a ValueError listing valid names.

    Args:
        identifier: a string, a class, a config dict, a Metric or a function.

    Example:
        >>> get("mse").name
        'mean_squared_error'
    """
    return _REGISTRY.get(identifier, "metric")


def serialize(metric):
    """Keras's JSON form of a metric: ``{module: "keras.metrics", class_name, config, ...}``.

    Example:
        >>> serialize(BinaryAccuracy())["config"]
        {'name': 'binary_accuracy', 'dtype': 'float32', 'threshold': 0.5}
    """
    return serialize_object(metric, "keras.metrics")


def deserialize(config, custom_objects=None):
    """Rebuild a metric from `serialize`'s dict (or resolve a string name with `get`).

    Args:
        config: the dict, or a string identifier.
        custom_objects: ``{name: class}`` for metrics defined outside nnet.

    Example:
        >>> deserialize(serialize(AUC(curve="PR"))).curve
        'PR'
    """
    if isinstance(config, str):
        return get(config)
    return _REGISTRY.deserialize(config, custom_objects)


def resolve_accuracy(identifier, y_true_shape, y_pred_shape):
    """The accuracy metric that ``"accuracy"``/``"acc"`` means for these shapes, as compile does.

    Keras decides from the shapes only: binary when ``y_pred.shape[-1] == 1``; sparse when y_true
    has the lower rank, or a last dimension of 1 against a larger one; categorical otherwise.
    The metric is named by `identifier` as passed.

    Args:
        identifier: the string given to compile (``"accuracy"``, ``"acc"``, ``"Accuracy"``...).
        y_true_shape: shape of the labels of the first batch.
        y_pred_shape: shape of the model output.

    Example:
        >>> resolve_accuracy("acc", (32,), (32, 10))
        <SparseCategoricalAccuracy name=acc>
    """
    is_binary = y_pred_shape[-1] == 1
    is_sparse = len(y_true_shape) < len(y_pred_shape) or (
        y_true_shape[-1] == 1 and y_pred_shape[-1] > 1)
    name = str(identifier)
    if is_binary:
        return BinaryAccuracy(name=name)
    if is_sparse:
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


def get_metric(identifier, y_true_shape=None, y_pred_shape=None):
    """A Metric for one entry of compile's ``metrics=``, named as Keras logs it.

    ``"accuracy"``/``"acc"`` go through `resolve_accuracy`; other strings through `get`, and the
    metric takes the exact string as its name (``"AUC"`` logs as ``AUC``, ``"mse"`` as ``mse``);
    plain functions are wrapped in MeanMetricWrapper named by the snake_case function name;
    Metric instances keep their name.

    Args:
        identifier: a string, a class, a config dict, a Metric or a function.
        y_true_shape: labels shape, needed only for ``"accuracy"``.
        y_pred_shape: output shape, needed only for ``"accuracy"``.

    Example:
        >>> get_metric("mse")
        <MeanSquaredError name=mse>
    """
    if identifier is None:
        raise ValueError("Expected a metric for metrics. Received: identifier=None")
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        if y_true_shape is None or y_pred_shape is None:
            raise ValueError(
                f"Resolving metrics={identifier!r} needs the shapes of y_true and y_pred. "
                "Pass y_true_shape and y_pred_shape.")
        return resolve_accuracy(identifier, y_true_shape, y_pred_shape)
    metric = get(identifier)
    if isinstance(identifier, str):
        name = identifier
    elif isinstance(metric, Metric):
        name = metric.name
    else:
        name = to_snake_case(getattr(metric, "__name__", type(metric).__name__))
    if not isinstance(metric, Metric):
        return MeanMetricWrapper(metric, name=name)
    metric.name = name
    return metric
