"""Functional models: graph building, shape inference, shared layers, configs, multi-output
training, and the errors raised before any training."""

import json
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

import nnet  # noqa: E402
from nnet.autodiff import Tensor, backward  # noqa: E402


def _two_tower(lib):
    pixels = lib.Input(shape=(64,), name="pixels")
    hint = lib.Input(shape=(4,), name="hint")
    z = lib.layers.Concatenate(name="concatenate")([
        lib.layers.Dense(64, activation="relu", name="dense")(pixels),
        lib.layers.Dense(8, activation="relu", name="dense_1")(hint),
    ])
    digit = lib.layers.Dense(10, activation="softmax", name="digit")(z)
    big = lib.layers.Dense(1, activation="sigmoid", name="big")(z)
    return lib.Model(inputs=[pixels, hint], outputs=[digit, big])


def _compile(model):
    model.compile(optimizer="adam",
                  loss={"digit": "sparse_categorical_crossentropy", "big": "binary_crossentropy"},
                  loss_weights={"digit": 1.0, "big": 0.5},
                  metrics={"digit": ["accuracy"], "big": ["accuracy"]})


def _digits():
    datasets = pytest.importorskip("sklearn.datasets")
    data = datasets.load_digits()
    # Shuffled once: the set is ordered by writer, so its tail is not a fair test split.
    order = np.random.default_rng(0).permutation(len(data.target))
    x = data.data[order] / 16.0
    y = data.target[order]
    return x, np.eye(4)[y % 4], y, (y >= 5).astype("float32")


def test_symbolic_shapes_without_running_data():
    x = nnet.Input(shape=(6,), name="x")
    h = nnet.layers.Dense(3)(x)
    assert h.shape == (None, 3) and h.dtype == "float32"
    assert nnet.layers.Reshape((3, 1))(h).shape == (None, 3, 1)


def test_multi_output_training_on_digits_reaches_95_percent_on_the_digit_head():
    nnet.utils.set_random_seed(0)
    x, hint, y, y_big = _digits()
    cut = 1400
    model = _two_tower(nnet)
    _compile(model)
    history = model.fit({"pixels": x[:cut], "hint": hint[:cut]}, {"digit": y[:cut],
                        "big": y_big[:cut]}, epochs=20, batch_size=32, verbose=0)
    assert list(history.history) == ["big_accuracy", "big_loss", "digit_accuracy", "digit_loss",
                                     "loss"]
    result = model.evaluate([x[cut:], hint[cut:]], [y[cut:], y_big[cut:]], verbose=0,
                            return_dict=True)
    assert result["digit_accuracy"] >= 0.95, result


def test_multi_output_logs_and_structures_match_keras():
    keras = pytest.importorskip("keras")
    x, hint, y, y_big = _digits()
    ours, theirs = _two_tower(nnet), _two_tower(keras)
    ours.set_weights(theirs.get_weights())
    for model in (ours, theirs):
        _compile(model)
    data = ({"pixels": x[:256], "hint": hint[:256]}, {"digit": y[:256], "big": y_big[:256]})
    h_ours = ours.fit(*data, epochs=2, batch_size=64, shuffle=False, verbose=0).history
    h_theirs = theirs.fit(*data, epochs=2, batch_size=64, shuffle=False, verbose=0).history
    assert list(h_ours) == list(h_theirs)
    for key in h_theirs:
        np.testing.assert_allclose(h_ours[key], h_theirs[key], rtol=2e-4, err_msg=key)
    e_ours, e_theirs = ours.evaluate(*data, verbose=0), theirs.evaluate(*data, verbose=0)
    np.testing.assert_allclose(e_ours, e_theirs, rtol=1e-4)
    p_ours, p_theirs = ours.predict(data[0], verbose=0), theirs.predict(data[0], verbose=0)
    assert type(p_ours) is type(p_theirs) and len(p_ours) == 2
    for a, b in zip(p_ours, p_theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert ours.output_names == theirs.output_names == ["digit", "big"]


def test_config_matches_keras_and_round_trips():
    keras = pytest.importorskip("keras")
    ours, theirs = _two_tower(nnet), _two_tower(keras)
    # Compared as JSON, the form in which configs are stored.
    a, b = (json.loads(json.dumps(m.get_config())) for m in (ours, theirs))
    assert a["input_layers"] == b["input_layers"] and a["output_layers"] == b["output_layers"]
    assert [layer["name"] for layer in a["layers"]] == [layer["name"] for layer in b["layers"]]
    for la, lb in zip(a["layers"], b["layers"]):
        assert la["class_name"] == lb["class_name"]
        assert la["inbound_nodes"] == lb["inbound_nodes"], la["name"]
    clone = nnet.Model.from_config(a)
    clone.set_weights(ours.get_weights())
    x = [np.random.default_rng(0).random((3, 64)), np.ones((3, 4))]
    for p, q in zip(clone.predict(x, verbose=0), ours.predict(x, verbose=0)):
        np.testing.assert_allclose(p, q, rtol=1e-6)
    # Keras's own config loads in nnet too.
    from_keras = nnet.Model.from_config(b)
    assert [layer.name for layer in from_keras.layers] == [layer.name for layer in ours.layers]


def test_shared_layer_gets_gradient_from_every_call_site():
    shared = nnet.layers.Dense(3, activation="tanh", dtype="float64")
    a, b = nnet.Input((4,), dtype="float64"), nnet.Input((4,), dtype="float64")
    model = nnet.Model([a, b], nnet.layers.Add(dtype="float64")([shared(a), shared(b)]))
    xa, xb = np.random.default_rng(1).normal(size=(2, 5, 4))
    kernel = shared.kernel
    kernel.grad = None
    backward(nnet.ops.sum(model([xa, xb])))
    analytic = kernel.grad

    def loss_at(value):
        saved = kernel.numpy().copy()
        kernel.assign(value)
        with nnet.no_grad():
            result = float(nnet.ops.sum(model([xa, xb])).numpy())
        kernel.assign(saved)
        return result

    eps, direction = 1e-6, np.random.default_rng(2).normal(size=kernel.shape)
    numerical = (loss_at(kernel.numpy() + eps * direction)
                 - loss_at(kernel.numpy() - eps * direction)) / (2 * eps)
    np.testing.assert_allclose((analytic * direction).sum(), numerical, rtol=1e-7)
    # Each call site contributes: the total is the sum of the single-site gradients.
    one_site = nnet.Model(a, shared(a))
    grads = []
    for x in (xa, xb):
        kernel.grad = None
        backward(nnet.ops.sum(one_site(Tensor(x))))
        grads.append(kernel.grad)
    np.testing.assert_allclose(analytic, grads[0] + grads[1], rtol=1e-12)


def test_intermediate_output_model_for_feature_extraction():
    model = nnet.Sequential([nnet.Input((5,)), nnet.layers.Dense(4, activation="relu"),
                             nnet.layers.Dense(3, activation="relu"), nnet.layers.Dense(1)])
    features = nnet.Model(model.input, model.layers[1].output)
    x = np.random.default_rng(2).normal(size=(6, 5))
    expected = np.maximum(np.maximum(x @ model.layers[0].kernel.numpy(), 0)
                          @ model.layers[1].kernel.numpy(), 0)
    np.testing.assert_allclose(features.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    names = [layer.name for layer in features.layers]
    assert names[1:] == [layer.name for layer in model.layers][:2]


def test_models_nest_as_layers():
    inner = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(2)], name="inner")
    x = nnet.Input((3,))
    outer = nnet.Model(x, nnet.layers.Dense(1)(inner(x)))
    assert outer.count_params() == 3 * 2 + 2 + 2 + 1
    outer.compile(optimizer="sgd", loss="mse")
    outer.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)
    config = outer.get_config()
    clone = nnet.Model.from_config(config)
    clone.set_weights(outer.get_weights())
    np.testing.assert_allclose(clone.predict(np.ones((2, 3)), verbose=0),
                               outer.predict(np.ones((2, 3)), verbose=0), rtol=1e-6)


def test_dict_inputs_and_outputs():
    a, b = nnet.Input((2,), name="a"), nnet.Input((3,), name="b")
    out = nnet.layers.Dense(1, name="out")(nnet.layers.Concatenate()([a, b]))
    model = nnet.Model({"a": a, "b": b}, {"score": out})
    model.compile(optimizer="sgd", loss={"score": "mse"})
    history = model.fit({"a": np.ones((8, 2)), "b": np.ones((8, 3))}, {"score": np.ones((8, 1))},
                        epochs=2, verbose=0)
    assert list(history.history) == ["loss"]
    prediction = model.predict({"a": np.ones((2, 2)), "b": np.ones((2, 3))}, verbose=0)
    assert set(prediction) == {"score"} and prediction["score"].shape == (2, 1)


def test_graph_disconnected():
    a, b = nnet.Input((2,), name="a"), nnet.Input((2,), name="b")
    out = nnet.layers.Add()([a, b])
    with pytest.raises(ValueError, match=r"Graph disconnected.*'b'.*inputs="):
        nnet.Model(a, out)


def test_wrong_input_name_or_shape():
    model = _two_tower(nnet)
    with pytest.raises(ValueError, match=r"Missing data for input\(s\) \['hint'\]"):
        model.predict({"pixels": np.ones((2, 64)), "hints": np.ones((2, 4))}, verbose=0)
    with pytest.raises(ValueError, match=r"Input 'hint' expects data of shape \(None, 4\).*"
                                         r"\(2, 5\)"):
        model.predict([np.ones((2, 64)), np.ones((2, 5))], verbose=0)


def test_unknown_output_name_in_loss_dict():
    model = _two_tower(nnet)
    model.compile(optimizer="adam", loss={"digits": "mse", "big": "binary_crossentropy"})
    x, hint, y, y_big = _digits()
    with pytest.raises(ValueError, match=r"\['digits'\].*not outputs.*\['digit', 'big'\]"):
        model.fit([x[:8], hint[:8]], [y[:8], y_big[:8]], verbose=0)


def test_layer_called_on_incompatible_shape_names_the_layer():
    x = nnet.Input((4,))
    dense = nnet.layers.Dense(2, name="proj")
    dense(x)
    with pytest.raises(ValueError, match=r'layer "proj".*value 4.*\(None, 5\)'):
        dense(nnet.Input((5,)))


def test_operators_and_ops_on_symbolic_tensors_build_the_graph():
    a, b = nnet.Input((3,), name="a"), nnet.Input((3,), name="b")
    h = nnet.layers.Dense(3, name="h")(a)
    mixed = (h * 2.0 + b) / 4.0 - nnet.ops.exp(b)
    out = nnet.ops.concatenate([mixed[:, :2], nnet.ops.sum(b, axis=1, keepdims=True)], axis=-1)
    model = nnet.Model([a, b], out)
    assert out.shape == (None, 3)
    xa, xb = np.random.default_rng(3).normal(size=(2, 4, 3)).astype("float32")
    kernel, bias = (w.numpy() for w in model.get_layer("h").weights)
    hx = xa @ kernel + bias
    expected = np.concatenate([((hx * 2 + xb) / 4 - np.exp(xb))[:, :2],
                               xb.sum(1, keepdims=True)], axis=-1)
    np.testing.assert_allclose(model.predict([xa, xb], verbose=0), expected, rtol=1e-5)
    clone = nnet.Model.from_config(json.loads(json.dumps(model.get_config())))
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict([xa, xb], verbose=0), expected, rtol=1e-5)
    model.compile(optimizer="sgd", loss="mse")
    model.fit([xa, xb], expected, epochs=1, verbose=0)


def test_saved_ops_resolve_only_against_the_table_of_nnet_ops_functions():
    from nnet.autodiff.symbolic import SymbolicOp

    for name in ("os:system", "nnet.ops.fused:__setattr__", "nnet.ops.math:np"):
        with pytest.raises(ValueError, match="Unknown op function"):
            SymbolicOp(name)
    # An op that Keras has no class for (mish) saves in nnet's own form.
    x = nnet.Input((3,))
    config = nnet.Model(x, nnet.ops.mish(x)).get_config()
    op_config = next(c for c in config["layers"] if c["class_name"] == "SymbolicOp")
    assert op_config["config"]["function"] == "nnet.ops.nn:mish"
    op_config["config"]["function"] = "nnet.ops.fused:__setattr__"
    with pytest.raises(ValueError, match="Unknown op function"):
        nnet.Model.from_config(config)


def test_ops_are_graph_operations_not_layers():
    a, b = nnet.Input((3,)), nnet.Input((3,))
    model = nnet.Model([a, b], nnet.layers.Dense(2)(nnet.layers.Dense(3)(a + b)))
    assert [type(layer).__name__ for layer in model.layers] == \
        ["InputLayer", "InputLayer", "Dense", "Dense"]
    assert model.get_layer(index=2) is model.layers[2]


def test_a_primitive_of_ones_own_runs_in_a_graph_but_cannot_be_saved():
    @nnet.primitive
    def cube(x):
        return x ** 3, lambda g: (g * 3 * x ** 2,)

    x = nnet.Input((2,))
    model = nnet.Model(x, cube(x))
    np.testing.assert_allclose(model.predict(np.array([[2.0, 3.0]]), verbose=0), [[8.0, 27.0]])
    with pytest.raises(ValueError, match="cube.*not an nnet.ops function.*Layer subclass"):
        model.get_config()


def test_to_json_and_model_from_json_rebuild_the_architecture():
    keras = pytest.importorskip("keras")
    ours, theirs = _two_tower(nnet), _two_tower(keras)
    text = ours.to_json()
    clone = nnet.models.model_from_json(text)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in ours.layers]
    assert clone.count_params() == ours.count_params()
    # Keras reads nnet's JSON, and nnet reads Keras's.
    assert keras.models.model_from_json(text).count_params() == ours.count_params()
    assert nnet.models.model_from_json(theirs.to_json()).count_params() == ours.count_params()


def test_ops_on_symbolic_tensors_know_which_dimensions_stay_unknown():
    x = nnet.Input((1, 3))
    assert nnet.ops.squeeze(x).shape == (None, 3)
    assert nnet.ops.expand_dims(x, 0).shape == (1, None, 1, 3)
    assert nnet.ops.ravel(x).shape == (None,)
    assert nnet.ops.sum(x, axis=0).shape == (1, 3)  # the batch is summed away
    assert nnet.ops.reshape(x, (-1,)).shape == (None,)
    model = nnet.Model(x, nnet.ops.squeeze(x))
    np.testing.assert_array_equal(model.predict(np.ones((4, 1, 3)), verbose=0), np.ones((4, 3)))
