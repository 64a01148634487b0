"""nnet.activations against keras.activations: lookup, serialization and values."""

import math
import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest

from nnet import activations
from nnet.autodiff import Tensor

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

NAMES = ["relu", "sigmoid", "softmax", "tanh", "linear", "elu", "selu", "gelu", "silu", "swish",
         "softplus", "softsign", "exponential", "hard_sigmoid", "hard_silu", "hard_swish",
         "leaky_relu", "relu6", "mish", "log_softmax", "log_sigmoid", "celu",
         "hard_shrink", "hard_tanh", "soft_shrink", "sparse_plus", "sparse_sigmoid",
         "squareplus", "tanh_shrink"]
# glu needs an even axis: it is compared with axis=0 in KWARGS.

KWARGS = [
    ("relu", {"negative_slope": 0.1}),
    ("relu", {"max_value": 1.5}),
    ("relu", {"threshold": 0.5}),
    ("relu", {"negative_slope": 0.2, "max_value": 2.0, "threshold": 0.5}),
    ("leaky_relu", {"negative_slope": 0.3}),
    ("elu", {"alpha": 0.5}),
    ("gelu", {"approximate": True}),
    ("softmax", {"axis": 0}),
    ("log_softmax", {"axis": 0}),
    ("celu", {"alpha": 0.5}),
    ("glu", {"axis": 0}),
    ("hard_shrink", {"threshold": 1.0}),
    ("soft_shrink", {"threshold": 1.0}),
    ("squareplus", {"b": 2.0}),
    ("threshold", {"threshold": 0.5, "default_value": -1.0}),
]


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


# In float32, gelu's 1 + erf(x / sqrt(2)) cancels for x < -3: there torch's value is off by up to
# 5e-7 absolute from a float64 reference (nnet's by 1e-7), so gelu gets that floor in float32;
# the float64 comparison below checks it tightly.
# Likewise Keras's float32 squareplus cancels for x < 0 (x + sqrt(x^2 + b)), where nnet uses the
# equal b / (sqrt(x^2 + b) - x); the float64 comparison checks nnet tightly.
_ATOL32 = {"gelu": 1e-6, "squareplus": 1e-6}


@pytest.fixture(scope="module")
def x():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.standard_normal(60) * 3, [0.0, -3.0, 3.0, 6.0, -12.0, 12.0]])
    return values.reshape(6, 11)


def _compare(keras, name, x, dtype, **kwargs):
    x = x.astype(dtype)
    ours = getattr(activations, name)(x, **kwargs)
    ours = ours.numpy() if isinstance(ours, Tensor) else np.asarray(ours)
    theirs = getattr(keras.activations, name)(keras.ops.convert_to_tensor(x), **kwargs)
    # Every activation keeps the shape, but glu, which halves its axis.
    assert ours.dtype == np.dtype(dtype)
    assert ours.shape == tuple(keras.ops.shape(theirs))
    assert (ours.shape == x.shape) == (name != "glu")
    if dtype == "float32":
        rtol, atol = 1e-6, _ATOL32.get(name, 1e-7)
    else:
        rtol, atol = 1e-10, 1e-14
    np.testing.assert_allclose(ours, keras.ops.convert_to_numpy(theirs), rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
def test_values_match_keras(keras, x, name, dtype):
    _compare(keras, name, x, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", KWARGS)
def test_arguments_match_keras(keras, x, name, kwargs, dtype):
    _compare(keras, name, x, dtype, **kwargs)


def test_gelu_float32_tail_against_float64_reference():
    x = np.linspace(-6.0, 2.0, 161).astype(np.float32)
    exact = np.array([0.5 * v * math.erfc(-v / math.sqrt(2)) for v in x.astype(np.float64)])
    np.testing.assert_allclose(activations.gelu(x).numpy(), exact, rtol=1e-6, atol=2e-7)


def test_module_functions_are_the_ops(x):
    from nnet.ops import nn

    for name in NAMES:
        fn = getattr(activations, name)
        assert activations.get(name) is fn
        if name != "gelu":
            assert fn is getattr(nn, name)
    assert isinstance(activations.relu(x), Tensor)


@pytest.mark.parametrize("name", NAMES)
def test_serialize_matches_keras(keras, name):
    ours = activations.serialize(activations.get(name))
    assert ours == keras.activations.serialize(keras.activations.get(name))
    assert activations.deserialize(ours) is activations.get(name)
    assert keras.activations.deserialize(ours).__name__ == ours


def test_names_are_keras_names(keras):
    from keras.src.activations import ALL_OBJECTS_DICT

    assert set(NAMES) <= set(ALL_OBJECTS_DICT)
    assert activations.get(None) is activations.linear
    assert activations.serialize(None) == "linear" == keras.activations.serialize(
        keras.activations.get(None)
    )


def test_user_function_serializes_like_keras(keras):
    def scaled_tanh(x):
        return 2 * activations.tanh(x)

    ours = activations.serialize(scaled_tanh)
    assert ours == keras.activations.serialize(scaled_tanh)
    assert ours == {"module": "builtins", "class_name": "function", "config": "scaled_tanh",
                    "registered_name": "function"}
    assert activations.deserialize(ours, custom_objects={"scaled_tanh": scaled_tanh}) is scaled_tanh
    with pytest.raises(ValueError, match="activation='scaled_tanh'"):
        activations.deserialize(ours)


def test_builtin_function_dict_deserializes():
    cfg = {"module": "builtins", "class_name": "function", "config": "relu",
           "registered_name": "function"}
    assert activations.deserialize(cfg) is activations.relu
    assert activations.get(cfg) is activations.relu


def test_get_passes_callables_and_rejects_unknown_names():
    fn = lambda t: t
    assert activations.get(fn) is fn
    with pytest.raises(ValueError, match="activation='rellu'") as info:
        activations.get("rellu")
    message = str(info.value)
    assert "Did you mean 'relu'" in message and "Valid names are" in message
    assert all(name in message for name in NAMES)
    with pytest.raises(ValueError, match="Cannot serialize activation"):
        activations.serialize(object())
