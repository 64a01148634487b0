"""BackupAndRestore: an interrupted fit, resumed on a fresh model and optimizer, ends with the
same weights as an uninterrupted one; the backup file, its atomic writes and fallbacks; Keras's
resume semantics."""

import json
import os

import numpy as np
import pytest

import nnet
from nnet.callbacks import BackupAndRestore, Callback

os.environ["KERAS_BACKEND"] = "torch"

EPOCHS = 5
BACKUP = "latest.backup.npz"


class Interrupt(Callback):
    """Raise at the start of epoch `epoch`, or after training batch `step` (counted over fit)."""

    def __init__(self, epoch=None, step=None):
        super().__init__()
        self.epoch, self.step, self.seen = epoch, step, 0

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("Interrupting!")

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.step:
            raise RuntimeError("Interrupting!")


class WeightsAtBatch(Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_train_batch_end(self, batch, logs=None):
        self.weights.append(self.model.get_weights())


def _data():
    rng = np.random.default_rng(42)
    x = rng.normal(size=(40, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 1)) + 0.1 * rng.normal(size=(40, 1))).astype("float32")
    return x, y


def _model(seed, units=8):
    """A model whose Dropout layers draw from generators of their own (one seeded from the
    global generator, one seeded with 3), with non-trainable weights (BatchNormalization)."""
    nnet.utils.set_random_seed(seed)
    model = nnet.Sequential([
        nnet.Input((4,)),
        nnet.layers.Dense(units, activation="relu"),
        nnet.layers.Dropout(0.3),
        nnet.layers.BatchNormalization(),
        nnet.layers.Dense(8, activation="tanh"),
        nnet.layers.Dropout(0.2, seed=3),
        nnet.layers.Dense(1),
    ])
    model.compile(optimizer=nnet.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


def _fit(model, callbacks=(), **kwargs):
    x, y = _data()
    kwargs = {"epochs": EPOCHS, "batch_size": 8, "verbose": 0, **kwargs}
    return model.fit(x, y, callbacks=list(callbacks), **kwargs)


def _assert_same_weights(actual, expected):
    assert len(actual) == len(expected)
    for a, b in zip(actual, expected):
        np.testing.assert_array_equal(a, b)


def _interrupted(backup_dir, epoch, **kwargs):
    """Fit a seed-0 model until an interruption at `epoch`; return it."""
    model = _model(0)
    with pytest.raises(RuntimeError, match="Interrupting"):
        _fit(model, [BackupAndRestore(backup_dir, **kwargs), Interrupt(epoch=epoch)])
    return model


@pytest.mark.parametrize("shuffle", [False, True])
def test_resumed_fit_matches_uninterrupted_fit(tmp_path, shuffle):
    reference = _model(0)
    _fit(reference, shuffle=shuffle, validation_split=0.2)
    backup_dir = str(tmp_path / "backup")
    model = _model(0)
    with pytest.raises(RuntimeError, match="Interrupting"):
        _fit(model, [BackupAndRestore(backup_dir), Interrupt(epoch=3)], shuffle=shuffle,
             validation_split=0.2)
    assert os.path.isfile(os.path.join(backup_dir, BACKUP))

    # A fresh process: another seed, so the initial weights and every generator differ.
    resumed = _model(1)
    history = _fit(resumed, [BackupAndRestore(backup_dir)], shuffle=shuffle,
                   validation_split=0.2)
    assert history.epoch == [3, 4]
    assert sorted(history.history) == ["loss", "mae", "val_loss", "val_mae"]
    _assert_same_weights(resumed.get_weights(), reference.get_weights())
    for mine, theirs in zip(resumed.optimizer.variables, reference.optimizer.variables):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    assert not os.path.exists(backup_dir)


def test_the_random_state_is_what_makes_the_resumed_run_equal(tmp_path):
    reference = _model(0)
    _fit(reference, shuffle=True)
    backup_dir = str(tmp_path / "backup")
    _interrupted(backup_dir, epoch=3)
    path = os.path.join(backup_dir, BACKUP)
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    fresh = json.dumps(np.random.default_rng(5).bit_generator.state)
    np.savez(path, **{**arrays, "rng/0": np.array(fresh), "rng/1": np.array(fresh),
                      "rng/2": np.array(fresh)})
    resumed = _model(1)
    _fit(resumed, [BackupAndRestore(backup_dir, delete_checkpoint=False)], shuffle=True)
    assert not np.allclose(resumed.get_weights()[0], reference.get_weights()[0])
    # A backup without the generators' state is refused.
    np.savez(path, **{k: v for k, v in arrays.items() if not k.startswith("rng/")})
    with pytest.raises(ValueError, match="it holds 0 random generators where this run has 3"):
        _fit(_model(1), [BackupAndRestore(backup_dir)], shuffle=True)


def test_backup_file_holds_weights_optimizer_state_and_epoch(tmp_path):
    backup_dir = str(tmp_path / "backup")
    model = _interrupted(backup_dir, epoch=2)
    with np.load(os.path.join(backup_dir, BACKUP), allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    assert int(arrays["epoch"]) == 2
    assert int(arrays["batch"]) == 0
    weights = model.get_weights()
    assert len([k for k in arrays if k.startswith("model/")]) == len(weights) == 10
    for i, value in enumerate(weights):
        np.testing.assert_array_equal(arrays[f"model/{i}"], value)
    variables = model.optimizer.variables
    assert len([k for k in arrays if k.startswith("optimizer/")]) == len(variables)
    for i, variable in enumerate(variables):
        np.testing.assert_array_equal(arrays[f"optimizer/{i}"], variable.numpy())
    assert int(arrays["optimizer/0"]) == 2 * 5  # iterations: 2 epochs of 5 batches
    stream = model._random_stream.generator()
    assert json.loads(str(arrays["rng/0"])) == stream.bit_generator.state
    assert os.listdir(backup_dir) == [BACKUP]


def test_batch_level_backup_resumes_at_the_start_of_its_epoch(tmp_path):
    backup_dir = str(tmp_path / "backup")
    model = _model(0)
    recorder = WeightsAtBatch()
    # 5 batches an epoch, a backup every 3: after global steps 3, 6, 9; interrupted after 11.
    with pytest.raises(RuntimeError, match="Interrupting"):
        _fit(model, [BackupAndRestore(backup_dir, save_freq=3), recorder, Interrupt(step=11)],
             shuffle=False)
    with np.load(os.path.join(backup_dir, BACKUP), allow_pickle=False) as data:
        assert (int(data["epoch"]), int(data["batch"])) == (1, 3)  # step 9 = epoch 1, batch 3
        _assert_same_weights([data[f"model/{i}"] for i in range(10)], recorder.weights[8])
        assert int(data["optimizer/0"]) == 9
    resumed = _model(1)
    history = _fit(resumed, [BackupAndRestore(backup_dir, save_freq=3)], shuffle=False)
    assert history.epoch == [1, 2, 3, 4]
    assert int(resumed.optimizer.iterations) == 9 + 4 * 5


def test_keep_the_backup_when_delete_checkpoint_is_false(tmp_path):
    backup_dir = str(tmp_path / "backup")
    model = _model(0)
    _fit(model, [BackupAndRestore(backup_dir, delete_checkpoint=False)], epochs=2)
    assert os.listdir(backup_dir) == [BACKUP]
    # The backup says training is over: a new fit to the same epoch has nothing left to do.
    resumed = _model(1)
    history = _fit(resumed, [BackupAndRestore(backup_dir)], epochs=2)
    assert history.epoch == []
    _assert_same_weights(resumed.get_weights(), model.get_weights())


def test_double_checkpoint_falls_back_on_the_previous_backup(tmp_path):
    reference = _model(0)
    _fit(reference, shuffle=True)
    backup_dir = str(tmp_path / "backup")
    _interrupted(backup_dir, epoch=3, double_checkpoint=True)
    assert sorted(os.listdir(backup_dir)) == [BACKUP, BACKUP + ".bkp"]
    with open(os.path.join(backup_dir, BACKUP), "r+b") as f:
        f.truncate(100)
    resumed = _model(1)
    history = _fit(resumed, [BackupAndRestore(backup_dir, double_checkpoint=True)],
                   shuffle=True)
    assert history.epoch == [2, 3, 4]  # from the previous backup, taken after epoch 1
    _assert_same_weights(resumed.get_weights(), reference.get_weights())


def test_damaged_backup_without_a_previous_one_raises(tmp_path):
    backup_dir = str(tmp_path / "backup")
    _interrupted(backup_dir, epoch=2)
    with open(os.path.join(backup_dir, BACKUP), "wb") as f:
        f.write(b"not a zip file")
    model = _model(1)
    before = model.get_weights()
    with pytest.raises(ValueError, match="The file is damaged: delete backup_dir"):
        _fit(model, [BackupAndRestore(backup_dir)])
    _assert_same_weights(model.get_weights(), before)


def test_a_different_model_is_refused_before_anything_is_assigned(tmp_path):
    backup_dir = str(tmp_path / "backup")
    _interrupted(backup_dir, epoch=2)
    model = _model(1, units=6)
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"model weights 0 has shape \(4, 8\) in it and "
                                         r"\(4, 6\) in this run"):
        _fit(model, [BackupAndRestore(backup_dir)])
    _assert_same_weights(model.get_weights(), before)
    assert int(model.optimizer.iterations) == 0


def test_failed_write_keeps_the_previous_backup(tmp_path, monkeypatch):
    backup_dir = str(tmp_path / "backup")
    _interrupted(backup_dir, epoch=2)
    path = os.path.join(backup_dir, BACKUP)
    with open(path, "rb") as f:
        saved = f.read()

    def fail_midway(file, **arrays):
        file.write(b"PK partial")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", fail_midway)
    with pytest.raises(OSError, match="disk full"):
        _fit(_model(1), [BackupAndRestore(backup_dir)])
    assert os.listdir(backup_dir) == [BACKUP]
    with open(path, "rb") as f:
        assert f.read() == saved


def test_save_freq_false_restores_but_never_writes(tmp_path):
    backup_dir = str(tmp_path / "backup")
    _fit(_model(0), [BackupAndRestore(backup_dir, save_freq=False, delete_checkpoint=False)],
         epochs=2)
    assert not os.path.exists(backup_dir)


@pytest.mark.parametrize("kwargs, message", [
    ({"backup_dir": ""}, "Expected a directory path for backup_dir"),
    ({"backup_dir": "b", "save_freq": 0}, "save_freq=0"),
    ({"backup_dir": "b", "save_freq": "batch"}, "save_freq='batch'"),
    ({"backup_dir": "b", "save_freq": True}, "save_freq=True"),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BackupAndRestore(**kwargs)


def test_resume_matches_keras(tmp_path):
    """Same weights, same interruption and resume: nnet ends where Keras does."""
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    x, y = _data()
    rng = np.random.default_rng(7)
    initial = [rng.normal(0, 0.5, shape).astype("float32") for shape in [(4, 6), (6,), (6, 1),
                                                                          (1,)]]

    def run(lib, backup_dir):
        class Stop(lib.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                if epoch == 2:
                    raise RuntimeError("Interrupting!")

        def build():
            model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(6, activation="tanh"),
                                    lib.layers.Dense(1)])
            model.set_weights(initial)
            model.compile(optimizer=lib.optimizers.SGD(0.05, momentum=0.9), loss="mse")
            return model

        kwargs = {"epochs": 4, "batch_size": 8, "shuffle": False, "verbose": 0}
        with pytest.raises(RuntimeError, match="Interrupting"):
            build().fit(x, y, callbacks=[lib.callbacks.BackupAndRestore(backup_dir), Stop()],
                        **kwargs)
        resumed = build()
        history = resumed.fit(x, y, callbacks=[lib.callbacks.BackupAndRestore(backup_dir)],
                              **kwargs)
        return resumed, history

    theirs, theirs_history = run(keras, str(tmp_path / "keras"))
    ours, ours_history = run(nnet, str(tmp_path / "nnet"))
    assert ours_history.epoch == theirs_history.epoch == [2, 3]
    np.testing.assert_allclose(ours_history.history["loss"], theirs_history.history["loss"],
                               rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert int(ours.optimizer.iterations) == int(theirs.optimizer.iterations) == 20
