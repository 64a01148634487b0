"""Normalization against Keras 3: given statistics, `adapt` on arrays and iterables (the same
weights as Keras's adapt on the same data), invert, building before and after adapt, errors.

Keras's own adapt needs TensorFlow for anything but a single array, so batches are checked
against Keras's adapt on the concatenated batches: the batch merge is exact up to rounding."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet import Tensor
from nnet.layers.normalization import Normalization

RNG = np.random.default_rng(0)
DATA = (RNG.standard_normal((40, 4, 3)) * [3.0, 0.5, 2.0] + [1.0, -2.0, 5.0]).astype("float32")


def _keras_layer(**kwargs):
    keras = pytest.importorskip("keras")
    return keras.layers.Normalization(**kwargs)


def _numpy(value):
    return value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)


def _adapted(data, **adapt_kwargs):
    def factory(**kwargs):
        layer = Normalization(**kwargs)
        layer.adapt(data, **adapt_kwargs)
        return layer

    return factory


@pytest.mark.parametrize("input_shape, init_kwargs", [
    ((6, 4), {"mean": [1.0, 2.0, 3.0, 4.0], "variance": [1.0, 4.0, 0.5, 2.0]}),
    ((6, 4, 3), {"axis": (1, 2), "mean": [1.0, -1.0, 0.5], "variance": [2.0, 3.0, 0.25]}),
    ((6, 4), {"axis": None, "mean": 2.0, "variance": 9.0, "invert": True}),
    ((6, 4), {"mean": 0.5, "variance": 0.0}),
])
def test_given_statistics_match_keras(input_shape, init_kwargs):
    check_layer(Normalization, input_shape, init_kwargs, keras_class="Normalization",
                expected_num_trainable_weights=0, expected_num_non_trainable_weights=0)


@pytest.mark.parametrize("init_kwargs", [{}, {"axis": (1, 2)}, {"axis": 1, "invert": True},
                                         {"axis": None}])
def test_adapted_layers_match_keras(init_kwargs):
    layer = check_layer(_adapted(DATA[:6]), (6, 4, 3), init_kwargs, keras_class="Normalization",
                        expected_num_trainable_weights=0, expected_num_non_trainable_weights=3)
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]


def _compare_adapt(data, keras_data=None, axis=-1, invert=False, **adapt_kwargs):
    """Adapt nnet on `data` and Keras on `keras_data` (an array; `data` by default)."""
    layer = Normalization(axis=axis, invert=invert)
    layer.adapt(data, **adapt_kwargs)
    klayer = _keras_layer(axis=axis, invert=invert)
    klayer.adapt(data if keras_data is None else keras_data)
    for w, kw in zip(layer.get_weights(), klayer.get_weights()):
        np.testing.assert_allclose(w, kw, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer(DATA).numpy(), _numpy(klayer(DATA)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("axis", [-1, (1, 2), 1, None, (0, 1, 2)])
@pytest.mark.parametrize("invert", [False, True])
def test_adapt_on_an_array_matches_keras(axis, invert):
    _compare_adapt(DATA, axis=axis, invert=invert)


@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_adapt_on_other_dtypes_matches_keras(dtype):
    data = (DATA * 10).astype(dtype)
    _compare_adapt(data)


@pytest.mark.parametrize("axis", [-1, (1, 2), None])
def test_adapt_on_batches_matches_keras(axis):
    batches = [DATA[:7], DATA[7:20], DATA[20:]]
    _compare_adapt(batches, keras_data=DATA, axis=axis)
    _compare_adapt((b for b in batches), keras_data=DATA, axis=axis)
    _compare_adapt([(b, np.zeros(len(b))) for b in batches], keras_data=DATA, axis=axis)


def test_batch_size_and_steps_split_an_array():
    _compare_adapt(DATA, batch_size=16)
    _compare_adapt(DATA, keras_data=DATA[:32], batch_size=16, steps=2)
    _compare_adapt(iter([DATA[:16], DATA[16:]]), keras_data=DATA[:16], steps=1)


def test_streamed_statistics_equal_the_whole_data_statistics():
    layer = Normalization(axis=-1, dtype="float64")
    layer.adapt(DATA.astype("float64"), batch_size=7)
    mean, variance, count = layer.get_weights()
    np.testing.assert_allclose(mean, DATA.mean(axis=(0, 1), dtype="float64"), rtol=1e-12)
    np.testing.assert_allclose(variance, DATA.astype("float64").var(axis=(0, 1)), rtol=1e-12)
    assert count == 0 and count.dtype == np.int32


def test_adapt_before_and_after_build():
    built = Normalization()
    built(DATA[:2])
    built.adapt(Tensor(DATA))
    fresh = Normalization()
    fresh.adapt(DATA)
    assert fresh.built
    for a, b in zip(built.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)
    standardized = fresh(DATA).numpy()
    np.testing.assert_allclose(standardized.mean(axis=(0, 1)), 0, atol=1e-5)
    np.testing.assert_allclose(standardized.std(axis=(0, 1)), 1, rtol=1e-5)
    with pytest.raises(ValueError, match=r"built for inputs of shape \(2, 4, 3\).*\(40, 4, 2\)"):
        built.adapt(DATA[..., :2])


def test_invert_undoes_the_normalization():
    forward, inverse = Normalization(axis=(1, 2)), Normalization(axis=(1, 2), invert=True)
    forward.adapt(DATA)
    inverse.adapt(DATA)
    np.testing.assert_allclose(inverse(forward(DATA)).numpy(), DATA, rtol=1e-5, atol=1e-5)


def test_config_after_adapt_keeps_the_statistics_out_of_the_config():
    layer = Normalization(axis=(1, 2))
    layer.adapt(DATA)
    config = layer.get_config()
    assert config["mean"] is None and config["variance"] is None and config["axis"] == (1, 2)


@pytest.mark.parametrize("kwargs, match", [
    ({"mean": 1.0}, r"mean=1.0, variance=None"),
    ({"mean": [1.0, 2.0], "variance": [1.0]}, r"mean of shape \(2,\) and variance of shape"),
    ({"axis": None, "mean": [1.0], "variance": [1.0]}, r"rank at most 0.*shape \(1,\)"),
    ({"mean": "a", "variance": "b"}, "mean='a'"),
    ({"axis": 1.5}, "axis=1.5"),
])
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Normalization(**kwargs)


def test_bad_shapes_and_calls_are_refused():
    with pytest.raises(ValueError, match=r"axis=\(2,\).*\(3, 4\)"):
        Normalization(axis=2)(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"mean of shape \(3,\).*kept axes"):
        Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 1.0, 1.0])(np.ones((3, 4)))
    with pytest.raises(ValueError, match="known size"):
        Normalization().build((None, None))
    with pytest.raises(ValueError, match="cannot adapt"):
        Normalization(mean=1.0, variance=1.0).adapt(DATA)
    with pytest.raises(ValueError, match="no data"):
        Normalization().adapt([])
    with pytest.raises(ValueError, match="batch_size=4"):
        Normalization().adapt([DATA], batch_size=4)
    with pytest.raises(ValueError, match="steps=0"):
        Normalization().adapt(DATA, steps=0)
    with pytest.raises(TypeError, match="data of type int"):
        Normalization().adapt(3)
