"""Atomic saves: temporary files of killed saves are cleaned up, and a directory save replaces the
old directory without a moment in which no model is at the path."""

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import nnet
from nnet.utils import file_utils


def _model():
    model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def _dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_the_next_save_removes_temporary_files_that_killed_saves_left(tmp_path):
    pytest.importorskip("h5py")
    path = tmp_path / "model.keras"
    dead = _dead_pid()
    stale = [tmp_path / f".model.keras.{dead}.0123456789ab.tmp",
             tmp_path / f".model.keras.{dead}.ba9876543210.tmp.old"]
    for leftover in stale:
        leftover.write_bytes(b"x" * 1000)
    (stale[1]).unlink()
    (stale[1]).mkdir()
    alive = tmp_path / f".model.keras.{os.getppid()}.0123456789ab.tmp"  # a live process's save
    alive.write_bytes(b"x")
    other = tmp_path / f".other.keras.{dead}.0123456789ab.tmp"  # another target's
    other.write_bytes(b"x")
    _model().save(str(path))
    assert sorted(os.listdir(tmp_path)) == sorted(["model.keras", alive.name, other.name])


def test_saves_in_other_threads_keep_their_temporary_files(tmp_path):
    pytest.importorskip("h5py")
    path = str(tmp_path / "model.keras")
    model = _model()
    errors = []

    def save():
        try:
            for _ in range(5):
                model.save(path)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=save) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert os.listdir(tmp_path) == ["model.keras"]
    loaded = nnet.saving.load_model(path)
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])


def test_a_directory_save_over_an_old_one_leaves_a_model_at_the_path_throughout(tmp_path,
                                                                               monkeypatch):
    pytest.importorskip("h5py")
    path = str(tmp_path / "saved")
    first, second = _model(), _model()
    first.save(path, zipped=False)
    seen = []
    remove = file_utils._remove

    def check_then_remove(old):
        # The old directory is deleted only once the new one stands at the path.
        seen.append(sorted(os.listdir(path)))
        np.testing.assert_array_equal(nnet.saving.load_model(path).get_weights()[0],
                                      second.get_weights()[0])
        remove(old)

    monkeypatch.setattr(file_utils, "_remove", check_then_remove)
    exchanged = []
    exchange = file_utils._exchange
    monkeypatch.setattr(file_utils, "_exchange",
                        lambda a, b: exchanged.append(exchange(a, b)) or exchanged[-1])
    second.save(path, zipped=False)
    assert seen and seen[-1]
    if sys.platform.startswith("linux"):
        assert exchanged == [True]
    assert os.listdir(tmp_path) == ["saved"]
