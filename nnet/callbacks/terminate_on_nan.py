"""`TerminateOnNaN`: stop training at the first batch whose loss is NaN or infinite."""

import math

import numpy as np

from nnet.callbacks.callback import Callback
from nnet.utils.io_utils import print_msg


def _is_finite(value):
    try:
        return math.isfinite(value)
    except TypeError:
        return bool(np.all(np.isfinite(value)))


class TerminateOnNaN(Callback):
    """Stop training when a batch's ``loss`` is NaN or infinite.

    It sets ``model.stop_training`` (so the current epoch ends after this batch) and prints
    Keras's message, to which nnet adds the epoch: ``Batch 3: Invalid loss, terminating training
    (epoch 2, loss nan)``. With ``raise_error=True`` it raises a `RuntimeError` at once instead.

    Args:
        raise_error: raise instead of stopping after the batch.

    Example:
        >>> class Model:
        ...     stop_training = False
        >>> guard = TerminateOnNaN()
        >>> guard.set_model(Model())
        >>> guard.on_epoch_begin(1)
        >>> guard.on_train_batch_end(3, {"loss": float("nan")})
        Batch 3: Invalid loss, terminating training (epoch 2, loss nan)
        >>> guard.model.stop_training
        True
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error
        self._epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or _is_finite(loss):
            return
        epoch = "" if self._epoch is None else f"epoch {self._epoch + 1}"
        if self.raise_error:
            where = f"batch {batch} of {epoch}" if epoch else f"batch {batch}"
            raise RuntimeError(
                f"NaN or Inf loss encountered at {where}. Loss value: {loss}. "
                "Terminating training immediately."
            )
        where = f"{epoch}, loss {loss}" if epoch else f"loss {loss}"
        print_msg(f"Batch {batch}: Invalid loss, terminating training ({where})")
        self.model.stop_training = True
