"""Data-parallel training over MPI: ``mpirun -n 2`` against one process, and the failures.

Each test runs a script of this folder under ``mpirun`` (skipped, with the reason, where there
is no mpirun or no mpi4py: ``pip install "nnet[mpi]"`` installs both).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnet

HERE = Path(__file__).resolve().parent
ROOT = Path(nnet.__file__).resolve().parents[1]

# The mpich wheel's mpirun, which pip puts beside the interpreter, goes with the MPI that mpi4py
# loads; another one on PATH may not.
MPIRUN = shutil.which("mpirun", path=str(Path(sys.executable).parent)) or shutil.which("mpirun")

pytestmark = [
    pytest.mark.skipif(MPIRUN is None,
                       reason="no mpirun on this machine: pip install 'nnet[mpi]'"),
    pytest.mark.skipif(subprocess.run([sys.executable, "-c", "import mpi4py"],
                                      capture_output=True).returncode != 0,
                       reason="mpi4py is not installed: pip install 'nnet[mpi]'"),
]


def _run(script, *args, processes=2, timeout=120):
    """Run `script` with `args` on `processes` MPI processes; the finished process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1")
    return subprocess.run([MPIRUN, "-n", str(processes), sys.executable, str(HERE / script),
                           *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _ok(done):
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The results of train_models.py on one process and on two, and the two runs' output."""
    out = {}
    for processes in (1, 2):
        folder = tmp_path_factory.mktemp(f"ranks{processes}")
        done = _ok(_run("train_models.py", folder, processes=processes))
        out[processes] = (json.loads((folder / "results.json").read_text()), folder, done.stdout)
    return out


def _close(a, b):
    # float32 tolerance: the sums over two shards add in another order than over one batch.
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64),
                               rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("name", ["sequential", "functional", "subclassed", "dataset", "mixed"])
def test_two_processes_train_as_one_on_the_same_global_batches(runs, name):
    one, two = runs[1][0][name], runs[2][0][name]
    assert sorted(one["history"]) == sorted(two["history"])
    assert any(key.startswith("val_") for key in one["history"])
    for key, values in one["history"].items():
        _close(two["history"][key], values)
    assert len(one["weights"]) == len(two["weights"])
    for w1, w2 in zip(one["weights"], two["weights"]):
        _close(w2, w1)
    _close(two["evaluate"], one["evaluate"])
    _close(two["predict"], one["predict"])


def test_dropout_repeats_from_one_seed_with_a_stream_per_rank(runs):
    one, two = runs[1][0], runs[2][0]
    first, second = two["dropout"]
    assert first["loss"] == second["loss"] and first["weights"] == second["weights"]
    # Rank 0 draws what a single process draws; rank 1 draws from a stream of its own.
    assert two["streams"][0] == one["streams"][0]
    assert two["streams"][1] != two["streams"][0]


def test_rank_0_alone_prints_progress_and_writes_logs(runs):
    _, folder, stdout = runs[2]
    assert stdout.count("Epoch 1/3") == 5  # one per model
    assert (folder / "sequential_0.csv").exists()
    assert not list(folder.glob("*_1.csv"))
    rows = (folder / "sequential_0.csv").read_text().splitlines()
    assert len(rows) == 4 and rows[0].startswith("epoch,")


def test_a_killed_rank_ends_the_job_and_a_restart_resumes_from_the_backup(tmp_path):
    killed = _run("interrupted.py", tmp_path, "kill")
    assert killed.returncode != 0
    assert "signal 9" in killed.stdout + killed.stderr or "Killed" in killed.stdout + killed.stderr
    assert (tmp_path / "backup").exists() and not (tmp_path / "kill.json").exists()
    _ok(_run("interrupted.py", tmp_path, "resume"))
    resumed = json.loads((tmp_path / "resume.json").read_text())
    assert resumed["epochs"] == [2, 3]
    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    _ok(_run("interrupted.py", reference_dir, "resume", processes=1))
    reference = json.loads((reference_dir / "resume.json").read_text())
    assert reference["epochs"] == [0, 1, 2, 3]
    for key, values in resumed["history"].items():
        _close(values, reference["history"][key][2:])
    for w1, w2 in zip(resumed["weights"], reference["weights"]):
        _close(w1, w2)


def test_a_rank_that_raises_ends_the_job_with_its_error(tmp_path):
    done = _run("interrupted.py", tmp_path, "raise")
    assert done.returncode != 0
    assert "rank 1 of 2 raised RuntimeError: rank 1 broke down; stopping the job" in done.stderr


def test_a_rank_that_hangs_makes_the_others_stop_after_the_timeout(tmp_path):
    done = _run("interrupted.py", tmp_path, "hang", timeout=60)
    assert done.returncode != 0
    assert "rank 0 waited 5 s for the other ranks" in done.stderr
    assert "one of them has died, raised or hangs" in done.stderr


def test_asking_for_more_devices_than_processes_says_to_use_mpirun():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", "import nnet; nnet.distribution.DataParallel("
                               "devices=['cpu:0', 'cpu:1'])"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "this job has 1 process" in done.stderr
    assert "mpirun -n 2 python" in done.stderr
