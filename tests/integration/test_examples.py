"""The shipped examples run as a new user runs them, and report their results."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sklearn")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(script, cwd, *args):
    # The examples import the nnet of this checkout, installed or not.
    path = os.pathsep.join(filter(None, [str(EXAMPLES.parent), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": path}
    done = subprocess.run([sys.executable, str(EXAMPLES / script), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)


def test_demo_trains_the_seed_program_and_real_data(tmp_path):
    out = _run("demo.py", tmp_path)
    assert "Epoch 10/10" in out
    digits = float(re.search(r"digits test accuracy: (\d\.\d+)", out).group(1))
    cancer = float(re.search(r"breast cancer test accuracy: (\d\.\d+)", out).group(1))
    assert digits >= 0.95 and cancer >= 0.93
    pytest.importorskip("matplotlib")
    assert (tmp_path / "demo_training_curves.png").stat().st_size > 10_000


def test_multi_output_example(tmp_path):
    out = _run("multi_output_digits.py", tmp_path)
    assert "Connected to" in out
    digit_accuracy = float(re.search(r"'digit_accuracy': (\d\.\d+)", out).group(1))
    assert digit_accuracy >= 0.95


def test_text_classification_example(tmp_path):
    out = _run("text_classification.py", tmp_path, "--quick")
    accuracy = float(re.search(r"test accuracy: (\d\.\d+)", out).group(1))
    majority = float(re.search(r"largest family: (\d\.\d+)", out).group(1))
    assert accuracy >= 0.75 and majority < 0.3
    assert "'Return the square root of x.': numbers" in out


def test_timeseries_forecasting_example(tmp_path):
    pytest.importorskip("matplotlib")
    out = _run("timeseries_forecasting.py", tmp_path, "--quick")
    mae = dict(re.findall(r"test MAE of the daily log range, (.+): (\d\.\d+)", out))
    assert float(mae["model"]) < min(float(mae["tomorrow = today"]),
                                     float(mae["tomorrow = 30-day mean"]))


def test_transformer_classifier_tells_the_sources_apart(tmp_path):
    out = _run("transformer_classifier.py", tmp_path, "--samples", "500", "--epochs", "5")
    accuracy = float(re.search(r"test accuracy \(held-out text\): (\d\.\d+)", out).group(1))
    assert accuracy >= 0.75


def test_char_language_model_learns_and_writes(tmp_path):
    out = _run("char_language_model.py", tmp_path, "--windows", "1000", "--epochs", "3",
               "--generate", "40")
    found = re.search(r"validation loss: (\d\.\d+) nats/char \(character frequencies alone: "
                      r"(\d\.\d+)\)", out)
    loss, baseline = float(found.group(1)), float(found.group(2))
    assert loss < baseline - 0.4
    written = out.split("generated:\n", 1)[1]
    assert written.startswith("return the ") and len(written.strip()) > len("return the")


def test_digits_convnet_example(tmp_path):
    out = _run("digits_convnet.py", tmp_path, "--epochs", "15")
    assert "Conv2D" in out and "GlobalAveragePooling2D" in out
    assert float(re.search(r"digits convnet test accuracy: (\d\.\d+)", out).group(1)) >= 0.95


def test_deep_residual_example_learns_where_the_plain_network_does_not(tmp_path):
    out = _run("deep_residual.py", tmp_path, "--blocks", "4", "--epochs", "5")
    accuracy = {name: float(value) for name, value in
                re.findall(r"^(.+?): final training loss .*test accuracy (\d\.\d+)", out, re.M)}
    assert accuracy["residual (subclassed)"] >= 0.9
    assert accuracy["residual (functional)"] >= 0.9
    assert accuracy["plain (no skips, no normalization)"] < accuracy["residual (functional)"]
    pytest.importorskip("matplotlib")
    assert (tmp_path / "deep_residual_curves.png").stat().st_size > 10_000


def test_image_folder_pipeline_example(tmp_path):
    pytest.importorskip("PIL")
    out = _run("image_folder_pipeline.py", tmp_path, "--epochs", "6", "--folder",
               str(tmp_path / "digits"))
    assert "Found 1797 files belonging to 10 classes." in out
    assert float(re.search(r"validation accuracy: (\d\.\d+)", out).group(1)) >= 0.9


def test_addition_rnn_example_learns_to_add(tmp_path):
    # --quick: two-digit numbers, fewer samples and epochs, a larger step (the full run takes
    # minutes).
    out = _run("addition_rnn.py", tmp_path, "--quick")
    assert "Epoch 12/12" in out
    accuracy = float(re.search(r"validation character accuracy: (\d\.\d+)", out).group(1))
    assert accuracy >= 0.9
