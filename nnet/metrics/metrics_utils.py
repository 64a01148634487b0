"""Array helpers shared by the metrics: shapes, safe division, confusion counts."""

import numpy as np

from nnet.autodiff.tensor import Tensor
from nnet.backend import epsilon, floatx, to_numpy
from nnet.losses.loss import _match_ranks

NEG_INF = -1e10


def _to_array(x):
    return to_numpy(x.data if isinstance(x, Tensor) else x)


def _divide_no_nan(x, y):
    safe = np.where(y == 0, 1, y)
    return np.where(y == 0, 0.0, x / safe)


def _as_floats(y_true, y_pred, dtype=None):
    """Both arrays in `dtype`, by default y_pred's float dtype (`floatx()` for integers)."""
    y_pred = _to_array(y_pred)
    if dtype is None:
        dtype = y_pred.dtype if y_pred.dtype.kind == "f" else floatx()
    return _to_array(y_true).astype(dtype, copy=False), y_pred.astype(dtype, copy=False)


def _same_shape(y_true, y_pred, fn_name):
    y_true, y_pred = _match_ranks(_to_array(y_true), _to_array(y_pred))
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
    y_pred, y_true = _match_ranks(y_pred, y_true)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"Expected y_true and y_pred of the same shape (a trailing dimension of 1 may "
            f"differ). Received: y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}. "
            "Reshape the labels to the shape of the predictions."
        )
    if sample_weight is not None:
        sample_weight = _to_array(sample_weight).astype(dtype)[..., None]
        _, sample_weight = _match_ranks(y_true, sample_weight, expand_rank_1=False)
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
