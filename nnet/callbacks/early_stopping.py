"""`EarlyStopping`: stop `fit` when a monitored value has stopped improving."""

import warnings

from nnet.callbacks.monitor_callback import MonitorCallback
from nnet.utils.io_utils import print_msg


class EarlyStopping(MonitorCallback):
    """Stop training when `monitor` has not improved for `patience` epochs.

    At each epoch end (from `start_from_epoch` on), a value improves when it beats the best so
    far by more than `min_delta`; then the wait counter restarts, but only if the value also
    beats `baseline` (when given). Otherwise the counter grows, and when it reaches `patience`
    (after the first epoch) ``model.stop_training`` is set. With `restore_best_weights` the
    weights of the best epoch are put back when training ends, whether or not it stopped early.

    Args:
        monitor: the logged value to watch.
        min_delta: the least change that counts as an improvement.
        patience: epochs without improvement before stopping.
        verbose: 1 prints ``Epoch 7: early stopping`` and the restore message.
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        baseline: a value the monitored quantity must beat for the wait to restart.
        restore_best_weights: restore the weights of the best epoch at the end of training.
        start_from_epoch: epochs of warm-up to ignore.

    Attributes:
        stopped_epoch: the (0-based) epoch at which training stopped, 0 if it did not.
        best, best_epoch, wait: the best value, its epoch and the current wait.

    Example:
        >>> class Model:
        ...     stop_training = False
        >>> stopper = EarlyStopping(monitor="loss", patience=1)
        >>> stopper.set_model(Model())
        >>> stopper.on_train_begin()
        >>> for epoch, loss in enumerate([0.5, 0.4, 0.45]):
        ...     stopper.on_epoch_end(epoch, {"loss": loss})
        >>> stopper.stopped_epoch, stopper.best
        (2, 0.4)
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        # Reset, so that one instance can serve several fit() calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Until something improves, the weights of the first watched epoch are the best.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        """The monitored value from `logs`, or None (with a warning) when it is missing."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(list(logs.keys()))}",
                stacklevel=2,
            )
        return value
