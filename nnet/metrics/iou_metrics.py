"""Intersection-over-union metrics: IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU.

Each accumulates a ``(num_classes, num_classes)`` confusion matrix (rows: true class, columns:
predicted class) and reads ``IoU = tp / (tp + fp + fn)`` of the target classes from it.
"""

import warnings

import numpy as np

from nnet.backend import epsilon
from nnet.metrics.metric import METRICS, Metric
from nnet.metrics.metrics_utils import _broadcast_weights, _to_array


class _IoUBase(Metric):
    """The confusion-matrix state and update shared by the IoU metrics.

    The dtype defaults to ``"int32"`` as in Keras: labels, predictions and sample weights are
    cast to it, so float weights are truncated (pass ``dtype="float32"`` to keep them).
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int32")
        self._direction = "up"
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self._add_state((num_classes, num_classes),
                                        name="total_confusion_matrix")

    def _class_ids(self, y, sparse):
        y = _to_array(y)
        if not sparse:
            y = np.argmax(y, axis=self.axis)
        return y.astype(self.dtype, copy=False).reshape(-1)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the (weighted) confusion matrix of one batch.

        Pairs whose true or predicted class is outside ``[0, num_classes)``, or whose true class
        is `ignore_class`, are left out.
        """
        y_true = self._class_ids(y_true, self.sparse_y_true)
        y_pred = self._class_ids(y_pred, self.sparse_y_pred)
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"{type(self).__name__} expects as many true as predicted class ids. Received "
                f"{y_true.size} and {y_pred.size}. Pass y_true and y_pred of matching shapes.")
        if sample_weight is None:
            weights = np.ones(y_true.shape, self.dtype)
        else:
            sample_weight = _to_array(sample_weight)
            if sample_weight.dtype.kind == "f" and np.dtype(self.dtype).kind in "iu":
                warnings.warn(
                    "You are passing weight as `float`, but dtype is `int`. This may result in "
                    "an incorrect weight due to type casting. Consider using integer weights.",
                    stacklevel=2)
            sample_weight = np.asarray(sample_weight).astype(self.dtype).reshape(-1)
            weights = _broadcast_weights(sample_weight, y_true.shape)
        valid = (y_true >= 0) & (y_true < self.num_classes) & (y_pred >= 0) & (
            y_pred < self.num_classes)
        if self.ignore_class is not None:
            valid &= y_true != self.ignore_class
        cells = (y_true[valid] * self.num_classes + y_pred[valid]).astype(np.int64)
        self.total_cm += np.bincount(cells, weights[valid], self.num_classes ** 2).reshape(
            self.num_classes, self.num_classes)


@METRICS.register
class IoU(_IoUBase):
    """The mean intersection-over-union of the target classes: ``tp / (tp + fp + fn)``.

    Classes that never occur (in labels or predictions) are left out of the mean.

    Args:
        num_classes: the number of classes.
        target_class_ids: the class ids whose IoUs are averaged.
        name: the metric's name.
        dtype: dtype of the confusion matrix (``"int32"`` by default, as Keras).
        ignore_class: a true class id to leave out, e.g. the void class of a segmentation.
        sparse_y_true: whether labels are class ids (else scores, reduced by argmax on `axis`).
        sparse_y_pred: whether predictions are class ids (else scores, argmax on `axis`).
        axis: the class axis of non-sparse inputs.

    Example:
        >>> round(IoU(num_classes=2, target_class_ids=[0])([0, 0, 1, 1], [0, 1, 0, 1]), 4)
        0.3333
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(
                f"Target class id {max(target_class_ids)} is out of range, which is "
                f"[0, {num_classes}). Pass target_class_ids below num_classes={num_classes}.")
        self.target_class_ids = list(target_class_ids)

    def result(self):
        """The mean IoU over the target classes that occurred, a float."""
        cm = self.total_cm
        true_positives = np.diag(cm)[self.target_class_ids].astype(np.float32)
        union = (cm.sum(axis=0) + cm.sum(axis=1) - np.diag(cm))[self.target_class_ids]
        union = union.astype(np.float32)
        valid = union > 1e-9
        eps = np.float32(epsilon())
        iou = np.where(valid, true_positives / (union + eps), np.float32(0.0))
        return float(np.sum(iou) / (np.sum(valid, dtype=np.float32) + eps))

    def get_config(self):
        """``{name, dtype, num_classes, target_class_ids, ignore_class, sparse_y_*, axis}``."""
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


@METRICS.register
class BinaryIoU(IoU):
    """IoU of binary labels against scores thresholded at `threshold` (``y_pred >= t`` is 1).

    Args:
        target_class_ids: which of the classes 0 and 1 to average.
        threshold: scores at or above it count as class 1.
        name: the metric's name.
        dtype: dtype of the confusion matrix (``"int32"`` by default, as Keras).

    Example:
        >>> m = BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
        >>> round(m([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7]), 4)
        0.3333
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Threshold the scores, then add the confusion matrix of one batch."""
        y_pred = _to_array(y_pred).astype(np.float32, copy=False) >= np.float32(self.threshold)
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        """``{target_class_ids, threshold, name, dtype}``."""
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


@METRICS.register
class MeanIoU(IoU):
    """The mean IoU over all `num_classes` classes.

    Args:
        num_classes: the number of classes.
        name: the metric's name.
        dtype: dtype of the confusion matrix (``"int32"`` by default, as Keras).
        ignore_class: a true class id to leave out.
        sparse_y_true: whether labels are class ids (else scores, argmax on `axis`).
        sparse_y_pred: whether predictions are class ids (else scores, argmax on `axis`).
        axis: the class axis of non-sparse inputs.

    Example:
        >>> round(MeanIoU(num_classes=2)([0, 0, 1, 1], [0, 1, 0, 1]), 4)
        0.3333
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        """``{num_classes, name, dtype, ignore_class, sparse_y_true, sparse_y_pred, axis}``."""
        config = super().get_config()
        del config["target_class_ids"]
        return config


@METRICS.register
class OneHotIoU(IoU):
    """IoU for one-hot labels (and, by default, score predictions), reduced by argmax.

    Args:
        num_classes: the number of classes.
        target_class_ids: the class ids whose IoUs are averaged.
        name: the metric's name.
        dtype: dtype of the confusion matrix (``"int32"`` by default, as Keras).
        ignore_class: a true class id to leave out.
        sparse_y_pred: whether predictions are class ids (else scores, argmax on `axis`).
        axis: the class axis.

    Example:
        >>> m = OneHotIoU(num_classes=3, target_class_ids=[0, 2])
        >>> round(m([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
        ...         [[.2, .3, .5], [.1, .2, .7], [.5, .3, .1], [.1, .4, .5]]), 4)
        0.1667
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        """``{num_classes, target_class_ids, name, dtype, ignore_class, sparse_y_pred, axis}``."""
        config = super().get_config()
        del config["sparse_y_true"]
        return config


@METRICS.register
class OneHotMeanIoU(MeanIoU):
    """The mean IoU over all classes for one-hot labels, reduced by argmax.

    Args:
        num_classes: the number of classes.
        name: the metric's name.
        dtype: dtype of the confusion matrix (``"int32"`` by default, as Keras).
        ignore_class: a true class id to leave out.
        sparse_y_pred: whether predictions are class ids (else scores, argmax on `axis`).
        axis: the class axis.

    Example:
        >>> m = OneHotMeanIoU(num_classes=3)
        >>> round(m([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
        ...         [[.2, .3, .5], [.1, .2, .7], [.5, .3, .1], [.1, .4, .5]]), 4)
        0.1111
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        """``{num_classes, name, dtype, ignore_class, sparse_y_pred, axis}``."""
        config = super().get_config()
        del config["sparse_y_true"]
        return config
