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
