"""nnet.saving.serialize_keras_object/deserialize_keras_object: custom layers whose get_config
holds nested Keras objects (a layer, a regularizer, an initializer, a constraint, an activation),
checked against Keras 3 and round-tripped through get_config/from_config and `.keras` files in
both directions."""

import json
import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnet  # noqa: E402
from nnet.saving import deserialize_keras_object, serialize_keras_object  # noqa: E402

X = np.random.default_rng(0).random((8, 4), dtype=np.float32)


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


@pytest.fixture(scope="module")
def keras_wrapper(keras):
    return wrapper_class(keras)


def wrapper_class(lib):
    """The same custom layer for nnet and for Keras, registered as
    ``TestSerialization>CustomWrapper`` in each library: its get_config returns the objects
    themselves, and its from_config deserializes them with the public Keras calls. (Not named
    ``Wrapper``: a custom class named like a built-in one shadows it by class name.)"""

    @lib.saving.register_keras_serializable(package="TestSerialization")
    class CustomWrapper(lib.layers.Layer):
        def __init__(self, inner=None, reg=None, init="ones", constraint=None, act="relu",
                     **kwargs):
            super().__init__(**kwargs)
            self.inner = lib.layers.Dense(3) if inner is None else inner
            self.reg = lib.regularizers.get(reg)
            self.init = lib.initializers.get(init)
            self.constraint = lib.constraints.get(constraint)
            self.act = lib.activations.get(act)

        def build(self, input_shape):
            # A loaded inner layer is already built from its own build config.
            if not self.inner.built:
                self.inner.build(input_shape)
            self.scale = self.add_weight(shape=(self.inner.units,), initializer=self.init,
                                         regularizer=self.reg, constraint=self.constraint,
                                         name="scale")

        def call(self, x):
            return self.act(self.inner(x) * self.scale)

        def get_config(self):
            return {**super().get_config(), "inner": self.inner, "reg": self.reg,
                    "init": self.init, "constraint": self.constraint, "act": self.act}

        @classmethod
        def from_config(cls, config):
            config = dict(config)
            config["inner"] = lib.saving.deserialize_keras_object(config["inner"])
            config["reg"] = lib.regularizers.deserialize(config["reg"])
            config["init"] = lib.saving.deserialize_keras_object(config["init"])
            config["constraint"] = lib.constraints.deserialize(config["constraint"])
            config["act"] = lib.activations.deserialize(config["act"])
            return cls(**config)

    return CustomWrapper


Wrapper = wrapper_class(nnet)


def wrapper(lib, cls=Wrapper):
    return cls(inner=lib.layers.Dense(3, activation="tanh", name="inner"),
               reg=lib.regularizers.L2(0.125), init=lib.initializers.Constant(0.5),
               constraint=lib.constraints.NonNeg(), act=lib.activations.sigmoid, name="wrap")


def model_with_wrapper(lib, cls=Wrapper):
    model = lib.Sequential([lib.Input((4,)), wrapper(lib, cls)], name="wrapped")
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, X[:, :3], epochs=2, batch_size=4, verbose=0)
    return model


def test_nested_objects_serialize_to_keras_dicts():
    layer = wrapper(nnet)
    layer.build((None, 4))
    config = serialize_keras_object(layer)
    assert config["registered_name"] == "TestSerialization>CustomWrapper"
    assert config["build_config"] == {"input_shape": (None, 4)}
    inner = config["config"]
    assert inner["inner"]["module"] == "keras.layers"
    assert inner["inner"]["class_name"] == "Dense"
    assert inner["inner"]["config"]["activation"] == "tanh"
    assert inner["inner"]["build_config"] == {"input_shape": (None, 4)}
    assert inner["reg"] == {"module": "keras.regularizers", "class_name": "L2",
                            "config": {"l2": 0.125}, "registered_name": None}
    assert inner["init"] == {"module": "keras.initializers", "class_name": "Constant",
                             "config": {"value": 0.5}, "registered_name": None}
    assert inner["constraint"] == {"module": "keras.constraints", "class_name": "NonNeg",
                                   "config": {}, "registered_name": None}
    assert inner["act"] == {"module": "builtins", "class_name": "function",
                            "config": "sigmoid", "registered_name": "function"}
    json.dumps(config)
    # The component serializers give the same nested dicts.
    assert nnet.layers.serialize(layer) == config


def test_serialized_config_matches_keras(keras, keras_wrapper):
    ours, theirs = wrapper(nnet), wrapper(keras, keras_wrapper)
    ours.build((None, 4))
    theirs.build((None, 4))
    ours, theirs = serialize_keras_object(ours), keras.saving.serialize_keras_object(theirs)
    assert json.loads(json.dumps(ours)) == json.loads(json.dumps(theirs))


def test_deserialize_rebuilds_and_builds():
    layer = wrapper(nnet)
    layer(X)
    config = json.loads(json.dumps(serialize_keras_object(layer)))
    restored = deserialize_keras_object(config)
    assert isinstance(restored, Wrapper) and restored.built and restored.inner.built
    assert isinstance(restored.reg, nnet.regularizers.L2) and restored.reg.l2 == 0.125
    assert isinstance(restored.constraint, nnet.constraints.NonNeg)
    assert restored.act is nnet.activations.sigmoid
    assert [w.shape for w in restored.weights] == [w.shape for w in layer.weights]
    restored.set_weights(layer.get_weights())
    np.testing.assert_array_equal(restored(X).numpy(), layer(X).numpy())
    assert serialize_keras_object(restored) == serialize_keras_object(layer)
    again = nnet.layers.deserialize(nnet.layers.serialize(layer))
    assert serialize_keras_object(again) == serialize_keras_object(layer)


def test_model_get_config_from_config_round_trip():
    model = model_with_wrapper(nnet)
    config = model.get_config()
    assert config["layers"][1]["config"]["inner"]["class_name"] == "Dense"
    restored = nnet.Sequential.from_config(json.loads(json.dumps(config)))
    assert restored.get_config() == config
    restored.set_weights(model.get_weights())
    np.testing.assert_array_equal(restored.predict(X, verbose=0), model.predict(X, verbose=0))
    from_json = nnet.models.model_from_json(model.to_json())
    assert from_json.get_config() == config


def test_save_load_round_trip(tmp_path):
    pytest.importorskip("h5py")
    model = model_with_wrapper(nnet)
    model.save(tmp_path / "wrapped.keras")
    loaded = nnet.saving.load_model(tmp_path / "wrapped.keras")
    assert loaded.get_config() == model.get_config()
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    # The regularizer is live again: it adds the same penalty to the loss.
    np.testing.assert_allclose(loaded.evaluate(X, X[:, :3], verbose=0),
                               model.evaluate(X, X[:, :3], verbose=0), rtol=1e-6)


@pytest.mark.parametrize("saver", ["nnet", "keras"])
def test_files_cross_load(tmp_path, keras, keras_wrapper, saver):
    pytest.importorskip("h5py")
    libs = {"nnet": (nnet, Wrapper), "keras": (keras, keras_wrapper)}
    source, target = (libs["nnet"], libs["keras"]) if saver == "nnet" else \
        (libs["keras"], libs["nnet"])
    model = model_with_wrapper(*source)
    model.save(tmp_path / "wrapped.keras")
    loaded = target[0].saving.load_model(tmp_path / "wrapped.keras")
    assert isinstance(loaded.layers[-1], target[1])
    assert type(loaded.layers[-1].reg).__name__ == "L2" and loaded.layers[-1].reg.l2 == 0.125
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_deserialize_keras_object_forms():
    assert deserialize_keras_object(None) is None
    assert deserialize_keras_object("relu") == "relu"
    relu = {"module": "builtins", "class_name": "function", "config": "relu",
            "registered_name": "function"}
    assert deserialize_keras_object(relu) is nnet.activations.relu
    mse = {"module": "builtins", "class_name": "function", "config": "mean_squared_error",
           "registered_name": "function"}
    assert deserialize_keras_object(mse) is nnet.losses.mean_squared_error
    tree = deserialize_keras_object({"a": [relu, 1, "x"], "b": {"class_name": "__numpy__",
                                     "config": {"value": [1, 2], "dtype": "int32"}}})
    assert tree["a"][0] is nnet.activations.relu and tree["a"][1:] == [1, "x"]
    assert tree["b"].dtype == np.int32 and tree["b"].tolist() == [1, 2]
    assert deserialize_keras_object(serialize_keras_object(slice(1, None, 2))) == slice(1, None, 2)
    # The module tells apart classes that share a name.
    identity = {"class_name": "Identity", "config": {}, "registered_name": None}
    assert isinstance(deserialize_keras_object({**identity, "module": "keras.layers"}),
                      nnet.layers.Identity)
    assert isinstance(deserialize_keras_object({**identity, "module": "keras.initializers"}),
                      nnet.initializers.Identity)


def test_custom_objects_and_errors():
    class Unregistered(nnet.layers.Layer):
        pass

    config = serialize_keras_object(Unregistered(name="u"))
    assert config["registered_name"] == "Unregistered"
    assert config["module"] == __name__
    with pytest.raises(ValueError, match="Unregistered.*register_keras_serializable"):
        deserialize_keras_object(config)
    layer = deserialize_keras_object(config, custom_objects={"Unregistered": Unregistered})
    assert isinstance(layer, Unregistered) and layer.name == "u"
    with pytest.raises(ValueError, match="Identity.*module"):
        deserialize_keras_object({"class_name": "Identity", "config": {}})
    with pytest.raises(TypeError, match="get_config"):
        serialize_keras_object(object())
