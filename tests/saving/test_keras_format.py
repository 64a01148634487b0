"""nnet.saving.save_model/load_model (the `.keras` format): round trips that resume training
exactly, the archive's members and layout against files Keras 3 writes, files exchanged with
Keras 3 in both directions, custom objects and safe mode, atomic writes, bad paths, and
ModelCheckpoint writing `.keras` files."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import builtins  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
import zipfile  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnet  # noqa: E402
from nnet.saving import load_model, register_keras_serializable, save_model  # noqa: E402

h5py = pytest.importorskip("h5py")

MEMBERS = ["metadata.json", "config.json", "model.weights.h5"]
RNG = np.random.default_rng(0)
X = RNG.random((48, 4), dtype=np.float32)
X2 = RNG.random((48, 2), dtype=np.float32)
Y = RNG.integers(0, 3, 48)
Y2 = RNG.random((48, 1), dtype=np.float32)


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


def sequential(lib, name="seq"):
    """Input -> Dense(8, relu) -> BatchNormalization -> Dropout -> Dense(3, softmax), compiled."""
    model = lib.Sequential([
        lib.Input((4,)), lib.layers.Dense(8, activation="relu", name="hidden"),
        lib.layers.BatchNormalization(name="bn"), lib.layers.Dropout(0.25, name="drop"),
        lib.layers.Dense(3, activation="softmax", name="probs"),
    ], name=name)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, X, Y


def functional(lib, name="fun"):
    """Two inputs, two outputs (classification and regression), compiled with per-output args."""
    L = lib.layers
    x = lib.Input((4,), name="x")
    h = L.Dense(8, activation="relu", name="hidden")(x)
    h = L.Dropout(0.25, name="drop")(L.BatchNormalization(name="bn")(h))
    x2 = lib.Input((2,), name="x2")
    reg = L.Dense(1, name="reg")(L.Concatenate(name="concat")([h, x2]))
    model = lib.Model([x, x2], [L.Dense(3, activation="softmax", name="probs")(h), reg], name=name)
    model.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"],
                  loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["mae"]])
    return model, [X, X2], [Y, Y2]


BUILDERS = {"sequential": sequential, "functional": functional}


def trained(lib, kind, epochs=1):
    model, x, y = BUILDERS[kind](lib)
    model.fit(x, y, batch_size=16, epochs=epochs, shuffle=False, verbose=0)
    return model, x, y


def as_list(outputs):
    return outputs if isinstance(outputs, list) else [outputs]


def assert_outputs_close(a, b):
    for u, v in zip(as_list(a), as_list(b), strict=True):
        np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-6)


def keras_numpy(variables):
    from keras import ops

    return [ops.convert_to_numpy(v.value) for v in variables]


def h5_layout(path):
    """{dataset path: (shape, dtype)} and {group path: name attribute} of model.weights.h5."""
    with zipfile.ZipFile(path) as archive:
        data = archive.read("model.weights.h5")
    datasets, names = {}, {}
    with h5py.File(io.BytesIO(data), "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                datasets[name] = (obj.shape, obj.dtype.name)
            elif "name" in obj.attrs:
                names[name] = obj.attrs["name"]
        f.visititems(visit)
    return datasets, names


def read_json(path, member):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read(member))


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_round_trip_resumes_training_exactly(tmp_path, kind):
    nnet.utils.set_random_seed(0)
    model, x, y = trained(nnet, kind)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = load_model(path)

    assert type(loaded) is type(model) and loaded.name == model.name
    assert loaded.get_config() == model.get_config()
    for a, b in zip(as_list(loaded.predict(x, verbose=0)), as_list(model.predict(x, verbose=0))):
        np.testing.assert_array_equal(a, b)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert len(loaded.optimizer.variables) == len(model.optimizer.variables) > 2
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())

    histories = []
    for m in (model, loaded):
        # The same dropout masks in both continuations: as in Keras, the Dropout layer draws
        # from a SeedGenerator of its own, which the archive does not hold.
        m.get_layer("drop").seed_generator = nnet.random.SeedGenerator(1)
        histories.append(m.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0).history)
    assert histories[0] == histories[1]
    for a, b in zip(loaded.weights + loaded.optimizer.variables,
                    model.weights + model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_archive_is_stored_with_keras_members(tmp_path):
    model, _, _ = sequential(nnet)
    path = tmp_path / "model.keras"
    save_model(model, path)
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    assert [info.filename for info in infos] == MEMBERS
    assert all(info.compress_type == zipfile.ZIP_STORED for info in infos)
    assert all(info.compress_size == info.file_size for info in infos)
    metadata = read_json(path, "metadata.json")
    assert metadata["keras_version"] == "3.15.1"
    assert metadata["nnet_version"] == nnet.__version__
    assert re.fullmatch(r"\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d", metadata["date_saved"])
    config = read_json(path, "config.json")
    assert list(config) == ["module", "class_name", "config", "registered_name", "build_config",
                            "compile_config"]
    assert config["build_config"] == {"input_shape": [None, 4]}
    assert list(config["compile_config"]) == [
        "optimizer", "loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly",
        "steps_per_execution", "jit_compile"]
    # Compiled but never trained: the optimizer holds only iterations and the learning rate.
    datasets, _ = h5_layout(path)
    assert datasets["optimizer/vars/0"] == ((), "int32")
    assert datasets["optimizer/vars/1"] == ((), "float32")
    assert "optimizer/vars/2" not in datasets


def test_untrained_optimizer_and_compile_false(tmp_path):
    model, x, y = sequential(nnet)
    path = tmp_path / "model.keras"
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_model(path)
    assert loaded.compiled and not loaded.optimizer.built
    assert int(loaded.optimizer.iterations.data) == 0
    loaded.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert int(loaded.optimizer.iterations.data) == 3
    uncompiled = load_model(path, compile=False)
    assert not uncompiled.compiled and uncompiled.optimizer is None


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_same_layout_and_config_as_keras(tmp_path, keras, kind):
    # Fresh automatic names in both libraries, so that both optimizers are named "adam".
    nnet.utils.clear_session()
    keras.backend.clear_session()
    nnet_model, _, _ = trained(nnet, kind)
    keras_model, _, _ = trained(keras, kind)
    nnet_model.save(tmp_path / "nnet.keras")
    keras_model.save(tmp_path / "keras.keras")
    for name in ("nnet.keras", "keras.keras"):
        with zipfile.ZipFile(tmp_path / name) as archive:
            assert archive.namelist() == MEMBERS
    assert h5_layout(tmp_path / "nnet.keras") == h5_layout(tmp_path / "keras.keras")
    ours, theirs = (read_json(tmp_path / f, "config.json") for f in ("nnet.keras", "keras.keras"))
    assert list(ours) == list(theirs)
    for key in ("module", "class_name", "registered_name", "build_config"):
        assert ours[key] == theirs[key]
    ours, theirs = ours["compile_config"], theirs["compile_config"]
    for key in ours:
        if key == "optimizer":
            assert ours[key]["class_name"] == theirs[key]["class_name"]
            assert ours[key]["config"] == theirs[key]["config"]
        else:
            assert ours[key] == theirs[key], key


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_nnet_file_loads_in_keras(tmp_path, keras, kind):
    model, x, _ = trained(nnet, kind, epochs=2)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert_outputs_close(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(keras_numpy(loaded.optimizer.variables), model.optimizer.variables,
                    strict=True):
        np.testing.assert_array_equal(a, b.numpy())


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_keras_file_loads_in_nnet(tmp_path, keras, kind):
    model, x, y = trained(keras, kind, epochs=2)
    model.save(tmp_path / "model.keras")
    loaded = load_model(tmp_path / "model.keras")
    assert_outputs_close(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(loaded.optimizer.variables, keras_numpy(model.optimizer.variables),
                    strict=True):
        np.testing.assert_array_equal(a.numpy(), b)
    ours = loaded.evaluate(x, y, verbose=0, return_dict=True)
    theirs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert ours.keys() == theirs.keys()
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, err_msg=key)


def compile_with_objects(lib, model):
    model.compile(
        optimizer=lib.optimizers.SGD(0.1, momentum=0.9),
        loss=lib.losses.CategoricalCrossentropy(label_smoothing=0.1),
        metrics=[lib.metrics.AUC(), "mae", lib.losses.mean_squared_error,
                 lib.metrics.Precision(name="p")],
        weighted_metrics=["accuracy"], loss_weights=2.0,
    )


@pytest.mark.parametrize("saver", ["nnet", "keras"])
def test_compile_objects_cross_load(tmp_path, keras, saver):
    """Loss and metric objects, functions and optimizer arguments survive, both directions."""
    libs = {"nnet": nnet, "keras": keras}
    source = libs[saver]
    model = source.Sequential([source.Input((4,)), source.layers.Dense(2, activation="softmax")])
    compile_with_objects(source, model)
    y = nnet.utils.to_categorical(Y % 2, 2)
    model.fit(X, y, batch_size=16, verbose=0)
    model.save(tmp_path / "model.keras")
    load = load_model if saver == "keras" else keras.saving.load_model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras's own deprecation chatter
        loaded = load(tmp_path / "model.keras")
    assert loaded.optimizer.get_config()["momentum"] == 0.9
    ours = loaded.evaluate(X, y, verbose=0, return_dict=True)
    theirs = model.evaluate(X, y, verbose=0, return_dict=True)
    assert sorted(ours) == ["accuracy", "auc", "loss", "mae", "mean_squared_error", "p"]
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, err_msg=key)


@register_keras_serializable(package="TestKerasFormat")
class Scale(nnet.layers.Layer):
    """A registered custom layer: multiplies by a constant."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class Shift(nnet.layers.Layer):
    """Not registered: loading it needs custom_objects."""

    def __init__(self, offset=1.0, **kwargs):
        super().__init__(**kwargs)
        self.offset = offset

    def call(self, x):
        return x + self.offset

    def get_config(self):
        return {**super().get_config(), "offset": self.offset}


@register_keras_serializable(package="TestKerasFormat")
def half_squared_error(y_true, y_pred):
    return nnet.ops.mean(nnet.ops.square(y_true - y_pred), axis=-1) * 0.5


@register_keras_serializable(package="TestKerasFormat")
class TwoLayer(nnet.Model):
    """A registered subclassed model."""

    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = nnet.layers.Dense(units, activation="tanh")
        self.out = nnet.layers.Dense(1)

    def call(self, x, training=None):
        return self.out(self.hidden(x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def double(x):
    return x * 2.0


def test_custom_objects(tmp_path):
    model = nnet.Sequential([nnet.Input((4,)), Scale(3.0), Shift(0.5),
                             nnet.layers.Lambda(double), nnet.layers.Dense(1)])
    model.compile(optimizer="sgd", loss=half_squared_error, metrics=[half_squared_error])
    model.fit(X, Y2, verbose=0)
    path = tmp_path / "custom.keras"
    model.save(path)
    config = read_json(path, "config.json")
    assert config["compile_config"]["loss"] == {
        "module": "builtins", "class_name": "function",
        "config": "TestKerasFormat>half_squared_error", "registered_name": "function"}
    assert config["config"]["layers"][1]["registered_name"] == "TestKerasFormat>Scale"
    with pytest.raises(ValueError, match="Shift"):
        load_model(path)
    loaded = load_model(path, custom_objects={"Shift": Shift, "double": double})
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert loaded._compile_config["loss"] is half_squared_error
    np.testing.assert_allclose(loaded.evaluate(X, Y2, verbose=0), model.evaluate(X, Y2, verbose=0))
    # The scope ends with the load: the unregistered class is not left behind.
    with pytest.raises(ValueError, match="Shift"):
        load_model(path)

    subclassed = TwoLayer(units=3, name="two")
    subclassed.compile(optimizer="adam", loss="mse")
    subclassed.fit(X, Y2, verbose=0)
    subclassed.save(tmp_path / "sub.keras")
    loaded = load_model(tmp_path / "sub.keras")
    assert isinstance(loaded, TwoLayer) and loaded.units == 3 and loaded.name == "two"
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), subclassed.predict(X, verbose=0))
    for a, b in zip(loaded.optimizer.variables, subclassed.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def lambda_model(tmp_path):
    model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Lambda(lambda t: t * 2.0),
                             nnet.layers.Dense(2)])
    model.save(tmp_path / "lambda.keras")
    return model, tmp_path / "lambda.keras"


def test_safe_mode_refuses_bytecode(tmp_path):
    _, path = lambda_model(tmp_path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        load_model(path)


def test_safe_mode_false_loads_bytecode(tmp_path):
    model, path = lambda_model(tmp_path)
    loaded = load_model(path, safe_mode=False)
    np.testing.assert_array_equal(loaded.predict(X[:, :3], verbose=0),
                                  model.predict(X[:, :3], verbose=0))


def test_unrestorable_compile_config_warns(tmp_path):
    model = nnet.Sequential([nnet.Input((4,)), nnet.layers.Dense(1)])
    model.compile(optimizer="adam", loss=lambda y_true, y_pred: (y_true - y_pred) ** 2)
    with pytest.warns(UserWarning, match="lambda in loss="):
        model.save(tmp_path / "model.keras")
    with pytest.warns(UserWarning, match=r"compile\(\) was not called.*<lambda>"):
        loaded = load_model(tmp_path / "model.keras")
    assert not loaded.compiled
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "model.keras"
    first, _, _ = sequential(nnet, name="first")
    first.save(path)
    saved = path.read_bytes()
    writestr = zipfile.ZipFile.writestr

    def failing_writestr(self, name, data, *args, **kwargs):
        if name == "model.weights.h5":
            raise OSError("No space left on device")
        return writestr(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing_writestr)
    second, _, _ = sequential(nnet, name="second")
    with pytest.raises(OSError, match="No space"):
        second.save(path)
    with pytest.raises(OSError, match="No space"):
        second.save(tmp_path / "new.keras")
    assert path.read_bytes() == saved
    assert os.listdir(tmp_path) == ["model.keras"]
    monkeypatch.undo()
    assert load_model(path).name == "first"
    # A config that cannot be serialized fails before anything is written.
    second.compile(optimizer="adam", loss="mse", metrics=[object()])
    with pytest.raises(TypeError, match="has no get_config"):
        second.save(tmp_path / "new.keras")
    assert os.listdir(tmp_path) == ["model.keras"]


def test_unzipped_directory(tmp_path):
    model, x, y = trained(nnet, "sequential")
    target = tmp_path / "model_dir"
    model.save(target, zipped=False)
    model.save(target, zipped=False)  # replacing an existing directory
    assert sorted(os.listdir(target)) == sorted(MEMBERS)
    assert sorted(os.listdir(tmp_path)) == ["model_dir"]
    loaded = load_model(target)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_bad_paths(tmp_path):
    model, _, _ = sequential(nnet)
    with pytest.raises(ValueError, match=r"Invalid filepath extension.*`\.keras`.*model\.pkl"):
        model.save(tmp_path / "model.pkl")
    with pytest.raises(ValueError, match="zipped=False.*should not end in `.keras`"):
        model.save(tmp_path / "model.keras", zipped=False)
    with pytest.raises(ValueError, match=r"not supported: \['save_traces'\]"):
        model.save(tmp_path / "model.keras", save_traces=True)
    assert os.listdir(tmp_path) == []
    with pytest.raises(ValueError, match="File not found: filepath=.*missing.keras"):
        load_model(tmp_path / "missing.keras")
    with pytest.raises(ValueError, match="File not found: filepath=.*missing.h5"):
        load_model(tmp_path / "missing.h5")
    with pytest.raises(ValueError, match="File format not supported"):
        load_model(tmp_path / "model.txt")
    with zipfile.ZipFile(tmp_path / "empty.keras", "w") as archive:
        archive.writestr("config.json", "{}")
    with pytest.raises(ValueError, match="Expected a model.weights.h5"):
        load_model(tmp_path / "empty.keras")


def test_mismatched_weights_name_the_member(tmp_path):
    small = nnet.Sequential([nnet.Input((4,)), nnet.layers.Dense(2, name="d")])
    large = nnet.Sequential([nnet.Input((4,)), nnet.layers.Dense(3, name="d")])
    small.save(tmp_path / "small.keras")
    large.save(tmp_path / "large.keras")
    with zipfile.ZipFile(tmp_path / "small.keras") as s, \
            zipfile.ZipFile(tmp_path / "large.keras") as b, \
            zipfile.ZipFile(tmp_path / "mixed.keras", "w") as mixed:
        for name in MEMBERS:
            mixed.writestr(name, (b if name == "model.weights.h5" else s).read(name))
    with pytest.raises(ValueError, match=r"mixed\.keras/model\.weights\.h5.*\(4, 2\).*\(4, 3\)"):
        load_model(tmp_path / "mixed.keras")


def test_needs_h5py(tmp_path, monkeypatch):
    model, _, _ = sequential(nnet)
    model.save(tmp_path / "model.keras")
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match="pip install h5py"):
        model.save(tmp_path / "other.keras")
    with pytest.raises(ImportError, match="pip install h5py"):
        load_model(tmp_path / "model.keras")
    assert os.listdir(tmp_path) == ["model.keras"]


def test_overwrite_false_asks(tmp_path, monkeypatch):
    path = tmp_path / "model.keras"
    first, _, _ = sequential(nnet, name="first")
    first.save(path)
    second, _, _ = sequential(nnet, name="second")
    answers = iter(["n", "y"])
    monkeypatch.setattr(builtins, "input", lambda prompt="": next(answers))
    second.save(path, overwrite=False)
    assert load_model(path).name == "first"
    second.save(path, overwrite=False)
    assert load_model(path).name == "second"


def test_model_checkpoint_writes_loadable_files(tmp_path):
    nnet.utils.set_random_seed(0)
    model, x, y = sequential(nnet)
    snapshots = []
    record = nnet.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: snapshots.append((logs["val_loss"], model.get_weights())))
    checkpoint = nnet.callbacks.ModelCheckpoint(
        str(tmp_path / "best-{epoch:02d}.keras"), save_best_only=True, save_weights_only=False)
    model.fit(x, y, validation_data=(X[:16], Y[:16]), epochs=4, batch_size=16, verbose=0,
              callbacks=[checkpoint, record])
    improved, best = [], np.inf
    for epoch, (val_loss, _) in enumerate(snapshots):
        if val_loss < best:
            improved.append(epoch)
            best = val_loss
    assert sorted(os.listdir(tmp_path)) == [f"best-{e + 1:02d}.keras" for e in improved]
    for epoch in improved:
        loaded = load_model(tmp_path / f"best-{epoch + 1:02d}.keras")
        for a, b in zip(loaded.get_weights(), snapshots[epoch][1], strict=True):
            np.testing.assert_array_equal(a, b)
