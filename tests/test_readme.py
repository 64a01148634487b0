"""README.md: every ```python block runs exactly as shown, each in a fresh namespace and in a
temporary directory (so the files it writes land there), and the model file it saves loads back."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import re
from pathlib import Path

import numpy as np
import pytest

import nnet

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"),
                    flags=re.DOTALL | re.MULTILINE)


def _run(block, index, directory, monkeypatch):
    if "sklearn" in block:
        pytest.importorskip("sklearn")
    if "onnxruntime" in block:
        pytest.importorskip("onnxruntime")
    monkeypatch.chdir(directory)
    namespace = {"__name__": "__readme__"}
    exec(compile(block, f"README.md, python block {index + 1}", "exec"), namespace)
    return namespace


def test_the_readme_has_its_examples():
    assert len(BLOCKS) >= 3
    assert any('model.save("digits.keras")' in block for block in BLOCKS)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_python_block_runs_as_shown(index, tmp_path, monkeypatch):
    block = BLOCKS[index]
    namespace = _run(block, index, tmp_path, monkeypatch)
    if 'model.save("digits.keras")' in block:
        _check_the_saved_model(tmp_path / "digits.keras", namespace)


def _check_the_saved_model(path, namespace):
    """The README says Keras 3 loads the file nnet saves: nnet and Keras both load it and
    predict what the trained model predicts."""
    model, x = namespace["model"], {"pixels": namespace["X"][:8], "hint": namespace["H"][:8]}
    expected = model.predict(x, verbose=0)
    for got, want in zip(nnet.models.load_model(path).predict(x, verbose=0), expected):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    for got, want in zip(keras.saving.load_model(path).predict(x, verbose=0), expected):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-6)
