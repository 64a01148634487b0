"""Functional models against Keras 3 (torch backend): same graph and inputs, same outputs."""

import os

import numpy as np
import pytest

# Keras reads its backend once, at import: set it before anything can import keras.
os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")

import nnet  # noqa: E402

# Graphs whose output is the result of an op, built the same way from nnet or Keras.
OP_OUTPUTS = {
    "greater_operator": lambda lib, x: x > 0.5,
    "equal": lambda lib, x: lib.ops.equal(x, 0.0),
    "logical_not": lambda lib, x: lib.ops.logical_not(x > 0.5),
    "argmax": lambda lib, x: lib.ops.argmax(x, axis=-1),
    "argmin": lambda lib, x: lib.ops.argmin(x, axis=-1),
    "where": lambda lib, x: lib.ops.where(x > 0.5, x, -x),
    "one_hot": lambda lib, x: lib.ops.one_hot(lib.ops.argmax(x, axis=-1), 4),
    "sign": lambda lib, x: lib.ops.sign(x - 0.5),
    "round": lambda lib, x: lib.ops.round(x * 4.0),
    "isnan": lambda lib, x: lib.ops.isnan(x),
    "stop_gradient": lambda lib, x: lib.ops.stop_gradient(x) * 2.0,
    "zeros_like": lambda lib, x: lib.ops.zeros_like(x),
}


@pytest.mark.parametrize("name", sorted(OP_OUTPUTS))
def test_a_model_whose_output_is_an_op_result_predicts_as_keras(name):
    x = np.random.default_rng(0).uniform(size=(6, 3)).astype("float32")
    x[0, 0] = 0.0
    results = {}
    for lib in (nnet, keras):
        inputs = lib.Input((3,))
        model = lib.Model(inputs, OP_OUTPUTS[name](lib, inputs))
        results[lib.__name__] = model.predict(x, batch_size=4, verbose=0)
    ours, theirs = results["nnet"], results["keras"]
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def _dict_input_model(lib):
    a, b = lib.Input((2,), name="a"), lib.Input((2,), name="b")
    return lib.Model({"c": a, "d": b}, lib.layers.Subtract()([a, b]))


def test_dict_inputs_are_fed_by_the_keys_of_the_inputs_structure_as_keras():
    x = {"c": np.arange(6, dtype="float32").reshape(3, 2), "d": np.ones((3, 2), "float32")}
    results = {}
    for lib in (nnet, keras):
        model = _dict_input_model(lib)
        results[lib.__name__] = (model.predict(x, verbose=0),
                                 keras.ops.convert_to_numpy(model(x)) if lib is keras
                                 else model(x).numpy())
    for ours, theirs in zip(results["nnet"], results["keras"]):
        np.testing.assert_array_equal(ours, theirs)


def test_a_dict_output_model_called_on_a_new_input_returns_a_dict_of_keras_tensors():
    results = {}
    for lib in (nnet, keras):
        inputs = lib.Input((2,))
        model = lib.Model(inputs, {"p": lib.layers.Dense(1)(inputs),
                                   "q": lib.layers.Dense(3)(inputs)})
        out = model(lib.Input((2,)))
        results[lib.__name__] = type(out), {k: (type(v).__name__, tuple(v.shape))
                                            for k, v in out.items()}
    assert results["nnet"][0] is results["keras"][0] is dict
    assert results["nnet"][1] == results["keras"][1]


def _optional_input_model(lib):
    class AddIfGiven(lib.layers.Layer):
        def call(self, x, y=None):
            return x if y is None else x + y

        def compute_output_shape(self, x_shape, y_shape=None):
            return x_shape

    a, b = lib.Input((2,), name="a"), lib.Input((2,), name="b", optional=True)
    return lib.Model([a, b], AddIfGiven()(a, b))


def test_an_optional_input_fed_none_as_keras():
    x = np.array([[1.0, 2.0], [3.0, 4.0]], "float32")
    results = {}
    for lib in (nnet, keras):
        model = _optional_input_model(lib)
        results[lib.__name__] = (model.predict([x, None], verbose=0),
                                 model.predict([x, x], verbose=0))
    for ours, theirs in zip(results["nnet"], results["keras"]):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("input_shape, data_shape", [((3,), (2, 3, 1)), ((3, 1), (2, 3))])
def test_data_one_rank_off_by_a_trailing_1_is_adjusted_as_keras(input_shape, data_shape):
    x = np.arange(np.prod(data_shape), dtype="float32").reshape(data_shape)
    start = None
    results = {}
    for lib in (keras, nnet):
        inputs = lib.Input(input_shape)
        model = lib.Model(inputs, lib.layers.Dense(2)(lib.layers.Flatten()(inputs)))
        if start is None:
            start = model.get_weights()
        model.set_weights(start)
        called = model(x)
        called = keras.ops.convert_to_numpy(called) if lib is keras else called.numpy()
        results[lib.__name__] = model.predict(x, verbose=0), called
    for ours, theirs in zip(results["nnet"], results["keras"]):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
