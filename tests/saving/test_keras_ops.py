"""`.keras` files whose functional graph applies ops to symbolic tensors, exchanged with Keras 3
in both directions: the ``NotEqual`` that a masking Embedding records, arithmetic, reductions,
shape ops, GetItem slicing, ops with several outputs or variadic inputs; files of nnet's earlier
form; and clear errors for ops nnet lacks and for classes that are not ops."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import json  # noqa: E402
import zipfile  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnet  # noqa: E402
from nnet.ops.keras_classes import keras_ops  # noqa: E402
from nnet.saving import LoadError, load_model  # noqa: E402

h5py = pytest.importorskip("h5py")

RNG = np.random.default_rng(0)
# Right-padded token ids: 0 is the padding that mask_zero masks.
IDS = np.array([[3, 1, 4, 1, 5, 0], [9, 2, 6, 0, 0, 0], [5, 3, 5, 8, 9, 7], [2, 0, 0, 0, 0, 0]],
               dtype="int32")
X = RNG.random((5, 3, 4), dtype=np.float32)
Y = RNG.random((5, 4), dtype=np.float32)


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


def read_config(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))


def write_config(path, config):
    """Rewrite the config.json of the `.keras` file at `path`."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def op_classes(config):
    return {layer["class_name"] for layer in config["config"]["layers"]
            if layer["module"].startswith("keras.src.ops.")}


def layer_classes(config):
    return {layer["name"]: (layer["module"], layer["class_name"])
            for layer in config["config"]["layers"]}


def as_list(outputs):
    return outputs if isinstance(outputs, list) else [outputs]


def assert_same_predictions(a, b, x):
    for u, v in zip(as_list(a.predict(x, verbose=0)), as_list(b.predict(x, verbose=0)),
                    strict=True):
        assert np.shape(u) == np.shape(v)
        np.testing.assert_allclose(np.asarray(u, "float64"), np.asarray(v, "float64"),
                                   rtol=1e-5, atol=1e-6)


def masked_lstm(lib, explicit_mask=False):
    """Embedding(mask_zero=True) -> LSTM -> Dense over sequences of any length."""
    ids = lib.Input((None,), dtype="int32", name="ids")
    embedded = lib.layers.Embedding(10, 4, mask_zero=True, name="embed")(ids)
    if explicit_mask:
        hidden = lib.layers.LSTM(5, name="lstm")(embedded, mask=lib.ops.not_equal(ids, 0))
    else:
        hidden = lib.layers.LSTM(5, name="lstm")(embedded)
    return lib.Model(ids, lib.layers.Dense(2, name="head")(hidden), name="masked")


def assert_mask_respected(model):
    """Each padded sequence gives what its unpadded prefix alone gives."""
    full = model.predict(IDS, verbose=0)
    for i, length in enumerate((IDS != 0).sum(axis=1)):
        alone = model.predict(IDS[i:i + 1, :length], verbose=0)
        np.testing.assert_allclose(full[i], alone[0], rtol=1e-5, atol=1e-6)
    unmasked = model.predict(np.where(IDS == 0, 1, IDS), verbose=0)
    assert not np.allclose(full, unmasked)  # the padding would change the result unmasked


def ops_graph(lib):
    """Two inputs through arithmetic, reductions, shape ops, slicing and several-output ops,
    written once for Keras and nnet (their ops share names and arguments)."""
    ops = lib.ops
    x, y = lib.Input((3, 4), name="x"), lib.Input((4,), name="y")
    z = ops.add(x, 1.0) * 2.0 - x / 4.0
    z = ops.where(z > 2.0, z, -z)
    row_means = ops.reshape(ops.expand_dims(ops.mean(z, axis=-1), 1), (-1, 3))
    gram = ops.matmul(x, ops.transpose(x, (0, 2, 1)))
    squeezed = ops.squeeze(ops.expand_dims(y, 1), axis=1)
    left, right = ops.split(x, 2, axis=-1)
    pairs = ops.einsum("bij,bkj->bik", left, right)
    padded = ops.pad(x, [[0, 0], [1, 0], [0, 0]])
    taken = ops.take(x, [0, 2], axis=1)
    dense = lib.layers.Dense(3, name="dense")(ops.concatenate([x[:, 0], squeezed], axis=-1))
    summary = ops.concatenate([
        x[:, 0], x[:, -1, 1:], row_means, ops.sum(gram, axis=(1, 2))[:, None],
        ops.max(pairs, axis=(1, 2))[:, None], ops.cast(ops.abs(y) > 0.5, "float32"),
        ops.nn.softmax(dense, axis=-1), ops.sqrt(ops.clip(y, 0.1, 0.9)),
    ], axis=-1)
    return lib.Model([x, y], [summary, x[:, 1:, ::2], x[..., None], padded, taken,
                              ops.stack([left, right], axis=1)], name="ops_graph")


def image_graph(lib):
    """Ops of Keras's nn and image modules."""
    ops = lib.ops
    x = lib.Input((8, 8, 3))
    return lib.Model(x, [
        ops.image.rgb_to_grayscale(ops.image.resize(x, (4, 4))), ops.max_pool(x, 2, 2),
        ops.image.extract_patches(x, (2, 2)), ops.relu6(ops.leaky_relu(x, 0.3) * 8.0),
        ops.one_hot(ops.argmax(x, axis=-1), 3),
    ])


def test_masked_embedding_lstm_saved_by_keras_loads_in_nnet(tmp_path, keras):
    model = masked_lstm(keras)
    model.save(tmp_path / "masked.keras")
    assert "NotEqual" in op_classes(read_config(tmp_path / "masked.keras"))
    loaded = load_model(tmp_path / "masked.keras")
    assert_same_predictions(model, loaded, IDS)
    assert_mask_respected(loaded)


@pytest.mark.parametrize("explicit_mask", [False, True], ids=["implicit", "explicit"])
def test_masked_embedding_lstm_saved_by_nnet_loads_in_keras(tmp_path, keras, explicit_mask):
    model = masked_lstm(nnet, explicit_mask)
    model.save(tmp_path / "masked.keras")
    if explicit_mask:
        assert op_classes(read_config(tmp_path / "masked.keras")) == {"NotEqual"}
    loaded = keras.saving.load_model(tmp_path / "masked.keras")
    assert_same_predictions(model, loaded, IDS)
    assert_mask_respected(model)


def test_ops_saved_by_keras_load_in_nnet(tmp_path, keras):
    model = ops_graph(keras)
    model.save(tmp_path / "ops.keras")
    classes = op_classes(read_config(tmp_path / "ops.keras"))
    assert {"Add", "Multiply", "TrueDivide", "Subtract", "Where", "Greater", "Mean", "ExpandDims",
            "Reshape", "Transpose", "Matmul", "Squeeze", "Split", "Einsum", "Pad", "Take",
            "GetItem", "Concatenate", "Sum", "Max", "Cast", "Absolute", "Softmax", "Sqrt",
            "Clip", "Stack"} <= classes
    loaded = load_model(tmp_path / "ops.keras")
    assert_same_predictions(model, loaded, [X, Y])
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    # And back: nnet's file of the loaded graph names the same class at each node (TrueDivide
    # loads as true_divide, Absolute as absolute) and loads in Keras with the same results.
    loaded.save(tmp_path / "again.keras")
    assert layer_classes(read_config(tmp_path / "again.keras")) == \
        layer_classes(read_config(tmp_path / "ops.keras"))
    assert_same_predictions(model, keras.saving.load_model(tmp_path / "again.keras"), [X, Y])


def test_ops_saved_by_nnet_load_in_keras(tmp_path, keras):
    model = ops_graph(nnet)
    model.save(tmp_path / "ops.keras")
    config = read_config(tmp_path / "ops.keras")
    assert "SymbolicOp" not in {layer["class_name"] for layer in config["config"]["layers"]}
    mean = next(layer for layer in config["config"]["layers"] if layer["class_name"] == "Mean")
    assert mean["module"] == "keras.src.ops.numpy"
    assert mean["registered_name"] == "Mean"
    assert {k: v for k, v in mean["config"].items() if k != "name"} == \
        {"axis": -1, "keepdims": False}
    assert_same_predictions(model, keras.saving.load_model(tmp_path / "ops.keras"), [X, Y])
    assert_same_predictions(model, load_model(tmp_path / "ops.keras"), [X, Y])


def test_getitem_keys_as_keras_writes_them(tmp_path, keras):
    x = keras.Input((3, 4))
    model = keras.Model(x, [x[:, 0], x[:, 1:, ::2], x[..., None], x[:, -1], x[:, None, 1],
                            x[1]])
    model.save(tmp_path / "slices.keras")
    nodes = [layer["inbound_nodes"][0]["args"][1]
             for layer in read_config(tmp_path / "slices.keras")["config"]["layers"]
             if layer["class_name"] == "GetItem"]
    assert nodes[0] == [{"class_name": "__slice__",
                         "config": {"start": None, "stop": None, "step": None}}, 0]
    loaded = load_model(tmp_path / "slices.keras")
    assert_same_predictions(model, loaded, X)
    loaded.save(tmp_path / "again.keras")
    assert_same_predictions(model, keras.saving.load_model(tmp_path / "again.keras"), X)


def test_an_op_keras_has_no_class_for_keeps_nnet_form(tmp_path):
    """mish, or relu with nnet's extra arguments, save in nnet's own form: nnet loads it."""
    x = nnet.Input((4,))
    model = nnet.Model(x, [nnet.ops.mish(x), nnet.ops.relu(x, negative_slope=0.1),
                           nnet.ops.relu(x)])
    model.save(tmp_path / "own.keras")
    layers = read_config(tmp_path / "own.keras")["config"]["layers"]
    assert [layer["class_name"] for layer in layers] == \
        ["InputLayer", "SymbolicOp", "SymbolicOp", "Relu"]
    assert_same_predictions(model, load_model(tmp_path / "own.keras"), Y)


def test_nnet_earlier_form_still_loads():
    """Configs that nnet wrote before it wrote Keras's op classes."""
    def tensor(name, shape):
        return {"class_name": "__keras_tensor__",
                "config": {"shape": shape, "dtype": "float32", "keras_history": [name, 0, 0]}}

    config = {"name": "earlier", "trainable": True, "input_layers": ["x", 0, 0],
              "output_layers": [["half", 0, 0], ["first", 0, 0]], "layers": [
                  {"module": "keras.layers", "class_name": "InputLayer", "name": "x",
                   "config": {"batch_shape": [None, 3, 4], "dtype": "float32", "name": "x"},
                   "registered_name": None, "inbound_nodes": []},
                  {"module": "keras.layers", "class_name": "SymbolicOp", "name": "half",
                   "config": {"name": "half", "function": "nnet.ops.math:multiply"},
                   "registered_name": None,
                   "inbound_nodes": [{"args": [tensor("x", [None, 3, 4]), 0.5], "kwargs": {}}]},
                  {"module": "keras.layers", "class_name": "SymbolicOp", "name": "first",
                   "config": {"name": "first", "function": "nnet.ops.shape:getitem"},
                   "registered_name": None,
                   "inbound_nodes": [{"args": [tensor("x", [None, 3, 4]), {"__tuple__": [
                       {"__slice__": [None, None, None]}, {"__ellipsis__": True}, 0]}],
                       "kwargs": {}}]},
              ]}
    model = nnet.Model.from_config(json.loads(json.dumps(config)))
    half, first = model.predict(X, verbose=0)
    np.testing.assert_allclose(half, X * 0.5)
    np.testing.assert_allclose(first, X[:, ..., 0])


@pytest.fixture
def keras_file(tmp_path, keras):
    """A Keras file whose graph holds a NotEqual, a Mean and a GetItem."""
    x = keras.Input((3, 4))
    model = keras.Model(x, [keras.ops.not_equal(x, 0.0), keras.ops.mean(x, axis=-1), x[:, 0]])
    model.save(tmp_path / "ops.keras")
    return tmp_path / "ops.keras"


def edit_op(path, op_class, **changes):
    config = read_config(path)
    layer = next(layer for layer in config["config"]["layers"]
                 if layer["class_name"] == op_class)
    for key, value in changes.items():
        if key == "config":
            layer["config"].update(value)
        else:
            layer[key] = value
    write_config(path, config)


def test_an_op_nnet_lacks_is_named_as_not_supported_yet(keras_file):
    lacking = next(op for op in keras_ops().values()
                   if op.function() is None and op.module == "keras.src.ops.numpy")
    edit_op(keras_file, "NotEqual", class_name=lacking.class_name,
            registered_name=lacking.class_name)
    with pytest.raises(LoadError, match=f"Keras's op '{lacking.class_name}'.*"
                                        f"nnet does not support yet.*no "
                                        f"{lacking.function_names[0]}"):
        load_model(keras_file)


@pytest.mark.parametrize("module, class_name", [
    ("keras.src.ops.numpy", "Operation"), ("keras.src.ops.numpy", "np"),
    ("keras.src.ops.core", "system"), ("keras.src.ops.image", "Dense"),
])
def test_a_class_that_is_no_keras_op_is_refused(keras_file, module, class_name):
    edit_op(keras_file, "Mean", module=module, class_name=class_name, registered_name=class_name)
    with pytest.raises(LoadError, match=f"names '{class_name}' from '{module}'.*not one of "
                                        "Keras's op classes"):
        load_model(keras_file)


def test_a_module_outside_keras_ops_goes_through_the_layer_lookup(keras_file):
    edit_op(keras_file, "Mean", module="os", class_name="system", registered_name="system")
    with pytest.raises(LoadError, match="Unknown layer identifier: layer='system'"):
        load_model(keras_file)


def test_an_argument_the_op_does_not_take_is_refused(keras_file):
    edit_op(keras_file, "Mean", config={"out": "x"})
    with pytest.raises(LoadError, match=r"'Mean'.*holds \['out'\].*\['axis', 'keepdims'\]"):
        load_model(keras_file)


@pytest.mark.parametrize("saver", ["keras", "nnet"])
def test_nn_and_image_ops_move_both_ways(tmp_path, keras, saver):
    images = RNG.random((2, 8, 8, 3), dtype=np.float32)
    model = image_graph(keras if saver == "keras" else nnet)
    model.save(tmp_path / "image.keras")
    assert {"RGBToGrayscale", "Resize", "MaxPool", "ExtractPatches", "Relu6", "LeakyRelu",
            "OneHot", "Argmax"} <= op_classes(read_config(tmp_path / "image.keras"))
    load = keras.saving.load_model if saver == "nnet" else load_model
    assert_same_predictions(model, load(tmp_path / "image.keras"), images)
