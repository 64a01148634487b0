"""Sum, Mean and MeanMetricWrapper: the reductions every per-sample metric builds on."""

import numpy as np

from nnet.autodiff.engine import no_grad
from nnet.losses.loss import _match_ranks
from nnet.metrics.metric import METRICS, Metric
from nnet.metrics.metrics_utils import _broadcast_weights, _to_array
from nnet.utils.registry import deserialize_keras_object, serialize_keras_object

# The per-sample functions of nnet.metrics by name (for `MeanMetricWrapper.from_config`), and
# those that are losses, which make a wrapper's direction "down" as in Keras.
_FUNCTIONS = {}
_LOSS_FUNCTIONS = set()


def _register_functions(*fns, loss=False):
    for fn in fns:
        _FUNCTIONS[fn.__name__] = fn
        if loss:
            _LOSS_FUNCTIONS.add(fn.__name__)


def _registered_name(fn):
    """`fn`'s name if `fn` is itself one of the registered functions, else None."""
    name = getattr(fn, "__name__", None)
    return name if _FUNCTIONS.get(name) is fn else None


def _samplewise(values, sample_weight, reduce_fn):
    """Keras's `reduce_to_samplewise_values`: per-sample values times weights, and the weights."""
    values = _to_array(values)
    if values.dtype.kind != "f":
        values = values.astype(np.float64)
    if sample_weight is not None:
        sample_weight = np.asarray(_to_array(sample_weight), dtype=np.float64)
        values, sample_weight = _match_ranks(values, sample_weight)
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


@METRICS.register
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
        self.total = self._add_state(name="total")

    def update_state(self, values, sample_weight=None):
        """Add the (weighted) values of one batch."""
        values, _ = _samplewise(values, sample_weight, np.sum)
        # Scalar item updates cost a tenth of a 0-d array ufunc.
        self.total[()] += values.sum()

    def result(self):
        """The sum so far."""
        return float(self.total)


@METRICS.register
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
        self.total = self._add_state(name="total")
        self.count = self._add_state(name="count")

    def update_state(self, values, sample_weight=None):
        """Add the (weighted) values of one batch and their weight."""
        if type(values) is float and type(sample_weight) in (int, float, type(None)):
            # One number, as fit's loss tracker adds every step: no arrays needed.
            weight = 1 if sample_weight is None else sample_weight
            self.total[()] += values * weight
            self.count[()] += weight
            return
        values, sample_weight = _samplewise(values, sample_weight, np.mean)
        self.total[()] += values.sum()
        self.count[()] += values.size if sample_weight is None else sample_weight.sum()

    def result(self):
        """``total / count``, or 0 before any weight was seen."""
        return float(self.total / self.count) if self.count else 0.0


def _apply_mask(sample_weight, mask):
    """Keras's `apply_mask` for a sum: the weights times the 0/1 mask."""
    sample_weight = np.asarray(_to_array(sample_weight), dtype=np.float64)
    mask, sample_weight = _match_ranks(_to_array(mask).astype(np.float64), sample_weight)
    return mask * _broadcast_weights(sample_weight, mask.shape)


def _deserialize_fn(config):
    """The function of a serialized `fn`: a metric function of nnet by its name, else a
    function registered with `register_keras_serializable` (or in a custom_object_scope)."""
    name = config["config"] if isinstance(config, dict) else config
    if name in _FUNCTIONS:
        return _FUNCTIONS[name]
    try:
        return deserialize_keras_object(
            {"module": "builtins", "class_name": "function", "config": name,
             "registered_name": "function"})
    except ValueError:
        raise ValueError(
            f"Unknown metric function: fn={name!r}. Known functions are: "
            f"{', '.join(sorted(_FUNCTIONS))}. Register a custom function with "
            "@nnet.saving.register_keras_serializable(), or load inside "
            "nnet.saving.custom_object_scope({...})."
        ) from None


@METRICS.register
class MeanMetricWrapper(Mean):
    """The mean over all samples of a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    `fn` runs without recording gradients, so it may be a loss function of `nnet.losses`, which
    computes with `nnet.ops` and reads the logits a sigmoid or softmax output carries.

    Args:
        fn: the function; returns one value per sample (or per element).
        name: the metric's name.
        dtype: dtype of the computations.
        **kwargs: passed on to `fn`.

    Example:
        >>> from nnet.metrics import mean_absolute_error
        >>> m = MeanMetricWrapper(mean_absolute_error)
        >>> m.update_state([[0.], [1.]], [[1.], [1.]]); m.result()
        0.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        if _registered_name(fn) in _LOSS_FUNCTIONS:
            self._direction = "down"
        # Loss functions that leave entries out (`ignore_class`) carry a variant that also
        # returns the mask of those that count (what Keras attaches as `_keras_mask`).
        self._fn_with_mask = getattr(fn, "_with_mask", None)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add ``fn(y_true, y_pred)`` of one batch, weighted by `sample_weight`.

        With sample weights, values that `fn` masks out (labels equal to `ignore_class`) get
        weight 0; without, they count as given, as in Keras, which applies the mask only to
        weights.
        """
        # As in Keras, the mask a masking layer attached to y_pred (padding) weights the values.
        padding = getattr(y_pred, "_keras_mask", None)
        with no_grad():
            if self._fn_with_mask is None or sample_weight is None:
                values = self._fn(y_true, y_pred, **self._fn_kwargs)
            else:
                values, mask = self._fn_with_mask(y_true, y_pred, **self._fn_kwargs)
                if mask is not None:
                    sample_weight = _apply_mask(sample_weight, mask)
        if padding is not None:
            sample_weight = _apply_mask(1.0 if sample_weight is None else sample_weight, padding)
        super().update_state(values, sample_weight)

    def get_config(self):
        """``{name, dtype, fn, **kwargs}``; `fn` in Keras's form for functions."""
        return {**super().get_config(), "fn": serialize_keras_object(self._fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        """Rebuild from `get_config()`; `fn` names a metric function of nnet or a registered
        custom function."""
        config = dict(config)
        if "fn" in config:
            config["fn"] = _deserialize_fn(config["fn"])
        return cls(**config)


class _Builtin(MeanMetricWrapper):
    """A MeanMetricWrapper whose function is fixed, so its config holds only its arguments."""

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, **self._fn_kwargs}
