"""`ModelCheckpoint`: save the model or its weights during training."""

import os
import warnings

from nnet.callbacks.monitor_callback import MonitorCallback
from nnet.utils.io_utils import print_msg

_WEIGHTS_SUFFIXES = (".weights.h5", ".weights.npz")
_MODEL_SUFFIXES = (".keras", ".h5")


class ModelCheckpoint(MonitorCallback):
    """Save the model (``model.save``) or its weights (``model.save_weights``) as training goes.

    `filepath` may hold format fields filled from the epoch (1-based), the batch (1-based, when
    saving per batch) and the logs: ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"`` gives
    ``ckpt-03-0.41.keras``. With `save_best_only` a file is written only when `monitor` improves
    on the best value so far (starting from `initial_value_threshold`).

    Args:
        filepath: where to save; it must end in ``.keras`` (or legacy ``.h5``), or, with
            `save_weights_only`, in ``.weights.h5`` (or nnet's ``.weights.npz``).
        monitor: the logged value that `save_best_only` compares.
        verbose: 1 prints a line for every save decision.
        save_best_only: save only when `monitor` improves.
        save_weights_only: call ``model.save_weights`` instead of ``model.save``.
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        save_freq: ``"epoch"``, or an integer: save every that many training batches.
        initial_value_threshold: the value that the first saved `monitor` value must beat.

    Example:
        >>> class Model:
        ...     def save(self, path):
        ...         print("save", path)
        >>> checkpoint = ModelCheckpoint("ckpt-{epoch:02d}-{val_loss:.2f}.keras",
        ...                              save_best_only=True)
        >>> checkpoint.set_model(Model())
        >>> for epoch, val_loss in enumerate([0.5, 0.6, 0.4]):
        ...     checkpoint.on_epoch_end(epoch, {"val_loss": val_loss})
        save ckpt-01-0.50.keras
        save ckpt-03-0.40.keras
    """

    chief_only = True

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if save_freq != "epoch" and (not isinstance(save_freq, int) or save_freq <= 0):
            raise ValueError(
                "Unrecognized save_freq: expected 'epoch' or a positive integer (save every "
                f"that many batches). Received: save_freq={save_freq!r}"
            )
        if save_weights_only:
            if not self.filepath.endswith(_WEIGHTS_SUFFIXES):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                    "provided must end in `.weights.h5` (Keras weights format) or "
                    f"`.weights.npz` (nnet's NumPy format). Received: filepath={self.filepath}"
                )
        elif not self.filepath.endswith(_MODEL_SUFFIXES):
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model format). "
                f"Received: filepath={self.filepath}"
            )

    def _implements_batch_hooks(self, kind):
        return kind == "train" and self.save_freq != "epoch"

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            # A new epoch started: batch indices are 0-based within an epoch.
            added = batch + 1
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Can save best model only with {self.monitor} available.", stacklevel=2
            )
            return True
        if getattr(current, "ndim", 0) > 0:
            warnings.warn(
                "Can save best model only when `monitor` is a scalar value. "
                f"Received: {current}. Falling back to `save_best_only=False`.",
                stacklevel=2,
            )
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_msg(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                    f"{current:.5f}, saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save_model(self, epoch, batch, logs):
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise IsADirectoryError(
                "Please specify a non-directory filepath for ModelCheckpoint. Filepath used is "
                f"an existing directory: {filepath}"
            )
        if not self._should_save_model(epoch, logs, filepath):
            return
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath)
        else:
            self.model.save(filepath)
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch, batch, logs):
        """`filepath` with ``{epoch}``, ``{batch}`` (both 1-based) and the logs filled in."""
        fields = dict(logs)
        fields["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as error:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {error}. '
                f"The available fields are: {sorted(fields)}."
            ) from None
