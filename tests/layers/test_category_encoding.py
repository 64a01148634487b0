"""CategoryEncoding against Keras 3: one_hot, multi_hot and count (with count_weights), integer
inputs kept as integers, out-of-range ids and bad arguments.

The outputs do not depend differentiably on the ids, so `check_layer`'s gradient and training
steps do not apply; its shape, config and Keras checks are run directly (only the count weights
carry a gradient, checked separately)."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import harness
import numpy as np
import pytest

from nnet.autodiff import check_grad
from nnet.layers.category_encoding import CategoryEncoding

IDS = np.random.default_rng(0).integers(0, 6, size=(8, 4))


def _check(init_kwargs, ids, call_kwargs=None):
    """check_layer's shape, config and Keras comparisons for a non-differentiable layer."""
    call_kwargs = call_kwargs or {}
    layer = CategoryEncoding(**init_kwargs)
    x = np.asarray(ids, dtype="float32")
    output = layer(x, **call_kwargs)
    # multi_hot/count encode a 1-D input as one sample: there is no batch axis to keep.
    if x.ndim > 1 or layer.output_mode == "one_hot":
        harness._check_shapes(layer, x.shape, output, None)
    assert layer.compute_output_shape(x.shape) == output.shape
    harness._check_config_round_trip(layer, x, call_kwargs)
    harness._check_against_keras(layer, "CategoryEncoding", init_kwargs, x, call_kwargs, True)
    return layer


@pytest.mark.parametrize("output_mode", ["one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("ids", [IDS, IDS[:, 0], IDS[:, :1]], ids=["2d", "1d", "column"])
def test_modes_match_keras(output_mode, ids):
    _check({"num_tokens": 6, "output_mode": output_mode}, ids)


def test_count_weights_match_keras():
    weights = np.random.default_rng(1).uniform(0, 2, size=IDS.shape)
    _check({"num_tokens": 7, "output_mode": "count"}, IDS, {"count_weights": weights})


def test_count_weights_get_gradients():
    layer = CategoryEncoding(num_tokens=6, output_mode="count", dtype="float64")
    check_grad(lambda w: layer(IDS, count_weights=w), np.ones(IDS.shape))


def test_values_equal_a_numpy_encoding():
    eye = np.eye(6, dtype="float32")
    np.testing.assert_array_equal(CategoryEncoding(6, "one_hot")(IDS).numpy(), eye[IDS])
    np.testing.assert_array_equal(CategoryEncoding(6, "count")(IDS).numpy(), eye[IDS].sum(1))
    np.testing.assert_array_equal(CategoryEncoding(6, "binary")(IDS).numpy(), eye[IDS].max(1))
    np.testing.assert_array_equal(CategoryEncoding(6, "one_hot")(np.int64(2)).numpy(), eye[2])
    np.testing.assert_array_equal(CategoryEncoding(6)([[1, 1], [5, 0]]).numpy(),
                                  [[0, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 1]])


def test_integer_inputs_are_not_cast_to_float():
    layer = CategoryEncoding(num_tokens=3, output_mode="one_hot")
    assert layer.autocast is False
    seen = []
    original = layer.call
    layer.call = lambda inputs, **kwargs: seen.append(inputs.dtype) or original(inputs, **kwargs)
    out = layer(np.array([0, 2], dtype="int32"))
    assert seen == [np.dtype("int32")] and out.dtype == np.float32


@pytest.mark.parametrize("input_shape", [(None,), (None, 1), (None, 4), (5, 2, 3)])
@pytest.mark.parametrize("output_mode", ["one_hot", "multi_hot", "count"])
def test_output_shapes_match_keras(input_shape, output_mode):
    keras = pytest.importorskip("keras")
    expected = keras.layers.CategoryEncoding(4, output_mode).compute_output_shape(input_shape)
    assert CategoryEncoding(4, output_mode).compute_output_shape(input_shape) == tuple(expected)


@pytest.mark.parametrize("ids, match", [
    ([0, 6], r"\[0, 6\).*ids from 0 to 6"),
    ([-1, 2], r"ids from -1 to 2"),
    (np.array([0.5, 1.0]), "non-integer"),
])
def test_bad_ids_are_refused(ids, match):
    with pytest.raises(ValueError, match=match):
        CategoryEncoding(num_tokens=6)(ids)


@pytest.mark.parametrize("kwargs, match", [
    ({}, "num_tokens=None"),
    ({"num_tokens": 0}, "num_tokens=0"),
    ({"num_tokens": 2.5}, "num_tokens=2.5"),
    ({"num_tokens": 3, "output_mode": "int"}, "output_mode='int'"),
    ({"num_tokens": 3, "sparse": True}, "sparse=True"),
])
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CategoryEncoding(**kwargs)


def test_bad_count_weights_are_refused():
    with pytest.raises(ValueError, match=r"output_mode='multi_hot'.*count_weights of shape"):
        CategoryEncoding(6)(IDS, count_weights=np.ones(IDS.shape))
    with pytest.raises(ValueError, match=r"count_weights of shape \(8,\)"):
        CategoryEncoding(6, "count")(IDS, count_weights=np.ones(8))
