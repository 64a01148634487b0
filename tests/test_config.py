"""nnet.config: dtype policies, interactive logging, unsafe deserialization and the switches
that Keras has, against Keras 3 where it defines the behaviour."""

import logging
import os

import numpy as np
import pytest

import nnet
from nnet.utils import object_registration as registry

os.environ["KERAS_BACKEND"] = "torch"


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


def test_dtype_policy_as_keras(keras):
    for lib in (nnet, keras):
        assert repr(lib.config.dtype_policy()) == '<DTypePolicy "float32">'
    ours, theirs = nnet.DTypePolicy("float64"), keras.DTypePolicy("float64")
    assert (ours.name, ours.compute_dtype, ours.variable_dtype, ours.quantization_mode,
            ours.get_config(), repr(ours)) == (
        theirs.name, theirs.compute_dtype, theirs.variable_dtype, theirs.quantization_mode,
        theirs.get_config(), repr(theirs))
    assert repr(nnet.FloatDTypePolicy("float16")) == repr(keras.FloatDTypePolicy("float16"))
    try:
        nnet.config.set_dtype_policy("float64")
        keras.config.set_dtype_policy("float64")
        ours, theirs = nnet.layers.Dense(2), keras.layers.Dense(2)
        assert ours.dtype_policy == nnet.DTypePolicy("float64")
        assert (ours.dtype, ours.compute_dtype, ours.variable_dtype) == (
            theirs.dtype, theirs.compute_dtype, theirs.variable_dtype)
        assert ours(np.ones((1, 3))).dtype == np.float64
        assert ours.get_config()["dtype"] == keras.saving.serialize_keras_object(
            theirs.dtype_policy)
    finally:
        nnet.config.set_dtype_policy("float32")
        keras.config.set_dtype_policy("float32")
    assert nnet.layers.Dense(2).dtype == "float32"
    assert nnet.layers.Dense(2, dtype=nnet.DTypePolicy("float16")).dtype == "float16"


@pytest.mark.parametrize("name", ["mixed_float16", "mixed_bfloat16", "bfloat16"])
def test_mixed_precision_is_refused(name):
    with pytest.raises(ValueError, match=f"nnet doesn't support mixed precision.*'{name}'"):
        nnet.config.set_dtype_policy(name)
    with pytest.raises(ValueError, match="doesn't support mixed precision"):
        nnet.layers.Dense(2, dtype=name)
    with pytest.raises(ValueError, match="doesn't support mixed precision"):
        nnet.layers.Dense.from_config({"units": 2, "dtype": {
            "module": "keras", "class_name": "DTypePolicy", "config": {"name": name},
            "registered_name": None}})
    assert nnet.config.dtype_policy().name == "float32"


def test_bad_policies():
    with pytest.raises(ValueError, match="Cannot convert 'int7'"):
        nnet.DTypePolicy("int7")
    with pytest.raises(ValueError, match=r"policy=3 \(of type <class 'int'>\)"):
        nnet.config.set_dtype_policy(3)


def _fit_and_summarize():
    model = nnet.Sequential([nnet.Input((2,)), nnet.layers.Dense(1)], name="logged")
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=2)
    model.summary()


def test_interactive_logging_off_sends_output_to_logging(capsys, caplog):
    assert nnet.utils.is_interactive_logging_enabled() is True
    nnet.config.disable_interactive_logging()
    try:
        assert nnet.config.is_interactive_logging_enabled() is False
        with caplog.at_level(logging.INFO, logger="nnet"):
            _fit_and_summarize()
    finally:
        nnet.utils.enable_interactive_logging()
    assert capsys.readouterr().out == ""
    messages = [r.getMessage() for r in caplog.records if r.name == "nnet"]
    assert messages[0] == "Epoch 1/2"
    assert any(m.startswith("1/1 - ") and "loss:" in m for m in messages)
    assert messages[-1].startswith('Model: "logged"')
    _fit_and_summarize()
    out = capsys.readouterr().out
    assert out.startswith("Epoch 1/2\n") and 'Model: "logged"' in out


def test_interactive_logging_switches_as_keras(keras):
    for lib in (nnet, keras):
        lib.config.disable_interactive_logging()
        assert lib.utils.is_interactive_logging_enabled() is False
        lib.utils.enable_interactive_logging()
        assert lib.config.is_interactive_logging_enabled() is True


def test_switches():
    assert nnet.config.is_traceback_filtering_enabled() is True
    nnet.config.disable_traceback_filtering()
    assert nnet.config.is_traceback_filtering_enabled() is False
    nnet.config.enable_traceback_filtering()
    assert nnet.config.is_traceback_filtering_enabled() is True
    nnet.config.enable_flash_attention()
    assert nnet.config.is_flash_attention_enabled() is False
    nnet.config.disable_flash_attention()
    assert nnet.config.is_flash_attention_enabled() is False


def test_enable_unsafe_deserialization_lets_lambdas_load(tmp_path, monkeypatch):
    model = nnet.Sequential([nnet.Input((2,)), nnet.layers.Lambda(lambda x: x * 3.0)])
    path = str(tmp_path / "lambda.keras")
    model.save(path)
    with pytest.raises(ValueError, match="enable_unsafe_deserialization"):
        nnet.saving.load_model(path)
    monkeypatch.setattr(registry, "_UNSAFE_DESERIALIZATION", False)
    nnet.config.enable_unsafe_deserialization()
    assert registry.in_safe_mode() is False
    loaded = nnet.saving.load_model(path)
    np.testing.assert_array_equal(loaded.predict(np.ones((1, 2)), verbose=0), [[3.0, 3.0]])
    config = model.layers[0].get_config()
    assert nnet.layers.Lambda.from_config(config)(np.ones((1, 2))).numpy().tolist() == [[3, 3]]
