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


def _numpy(value):
    return keras.ops.convert_to_numpy(value) if keras.ops.is_tensor(value) else np.asarray(value)


@pytest.mark.parametrize("axis, mean, variance, shape", [
    (-1, 2.0, 4.0, (None, 3)), (-1, [1.0, 2.0, 3.0], [1.0, 4.0, 9.0], (None, 3)),
    ((1, 2), 0.5, 2.0, (None, 2, 3)), (None, 1.0, 0.25, (None, 4)),
])
def test_normalization_exposes_mean_and_variance_after_build_as_keras(axis, mean, variance,
                                                                       shape):
    x = np.arange(2 * np.prod(shape[1:]), dtype="float32").reshape((2, *shape[1:]))
    results = {}
    for lib in (nnet, keras):
        layer = lib.layers.Normalization(axis=axis, mean=mean, variance=variance)
        before = layer.mean
        layer.build(shape)
        results[lib.__name__] = (before, _numpy(layer.mean), _numpy(layer.variance),
                                 _numpy(layer(x)))
    ours, theirs = results["nnet"], results["keras"]
    assert ours[0] is None and theirs[0] is None
    for our_value, their_value in zip(ours[1:], theirs[1:]):
        assert our_value.shape == their_value.shape
        np.testing.assert_allclose(our_value, their_value, rtol=1e-6)


def test_normalization_adapts_on_a_py_dataset_as_keras_on_its_batches():
    batches = [np.arange(6, dtype="float32").reshape(3, 2) * (i + 1) for i in range(3)]

    class Batches(nnet.utils.PyDataset):
        def __len__(self):
            return len(batches)

        def __getitem__(self, index):
            return batches[index], np.zeros(3)

    ours = nnet.layers.Normalization()
    ours.adapt(Batches())
    # Keras's adapt of a PyDataset needs TensorFlow; it reads the same batches from a list.
    theirs = keras.layers.Normalization()
    theirs.adapt(np.concatenate(batches))
    np.testing.assert_allclose(_numpy(ours.mean), _numpy(theirs.mean), rtol=1e-6)
    np.testing.assert_allclose(_numpy(ours.variance), _numpy(theirs.variance), rtol=1e-6)


# one_hot takes inputs of rank 2 at most, in both libraries.
@pytest.mark.parametrize("output_mode, shape", [
    (mode, shape) for mode in ("int", "one_hot", "multi_hot", "count")
    for shape in ((None, 3), (2, 3), (4,), (2, 3, 5)) if mode != "one_hot" or len(shape) <= 2
])
def test_discretization_output_shape_matches_keras(output_mode, shape):
    args = {"bin_boundaries": [0.0, 1.0], "output_mode": output_mode}
    ours = nnet.layers.Discretization(**args).compute_output_shape(shape)
    theirs = keras.layers.Discretization(**args).compute_output_shape(shape)
    assert tuple(ours) == tuple(theirs)
    if None not in shape:
        x = np.random.default_rng(2).normal(size=shape).astype("float32")
        our_out = nnet.layers.Discretization(**args)(x).numpy()
        their_out = _numpy(keras.layers.Discretization(**args)(x))
        assert our_out.shape == their_out.shape == tuple(theirs)
        np.testing.assert_array_equal(our_out, their_out)


@pytest.mark.parametrize("output_mode", ["one_hot", "multi_hot", "count"])
def test_category_encoding_outputs_say_whether_they_are_sparse_as_keras(output_mode):
    results = {}
    for lib in (nnet, keras):
        layer = lib.layers.CategoryEncoding(4, output_mode=output_mode)
        inputs = lib.Input((1,) if output_mode == "one_hot" else (3,), dtype="int32")
        out = layer(inputs)
        results[lib.__name__] = out.sparse, out.ragged, inputs.sparse, tuple(out.shape)
    assert results["nnet"] == results["keras"]


@pytest.mark.parametrize("name, args", [
    ("Dropout", (0.5,)), ("Dropout", (0.0,)), ("GaussianDropout", (0.3,)),
    ("GaussianNoise", (0.1,)), ("GaussianNoise", (0.0,)), ("AlphaDropout", (0.2,)),
])
@pytest.mark.parametrize("seed", [None, 7])
def test_dropout_family_layers_own_a_seed_generator_as_keras(name, args, seed):
    ours = getattr(nnet.layers, name)(*args, seed=seed)
    theirs = getattr(keras.layers, name)(*args, seed=seed)
    their_generator = getattr(theirs, "seed_generator", None)
    our_generator = getattr(ours, "seed_generator", None)
    assert type(our_generator).__name__ == type(their_generator).__name__
    if their_generator is not None:
        assert isinstance(our_generator, nnet.random.SeedGenerator)


def test_input_layer_takes_the_deprecated_input_shape_with_keras_warning():
    results = {}
    for lib in (nnet, keras):
        with pytest.warns(UserWarning) as caught:
            layer = lib.layers.InputLayer(input_shape=(3,), name=f"legacy_{lib.__name__}")
        messages = [str(w.message) for w in caught if "deprecated" in str(w.message)]
        results[lib.__name__] = layer.batch_shape, tuple(layer.output.shape), messages
    assert results["nnet"] == results["keras"]
    assert results["nnet"][2] == ["Argument `input_shape` is deprecated. Use `shape` instead."]


@pytest.mark.parametrize("argument", ["ragged", "sparse"])
def test_ragged_and_sparse_inputs_are_refused_as_keras_torch_backend(argument):
    for lib in (nnet, keras):
        with pytest.raises(ValueError, match=f"`{argument}=True` is not supported"):
            lib.Input((None,), **{argument: True})


def test_ragged_data_is_refused_with_a_clear_error():
    model = nnet.Sequential([nnet.Input((2,)), nnet.layers.Dense(1)])
    with pytest.raises(ValueError, match="ragged list: its rows have different lengths"):
        model.predict([[1.0, 2.0], [3.0]], verbose=0)
