"""clone_model against Keras 3 (torch backend): the same structure from the same model."""

import os

import numpy as np
import pytest

os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")

import nnet  # noqa: E402


def _sequential(lib):
    return lib.Sequential([lib.Input((4,), name="seq_in"), lib.layers.Dense(3, name="d1"),
                           lib.layers.Dropout(0.1, name="drop"), lib.layers.Dense(2, name="d2")],
                          name="seq")


def _functional_shared_nested(lib):
    x = lib.Input((4,), name="f_in")
    shared = lib.layers.Dense(4, activation="relu", name="shared")
    inner = lib.Sequential([lib.Input((4,), name="inner_in"), lib.layers.Dense(3, name="in_d")],
                           name="inner")
    h = shared(shared(x))
    a = inner(h)
    b = lib.layers.Dense(3, name="side")(x)
    y = lib.layers.Add(name="add")([a, b])
    return lib.Model(x, y, name="outer")


def _two_inputs(lib):
    a = lib.Input((3,), name="a")
    b = lib.Input((2,), name="b")
    merged = lib.layers.Concatenate(name="cat")([a, b])
    return lib.Model({"a": a, "b": b}, lib.layers.Dense(1, name="out")(merged), name="two")


def _structure(model):
    """Layer names and classes, which clone layers are the same object, and nested models."""
    layers = model.layers
    out = []
    for layer in layers:
        nested = _structure(layer) if hasattr(layer, "layers") and layer is not model else None
        out.append((layer.name, type(layer).__name__, len(getattr(layer, "_inbound_nodes", [])),
                    nested))
    return out


def _edges(model):
    """Which layer feeds which, read from each layer's recorded calls inside the model."""
    config = model.get_config()
    edges = []
    for layer in config["layers"]:
        for node in layer["inbound_nodes"]:
            for arg in node["args"]:
                for history in _histories(arg):
                    edges.append((history[0], layer["name"]))
    return sorted(edges)


def _histories(value):
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        yield value["config"]["keras_history"]
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _histories(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _histories(v)


def _weights_not_shared(model, clone):
    ids = {id(w) for w in model.weights}
    assert clone.weights and not ids & {id(w) for w in clone.weights}
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]


@pytest.mark.parametrize("build", [_sequential, _functional_shared_nested, _two_inputs])
def test_clone_has_keras_structure_and_new_weights(build):
    clones = {}
    for lib in (nnet, keras):
        model = build(lib)
        clone = lib.models.clone_model(model)
        assert type(clone).__name__ == type(model).__name__
        assert clone.name == model.name
        assert clone is not model
        for original, cloned in zip(model.layers, clone.layers):
            assert cloned is not original
        _weights_not_shared(model, clone)
        clones[lib.__name__] = clone
    assert _structure(clones["nnet"]) == _structure(clones["keras"])
    if not isinstance(clones["nnet"], nnet.Sequential):
        assert _edges(clones["nnet"]) == _edges(clones["keras"])


def test_shared_layer_is_cloned_once_and_stays_shared():
    model = _functional_shared_nested(nnet)
    clone = nnet.models.clone_model(model)
    shared = clone.get_layer("shared")
    assert len([layer for layer in clone.layers if layer.name == "shared"]) == 1
    assert len(shared._inbound_nodes) == 2
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    # The same weights in the clone give the same outputs: the graph is the same.
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_clone_function_is_applied_like_keras():
    def rename(lib):
        def clone_function(layer):
            config = layer.get_config()
            config["name"] = layer.name + "_x"
            return type(layer).from_config(config)
        return clone_function

    names = {}
    for lib in (nnet, keras):
        clone = lib.models.clone_model(_functional_shared_nested(lib),
                                       clone_function=rename(lib))
        nested = lib.models.clone_model(_functional_shared_nested(lib),
                                        clone_function=rename(lib), recursive=True)
        seq = lib.models.clone_model(_sequential(lib), clone_function=rename(lib))
        names[lib.__name__] = (_structure(clone), _structure(nested), _structure(seq))
    assert names["nnet"] == names["keras"]
    assert names["nnet"][1][2][3][0][0] == "in_d_x"  # recursive reaches the nested layers


def test_call_function_and_input_tensors_like_keras():
    calls = {}
    for lib in (nnet, keras):
        seen = []

        def call_function(layer, *args, seen=seen, **kwargs):
            seen.append(layer.name)
            return layer(*args, **kwargs)

        new_input = lib.Input((4,), name="new_in")
        clone = lib.models.clone_model(_functional_shared_nested(lib), input_tensors=new_input,
                                       call_function=call_function)
        assert clone.inputs[0] is new_input
        seq = lib.models.clone_model(_sequential(lib), input_tensors=[lib.Input((4,))])
        calls[lib.__name__] = (seen, _structure(clone), _structure(seq))
    assert calls["nnet"] == calls["keras"]


def test_subclassed_model_clones_from_config():
    @nnet.saving.register_keras_serializable("clone_test")
    class Tower(nnet.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = nnet.layers.Dense(units)

        def call(self, x):
            return self.dense(x)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    model = Tower(units=5, name="tower")
    model(np.ones((2, 3), "float32"))
    clone = nnet.models.clone_model(model)
    assert type(clone) is Tower and clone.units == 5 and clone.name == "tower"
    clone(np.ones((2, 3), "float32"))
    _weights_not_shared(model, clone)
    with pytest.raises(ValueError, match="only supported for Sequential models or Functional"):
        nnet.models.clone_model(model, clone_function=lambda layer: layer)


def test_compiled_model_clone_is_compiled_with_a_new_optimizer():
    model = _sequential(nnet)
    model.compile(optimizer=nnet.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    clone = nnet.models.clone_model(model)
    assert clone.compiled and clone.optimizer is not model.optimizer
    assert clone.get_compile_config() == model.get_compile_config()


def test_bad_arguments_raise_like_keras():
    with pytest.raises(ValueError, match="call_function"):
        nnet.models.clone_model(_sequential(nnet), call_function=lambda layer, x: layer(x))
    with pytest.raises(ValueError, match="Unexpected keyword argument"):
        nnet.models.clone_model(_sequential(nnet), input_tensor=None)
    with pytest.raises(ValueError, match="same structure as model.input"):
        nnet.models.clone_model(_two_inputs(nnet), input_tensors=[nnet.Input((3,))])
    with pytest.raises(ValueError, match="must be a KerasTensor"):
        nnet.models.clone_model(_sequential(nnet), input_tensors=np.ones((1, 4)))
    with pytest.raises(ValueError, match="incompatible `shape`"):
        nnet.Input(shape=(5,), tensor=nnet.Input((4,)))
