"""Custom-object registration and the serialization entry points against Keras 3 (torch
backend): the same tables, lookups and serialized dicts, and configs naming code outside nnet
refused."""

import os
import sys

import numpy as np
import pytest

os.environ["KERAS_BACKEND"] = "torch"

import nnet  # noqa: E402
from nnet.saving import (  # noqa: E402
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


SAVING_NAMES = ["CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
                "get_custom_objects", "get_registered_name", "get_registered_object",
                "register_keras_serializable", "serialize_keras_object", "KerasFileEditor",
                "load_model", "save_model", "load_weights", "save_weights"]
UTILS_NAMES = ["CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
               "get_custom_objects", "get_registered_name", "get_registered_object",
               "register_keras_serializable", "serialize_keras_object", "model_to_dot",
               "plot_model"]


def test_keras_names_are_exported_where_keras_has_them(keras):
    for module, theirs, names in ((nnet.saving, keras.saving, SAVING_NAMES),
                                  (nnet.utils, keras.utils, UTILS_NAMES)):
        for name in names:
            assert hasattr(theirs, name), name
            assert getattr(module, name) is not None, name
    for name in UTILS_NAMES[:-2]:
        assert getattr(nnet.utils, name) is getattr(nnet.saving, name)
    assert nnet.utils.custom_object_scope is nnet.utils.CustomObjectScope


def register_in(lib, package):
    @lib.saving.register_keras_serializable(package)
    class Scaled(lib.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    @lib.saving.register_keras_serializable(package, name="triple_it")
    def triple(x):
        return 3 * x

    return Scaled, triple


def test_registration_tables_and_lookups_match_keras(keras):
    for lib in (nnet, keras):
        Scaled, triple = register_in(lib, "objreg")
        table = lib.saving.get_custom_objects()
        assert table["objreg>Scaled"] is Scaled and table["objreg>triple_it"] is triple
        assert "Scaled" not in table and "triple" not in table
        assert lib.saving.get_registered_name(Scaled) == "objreg>Scaled"
        assert lib.saving.get_registered_name(triple) == "objreg>triple_it"
        assert lib.saving.get_registered_object("objreg>Scaled") is Scaled
        assert lib.saving.get_registered_object("Scaled") is None
        assert lib.saving.get_registered_object("Scaled", custom_objects={"Scaled": 1}) == 1
        assert lib.saving.get_registered_object("x", module_objects={"x": 2}) == 2
        with lib.saving.CustomObjectScope({"Scaled": triple}) as scope:
            assert isinstance(scope, lib.saving.CustomObjectScope)
            assert lib.saving.get_registered_object("Scaled") is triple
        assert lib.saving.get_registered_object("Scaled") is None


def test_serialized_custom_objects_equal_keras(keras):
    dicts = {}
    for lib in (nnet, keras):
        Scaled, triple = register_in(lib, "objreg2")
        layer = Scaled(factor=0.5, name="scaled")
        serialized = lib.saving.serialize_keras_object({"layer": layer, "fn": triple,
                                                        "array": np.arange(3.0)})
        restored = lib.saving.deserialize_keras_object(serialized)
        assert type(restored["layer"]) is Scaled and restored["layer"].factor == 0.5
        assert restored["fn"] is triple
        np.testing.assert_array_equal(restored["array"], np.arange(3.0))
        dicts[lib.__name__] = serialized
    ours, theirs = dicts["nnet"], dicts["keras"]
    for side in (ours, theirs):
        side["layer"]["config"].pop("dtype")  # each library's own dtype policy form
        side["layer"].pop("module")           # the module that defines the class: this file
    assert ours == theirs


def test_registering_a_class_without_get_config_is_refused():
    class NoConfig:
        pass

    with pytest.raises(ValueError, match="does not have a get_config"):
        register_keras_serializable("objreg")(NoConfig)


def test_scopes_nest_and_restore():
    with custom_object_scope({"a": 1}):
        with CustomObjectScope({"b": 2}):
            assert get_registered_object("a") == 1 and get_registered_object("b") == 2
        assert get_registered_object("b") is None
    assert get_registered_object("a") is None
    with pytest.raises(TypeError, match="custom_objects="):
        CustomObjectScope(["a"])


def test_a_custom_function_found_by_a_scope_deserializes():
    def halve(x):
        return x / 2

    config = serialize_keras_object(halve)
    assert config == {"module": "builtins", "class_name": "function", "config": "halve",
                      "registered_name": "function"}
    with pytest.raises(ValueError, match="Could not locate function 'halve'"):
        deserialize_keras_object(config)
    with custom_object_scope({"halve": halve}):
        assert deserialize_keras_object(config) is halve
    assert get_registered_name(halve) == "halve"


@pytest.mark.parametrize("config", [
    {"module": "os", "class_name": "system", "config": {}, "registered_name": None},
    {"module": "builtins", "class_name": "function", "config": "eval",
     "registered_name": "function"},
    {"module": "subprocess", "class_name": "Popen", "config": {"args": ["true"]},
     "registered_name": "subprocess>Popen"},
    {"module": "os", "class_name": "function", "config": "system", "registered_name": "function"},
    # `this` prints on import: a module a config names is never imported.
    {"module": "this", "class_name": "function", "config": "s", "registered_name": "function"},
    {"module": "this", "class_name": "s", "config": {}, "registered_name": "this>s"},
])
def test_configs_naming_code_outside_nnet_are_refused(config):
    imported = "this" in sys.modules
    with pytest.raises(ValueError, match="Could not locate"):
        deserialize_keras_object(config)
    assert ("this" in sys.modules) == imported


def test_the_live_table_makes_an_object_loadable_by_its_key():
    def quarter(x):
        return x / 4

    table = get_custom_objects()
    table["tests>quarter"] = quarter
    try:
        assert deserialize_keras_object({"module": "builtins", "class_name": "function",
                                         "config": "tests>quarter",
                                         "registered_name": "function"}) is quarter
    finally:
        del table["tests>quarter"]
    assert get_registered_object("tests>quarter") is None
