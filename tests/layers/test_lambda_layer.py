"""Lambda against Keras 3: calls, output shapes, configs of named functions and Python lambdas,
and loading that never runs code unless safe_mode=False is passed."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import copy
import json

import numpy as np
import pytest
from harness import IGNORED_CONFIG_KEYS, check_layer

import nnet
from nnet import activations, ops
from nnet.layers.lambda_layer import Lambda
from nnet.utils import register_keras_serializable

keras = pytest.importorskip("keras")
pytest.importorskip("torch")


@keras.saving.register_keras_serializable(package="nnet_tests")
@register_keras_serializable(package="nnet_tests")
def cube_plus(x, shift=0.0):
    return x * x * x + shift


def unregistered(x):
    return x + 1.0


class _KerasLambda(keras.layers.Lambda):
    """Keras's Lambda, except that from_config leaves its argument alone (Keras's overwrites
    the caller's dict, which check_layer reuses)."""

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        return super().from_config(copy.deepcopy(config), custom_objects, safe_mode)


def _without_names(config):
    return json.loads(json.dumps({k: v for k, v in config.items() if k not in IGNORED_CONFIG_KEYS}))


@pytest.mark.parametrize("init_kwargs", [
    {"function": cube_plus},
    {"function": cube_plus, "arguments": {"shift": 1.5}},
    {"function": cube_plus, "output_shape": (4,)},
])
def test_registered_functions_match_keras(init_kwargs):
    check_layer(Lambda, (3, 4), init_kwargs, keras_class=_KerasLambda)


def test_python_lambda_config_equals_keras():
    function = lambda x, scale=2.0: x * scale  # noqa: E731
    layer = Lambda(function, output_shape=lambda s: s, mask=lambda x, m: m)
    klayer = keras.layers.Lambda(function, output_shape=lambda s: s, mask=lambda x, m: m)
    config, kconfig = _without_names(layer.get_config()), _without_names(klayer.get_config())
    assert config["function"] == kconfig["function"]
    assert config["function"]["class_name"] == "__lambda__"
    assert config["function"]["config"]["defaults"] == [2.0]
    assert config.keys() == kconfig.keys()


def test_safe_mode_refuses_bytecode_without_decoding_it():
    config = Lambda(lambda x: x * 2.0).get_config()
    config["function"]["config"]["code"] = "not base64 bytecode at all"
    with pytest.raises(ValueError, match="safe_mode=False"):
        Lambda.from_config(config)
    with pytest.raises(ValueError, match="safe_mode=False"):
        Lambda.from_config(json.loads(json.dumps(config)), safe_mode=True)


@pytest.mark.parametrize("key, value", [("output_shape", lambda s: s),
                                        ("mask", lambda inputs, mask: mask)])
def test_safe_mode_refuses_every_lambda_in_the_config(key, value):
    config = Lambda(cube_plus, **{key: value}).get_config()
    with pytest.raises(ValueError, match=f"the {key} of a Lambda layer"):
        Lambda.from_config(config)


def test_unsafe_loading_rebuilds_lambdas_with_defaults_and_closures():
    offset = np.float32(0.5).item()
    layer = Lambda(lambda x, scale=3.0: ops.tanh(x) * scale + offset, output_shape=lambda s: s)
    config = json.loads(json.dumps(layer.get_config()))
    clone = Lambda.from_config(config, safe_mode=False)
    x = np.random.default_rng(0).standard_normal((2, 3)).astype("float32")
    np.testing.assert_allclose(clone(x).numpy(), np.tanh(x) * 3.0 + 0.5, rtol=1e-6)
    assert clone.compute_output_shape((None, 3)) == (None, 3)


def test_keras_lambda_config_loads_only_when_unsafe():
    kconfig = keras.layers.Lambda(lambda x: x * 2.0 - 1.0, output_shape=(3,)).get_config()
    with pytest.raises(ValueError, match="safe_mode=False"):
        Lambda.from_config(kconfig)
    layer = Lambda.from_config(kconfig, safe_mode=False)
    np.testing.assert_array_equal(layer(np.ones((2, 3))).numpy(), np.ones((2, 3)))
    assert layer.compute_output_shape((None, 3)) == (None, 3)


def test_named_functions_load_by_name():
    config = Lambda(cube_plus).get_config()
    assert config["function"] == {"module": "builtins", "class_name": "function",
                                  "config": "nnet_tests>cube_plus", "registered_name": "function"}
    assert Lambda.from_config(config).function is cube_plus
    relu = Lambda.from_config(Lambda(activations.relu).get_config())
    assert relu.function is activations.relu
    config = Lambda(unregistered).get_config()
    with pytest.raises(ValueError, match=r"'unregistered'.*custom_objects"):
        Lambda.from_config(config)
    loaded = Lambda.from_config(config, custom_objects={"unregistered": unregistered})
    assert loaded.function is unregistered


def test_unknown_function_configs_are_refused():
    config = Lambda(cube_plus).get_config()
    config["function"] = {"module": "keras.layers", "class_name": "Dense", "config": {}}
    with pytest.raises(ValueError, match="function=.*Dense"):
        Lambda.from_config(config)


def test_numpy_arguments_round_trip_as_keras_writes_them():
    arguments = {"shift": np.array([1.0, 2.0], dtype="float32")}
    config = Lambda(cube_plus, arguments=arguments).get_config()
    kconfig = keras.layers.Lambda(cube_plus, arguments=arguments).get_config()
    assert config["arguments"] == kconfig["arguments"]
    clone = Lambda.from_config(json.loads(json.dumps(config)))
    np.testing.assert_array_equal(clone(np.zeros((1, 2))).numpy(), [[1.0, 2.0]])


@pytest.mark.parametrize("output_shape, input_shape, expected", [
    ((6,), (None, 3), (None, 6)),
    ((2, None), (5, 3), (5, 2, None)),
    ([(2,), (3, 1)], [(None, 4), (None, 4)], [(None, 2), (None, 3, 1)]),
    (lambda s: (s[0], 2 * s[1]), (None, 3), (None, 6)),
])
def test_output_shapes_match_keras(output_shape, input_shape, expected):
    kshape = keras.layers.Lambda(cube_plus, output_shape=output_shape).compute_output_shape(
        input_shape)
    assert Lambda(cube_plus, output_shape=output_shape).compute_output_shape(input_shape) == (
        expected)
    assert json.dumps(kshape) == json.dumps(expected)


def test_output_shape_lists_are_shapes():
    layer = Lambda(cube_plus, output_shape=[2, None])
    assert layer.compute_output_shape((5, 3)) == (5, 2, None)
    assert layer.get_config()["output_shape"] == (2, None)


def test_output_shape_is_inferred_and_used_in_functional_models():
    inputs = nnet.Input(shape=(4, 3))
    outputs = Lambda(lambda x: ops.reshape(x, (x.shape[0], 12)))(inputs)
    assert outputs.shape == (None, 12)
    declared = Lambda(lambda x: ops.sum(x, axis=1), output_shape=(3,))(inputs)
    assert declared.shape == (None, 3)
    model = nnet.Model(inputs, [outputs, declared])
    flat, summed = model(np.ones((2, 4, 3)))
    assert flat.shape == (2, 12) and summed.shape == (2, 3)
    with pytest.raises(ValueError, match="output_shape="):
        Lambda(lambda x: x[:, 100] + "a").compute_output_shape((None, 4))


def test_training_mask_and_structures_reach_the_function():
    seen = {}

    def record(x, training=None, mask=None):
        seen.update(training=training, mask=mask)
        return x[0] + x[1]

    layer = Lambda(record, mask=lambda inputs, mask: "fixed")
    out = layer([np.ones((2, 2)), np.ones((2, 2))], training=True, mask="m")
    np.testing.assert_array_equal(out.numpy(), np.full((2, 2), 2.0))
    assert seen == {"training": True, "mask": "m"}
    assert layer.compute_mask(None, None) == "fixed" and layer.supports_masking
    assert Lambda(cube_plus, mask=np.array([True])).compute_mask(None)[0]


@pytest.mark.parametrize("kwargs, match", [
    ({"function": 3}, "function=3"),
    ({"function": cube_plus, "arguments": [1]}, r"arguments=\[1\]"),
    ({"function": cube_plus, "output_shape": "abc"}, "output_shape='abc'"),
    ({"function": cube_plus, "output_shape": (2.5,)}, r"output_shape=\(2.5,\)"),
])
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Lambda(**kwargs)
