"""Every failure to load is a `LoadError` naming the file, and the model is left as it was.

Crafted damage (truncation, a damaged zip or HDF5 file, configs that are not a model's), then a
fuzz run from a fixed seed: hundreds of mutated ``.keras``, ``.weights.h5`` and ``.weights.npz``
files and mutated configs, each of which must load correctly (the very weights saved) or raise
`LoadError`; never another exception, and never different weights.
"""

import io
import json
import random
import zipfile

import numpy as np
import pytest

import nnet
from nnet.saving import LoadError

pytest.importorskip("h5py")


def _model(seed=0):
    nnet.utils.set_random_seed(seed)
    model = nnet.Sequential([nnet.Input((4,)), nnet.layers.Dense(8, activation="relu"),
                             nnet.layers.BatchNormalization(),
                             nnet.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(seed)
    model.fit(rng.standard_normal((32, 4)), rng.integers(0, 3, 32), epochs=1, verbose=0)
    return model


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    model = _model()
    paths = {kind: folder / f"model.{kind}" for kind in ("keras", "weights.h5", "weights.npz")}
    model.save(paths["keras"])
    model.save_weights(paths["weights.h5"])
    model.save_weights(paths["weights.npz"])
    return model, {kind: path.read_bytes() for kind, path in paths.items()}


def _state(model, optimizer=True):
    values = [w.numpy() for w in model.weights]
    return values + ([v.numpy() for v in model.optimizer.variables] if optimizer else [])


def _load(kind, path, target):
    if kind == "keras":
        return nnet.saving.load_model(path)
    target.load_weights(path)
    return target


def test_a_truncated_keras_file_is_named_as_damaged_not_missing(saved, tmp_path):
    path = tmp_path / "cut.keras"
    path.write_bytes(saved[1]["keras"][:-200])
    with pytest.raises(LoadError, match=r"cut\.keras: it is not a readable zip archive"):
        nnet.saving.load_model(path)


@pytest.mark.parametrize("config, message", [
    (b"[1, 2]", "holds a list, not a model config"),
    (b"\xff\xfe{}", "is not UTF-8 text"),
    (b'{"class_name": ', "is not valid JSON"),
    (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
    (b'{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", '
     b'"config": {"units": "many"}}]}}', r"units.*'many'"),
])
def test_configs_that_are_not_a_models_raise_load_error(saved, tmp_path, config, message):
    path = tmp_path / "bad.keras"
    _rewrite_member(saved[1]["keras"], path, "config.json", config)
    with pytest.raises(LoadError, match=message) as caught:
        nnet.saving.load_model(path)
    assert "bad.keras" in str(caught.value)


@pytest.mark.parametrize("kind", ["weights.h5", "weights.npz"])
def test_a_failed_load_weights_leaves_the_model_and_optimizer_as_they_were(saved, tmp_path,
                                                                           kind):
    data = saved[1][kind]
    path = tmp_path / f"half.{kind}"
    path.write_bytes(data[: len(data) * 3 // 4])
    model = _model(seed=1)
    before = _state(model)
    with pytest.raises(LoadError, match="half"):
        model.load_weights(path)
    for old, new in zip(before, _state(model)):
        np.testing.assert_array_equal(old, new)


def test_a_damaged_legacy_h5_file_raises_load_error(saved, tmp_path):
    path = tmp_path / "old.h5"
    saved[0].save(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2:] = bytes(len(data) - len(data) // 2)
    path.write_bytes(bytes(data))
    with pytest.raises(LoadError, match="old.h5"):
        nnet.saving.load_model(path)


def _rewrite_member(archive_bytes, path, member, data):
    with zipfile.ZipFile(io.BytesIO(archive_bytes)) as source, \
            zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            target.writestr(info, data if info.filename == member else source.read(info))


def _mutate_bytes(data, rng):
    data = bytearray(data)
    choice = rng.random()
    if choice < 0.5:
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif choice < 0.7:
        data = data[:rng.randrange(len(data))]
    elif choice < 0.85:
        start = rng.randrange(len(data))
        data[start:start + rng.randint(1, 64)] = bytes(rng.randrange(256) for _ in range(8)) * 8
    else:
        data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 100)))
    return bytes(data)


@pytest.mark.parametrize("kind", ["keras", "weights.h5", "weights.npz"])
def test_mutated_files_load_correctly_or_raise_load_error(saved, tmp_path, kind):
    model, files = saved
    # Weights files hold the layers' variables only; .keras files the optimizer's too.
    with_optimizer = kind == "keras"
    expected = _state(model, with_optimizer)
    target = _model(seed=2)
    rng = random.Random(f"fuzz-{kind}")
    outcomes = {"loaded": 0, "refused": 0}
    for trial in range(120):
        path = tmp_path / f"m{trial}.{kind}"
        path.write_bytes(_mutate_bytes(files[kind], rng))
        try:
            loaded = _load(kind, path, target)
        except LoadError:
            outcomes["refused"] += 1
            continue
        outcomes["loaded"] += 1
        for i, (old, new) in enumerate(zip(expected, _state(loaded, with_optimizer))):
            np.testing.assert_array_equal(new, old, err_msg=f"trial {trial}: variable {i} "
                                                            "changed without an error")
    assert outcomes["refused"] > 60, outcomes


def _mutate_config(node, rng):
    """A copy of the JSON tree `node` with one random edit somewhere inside it."""
    if isinstance(node, dict) and node and rng.random() < 0.8:
        key = rng.choice(sorted(node))
        node = dict(node)
        edit = rng.random()
        if edit < 0.25:
            del node[key]
        elif edit < 0.5:
            node[key] = rng.choice([None, -3, 0, 2.5, "x", [], {}, [1, "a"], {"class_name": 1},
                                    "os.system", {"module": "builtins", "class_name": "eval"}])
        else:
            node[key] = _mutate_config(node[key], rng)
        return node
    if isinstance(node, list) and node and rng.random() < 0.8:
        node = list(node)
        index = rng.randrange(len(node))
        if rng.random() < 0.3:
            del node[index]
        else:
            node[index] = _mutate_config(node[index], rng)
        return node
    return rng.choice([None, True, -1, 1, "relu", "Dense", [None], {"config": None}])


@pytest.mark.filterwarnings("ignore")  # mutated compile configs and optimizers warn, as Keras
def test_mutated_configs_load_or_raise_load_error(saved, tmp_path):
    archive = saved[1]["keras"]
    with zipfile.ZipFile(io.BytesIO(archive)) as source:
        config = json.loads(source.read("config.json"))
    rng = random.Random("fuzz-config")
    refused = 0
    for trial in range(100):
        path = tmp_path / f"c{trial}.keras"
        mutated = _mutate_config(config, rng)
        _rewrite_member(archive, path, "config.json", json.dumps(mutated).encode())
        try:
            nnet.saving.load_model(path)
        except LoadError:
            refused += 1
    assert refused > 20
