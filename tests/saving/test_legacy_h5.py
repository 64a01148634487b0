"""Legacy HDF5 model files (`nnet.saving.legacy_h5`): files written by Keras 3's
``model.save("x.h5")`` and Keras 2-style files written here with h5py load and predict the same;
nnet's ``.h5`` files load in Keras 3; `load_weights` by order, by name and with skip_mismatch;
bytecode Lambdas refused in safe mode; bad files and failed loads change nothing."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import base64  # noqa: E402
import json  # noqa: E402
import marshal  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnet  # noqa: E402
from nnet.saving import load_model  # noqa: E402

h5py = pytest.importorskip("h5py")

RNG = np.random.default_rng(7)
X = RNG.random((16, 4), dtype=np.float32)
XA = RNG.random((16, 3), dtype=np.float32)
XB = RNG.random((16, 2), dtype=np.float32)
Y = RNG.random((16, 2), dtype=np.float32)


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


def keras_sequential(keras, compiled):
    L = keras.layers
    model = keras.Sequential([
        keras.Input((4,)),
        L.Dense(5, activation="relu", kernel_regularizer="l2", name="hidden"),
        L.BatchNormalization(name="bn"), L.Dropout(0.3, name="drop"),
        L.Dense(2, name="out"),
    ], name="seq")
    if compiled:
        model.compile(optimizer="adam", loss=keras.losses.MeanSquaredError(),
                      metrics=[keras.metrics.MeanAbsoluteError()])
        model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    else:
        # Moving statistics away from 0 and 1, so that loading them matters.
        model.layers[1].moving_mean.assign(RNG.random(5).astype("float32"))
        model.layers[1].moving_variance.assign(RNG.random(5).astype("float32") + 0.5)
    return model


def keras_functional(keras):
    L = keras.layers
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    h = L.Dense(4, activation="tanh", name="da")(a)
    out = L.Dense(1, name="out")(L.Concatenate(name="cat")([h, b]))
    return keras.Model([a, b], out, name="two_inputs")


def predict(model, x):
    return np.asarray(model.predict(x, verbose=0))


@pytest.mark.parametrize("compiled", [False, True])
def test_keras3_sequential_h5_loads_and_predicts_the_same(keras, tmp_path, compiled):
    path = str(tmp_path / "seq.h5")
    original = keras_sequential(keras, compiled)
    original.save(path)
    model = load_model(path)
    assert [layer.name for layer in model.layers] == ["hidden", "bn", "drop", "out"]
    np.testing.assert_allclose(predict(model, X), predict(original, X), rtol=1e-5, atol=1e-6)
    assert model.compiled is compiled
    if compiled:
        saved = [np.asarray(v.value) for v in original.optimizer.variables]
        restored = [v.numpy() for v in model.optimizer.variables]
        assert int(restored[0]) == 4 and len(restored) == len(saved)
        for a, b in zip(restored, saved):
            np.testing.assert_array_equal(a, b)
        # Training resumes from the restored state.
        model.fit(X, Y, epochs=1, batch_size=8, verbose=0)
        assert int(model.optimizer.iterations.numpy()) == 6


def test_keras3_functional_multi_input_h5_loads_and_predicts_the_same(keras, tmp_path):
    path = str(tmp_path / "fun.h5")
    original = keras_functional(keras)
    original.save(path)
    model = load_model(path)
    assert model.name == "two_inputs" and not model.compiled
    np.testing.assert_allclose(predict(model, [XA, XB]), predict(original, [XA, XB]),
                               rtol=1e-5, atol=1e-6)


def _names(values):
    return np.array([v.encode() for v in values], dtype=bytes) if values \
        else np.array([], dtype=float)


def _layer_config(class_name, name, **config):
    return {"class_name": class_name, "config": {"name": name, "trainable": True,
                                                 "dtype": "float32", **config}}


def write_keras2_file(path, model_config, layer_weights, training_config=None,
                      weights_at_root=False):
    """A file in the layout Keras 2.15 / tf.keras wrote: ``model_weights/<layer>/<layer>/
    <weight>:0`` datasets listed by ``layer_names`` and ``weight_names`` attributes."""
    with h5py.File(path, "w") as f:
        if not weights_at_root:
            f.attrs["keras_version"] = "2.15.0"
            f.attrs["backend"] = "tensorflow"
            f.attrs["model_config"] = json.dumps(model_config).encode()
            if training_config is not None:
                f.attrs["training_config"] = json.dumps(training_config).encode()
        group = f if weights_at_root else f.create_group("model_weights")
        group.attrs["layer_names"] = _names([name for name, _ in layer_weights])
        group.attrs["backend"] = b"tensorflow"
        group.attrs["keras_version"] = b"2.15.0"
        for name, weights in layer_weights:
            layer_group = group.create_group(name)
            names = [f"{name}/{weight}:0" for weight, _ in weights]
            layer_group.attrs["weight_names"] = _names(names)
            for weight_name, (_, value) in zip(names, weights):
                layer_group.create_dataset(weight_name, data=value)


def keras2_sequential(tmp_path, training_config=None):
    """A Keras 2 Sequential (batch_input_shape on the first layer, old-style configs) and the
    NumPy function that computes what it predicted."""
    w1, b1 = RNG.normal(size=(4, 5)).astype("f"), RNG.normal(size=5).astype("f")
    gamma, beta = RNG.random(5).astype("f") + 0.5, RNG.normal(size=5).astype("f")
    mean, var = RNG.normal(size=5).astype("f"), RNG.random(5).astype("f") + 0.5
    w2, b2 = RNG.normal(size=(5, 2)).astype("f"), RNG.normal(size=2).astype("f")
    glorot = {"class_name": "VarianceScaling",
              "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform",
                         "seed": None}}
    zeros = {"class_name": "Zeros", "config": {}}
    ones = {"class_name": "Ones", "config": {}}
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        _layer_config("Dense", "dense", batch_input_shape=[None, 4], units=5,
                      activation="relu", use_bias=True, kernel_initializer=glorot,
                      bias_initializer=zeros,
                      kernel_regularizer={"class_name": "L1L2",
                                          "config": {"l1": 0.0, "l2": 0.01}},
                      bias_regularizer=None, activity_regularizer=None,
                      kernel_constraint={"class_name": "MaxNorm",
                                         "config": {"max_value": 3, "axis": 0}},
                      bias_constraint=None),
        _layer_config("BatchNormalization", "batch_normalization", axis=[1], momentum=0.99,
                      epsilon=0.001, center=True, scale=True, beta_initializer=zeros,
                      gamma_initializer=ones, moving_mean_initializer=zeros,
                      moving_variance_initializer=ones, beta_regularizer=None,
                      gamma_regularizer=None, beta_constraint=None, gamma_constraint=None),
        _layer_config("Dropout", "dropout", rate=0.5, noise_shape=None, seed=None),
        _layer_config("Dense", "dense_1", units=2, activation="linear", use_bias=True,
                      kernel_initializer=glorot, bias_initializer=zeros,
                      kernel_regularizer=None, bias_regularizer=None,
                      activity_regularizer=None, kernel_constraint=None,
                      bias_constraint=None),
    ]}}
    path = str(tmp_path / "keras2.h5")
    write_keras2_file(path, config, [
        ("dense", [("kernel", w1), ("bias", b1)]),
        ("batch_normalization", [("gamma", gamma), ("beta", beta),
                                 ("moving_mean", mean), ("moving_variance", var)]),
        ("dropout", []),
        ("dense_1", [("kernel", w2), ("bias", b2)]),
    ], training_config)

    def reference(x):
        h = np.maximum(x @ w1 + b1, 0)
        h = gamma * (h - mean) / np.sqrt(var + 0.001) + beta
        return h @ w2 + b2

    return path, reference


def test_keras2_sequential_file_loads_and_predicts_as_keras2_did(tmp_path):
    training_config = {
        "loss": "mean_squared_error", "metrics": ["mae"], "weighted_metrics": None,
        "loss_weights": None,
        "optimizer_config": {"class_name": "Adam", "config": {
            "name": "Adam", "learning_rate": 0.002, "decay": 0.0, "beta_1": 0.9,
            "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False, "jit_compile": True,
            "is_legacy_optimizer": False}},
    }
    path, reference = keras2_sequential(tmp_path, training_config)
    model = load_model(path)
    assert [layer.name for layer in model.layers] == \
        ["dense", "batch_normalization", "dropout", "dense_1"]
    assert model.input_shape == (None, 4)
    dense, bn = model.layers[0], model.layers[1]
    assert isinstance(dense.kernel_regularizer, nnet.regularizers.L1L2)
    assert isinstance(dense.kernel_constraint, nnet.constraints.MaxNorm)
    assert bn.axis == 1
    np.testing.assert_allclose(predict(model, X), reference(X), rtol=1e-5, atol=1e-5)
    assert model.compiled
    assert isinstance(model.optimizer, nnet.optimizers.Adam)
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 0.002, rtol=1e-6)


def test_keras2_functional_file_with_model_class_name_and_node_lists(tmp_path):
    wa, ba = RNG.normal(size=(3, 4)).astype("f"), RNG.normal(size=4).astype("f")
    wo, bo = RNG.normal(size=(6, 1)).astype("f"), RNG.normal(size=1).astype("f")

    def layer(class_name, name, inbound, **config):
        entry = _layer_config(class_name, name, **config)
        entry["name"] = name
        entry["inbound_nodes"] = [[[n, 0, 0, {}] for n in inbound]] if inbound else []
        return entry

    config = {"class_name": "Model", "config": {"name": "model", "layers": [
        layer("InputLayer", "input_1", [], batch_input_shape=[None, 3], sparse=False,
              ragged=False),
        layer("Dense", "dense", ["input_1"], units=4, activation="tanh"),
        layer("InputLayer", "input_2", [], batch_input_shape=[None, 2], sparse=False,
              ragged=False),
        layer("Concatenate", "concatenate", ["dense", "input_2"], axis=-1),
        layer("Dense", "dense_1", ["concatenate"], units=1),
    ], "input_layers": [["input_1", 0, 0], ["input_2", 0, 0]],
        "output_layers": [["dense_1", 0, 0]]}}
    path = str(tmp_path / "keras2_functional.h5")
    write_keras2_file(path, config, [
        ("input_1", []), ("dense", [("kernel", wa), ("bias", ba)]), ("input_2", []),
        ("concatenate", []), ("dense_1", [("kernel", wo), ("bias", bo)]),
    ])
    model = load_model(path)
    expected = np.concatenate([np.tanh(XA @ wa + ba), XB], axis=1) @ wo + bo
    # Keras 2 gave one array for a model whose output_layers list one output.
    np.testing.assert_allclose(predict(model, [XA, XB]), expected, rtol=1e-5, atol=1e-5)


def test_nnet_h5_loads_in_keras_and_predicts_the_same(keras, tmp_path):
    model = nnet.Sequential([
        nnet.Input((4,)), nnet.layers.Dense(5, activation="relu", name="hidden"),
        nnet.layers.BatchNormalization(name="bn"), nnet.layers.Dropout(0.3, name="drop"),
        nnet.layers.Dense(2, name="out"),
    ], name="seq")
    model.compile(optimizer="adam", loss=nnet.losses.MeanSquaredError())
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    path = str(tmp_path / "nnet.h5")
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(predict(restored, X), predict(model, X), rtol=1e-5, atol=1e-6)
    # Keras compiles from the training config. (It cannot put the optimizer state back: it
    # builds the optimizer for the model's own variables only, then warns.)
    assert type(restored.optimizer).__name__ == "Adam"
    assert type(restored.loss).__name__ == "MeanSquaredError"
    # nnet restores the optimizer state, so training resumes where it stopped.
    again = load_model(path)
    for a, b in zip(again.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # Keras's own loader of legacy weights reads the same layout.
    twin = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="relu"),
                             keras.layers.BatchNormalization(), keras.layers.Dropout(0.3),
                             keras.layers.Dense(2)])
    twin.load_weights(path)
    np.testing.assert_allclose(predict(twin, X), predict(model, X), rtol=1e-5, atol=1e-6)


def test_nnet_functional_h5_round_trip_and_in_keras(keras, tmp_path):
    a, b = nnet.Input((3,), name="a"), nnet.Input((2,), name="b")
    h = nnet.layers.Dense(4, activation="tanh", name="da")(a)
    out = nnet.layers.Dense(1, name="out")(nnet.layers.Concatenate(name="cat")([h, b]))
    model = nnet.Model([a, b], out, name="two_inputs")
    path = str(tmp_path / "fun.hdf5")
    model.save(path)
    expected = predict(model, [XA, XB])
    np.testing.assert_array_equal(predict(load_model(path), [XA, XB]), expected)
    np.testing.assert_allclose(predict(keras.models.load_model(path), [XA, XB]), expected,
                               rtol=1e-5, atol=1e-6)


def nnet_model(units=5, names=("hidden", "bn", "out")):
    return nnet.Sequential([
        nnet.Input((4,)), nnet.layers.Dense(units, activation="relu", name=names[0]),
        nnet.layers.BatchNormalization(name=names[1]), nnet.layers.Dense(2, name=names[2]),
    ])


def snapshot(model):
    return [w.numpy().copy() for w in model.weights]


def test_load_weights_by_order_from_keras3_file(keras, tmp_path):
    path = str(tmp_path / "seq.h5")
    original = keras_sequential(keras, compiled=False)
    original.save(path)
    # Other layer names: topological loading matches layers by position.
    model = nnet.Sequential([
        nnet.Input((4,)), nnet.layers.Dense(5, activation="relu", name="a"),
        nnet.layers.BatchNormalization(name="b"), nnet.layers.Dropout(0.3, name="c"),
        nnet.layers.Dense(2, name="d"),
    ])
    model.load_weights(path)
    np.testing.assert_allclose(predict(model, X), predict(original, X), rtol=1e-5, atol=1e-6)


def test_load_weights_from_keras2_weights_file(tmp_path):
    weights = {"dense": [("kernel", RNG.normal(size=(4, 5)).astype("f")),
                         ("bias", RNG.normal(size=5).astype("f"))],
               "dense_1": [("kernel", RNG.normal(size=(5, 2)).astype("f")),
                           ("bias", RNG.normal(size=2).astype("f"))]}
    path = str(tmp_path / "weights.h5")
    write_keras2_file(path, None, list(weights.items()), weights_at_root=True)
    model = nnet.Sequential([nnet.Input((4,)), nnet.layers.Dense(5),
                             nnet.layers.Dense(2)])
    model.load_weights(path)
    for layer, name in zip(model.layers, weights):
        np.testing.assert_array_equal(layer.kernel.numpy(), weights[name][0][1])
        np.testing.assert_array_equal(layer.bias.numpy(), weights[name][1][1])
    with pytest.raises(ValueError, match="holds weights only"):
        load_model(path)


def test_load_weights_by_name(tmp_path):
    source = nnet_model()
    path = str(tmp_path / "source.h5")
    source.save(path)
    # Same names in another order, plus a layer the file does not know.
    target = nnet.Sequential([
        nnet.Input((4,)), nnet.layers.Dense(5, activation="relu", name="hidden"),
        nnet.layers.Dense(5, name="extra"), nnet.layers.BatchNormalization(name="bn"),
        nnet.layers.Dense(2, name="out"),
    ])
    extra = target.get_layer("extra").kernel.numpy().copy()
    with pytest.raises(ValueError, match="layers with weights"):
        target.load_weights(path)
    target.load_weights(path, by_name=True)
    for name in ("hidden", "bn", "out"):
        for got, want in zip(target.get_layer(name).weights, source.get_layer(name).weights):
            np.testing.assert_array_equal(got.numpy(), want.numpy())
    np.testing.assert_array_equal(target.get_layer("extra").kernel.numpy(), extra)


def test_load_weights_skip_mismatch_and_failed_load_changes_nothing(tmp_path):
    source = nnet_model()
    path = str(tmp_path / "source.h5")
    source.save(path)
    target = nnet_model(units=6)
    before = snapshot(target)
    with pytest.raises(ValueError,
                       match=r"Shape mismatch.*'sequential(_\d+)?/hidden/kernel'.*\(4, 6\)"):
        target.load_weights(path)
    for got, want in zip(snapshot(target), before):
        np.testing.assert_array_equal(got, want)
    with pytest.warns(UserWarning, match="Skipping loading weights"):
        target.load_weights(path, skip_mismatch=True)
    # The hidden layer and the batch normalization (5 -> 6 features) are skipped.
    for got, want in zip(snapshot(target)[:6], before[:6]):
        np.testing.assert_array_equal(got, want)
    # The output layer: its kernel (6, 2) is skipped, its bias (2,) loaded.
    np.testing.assert_array_equal(target.layers[2].kernel.numpy(), before[6])
    np.testing.assert_array_equal(target.layers[2].bias.numpy(), source.layers[2].bias.numpy())
    with pytest.raises(ValueError, match="by_name=True only applies to legacy"):
        target.load_weights(str(tmp_path / "w.weights.h5"), by_name=True)


def keras2_lambda_file(tmp_path):
    code = base64.encodebytes(marshal.dumps((lambda x: x * 2.0 + 1.0).__code__)).decode()
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3],
                                                "dtype": "float32", "name": "input_1"}},
        _layer_config("Lambda", "lambda", function=[code, None, None],
                      function_type="lambda", module="__main__", output_shape=None,
                      output_shape_type="raw", output_shape_module=None, arguments={}),
    ]}}
    path = str(tmp_path / "lambda.h5")
    write_keras2_file(path, config, [("lambda", [])])
    return path


def test_bytecode_lambda_refused_in_safe_mode(tmp_path):
    path = keras2_lambda_file(tmp_path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        load_model(path)
    model = load_model(path, safe_mode=False)
    x = XA
    np.testing.assert_allclose(predict(model, x), x * 2.0 + 1.0, rtol=1e-6)


def test_bad_files_raise_clear_errors(tmp_path):
    path = str(tmp_path / "model.h5")
    saved = nnet_model()
    saved.save(path)
    with open(path, "rb") as f:
        data = f.read()
    truncated = str(tmp_path / "truncated.h5")
    with open(truncated, "wb") as f:
        f.write(data[: len(data) // 3])
    with pytest.raises(ValueError, match="not a readable HDF5 file"):
        load_model(truncated)
    bogus = str(tmp_path / "bogus.h5")
    with h5py.File(bogus, "w") as f:
        f.create_dataset("x", data=np.zeros(3))
    model = nnet_model()
    before = snapshot(model)
    with pytest.raises(ValueError, match="no 'layer_names' attribute"):
        model.load_weights(bogus)
    with h5py.File(path, "r+") as f:
        # As in Keras, a weight is stored under its path: the model's name, then the layer's.
        del f[f"model_weights/out/{saved.name}/out/bias"]
    with pytest.raises(ValueError, match=f"'{saved.name}/out/bias' listed in '/model_weights/out' "
                                         "is missing"):
        model.load_weights(path)
    for got, want in zip(snapshot(model), before):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match=r"must end in one of \['.weights.h5'"):
        model.save_weights(str(tmp_path / "w.h5"))


def test_files_that_are_not_self_contained_or_declare_huge_weights_are_refused(tmp_path):
    path = str(tmp_path / "model.h5")
    saved = nnet_model()
    saved.save(path)
    linked = str(tmp_path / "linked.h5")
    with open(path, "rb") as src, open(linked, "wb") as dst:
        dst.write(src.read())
    with h5py.File(linked, "r+") as f:
        f["model_weights/extra"] = h5py.ExternalLink("/etc/hosts", "/data")
    with pytest.raises(ValueError, match="ExternalLink.*self-contained"):
        load_model(linked)
    with h5py.File(path, "r+") as f:
        group = f["model_weights/out"]
        del group[f"{saved.name}/out/kernel"]
        # Declares 8 TB and stores nothing: refused from its header, never allocated.
        group.create_dataset(f"{saved.name}/out/kernel", shape=(10**6, 2 * 10**6), dtype="f4",
                             chunks=(1, 1024))
    model = nnet_model()
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"/out/kernel' has shape \(1000000, 2000000\)"):
        model.load_weights(path)
    with pytest.raises(ValueError, match=r"\(1000000, 2000000\)"):
        load_model(path)
    for got, want in zip(snapshot(model), before):
        np.testing.assert_array_equal(got, want)
