"""The `Loss` base class, `LossFunctionWrapper`, Keras's reductions and the shape handling shared
by every loss: dtype casts, (N,) against (N, 1) reconciliation and refusal of other mismatches.

Example:
    >>> from nnet.losses import mean_squared_error
    >>> LossFunctionWrapper(mean_squared_error, reduction="none")([0.0, 1.0], [[1.0], [1.0]])
    Tensor(array([1., 0.], dtype=float32))
"""

import math

from nnet import ops
from nnet.autodiff.tensor import Tensor
from nnet.backend import array_module, asarray, floatx
from nnet.naming import to_snake_case, uniquify
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


def _match_ranks(x1, x2, expand_rank_1=True):
    """Keras's squeeze_or_expand_to_same_rank: fix ranks that differ by one trailing 1.

    The trailing 1 is squeezed, except against a rank-1 side, which is expanded instead unless
    `expand_rank_1` is False.
    """
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            return x1, _reshape(x2, x2.shape + (1,))
        return _reshape(x1, x1.shape[:-1]), x2
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            return _reshape(x1, x1.shape + (1,)), x2
        return x1, _reshape(x2, x2.shape[:-1])
    return x1, x2


def _prepare(y_true, y_pred, name):
    """Cast y_true to y_pred's float dtype, reconcile (N,) with (N, 1), refuse other mismatches."""
    y_pred = _float_tensor(y_pred)
    y_true, y_pred = _match_ranks(_as_dtype(y_true, y_pred.dtype), y_pred)
    if y_true.shape != y_pred.shape:
        if name.startswith("categorical_") and y_true.shape in (
            y_pred.shape[:-1], y_pred.shape[:-1] + (1,)
        ):
            sparse = "use sparse_categorical_crossentropy, or " if (
                name == "categorical_crossentropy") else ""
            fix = (f"For integer class labels {sparse}one-hot encode them with "
                   f"nnet.utils.to_categorical.")
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
        if not values.ndim:
            raise ValueError(
                f"sample_weight of shape {tuple(sample_weight.shape)} cannot weight a loss that "
                f"is one value for the whole batch (Dice and Tversky with axis=None are). Pass "
                f"axis= to compute one loss per sample (e.g. axis=(1, 2, 3) for (N, H, W, C) "
                f"masks), or a scalar sample_weight."
            )
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
        # As in Keras, the mask a masking layer attached to y_pred (padding) weights the loss.
        in_mask = getattr(y_pred, "_keras_mask", None)
        y_pred = _float_tensor(y_pred, self.dtype)
        values, mask = self._call_with_mask(_as_dtype(y_true, self.dtype), y_pred)
        if in_mask is not None:
            in_mask = in_mask.data if isinstance(in_mask, Tensor) else in_mask
            in_mask = array_module(in_mask).asarray(in_mask, dtype=bool)
            mask = in_mask if mask is None else mask & in_mask
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


# Every built-in loss class and loss function registers itself here with ``@LOSSES.register``.
LOSSES = Registry("loss", base=Loss, module="keras.losses")
LOSSES.register(Loss)


def _masked_by(with_mask):
    """Give a loss function the variant ``with_mask(y_true, y_pred, **kwargs) -> (loss, mask)``.

    Keras marks the entries such a function leaves out (ignored labels, circle's empty rows) with
    a mask on its output, and its `Loss` reduces over the others only; a `LossFunctionWrapper`
    around the function does the same through this variant.
    """

    def decorate(fn):
        fn._with_mask = with_mask
        return fn

    return decorate


@LOSSES.register
class LossFunctionWrapper(Loss):
    """A `Loss` around a function ``fn(y_true, y_pred, **kwargs)`` returning per-sample values.

    y_true and y_pred are reconciled first ((N,) against (N, 1)), as Keras does.

    Args:
        fn: the loss function.
        reduction, name, dtype: as for `Loss`.
        **kwargs: extra keyword arguments passed to `fn`.

    Example:
        >>> from nnet.losses import huber
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

    def _call_with_mask(self, y_true, y_pred):
        with_mask = getattr(self.fn, "_with_mask", None)
        if with_mask is None:
            return self.call(y_true, y_pred), None
        return with_mask(*_match_ranks(y_true, y_pred), **self._fn_kwargs)

    def get_config(self):
        return {**super().get_config(), "fn": serialize_object(self.fn),
                **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        if "fn" in config:
            config = {**config, "fn": LOSSES.get(config["fn"], argument="fn")}
        return cls(**config)


class _BuiltinLoss(LossFunctionWrapper):
    """A wrapper whose function is fixed by the class, so the config lists only its arguments."""

    def get_config(self):
        return {**Loss.get_config(self), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
