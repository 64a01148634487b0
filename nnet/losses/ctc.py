"""Keras's CTC loss: `ctc` and `CTC`, over `nnet.ops.ctc_loss`."""

import numpy as np

from nnet import ops
from nnet.autodiff.tensor import Tensor
from nnet.losses.loss import LOSSES, _BuiltinLoss


@LOSSES.register
def ctc(y_true, y_pred):
    """CTC loss per sample, with blank 0 and every time step of y_pred valid.

    Args:
        y_true: integer labels (batch, max_length), padded with 0 (the blank, which is never a
            class): the labels of a sample are its non-zero entries.
        y_pred: logits (batch, max_time, num_classes), not softmax-normalised.

    Example:
        >>> import numpy as np
        >>> round(float(ctc(np.array([[1, 0]]), np.zeros((1, 2, 2)))[0]), 4)
        0.2877
    """
    if len(y_true.shape) != 2:
        raise ValueError(f"Targets y_true are expected to be a tensor of shape (batch_size, "
                         f"max_length) in integer format. Received: y_true.shape={y_true.shape}")
    if len(y_pred.shape) != 3:
        raise ValueError(f"Logits y_pred are expected to be a tensor of shape (batch_size, "
                         f"max_length, num_classes). Received: y_pred.shape={y_pred.shape}")
    labels = np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    label_length = (labels != 0).sum(axis=-1).astype(np.int32)
    input_length = np.full(y_pred.shape[0], y_pred.shape[1], dtype=np.int32)
    return ops.ctc_loss(labels, y_pred, label_length, input_length, mask_index=0)


@LOSSES.register
class CTC(_BuiltinLoss):
    """Class form of `ctc`.

    Args:
        reduction, name, dtype: as for `Loss`.

    Example:
        >>> import numpy as np
        >>> round(float(CTC()(np.array([[1, 0]]), np.zeros((1, 2, 2)))), 4)
        0.2877
    """

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction=reduction, name=name, dtype=dtype)
