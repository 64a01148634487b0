"""nnet.saving.weights: .weights.npz and .weights.h5 round trips on fake layers, the H5 layout
against files written and read by Keras 3, atomic writes and mismatch errors."""

import builtins
import os
import sys

import numpy as np
import pytest

from nnet.autodiff import Variable
from nnet.layers import Layer
from nnet.saving import weights as weights_io

os.environ["KERAS_BACKEND"] = "torch"


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


class FakeLayer:
    """The part of the Layer contract the weights files use; the class name picks the H5 path.

    Each layer writes and reads its part of an H5 file with Layer's own default hooks.
    """

    save_own_variables = Layer.save_own_variables
    load_own_variables = Layer.load_own_variables

    def __init__(self, name, trainable=(), non_trainable=(), **sublayers):
        self.name = name
        self.built = True
        self._layers = []
        self._trainable_variables = [self._variable(s, f"w{i}") for i, s in enumerate(trainable)]
        self._non_trainable_variables = [self._variable(s, f"n{i}")
                                         for i, s in enumerate(non_trainable)]
        for attribute, sublayer in sublayers.items():
            setattr(self, attribute, sublayer)
            items = sublayer if isinstance(sublayer, list) else [sublayer]
            self._layers.extend(items)

    def _variable(self, shape, name):
        variable = Variable(np.zeros(shape), name=name, dtype="float32")
        variable.path = f"{self.name}/{name}"
        return variable

    @property
    def weights(self):
        own = self._trainable_variables + self._non_trainable_variables
        return own + [w for layer in self._layers for w in layer.weights]


class Dense(FakeLayer):
    def __init__(self, name, n_in, n_out):
        super().__init__(name, trainable=[(n_in, n_out), (n_out,)])


class Dropout(FakeLayer):
    pass


class InputLayer(FakeLayer):
    pass


class BatchNormalization(FakeLayer):
    def __init__(self, name, n):
        super().__init__(name, trainable=[(n,), (n,)], non_trainable=[(n,), (n,)])


class LSTMCell(FakeLayer):
    def __init__(self, name, n_in, units):
        super().__init__(name, trainable=[(n_in, 4 * units), (units, 4 * units), (4 * units,)])


class LSTM(FakeLayer):
    def __init__(self, name, n_in, units):
        super().__init__(name, cell=LSTMCell(f"{name}_cell", n_in, units))


class EinsumDense(FakeLayer):
    def __init__(self, name, kernel, bias):
        super().__init__(name, trainable=[kernel, bias])


class Softmax(FakeLayer):
    pass


class MultiHeadAttention(FakeLayer):
    """Sublayers in private attributes, exposed by properties (Keras walks the public name)."""

    def __init__(self, name):
        super().__init__(
            name,
            _query_dense=EinsumDense("query", (8, 2, 4), (2, 4)),
            _key_dense=EinsumDense("key", (8, 2, 4), (2, 4)),
            _value_dense=EinsumDense("value", (8, 2, 4), (2, 4)),
            _output_dense=EinsumDense("attention_output", (2, 4, 8), (8,)),
            _softmax=Softmax("softmax"), _dropout_layer=Dropout("dropout"),
        )

    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)


class Sequential(FakeLayer):
    def __init__(self, layers, name="sequential"):
        super().__init__(name)
        self.layers = layers
        self._layers = [InputLayer("input_layer"), *layers]


class Model(FakeLayer):
    """A subclassed model: layers set as attributes, `layers` lists them in tracking order."""

    @property
    def layers(self):
        return list(self._layers)


def sequential():
    return Sequential([Dense("dense", 4, 8), Dropout("dropout"), Dense("out", 8, 3),
                       BatchNormalization("batch_normalization", 3)])


def subclassed():
    return Model("m", zeta=Dense("dense", 4, 3), alpha=Dense("dense_1", 3, 2),
                 blocks=[Dense("dense_2", 2, 2), Dense("dense_3", 2, 2)],
                 lstm=LSTM("lstm", 2, 2))


def attention():
    return Model("m", mha=MultiHeadAttention("multi_head_attention"))


def randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    values = [rng.normal(size=w.shape).astype("float32") for w in model.weights]
    for w, value in zip(model.weights, values):
        w.assign(value)
    return values


def values_of(model):
    return [w.numpy().copy() for w in model.weights]


@pytest.mark.parametrize("suffix", [".weights.npz", ".weights.h5"])
@pytest.mark.parametrize("build", [sequential, subclassed, attention])
def test_round_trip(tmp_path, suffix, build):
    if suffix.endswith("h5"):
        pytest.importorskip("h5py")
    source = build()
    expected = randomize(source)
    path = tmp_path / f"model{suffix}"
    weights_io.save_weights(source, path)
    target = build()
    weights_io.load_weights(target, str(path))
    for value, loaded in zip(expected, values_of(target)):
        np.testing.assert_array_equal(loaded, value)
    assert sorted(os.listdir(tmp_path)) == [path.name]


def test_npz_layout(tmp_path):
    model = sequential()
    values = randomize(model)
    path = tmp_path / "m.weights.npz"
    weights_io.save_weights(model, path)
    with np.load(path, allow_pickle=False) as data:
        assert data.files == ["000_dense/w0", "001_dense/w1", "002_out/w0", "003_out/w1",
                              "004_batch_normalization/w0", "005_batch_normalization/w1",
                              "006_batch_normalization/n0", "007_batch_normalization/n1"]
        np.testing.assert_array_equal(data["002_out/w0"], values[2])


def h5_tree(path):
    import h5py

    entries = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: entries.__setitem__(
            name, (getattr(obj, "shape", None), dict(obj.attrs))))
    return entries


def keras_sequential(keras):
    layers = keras.layers
    return keras.Sequential([keras.Input((4,)), layers.Dense(8), layers.Dropout(0.5),
                             layers.Dense(3, name="out"), layers.BatchNormalization()])


def keras_subclassed(keras):
    layers = keras.layers

    class M(keras.Model):
        def __init__(self):
            super().__init__(name="m")
            self.zeta = layers.Dense(3)
            self.alpha = layers.Dense(2)
            self.blocks = [layers.Dense(2), layers.Dense(2)]
            self.lstm = layers.LSTM(2)

    model = M()
    for layer, shape in ((model.zeta, (None, 4)), (model.alpha, (None, 3)),
                         (model.blocks[0], (None, 2)), (model.blocks[1], (None, 2)),
                         (model.lstm, (None, 5, 2))):
        layer.build(shape)
    model.built = True
    return model


def keras_attention(keras):
    class M(keras.Model):
        def __init__(self):
            super().__init__(name="m")
            self.mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)

    model = M()
    model.mha.build((None, 3, 8), (None, 3, 8))
    model.built = True
    return model


KERAS_BUILDERS = {"sequential": (keras_sequential, sequential),
                  "subclassed": (keras_subclassed, subclassed),
                  "attention": (keras_attention, attention)}


def keras_weights_in_nnet_order(model):
    """Keras's weights reordered to the fake model's order (its layers are tracked by name)."""
    if hasattr(model, "zeta"):
        parts = [model.zeta, model.alpha, *model.blocks, model.lstm]
        return [w.numpy() for layer in parts for w in layer.weights]
    return [w.numpy() for w in model.weights]


@pytest.mark.parametrize("kind", sorted(KERAS_BUILDERS))
def test_h5_layout_matches_keras(keras, tmp_path, kind):
    pytest.importorskip("h5py")
    # Fresh automatic names (dense, dense_1, ...), as in the fake models.
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    keras_model = KERAS_BUILDERS[kind][0](keras)
    model = KERAS_BUILDERS[kind][1]()
    theirs = tmp_path / "keras.weights.h5"
    keras_model.save_weights(theirs)
    # Keras's file loads into nnet's walk of the same architecture...
    weights_io.load_weights(model, theirs)
    for ours, reference in zip(values_of(model), keras_weights_in_nnet_order(keras_model)):
        np.testing.assert_array_equal(ours, reference)
    # ...and nnet writes the same groups, datasets, shapes and `name` attributes.
    ours_path = tmp_path / "nnet.weights.h5"
    randomize(model, seed=1)
    weights_io.save_weights(model, ours_path)
    assert h5_tree(ours_path) == h5_tree(theirs)
    # Keras reads nnet's file back.
    keras_model.load_weights(ours_path)
    for ours, reference in zip(values_of(model), keras_weights_in_nnet_order(keras_model)):
        np.testing.assert_array_equal(ours, reference)


def test_h5_paths_use_class_names_not_layer_names(tmp_path):
    pytest.importorskip("h5py")
    model = sequential()
    path = tmp_path / "m.weights.h5"
    weights_io.save_weights(model, path)
    tree = h5_tree(path)
    assert tree["layers/dense_1/vars"][1] == {"name": "out"}
    assert tree["layers/dense_1/vars/0"][0] == (8, 3)
    assert tree["layers/batch_normalization/vars/3"][0] == (3,)
    assert tree["vars"][1] == {"name": "sequential"}
    assert "layers/dropout/vars" in tree


@pytest.mark.parametrize("suffix", [".weights.npz", ".weights.h5"])
def test_shape_mismatch_names_the_weight_and_loads_nothing(tmp_path, suffix):
    pytest.importorskip("h5py")
    path = tmp_path / f"m{suffix}"
    weights_io.save_weights(sequential(), path)
    other = Sequential([Dense("dense", 4, 8), Dropout("dropout"), Dense("out", 8, 5),
                        BatchNormalization("batch_normalization", 3)])
    before = randomize(other)
    with pytest.raises(ValueError, match=r"'out/w0'.*\(8, 5\) in the model but \(8, 3\)"):
        weights_io.load_weights(other, path)
    for value, kept in zip(before, values_of(other)):
        np.testing.assert_array_equal(kept, value)
    # skip_mismatch loads everything else.
    with pytest.warns(UserWarning, match="Skipping"):
        weights_io.load_weights(other, path, skip_mismatch=True)
    assert np.all(values_of(other)[0] == 0) and np.all(values_of(other)[2] == before[2])


@pytest.mark.parametrize("suffix", [".weights.npz", ".weights.h5"])
def test_count_mismatch(tmp_path, suffix):
    pytest.importorskip("h5py")
    path = tmp_path / f"m{suffix}"
    small = Sequential([Dense("dense", 4, 8)])
    weights_io.save_weights(small, path)
    bigger = Sequential([Dense("dense", 4, 8), Dense("dense_1", 8, 2)])
    message = (r"the model's weight 2 'dense_1/w0' has no value" if suffix.endswith("npz")
               else r"layer 'dense_1' \(at 'layers/dense_1/vars'\).*expected 2 variables")
    with pytest.raises(ValueError, match=message):
        weights_io.load_weights(bigger, path)
    with pytest.warns(UserWarning, match="Skipping"):
        weights_io.load_weights(bigger, path, skip_mismatch=True)


def test_atomic_write_npz(tmp_path, monkeypatch):
    path = tmp_path / "m.weights.npz"
    model = sequential()
    weights_io.save_weights(model, path)
    old_bytes = path.read_bytes()

    def failing_savez(file, **arrays):
        file.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", failing_savez)
    randomize(model)
    with pytest.raises(OSError, match="disk full"):
        weights_io.save_weights(model, path)
    with pytest.raises(OSError, match="disk full"):
        weights_io.save_weights(model, tmp_path / "new.weights.npz")
    assert os.listdir(tmp_path) == ["m.weights.npz"]
    assert path.read_bytes() == old_bytes


def test_atomic_write_h5(tmp_path):
    pytest.importorskip("h5py")

    class Broken:
        name = "broken"
        shape = (2,)

        def numpy(self):
            raise RuntimeError("cannot read this weight")

    model = sequential()
    model.layers[2]._trainable_variables[1] = Broken()
    with pytest.raises(RuntimeError, match="cannot read"):
        weights_io.save_weights(model, tmp_path / "m.weights.h5")
    assert os.listdir(tmp_path) == []


def test_bad_suffix_and_missing_file(tmp_path):
    for bad in ("model.h5", "model.keras", "model.npz", "weights"):
        with pytest.raises(ValueError, match=rf"\['.weights.h5', '.weights.npz'\].*{bad}"):
            weights_io.save_weights(sequential(), tmp_path / bad)
        if bad != "model.h5":  # a legacy weights file, loaded when it exists
            with pytest.raises(ValueError, match=rf"filepath=.*{bad}"):
                weights_io.load_weights(sequential(), tmp_path / bad)
    for absent in ("absent.weights.npz", "absent.h5"):
        with pytest.raises(FileNotFoundError, match=absent):
            weights_io.load_weights(sequential(), tmp_path / absent)


def test_h5_without_h5py(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"pip install h5py.*\.weights\.npz"):
        weights_io.save_weights(sequential(), tmp_path / "m.weights.h5")
    assert os.listdir(tmp_path) == []


def test_npz_loading_never_unpickles(tmp_path):
    path = tmp_path / "evil.weights.npz"
    with open(path, "wb") as f:
        np.savez(f, **{"000_dense/w0": np.array([{"x": 1}], dtype=object)})
    with pytest.raises(ValueError, match="allow_pickle"):
        weights_io.load_weights(Sequential([Dense("dense", 1, 1)]), path)


def test_overwrite_false_asks(tmp_path, monkeypatch, capsys):
    path = tmp_path / "m.weights.npz"
    model = sequential()
    weights_io.save_weights(model, path)
    old = path.read_bytes()
    randomize(model)
    answers = iter(["maybe", "n"])
    monkeypatch.setattr(builtins, "input", lambda prompt: next(answers))
    weights_io.save_weights(model, path, overwrite=False)
    assert path.read_bytes() == old
    monkeypatch.setattr(builtins, "input", lambda prompt: "y")
    weights_io.save_weights(model, path, overwrite=False)
    assert path.read_bytes() != old
    assert "overwrite=True" in capsys.readouterr().out
