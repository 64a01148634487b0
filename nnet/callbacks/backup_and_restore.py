"""`BackupAndRestore`: back up the training state as `fit` goes, and resume an interrupted fit."""

import json
import os
import shutil
import zipfile
from functools import partial

import numpy as np

from nnet import backend, random
from nnet.callbacks.callback import Callback
from nnet.utils.file_utils import atomic_target

_BACKUP_NAME = "latest.backup.npz"
# What a damaged or truncated backup file raises when NumPy reads it.
_UNREADABLE = (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile)


class BackupAndRestore(Callback):
    """Back up the training state so that an interrupted `fit` resumes where it stopped.

    At the end of every epoch (or every `save_freq` training batches) the callback writes one
    file, ``<backup_dir>/latest.backup.npz``, atomically (a temporary file, then `os.replace`).
    It holds, in nnet's NumPy format (read back with ``allow_pickle=False``):

    - every model weight (``model.weights``, non-trainable ones included);
    - the optimizer's state (``optimizer.variables``: iterations, learning rate, slots, EMA);
    - the state of the model's own random stream, which `nnet.backend.rng()` returns while it
      trains (shuffling, unseeded dropout and noise), and of every layer's own
      `nnet.random.SeedGenerator` (``Dropout(seed=...)``);
    - the epoch to resume at (epochs completed) and the last batch index seen.

    In a data-parallel job (`nnet.distribution`) rank 0 writes the backup and deletes it, and
    every rank restores from it.

    When `fit` starts and a backup exists, all of it is restored and training resumes at the saved
    epoch, so an interrupted run that is started again ends with the same weights as an
    uninterrupted one. Not restored: the state of other callbacks (`EarlyStopping`'s wait,
    `ReduceLROnPlateau`'s counters), `History` (the new one holds the resumed epochs only), and
    data iterators; a backup taken mid-epoch (integer `save_freq`) resumes at the **start** of
    that epoch, with the weights it had mid-epoch, as Keras does. When training ends normally
    the backup directory is deleted (`delete_checkpoint`).

    The model and optimizer given to the resumed `fit` must be the ones that were backed up
    (same layers, same optimizer and options). Put `BackupAndRestore` before a
    ``SwapEMAWeights(swap_on_epoch=True)`` in the callbacks, so that it backs up the training
    weights rather than the averages.

    Args:
        backup_dir: the directory that holds the backup. Use it for nothing else: it is deleted
            at the end of training when `delete_checkpoint` is True.
        save_freq: ``"epoch"`` to back up at each epoch end, an integer to back up every that
            many training batches, or False to only restore (nnet has no preemption saving).
        double_checkpoint: also keep the previous backup, ``latest.backup.npz.bkp``, and fall
            back to it when the latest one cannot be read (a damaged file).
        delete_checkpoint: delete `backup_dir` when `fit` completes.

    Example:
        >>> import os, tempfile
        >>> import numpy as np, nnet
        >>> class Interrupt(nnet.callbacks.Callback):
        ...     def on_epoch_begin(self, epoch, logs=None):
        ...         if epoch == 2:
        ...             raise RuntimeError("Interrupting!")
        >>> backup = BackupAndRestore(os.path.join(tempfile.mkdtemp(), "backup"))
        >>> model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> x, y = np.ones((4, 3)), np.ones((4, 1))
        >>> try:
        ...     model.fit(x, y, epochs=5, verbose=0, callbacks=[backup, Interrupt()])
        ... except RuntimeError:
        ...     pass
        >>> history = model.fit(x, y, epochs=5, verbose=0, callbacks=[backup])
        >>> history.epoch  # epochs 0 and 1 were done before the interruption
        [2, 3, 4]
        >>> os.path.exists(backup.backup_dir)
        False
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError(
                "Expected a directory path for backup_dir (where the training state is backed "
                f"up). Received: backup_dir={backup_dir!r}"
            )
        saves_per_batch = (isinstance(save_freq, int) and not isinstance(save_freq, bool)
                           and save_freq > 0)
        if not (saves_per_batch or save_freq is False or save_freq == "epoch"):
            raise ValueError(
                "Invalid value for argument `save_freq`: expected 'epoch', a positive integer "
                f"(back up every that many batches) or False. Received: save_freq={save_freq!r}"
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._batch_freq = save_freq if saves_per_batch else None
        self._backup_path = os.path.join(self.backup_dir, _BACKUP_NAME)
        self._previous_backup_path = f"{self._backup_path}.bkp"
        self._current_epoch = 0
        self._last_batch_seen = 0
        self._batches_seen_since_last_saving = 0

    def _implements_batch_hooks(self, kind):
        # Per-batch hooks cost time in fit's loop; only a per-batch save needs them.
        return kind == "train" and self._batch_freq is not None

    def on_train_begin(self, logs=None):
        """Restore the backup, if there is one, and make `fit` resume at its epoch."""
        self._batches_seen_since_last_saving = 0
        arrays = self._read_backup()
        if arrays is not None:
            self._restore(arrays)

    def on_epoch_begin(self, epoch, logs=None):
        """Record the epoch that a per-batch backup belongs to."""
        self._current_epoch = epoch
        self._last_batch_seen = 0

    def on_epoch_end(self, epoch, logs=None):
        """Back up with ``epoch + 1`` (the epoch to resume at) when `save_freq` is "epoch"."""
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save()

    def on_train_batch_end(self, batch, logs=None):
        """Back up every `save_freq` batches when `save_freq` is an integer."""
        if self._batch_freq is None:
            return
        self._last_batch_seen = batch
        self._batches_seen_since_last_saving += 1
        if self._batches_seen_since_last_saving >= self._batch_freq:
            self._batches_seen_since_last_saving = 0
            self._save()

    def on_train_end(self, logs=None):
        """Delete the backup directory when `delete_checkpoint` (training has completed)."""
        if self.delete_checkpoint and backend.process_id() == 0 \
                and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)

    def _generators(self):
        """The random generators training draws from: the model's stream (`backend.rng()` in
        fit), then those of the SeedGenerators that layers hold as attributes."""
        generators = [backend.rng()]
        seen = set()
        for layer in self.model._flatten_layers():
            for value in vars(layer).values():
                if isinstance(value, random.SeedGenerator) and id(value) not in seen:
                    seen.add(id(value))
                    generators.append(value.generator)
        return generators

    def _save(self):
        if backend.process_id() != 0:
            # In a data-parallel job rank 0 writes; every rank reads the backup on restart.
            return
        model = self.model
        arrays = {"epoch": np.int64(self._current_epoch), "batch": np.int64(self._last_batch_seen)}
        arrays.update({f"model/{i}": backend.to_numpy(w.data) for i, w in enumerate(model.weights)})
        store = {}
        model.optimizer.save_own_variables(store)
        arrays.update({f"optimizer/{key}": value for key, value in store.items()})
        arrays.update({
            f"rng/{i}": np.array(json.dumps(generator.bit_generator.state))
            for i, generator in enumerate(self._generators())
        })
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._backup_path):
            _write_atomically(self._previous_backup_path, partial(_copy_file, self._backup_path))
        _write_atomically(self._backup_path, lambda f: np.savez(f, **arrays))

    def _read_backup(self):
        """The arrays of the latest backup (or of the previous one when the latest is damaged),
        or None when there is no backup."""
        if not os.path.exists(self._backup_path):
            return None
        errors = []
        for path in (self._backup_path, self._previous_backup_path):
            try:
                arrays = _read_arrays(path)
            except _UNREADABLE as error:
                errors.append(f"{path}: {error!r}")
                continue
            if path != self._backup_path:
                # The damaged file goes, so that the next backup does not keep it as previous.
                _write_atomically(self._backup_path, partial(_copy_file, path))
            return arrays
        raise ValueError(
            f"Cannot read the backup in backup_dir={self.backup_dir!r} ({'; '.join(errors)}). "
            "The file is damaged: delete backup_dir to train from the start, and pass "
            "double_checkpoint=True to keep a previous backup to fall back on."
        )

    def _restore(self, arrays):
        model = self.model
        if not getattr(model, "built", True):
            raise ValueError(
                "To use the BackupAndRestore callback, your model must be built before you call "
                f"`fit()`. Model {model} is unbuilt. You can build it beforehand by calling it "
                "on a batch of data, or start it with an Input."
            )
        optimizer = model.optimizer
        if not optimizer.built:
            optimizer.build(model.trainable_weights)
        generators = self._generators()
        groups = [
            ("model weights", [w.data for w in model.weights], _entries(arrays, "model/")),
            ("optimizer variables", [v.data for v in optimizer.variables],
             _entries(arrays, "optimizer/")),
        ]
        states = [json.loads(str(state)) for state in _entries(arrays, "rng/")]
        for what, current, saved in groups + [("random generators", generators, states)]:
            if len(current) != len(saved):
                raise self._mismatch(f"it holds {len(saved)} {what} where this run has "
                                     f"{len(current)}")
        for what, current, saved in groups:
            for i, (value, stored) in enumerate(zip(current, saved)):
                if tuple(value.shape) != stored.shape:
                    raise self._mismatch(f"{what} {i} has shape {stored.shape} in it and "
                                         f"{tuple(value.shape)} in this run")
        for weight, value in zip(model.weights, groups[0][2]):
            weight.assign(value)
        optimizer.load_own_variables({str(i): value for i, value in enumerate(groups[1][2])})
        for i, (generator, state) in enumerate(zip(generators, states)):
            generator.bit_generator.state = state
            if i:
                # The chief wrote its layers' streams; every other rank resumes on its own.
                random.jump_for_process(generator)
        self._current_epoch = int(arrays["epoch"])
        model._initial_epoch = self._current_epoch

    def _mismatch(self, detail):
        return ValueError(
            f"Cannot restore the backup {self._backup_path}: {detail}. Resume with the same "
            "model and optimizer as the interrupted run, or delete "
            f"backup_dir={self.backup_dir!r} to train from the start."
        )


def _entries(arrays, prefix):
    """The arrays whose key is ``<prefix><index>``, in index order."""
    keys = [key for key in arrays if key.startswith(prefix)]
    return [arrays[key] for key in sorted(keys, key=lambda key: int(key[len(prefix):]))]


def _read_arrays(path):
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    if "epoch" not in arrays:
        raise KeyError(f"no 'epoch' entry; {path} is not a backup written by BackupAndRestore")
    return arrays


def _copy_file(source, target):
    with open(source, "rb") as f:
        shutil.copyfileobj(f, target)


def _write_atomically(path, write):
    """Call ``write(file)`` on a temporary file beside `path`, then move it onto `path`."""
    with atomic_target(path) as temporary, open(temporary, "xb") as f:
        write(f)
