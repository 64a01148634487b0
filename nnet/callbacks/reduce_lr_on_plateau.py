"""`ReduceLROnPlateau`: lower the learning rate when a monitored value stops improving."""

import warnings

import numpy as np

from nnet.callbacks.monitor_callback import MonitorCallback
from nnet.utils.io_utils import print_msg


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by `factor` after `patience` epochs without improvement.

    ``new_lr = max(lr * factor, min_lr)``, applied only while ``lr > min_lr``. After a reduction
    the wait is suspended for `cooldown` epochs. The rate in use is logged as ``learning_rate``.

    Args:
        monitor: the logged value to watch.
        factor: the multiplier, below 1.
        patience: epochs without improvement before a reduction.
        verbose: 1 prints each reduction.
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        min_delta: the least change that counts as an improvement.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the lower bound of the learning rate.

    Example:
        >>> class Model:
        ...     class optimizer:
        ...         learning_rate = 0.1
        >>> reduce = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
        >>> reduce.set_model(Model())
        >>> reduce.on_train_begin()
        >>> for epoch, loss in enumerate([1.0, 1.0, 1.0]):
        ...     logs = {"loss": loss}
        ...     reduce.on_epoch_end(epoch, logs)
        ...     print(logs["learning_rate"])
        0.1
        0.1
        0.05
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__(monitor, mode, min_delta=min_delta)
        if kwargs:
            raise ValueError(
                f"Unrecognized keyword arguments passed to ReduceLROnPlateau: {kwargs}"
            )
        if factor >= 1.0:
            raise ValueError(
                "ReduceLROnPlateau does not support a factor >= 1.0. "
                f"Received factor={factor}. Pass a factor below 1, e.g. factor=0.1."
            )
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self):
        """Whether reductions are suspended after a recent one."""
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = {} if logs is None else logs
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not "
                f"available. Available metrics are: {','.join(list(logs.keys()))}.",
                stacklevel=2,
            )
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce_lr(epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _reduce_lr(self, epoch):
        optimizer = self.model.optimizer
        old_lr = float(optimizer.learning_rate)
        # The rate is stored in float32, so min_lr is compared at that precision.
        if old_lr <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
        return True
