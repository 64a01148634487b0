"""utils.Config, Sequence, split_dataset, get_source_inputs, is_keras_tensor, standardize_dtype
and backend.get_uid, is_float_dtype, is_int_dtype, against Keras 3."""

import os

import numpy as np
import pytest

import nnet

os.environ["KERAS_BACKEND"] = "torch"


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


def test_config_as_keras(keras):
    results = {}
    for lib in (nnet, keras):
        config = lib.utils.Config(b=1, a=[2])
        config.c = "three"
        config["d"] = 4.0
        del config["b"]
        popped = config.pop("d")
        with pytest.raises(AttributeError) as missing:
            getattr(config, "cc")  # noqa: B009
        config.freeze()
        with pytest.raises(ValueError) as frozen:
            config.update(e=5)
        frozen_flag = config.frozen
        config.unfreeze()
        config.update(e=5)
        results[lib.__name__] = (list(config), config.as_dict(), config.to_json(), repr(config),
                                 popped, str(missing.value), str(frozen.value), frozen_flag,
                                 "a" in config, len(config), config.get("zz", 7))
    assert results["nnet"] == results["keras"]


def test_sequence_is_py_dataset(keras):
    assert nnet.utils.Sequence is nnet.utils.PyDataset
    assert keras.utils.Sequence is keras.utils.PyDataset


@pytest.mark.parametrize("left_size, right_size", [
    (0.8, None), (None, 3), (4, 0.6), (0.3, 0.7), (7, None), (0.45, None)])
def test_split_sizes_as_keras(keras, left_size, right_size):
    # Keras's torch path draws the halves at random (torch's random_split); its TensorFlow
    # path, like nnet, takes the first samples for the left part and the next ones after.
    x = np.arange(20).reshape(10, 2).astype("float32")
    y = np.arange(10)
    left, right = nnet.utils.split_dataset((x, y), left_size=left_size, right_size=right_size)
    theirs = keras.utils.split_dataset((x, y), left_size=left_size, right_size=right_size,
                                       preferred_backend="torch")
    assert (len(left[0]), len(right[1])) == tuple(len(part) for part in theirs)
    np.testing.assert_array_equal(left[1], np.arange(len(left[1])))
    np.testing.assert_array_equal(right[0], x[len(left[0]):len(left[0]) + len(right[0])])


def test_split_dataset_structures_shuffle_and_errors():
    data = {"a": np.arange(6), "b": np.arange(6) * 10}
    left, right = nnet.utils.split_dataset(data, right_size=2, shuffle=True, seed=1)
    assert set(left) == {"a", "b"} and len(left["a"]) == 4 and len(right["b"]) == 2
    np.testing.assert_array_equal(left["b"], left["a"] * 10)
    assert sorted(np.concatenate([left["a"], right["a"]]).tolist()) == list(range(6))
    same, _ = nnet.utils.split_dataset(data, right_size=2, shuffle=True, seed=1)
    np.testing.assert_array_equal(same["a"], left["a"])
    array_left, _ = nnet.utils.split_dataset(np.arange(5), left_size=2)
    assert array_left.tolist() == [0, 1]
    # Sizes that leave samples out, as Keras's TensorFlow path allows.
    left, right = nnet.utils.split_dataset(np.arange(10), left_size=0.3, right_size=0.3)
    assert (left.tolist(), right.tolist()) == ([0, 1, 2], [3, 4, 5])
    with pytest.raises(ValueError, match="left_size=1.5"):
        nnet.utils.split_dataset(np.arange(5), left_size=1.5)
    with pytest.raises(ValueError, match="At least one of"):
        nnet.utils.split_dataset(np.arange(5))
    with pytest.raises(ValueError, match="same length"):
        nnet.utils.split_dataset([np.arange(5), np.arange(4)], left_size=2)
    with pytest.raises(ValueError, match="right side dataset split will be empty"):
        nnet.utils.split_dataset(np.arange(5), left_size=0.95)


def test_get_source_inputs_and_is_keras_tensor(keras):
    names = {}
    for lib in (nnet, keras):
        a, b = lib.Input((2,), name="a"), lib.Input((2,), name="b")
        c = lib.Input((2,), name="c")
        out = lib.layers.Dense(2)(lib.layers.Add()([a, b])) + a
        model = lib.Model([a, b], out)
        nested = model([c, c])
        names[lib.__name__] = (
            [t.name for t in lib.utils.get_source_inputs(out)],
            [t.name for t in lib.utils.get_source_inputs(nested)],
            [t.name for t in lib.utils.get_source_inputs(a)],
            lib.utils.is_keras_tensor(out), lib.backend.is_keras_tensor(np.ones(2)),
            lib.utils.get_source_inputs(3.0))
    assert names["nnet"] == names["keras"]


DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
          "uint16", "uint32", "uint64", "bool"]


def test_dtype_helpers_as_keras(keras):
    for dtype in DTYPES:
        assert nnet.backend.is_float_dtype(dtype) == keras.backend.is_float_dtype(dtype), dtype
        assert nnet.backend.is_int_dtype(dtype) == keras.backend.is_int_dtype(dtype), dtype
        assert nnet.utils.standardize_dtype(dtype) == keras.utils.standardize_dtype(dtype)


def test_get_uid_counts_with_the_automatic_names(keras):
    for lib in (nnet, keras):
        lib.backend.clear_session()
        assert (lib.backend.get_uid("prefix_demo"), lib.backend.get_uid("prefix_demo")) == (1, 2)
        lib.layers.Dense(1)
        assert lib.backend.get_uid("dense") == 2
