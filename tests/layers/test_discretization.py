"""Discretization against Keras 3: fixed bins in every output mode, boundaries learned by
`adapt` (equal to Keras's for arrays, lists of batches and generators), configs, errors.

Keras's `adapt` needs TensorFlow, so the Keras reference runs the same steps that its adapt
runs on an iterable: `reset_state`, `update_state` per batch, `finalize_state`. The outputs are
not differentiable, so `check_layer`'s shape, config and Keras checks are run directly."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import harness
import numpy as np
import pytest

from nnet.layers.discretization import Discretization

RNG = np.random.default_rng(0)
DATA = np.concatenate([RNG.standard_normal(700) * 2, RNG.exponential(3.0, 300)]).astype("float32")


def _keras_adapted(batches, **kwargs):
    keras = pytest.importorskip("keras")
    klayer = keras.layers.Discretization(**kwargs)
    klayer.reset_state()
    for batch in batches:
        klayer.update_state(batch)
    klayer.finalize_state()
    return klayer


def _check(layer, keras_kwargs, x):
    """check_layer's shape, config and Keras comparisons for a non-differentiable layer."""
    harness._check_shapes(layer, x.shape, layer(x), None)
    harness._check_config_round_trip(layer, x, {})
    harness._check_against_keras(layer, "Discretization", keras_kwargs, x, {}, True)


@pytest.mark.parametrize("output_mode", ["int", "one_hot", "multi_hot", "count"])
def test_fixed_bins_match_keras(output_mode):
    kwargs = {"bin_boundaries": [-1.0, 0.0, 0.25, 2.0], "output_mode": output_mode}
    x = RNG.standard_normal((6, 5)).astype("float32")
    x[0, :4] = kwargs["bin_boundaries"]
    _check(Discretization(**kwargs), kwargs, x)


def test_values_equal_numpy_digitize():
    x = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, np.nan, -np.inf]])
    out = Discretization(bin_boundaries=[0.0, 1.0, 2.0])(x)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.numpy(), np.digitize(x, [0.0, 1.0, 2.0]))


def test_integer_inputs_are_compared_as_integers():
    layer = Discretization(bin_boundaries=[2, 4])
    assert layer.autocast is False
    x = np.array([[1, 2, 3, 4, 5]], dtype="int64")
    np.testing.assert_array_equal(layer(x).numpy(), [[0, 1, 1, 2, 2]])
    keras = pytest.importorskip("keras")
    expected = keras.layers.Discretization(bin_boundaries=[2, 4])(x).detach().cpu().numpy()
    np.testing.assert_array_equal(layer(x).numpy(), expected)


@pytest.mark.parametrize("num_bins, epsilon", [(4, 0.01), (7, 0.05), (3, 0.001), (50, 0.1)])
def test_adapt_on_an_array_matches_keras(num_bins, epsilon):
    layer = Discretization(num_bins=num_bins, epsilon=epsilon)
    layer.adapt(DATA.reshape(100, 10))
    klayer = _keras_adapted([DATA.reshape(100, 10)], num_bins=num_bins, epsilon=epsilon)
    assert layer.bin_boundaries == klayer.bin_boundaries
    assert len(layer.bin_boundaries) == min(num_bins, round(1 / epsilon)) - 1
    x = DATA[:40].reshape(8, 5)
    harness._check_shapes(layer, x.shape, layer(x), None)
    harness._check_config_round_trip(layer, x, {})
    np.testing.assert_array_equal(layer(x).numpy(), klayer(x).detach().cpu().numpy())
    assert harness._comparable(layer.get_config()) == harness._comparable(klayer.get_config())


def test_adapted_boundaries_are_quantiles():
    layer = Discretization(num_bins=4, epsilon=0.001)
    layer.adapt(DATA)
    np.testing.assert_allclose(layer.bin_boundaries, np.quantile(DATA, [0.25, 0.5, 0.75]),
                               rtol=0.02)
    counts = np.bincount(layer(DATA).numpy(), minlength=4)
    assert counts.min() >= 240 and counts.max() <= 260


@pytest.mark.parametrize("epsilon", [0.01, 0.002])
def test_adapt_on_batches_matches_keras(epsilon):
    batches = [DATA[:130], DATA[130:600].reshape(47, 10), DATA[600:]]
    klayer = _keras_adapted(batches, num_bins=5, epsilon=epsilon)
    for data in (batches, iter(batches), ((b, None) for b in batches)):
        layer = Discretization(num_bins=5, epsilon=epsilon)
        layer.adapt(data)
        assert layer.bin_boundaries == klayer.bin_boundaries
    layer = Discretization(num_bins=5, epsilon=epsilon)
    layer.adapt(DATA, batch_size=400, steps=2)
    assert layer.bin_boundaries == _keras_adapted(
        [DATA[:400], DATA[400:800]], num_bins=5, epsilon=epsilon).bin_boundaries


def test_readapting_starts_afresh():
    layer = Discretization(num_bins=3)
    layer.adapt(DATA * 100)
    layer.adapt(DATA)
    expected = Discretization(num_bins=3)
    expected.adapt(DATA)
    assert layer.bin_boundaries == expected.bin_boundaries


def test_adapted_config_loads_in_keras_with_the_same_outputs():
    keras = pytest.importorskip("keras")
    layer = Discretization(num_bins=6, output_mode="one_hot")
    layer.adapt(DATA)
    config = layer.get_config()
    assert config["num_bins"] == 6 and len(config["bin_boundaries"]) == 5
    x = DATA[:30].reshape(10, 3)
    klayer = keras.layers.Discretization.from_config(dict(config))
    np.testing.assert_array_equal(layer(x).numpy(), klayer(x).detach().cpu().numpy())
    clone = Discretization.from_config(klayer.get_config())
    assert clone.bin_boundaries == layer.bin_boundaries


@pytest.mark.parametrize("input_shape", [(None, 4), (None, 1), (None,)])
@pytest.mark.parametrize("output_mode", ["int", "one_hot", "multi_hot", "count"])
def test_output_shapes_match_keras(input_shape, output_mode):
    keras = pytest.importorskip("keras")
    kwargs = {"bin_boundaries": [0.0, 1.0], "output_mode": output_mode}
    expected = keras.layers.Discretization(**kwargs).compute_output_shape(input_shape)
    assert Discretization(**kwargs).compute_output_shape(input_shape) == tuple(expected)
    assert Discretization(num_bins=3, output_mode=output_mode).compute_output_shape(
        input_shape) == tuple(expected)


@pytest.mark.parametrize("kwargs, match", [
    ({}, "bin_boundaries=None, num_bins=None"),
    ({"bin_boundaries": [0.0], "num_bins": 2}, r"bin_boundaries=\[0.0\], num_bins=2"),
    ({"num_bins": 0}, "num_bins=0"),
    ({"num_bins": 2.0}, "num_bins=2.0"),
    ({"bin_boundaries": [1.0, 0.0]}, r"bin_boundaries=\[1.0, 0.0\]"),
    ({"bin_boundaries": ["a"]}, r"bin_boundaries=\['a'\]"),
    ({"num_bins": 2, "epsilon": 0}, "epsilon=0"),
    ({"num_bins": 2, "output_mode": "binary"}, "output_mode='binary'"),
    ({"num_bins": 2, "output_mode": "one_hot", "sparse": True}, "sparse=True"),
])
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Discretization(**kwargs)


def test_adapt_and_call_in_the_wrong_state_are_refused():
    with pytest.raises(ValueError, match="cannot adapt"):
        Discretization(bin_boundaries=[0.0]).adapt(DATA)
    with pytest.raises(ValueError, match="call adapt"):
        Discretization(num_bins=3)(DATA)
    with pytest.raises(ValueError, match="no data"):
        Discretization(num_bins=3).adapt(iter([]))
