"""The saving hooks of a layer, as Keras 3's saving_lib calls them: `save_own_variables` /
`load_own_variables` (the layer's part of the weights file) and `get_build_config` /
`build_from_config` (how a loaded layer recreates its state before its weights are read).
Layer's defaults, custom overrides round-tripped through `.keras` and `.weights.h5` files, and
files with such layers exchanged with Keras 3 in both directions."""

import io
import os
import zipfile

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnet  # noqa: E402

h5py = pytest.importorskip("h5py")

RNG = np.random.default_rng(0)
X = RNG.random((8, 3), dtype=np.float32)
IDS = RNG.integers(0, 5, (8, 3)).astype("int32")


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


def layer_classes(lib):
    """The same three custom layers for nnet and for Keras, registered in each library."""
    register = lib.saving.register_keras_serializable(package="TestSavingHooks")

    @register
    class Bias(lib.layers.Layer):
        """Creates its variable in __init__; relies on the default hooks."""

        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.bias = self.add_weight(shape=(units,), initializer="zeros", name="bias")

        def call(self, x):
            return x + self.bias

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    @register
    class Centered(lib.layers.Layer):
        """Keeps the data mean from adapt() as a NumPy array, saved through the weights hooks."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.offsets = np.zeros(1, "float32")

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones",
                                         name="scale")

        def adapt(self, data):
            self.offsets = np.asarray(data, "float32").mean(axis=0)

        def call(self, x):
            return lib.ops.subtract(x * self.scale, self.offsets)

        def save_own_variables(self, store):
            super().save_own_variables(store)
            store["offsets"] = self.offsets

        def load_own_variables(self, store):
            self.scale.assign(store["0"])
            self.offsets = np.asarray(store["offsets"])

    @register
    class Table(lib.layers.Layer):
        """An embedding whose size comes from adapt(), not from the input shape: it is rebuilt
        from its own build config."""

        def __init__(self, dim=2, **kwargs):
            super().__init__(**kwargs)
            self.dim = dim
            self.size = None

        def adapt(self, ids):
            self._create(int(np.max(ids)) + 1)

        def _create(self, size):
            self.size = size
            self.table = self.add_weight(shape=(size, self.dim), initializer="random_normal",
                                         name="table")
            self.built = True

        def get_build_config(self):
            return {"size": self.size}

        def build_from_config(self, config):
            self._create(config["size"])

        def call(self, ids):
            return lib.ops.take(self.table, lib.ops.cast(ids, "int32"), axis=0)

        def compute_output_shape(self, input_shape):
            return (*input_shape, self.dim)

        def get_config(self):
            return {**super().get_config(), "dim": self.dim}

    return Bias, Centered, Table


Bias, Centered, Table = layer_classes(nnet)


@pytest.fixture(scope="module")
def keras_classes(keras):
    return layer_classes(keras)


def dense_model(lib, classes):
    bias, centered, _ = classes
    layer = centered()
    layer.adapt(X * 3.0 + 1.0)
    model = lib.Sequential([lib.Input((3,)), bias(), layer, lib.layers.Dense(2)], name="dense")
    model.layers[0].bias.assign(np.array([0.5, -1.0, 2.0], "float32"))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, X[:, :2], epochs=2, batch_size=4, verbose=0)
    return model


def table_model(lib, classes):
    table = classes[2](dim=2)
    table.adapt(IDS)
    return lib.Sequential([lib.Input((3,), dtype="int32"), table], name="table")


def assert_same_model(loaded, model, x):
    """Equal weights; outputs equal within float32 rounding (exactly, within one library)."""
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    ours, theirs = loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    if type(loaded).__module__.split(".")[0] == type(model).__module__.split(".")[0]:
        np.testing.assert_array_equal(ours, theirs)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def h5_datasets(path):
    with zipfile.ZipFile(path) as archive:
        data = archive.read("model.weights.h5")
    names = []
    with h5py.File(io.BytesIO(data), "r") as f:
        f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset)
                     else None)
    return names


def test_default_build_config_hooks():
    dense = nnet.layers.Dense(3)
    assert dense.get_build_config() is None
    dense.build_from_config({"input_shape": [None, 4]})
    assert dense.built and dense.kernel.shape == (4, 3)
    assert dense.get_build_config() == {"input_shape": (None, 4)}
    merged = nnet.layers.Concatenate()
    merged.build_from_config({"input_shape": [[None, 2], [None, 3]]})
    assert merged.get_build_config() == {"input_shape": [(None, 2), (None, 3)]}
    unbuilt = nnet.layers.Dense(3)
    unbuilt.build_from_config(None)
    assert not unbuilt.built


def test_default_variable_hooks_use_keras_keys():
    source = nnet.layers.BatchNormalization()
    source.build((None, 3))
    source.set_weights([RNG.random(3, dtype=np.float32) for _ in range(4)])
    store = {}
    source.save_own_variables(store)
    assert list(store) == ["0", "1", "2", "3"]
    for value, weight in zip(store.values(), source.get_weights()):
        np.testing.assert_array_equal(value, weight)
    target = nnet.layers.BatchNormalization()
    target.build((None, 3))
    target.load_own_variables(store)
    for a, b in zip(target.get_weights(), source.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_default_load_checks_before_assigning():
    dense = nnet.layers.Dense(2, name="d")
    dense.build((None, 3))
    before = dense.get_weights()
    with pytest.raises(ValueError, match=r"'d' expected 2 variables \['kernel', 'bias'\].*1"):
        dense.load_own_variables({"0": np.ones((3, 2))})
    with pytest.raises(ValueError, match=r"'d/bias' has shape \(2,\) in the model but \(5,\)"):
        dense.load_own_variables({"0": np.ones((3, 2)), "1": np.ones(5)})
    for a, b in zip(dense.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="never built.*build_from_config"):
        nnet.layers.Dense(2).load_own_variables({"0": np.ones((3, 2)), "1": np.ones(2)})


def test_save_own_variables_round_trip(tmp_path):
    model = dense_model(nnet, (Bias, Centered, Table))
    model.save(tmp_path / "model.keras")
    assert {"layers/centered/vars/0", "layers/centered/vars/offsets",
            "layers/bias/vars/0"} <= set(h5_datasets(tmp_path / "model.keras"))
    loaded = nnet.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_array_equal(loaded.layers[1].offsets, model.layers[1].offsets)
    assert_same_model(loaded, model, X)

    fresh = dense_model(nnet, (Bias, Centered, Table))
    fresh.layers[1].offsets = np.zeros(3, "float32")
    model.save_weights(tmp_path / "model.weights.h5")
    fresh.load_weights(tmp_path / "model.weights.h5")
    np.testing.assert_array_equal(fresh.layers[1].offsets, model.layers[1].offsets)
    assert_same_model(fresh, model, X)


def test_build_config_round_trip(tmp_path):
    model = table_model(nnet, (Bias, Centered, Table))
    config = nnet.saving.serialize_keras_object(model)
    assert config["config"]["layers"][1]["build_config"] == {"size": 5}
    model.save(tmp_path / "table.keras")
    loaded = nnet.saving.load_model(tmp_path / "table.keras")
    assert loaded.layers[0].size == 5
    assert_same_model(loaded, model, IDS)


def test_failed_load_leaves_the_model_unchanged(tmp_path):
    model = dense_model(nnet, (Bias, Centered, Table))
    model.save_weights(tmp_path / "model.weights.h5")
    other = nnet.Sequential([nnet.Input((3,)), Bias(), Centered(), nnet.layers.Dense(3)])
    before = other.get_weights()
    with pytest.raises(ValueError,
                       match=r"layers/dense/vars.*'sequential.*/dense.*/kernel'.*\(3, 3\)"):
        other.load_weights(tmp_path / "model.weights.h5")
    for a, b in zip(other.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("build", [dense_model, table_model])
def test_keras_files_load_in_nnet(tmp_path, keras, keras_classes, build):
    model = build(keras, keras_classes)
    model.save(tmp_path / "model.keras")
    loaded = nnet.saving.load_model(tmp_path / "model.keras")
    x = X if build is dense_model else IDS
    assert_same_model(loaded, model, x)
    if build is dense_model:
        np.testing.assert_array_equal(loaded.layers[1].offsets, model.layers[1].offsets)


@pytest.mark.parametrize("build", [dense_model, table_model])
def test_nnet_files_load_in_keras(tmp_path, keras, keras_classes, build):
    model = build(nnet, (Bias, Centered, Table))
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    x = X if build is dense_model else IDS
    assert_same_model(loaded, model, x)
    if build is dense_model:
        np.testing.assert_array_equal(loaded.layers[1].offsets, model.layers[1].offsets)
