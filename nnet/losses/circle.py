"""Circle loss (Sun et al., 2020) for metric learning on L2-normalised embeddings: pulls the
embeddings of a class together and pushes other classes away, weighting each pair by how far it
is from its optimum.

Example:
    >>> embeddings = [[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.8, 0.6]]
    >>> circle([0, 0, 1, 1], embeddings, gamma=2.0).numpy().round(4)
    array([1.4674, 2.104 , 1.4674, 2.104 ], dtype=float32)
"""

import numpy as np

from nnet import ops
from nnet.autodiff.tensor import Tensor
from nnet.backend import array_module
from nnet.losses.loss import LOSSES, _array, _BuiltinLoss, _float_tensor, _masked_by


def _labels(y, name):
    labels = y.data if isinstance(y, Tensor) else _array(y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(
            f"circle expects {name} of integer class labels with shape (N,) or (N, 1). "
            f"Received: {name}.shape={tuple(labels.shape)}."
        )
    return labels.astype(np.int64)


def _masked_logsumexp(x, mask):
    """logsumexp along axis 1 over the entries where `mask` holds, and whether a row has any.

    A row without entries would be log(0) with NaN gradients; it is computed over all its
    entries instead, and the caller drops it.
    """
    xp = array_module(mask)
    has_any = mask.any(axis=1)
    used = mask | ~has_any[:, None]
    return ops.logsumexp(ops.where(used, x, -xp.inf), axis=1), has_any


def _circle_with_mask(y_true, y_pred, ref_labels=None, ref_embeddings=None,
                      remove_diagonal=True, gamma=80.0, margin=0.4):
    """The circle loss per sample and Keras's mask of the samples that count (loss > 0)."""
    y_pred = _float_tensor(y_pred)
    if y_pred.ndim != 2:
        raise ValueError(
            f"circle expects y_pred of embeddings with shape (N, dim). Received: "
            f"y_pred.shape={tuple(y_pred.shape)}. Flatten the embeddings first."
        )
    labels = _labels(y_true, "y_true")
    ref_labels = labels if ref_labels is None else _labels(ref_labels, "ref_labels")
    ref = y_pred if ref_embeddings is None else _float_tensor(ref_embeddings, y_pred.dtype)
    xp = array_module(labels)
    positive = labels[:, None] == ref_labels[None, :]
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~xp.eye(len(labels), len(ref_labels), dtype=bool)
    distance = ops.maximum(1.0 - ops.matmul(y_pred, ops.transpose(ref)), 0.0)
    # Each pair is weighted by its distance from the optimum: margin for positives, 1 + margin
    # for negatives; pairs already past it weigh 0.
    positive_weight = ops.maximum(margin + distance, 0.0)
    negative_weight = ops.maximum(1.0 + margin - distance, 0.0)
    positive_logits = -gamma * positive_weight * (margin - distance)
    negative_logits = gamma * negative_weight * (1.0 - margin - distance)
    positive_lse, has_positive = _masked_logsumexp(positive_logits, positive)
    negative_lse, has_negative = _masked_logsumexp(negative_logits, negative)
    loss = ops.where(has_positive & has_negative,
                     ops.softplus(positive_lse + negative_lse), 0.0)
    return loss, loss.data > 0


@LOSSES.register
@_masked_by(_circle_with_mask)
def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80,
           margin=0.4):
    """Circle loss per sample: ``softplus(logsumexp_pos(a_p) + logsumexp_neg(a_n))``.

    With ``d = max(1 - y_pred @ ref_embeddings.T, 0)`` the pairwise cosine distances,
    ``a_p = -gamma * max(margin + d, 0) * (margin - d)`` over the pairs of the same label and
    ``a_n = gamma * max(1 + margin - d, 0) * (1 - margin - d)`` over the others. A sample
    without positive or negative pairs gets 0, and a `Loss` leaves samples at 0 out of the mean,
    as Keras does.

    Args:
        y_true: integer class labels, shape (N,).
        y_pred: L2-normalised embeddings, shape (N, dim).
        ref_labels: labels of the reference embeddings; y_true by default.
        ref_embeddings: L2-normalised reference embeddings, shape (M, dim); y_pred by default.
        remove_diagonal: whether a sample does not count as its own positive pair.
        gamma: the scale of the pair logits.
        margin: the relaxation margin of the optima.

    Example:
        >>> circle([0, 1], [[1.0, 0.0], [0.0, 1.0]]).numpy()
        array([0., 0.], dtype=float32)
    """
    return _circle_with_mask(y_true, y_pred, ref_labels, ref_embeddings, remove_diagonal, gamma,
                             margin)[0]


@LOSSES.register
class Circle(_BuiltinLoss):
    """Class form of `circle`; samples whose loss is 0 are left out of the reduction.

    Args:
        gamma, margin, remove_diagonal: as for `circle`.
        reduction, name, dtype: as for `Loss`.

    Example:
        >>> embeddings = [[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.8, 0.6]]
        >>> round(float(Circle(gamma=2.0)([0, 0, 1, 1], embeddings)), 4)
        1.7857
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, reduction=reduction, name=name, dtype=dtype, gamma=gamma,
                         margin=margin, remove_diagonal=remove_diagonal)
        self.gamma, self.margin, self.remove_diagonal = gamma, margin, remove_diagonal
