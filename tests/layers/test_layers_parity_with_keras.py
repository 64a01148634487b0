"""Layer lifecycle against Keras 3 (torch backend): what `built` says, and when build runs."""

import os

import numpy as np
import pytest

# Keras reads its backend once, at import: set it before anything can import keras.
os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")

import nnet  # noqa: E402

# Layers with no weights, and the arguments to make one; inputs of shape (2, 3) suit them all.
STATELESS = {
    "ActivityRegularization": (), "Activation": ("relu",), "AlphaDropout": (0.5,),
    "CategoryEncoding": (4,), "Discretization": ([0.5],), "Dropout": (0.5,), "ELU": (),
    "Flatten": (), "GaussianDropout": (0.1,), "GaussianNoise": (0.1,), "Identity": (),
    "LeakyReLU": (), "Permute": ((1,),), "ReLU": (), "RepeatVector": (2,), "Rescaling": (2.0,),
    "Reshape": ((3,),), "Softmax": (), "UnitNormalization": (),
}


def _with_build(cls):
    """`cls` subclassed with a build of its own that records the shape it was given."""

    def build(self, input_shape):
        self.build_shape = None if input_shape is None else tuple(input_shape)

    return type(f"Custom{cls.__name__}", (cls,), {"build": build})


@pytest.mark.parametrize("name", sorted(STATELESS))
def test_built_after_init_matches_keras(name):
    args = STATELESS[name]
    ours = getattr(nnet.layers, name)
    theirs = getattr(keras.layers, name)
    assert ours(*args).built == theirs(*args).built
    assert _with_build(ours)(*args).built == _with_build(theirs)(*args).built


@pytest.mark.parametrize("name", sorted(STATELESS))
def test_a_build_override_runs_on_the_first_call_as_in_keras(name):
    # Keras builds Reshape in __init__ whatever its build, so that build never runs, in both.
    x = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 1.0]], dtype="float32")
    results = {}
    for lib in (nnet, keras):
        layer = _with_build(getattr(lib.layers, name))(*STATELESS[name])
        # Keras's preprocessing layers hand build None for a NumPy input, its shape for a tensor.
        layer(x if lib is nnet else keras.ops.convert_to_tensor(x))
        results[lib.__name__] = layer.built, getattr(layer, "build_shape", None)
    assert results["nnet"] == results["keras"]
