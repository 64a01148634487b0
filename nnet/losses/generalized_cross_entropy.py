"""Generalized cross-entropy (Zhang and Sabuncu, 2018): a loss robust to noisy labels that moves
from cross-entropy (q -> 0) to mean absolute error (q = 1).

Example:
    >>> float(categorical_generalized_cross_entropy([0], [[0.25, 0.75]], q=0.5)[0])
    1.0
"""

from nnet import ops
from nnet.losses.crossentropy import _one_hot, _sparse_labels
from nnet.losses.loss import LOSSES, _BuiltinLoss, _float_tensor


@LOSSES.register
def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """Generalized cross-entropy per sample: ``(1 - p**q) / q``, p the probability of the label.

    Args:
        y_true: integer class labels, shape (N,) or (N, 1) for y_pred (N, num_classes).
        y_pred: class probabilities (not logits), classes on the last axis.
        q: the noise parameter in (0, 1): near 0 it behaves like cross-entropy, near 1 like
            mean absolute error.

    Example:
        >>> categorical_generalized_cross_entropy([1, 0], [[0.0, 1.0], [0.75, 0.25]], q=0.5).numpy()
        array([0.        , 0.26794922], dtype=float32)
    """
    y_pred = _float_tensor(y_pred)
    axis = y_pred.ndim - 1
    labels, _ = _sparse_labels(y_true, y_pred, axis, "categorical_generalized_cross_entropy")
    p = ops.sum(y_pred * _one_hot(labels, y_pred.shape[axis], axis, y_pred.dtype), axis=axis)
    return (1.0 - ops.power(p, q)) / q


@LOSSES.register
class CategoricalGeneralizedCrossEntropy(_BuiltinLoss):
    """Class form of `categorical_generalized_cross_entropy` for integer labels.

    Args:
        q: the noise parameter, in the open interval (0, 1).
        reduction, name, dtype: as for `Loss`.

    Example:
        >>> float(CategoricalGeneralizedCrossEntropy()([0, 1], [[1.0, 0.0], [0.0, 1.0]]))
        0.0
    """

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(
                f"Expected q in the open interval (0, 1) for CategoricalGeneralizedCrossEntropy. "
                f"Received: q={q!r}. Values near 0 behave like cross-entropy, near 1 like mean "
                f"absolute error."
            )
        super().__init__(categorical_generalized_cross_entropy, reduction=reduction, name=name,
                         dtype=dtype, q=q)
        self.q = q
