"""Sequential and subclassed models: building, layers, weights, configs."""

import numpy as np
import pytest

import nnet


def test_input_dim_inserts_an_input_layer_with_keras_warning():
    with pytest.warns(UserWarning, match="Do not pass an `input_shape`/`input_dim`"):
        layer = nnet.layers.Dense(4, input_dim=3)
    model = nnet.Sequential([layer])
    assert model.built and model.input_shape == (None, 3)
    assert len(model.weights) == 2 and model.layers == [layer]


def test_lazy_build_on_first_call_and_explicit_build():
    model = nnet.Sequential([nnet.layers.Dense(4), nnet.layers.Dense(2)])
    assert not model.built and model.weights == []
    model.build((None, 3))
    assert model.count_params() == 3 * 4 + 4 + 4 * 2 + 2
    lazy = nnet.Sequential([nnet.layers.Dense(4)])
    assert lazy(np.ones((5, 6))).shape == (5, 4) and lazy.count_params() == 28


def test_add_pop_and_unique_names():
    model = nnet.Sequential([nnet.Input((3,))])
    first = nnet.layers.Dense(4, name="first")
    model.add(first)
    model.add(nnet.layers.Dense(2, name="second"))
    assert [layer.name for layer in model.layers] == ["first", "second"]
    assert model.pop().name == "second" and model.layers == [first]
    with pytest.raises(ValueError, match="unique names.*'first'"):
        model.add(nnet.layers.Dense(2, name="first"))
    with pytest.raises(ValueError, match="InputLayer can only be the first layer"):
        model.add(nnet.Input((3,)))
    with pytest.raises(AttributeError, match="read-only"):
        model.layers = []


def test_get_layer_by_name_and_index():
    model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(4, name="a"),
                             nnet.layers.Dense(2, name="b")])
    assert model.get_layer("b") is model.layers[1] and model.get_layer(index=0).name == "a"
    with pytest.raises(ValueError, match="No such layer: c"):
        model.get_layer("c")


def test_weights_order_and_set_weights_round_trip():
    model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(4), nnet.layers.Dense(2)])
    shapes = [w.shape for w in model.get_weights()]
    assert shapes == [(3, 4), (4,), (4, 2), (2,)]
    new = [np.full(s, i, dtype="float32") for i, s in enumerate(shapes)]
    model.set_weights(new)
    for a, b in zip(model.get_weights(), new):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="expects 4 weight arrays"):
        model.set_weights(new[:3])


def test_config_round_trip_rebuilds_the_same_model():
    model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(4, activation="tanh"),
                             nnet.layers.Dense(2, activation="softmax", use_bias=False)])
    config = model.get_config()
    assert config["layers"][0]["class_name"] == "InputLayer"
    assert config["build_input_shape"] == [None, 3]
    clone = nnet.Sequential.from_config(config)
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    assert clone.get_config()["layers"][1]["config"]["activation"] == "tanh"


def test_subclassed_model_tracks_layers_and_lists_of_layers():
    class Net(nnet.Model):
        def __init__(self):
            super().__init__()
            self.blocks = [nnet.layers.Dense(4, activation="relu") for _ in range(2)]
            self.head = nnet.layers.Dense(1)

        def call(self, x, training=None):
            for block in self.blocks:
                x = block(x)
            return self.head(x)

    model = Net()
    assert model.name.startswith("net")
    model.build((None, 3))
    assert len(model.layers) == 3 and len(model.weights) == 6
    model.compile(optimizer="adam", loss="mse")
    x = np.ones((8, 3), dtype="float32")
    model.fit(x, np.zeros((8, 1)), verbose=0)


def test_forgetting_super_init_is_explained():
    class Broken(nnet.Model):
        def __init__(self):
            self.dense = nnet.layers.Dense(1)

    with pytest.raises(RuntimeError, match=r"forgot to call `super\(\).__init__\(\)`"):
        Broken()


def test_training_flag_reaches_nested_layers():
    seen = []

    class Probe(nnet.layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    model = nnet.Sequential([nnet.Input((2,)), Probe(), nnet.layers.Dense(1)])
    model(np.ones((1, 2)), training=True)
    model.predict(np.ones((1, 2)), verbose=0)
    assert seen[-2:] == [True, False]


def test_compile_config_round_trip():
    model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(2, activation="softmax")])
    assert model.get_compile_config() == {}
    model.compile(optimizer=nnet.optimizers.SGD(0.05, momentum=0.5),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    config = model.get_compile_config()
    assert config["loss"] == "sparse_categorical_crossentropy"
    assert config["metrics"] == ["accuracy"]
    clone = nnet.Sequential.from_config(model.get_config())
    clone.compile_from_config(config)
    assert clone.optimizer.momentum == 0.5 and clone.compiled
    assert clone.get_compile_config() == config
