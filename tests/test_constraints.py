"""nnet.constraints against Keras 3 on the same arrays; configs and string ids."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest

from nnet import constraints
from nnet.autodiff import Variable

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

CASES = [
    ("MaxNorm", {}),
    ("MaxNorm", {"max_value": 0.5, "axis": 1}),
    ("MaxNorm", {"max_value": 1.5, "axis": [0, 1, 2]}),
    ("NonNeg", {}),
    ("UnitNorm", {}),
    ("UnitNorm", {"axis": [0, 1, 2]}),
    ("MinMaxNorm", {}),
    ("MinMaxNorm", {"min_value": 1.0, "max_value": 1.2, "rate": 0.5, "axis": 1}),
    ("MinMaxNorm", {"min_value": 2.5, "max_value": 3.0, "axis": [0, 1, 2]}),
]


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _weights(args, dtype="float32"):
    shape = (3, 3, 4, 5) if isinstance(args.get("axis"), list) else (6, 4)
    w = np.random.default_rng(0).standard_normal(shape)
    # Rows/columns of both small and large norm, so every clip branch is taken.
    w[..., 0] *= 0.05
    return w.astype(dtype)


@pytest.mark.parametrize("name,args", CASES)
def test_values_match_keras(keras, name, args):
    w = _weights(args)
    ours = getattr(constraints, name)(**args)(w)
    theirs = getattr(keras.constraints, name)(**args)(keras.ops.convert_to_tensor(w))
    assert isinstance(ours, np.ndarray) and ours.dtype == np.float32 and ours.shape == w.shape
    np.testing.assert_allclose(ours, keras.ops.convert_to_numpy(theirs), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name,args", CASES)
def test_float64_and_input_untouched(name, args):
    w = _weights(args, dtype="float64")
    before = w.copy()
    out = getattr(constraints, name)(**args)(w)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(w, before)


def test_norm_properties():
    w = np.random.default_rng(1).standard_normal((8, 6)) * np.array([0.01, 0.1, 1, 3, 10, 30])
    norms = np.linalg.norm(w, axis=0)
    shrink = norms / (1e-7 + norms)
    capped = np.linalg.norm(constraints.MaxNorm(2.0)(w), axis=0)
    np.testing.assert_allclose(capped, np.minimum(norms, 2.0) * shrink, rtol=1e-12)
    unit = np.linalg.norm(constraints.UnitNorm()(w), axis=0)
    np.testing.assert_allclose(unit, shrink, rtol=1e-12)
    bounded = np.linalg.norm(constraints.MinMaxNorm(0.5, 2.0, rate=0.25)(w), axis=0)
    desired = 0.25 * np.clip(norms, 0.5, 2.0) + 0.75 * norms
    np.testing.assert_allclose(bounded, desired * shrink, rtol=1e-12)
    np.testing.assert_array_equal(constraints.NonNeg()(w), np.where(w > 0, w, 0.0))


def test_applied_like_an_optimizer_does():
    v = Variable(np.array([[3.0, -1.0], [4.0, 1.0]]), name="kernel",
                 constraint=constraints.get("max_norm"))
    v.assign(v.constraint(v.data))
    np.testing.assert_allclose(np.linalg.norm(v.numpy(), axis=0), [2.0, np.sqrt(2.0)], rtol=1e-6)


@pytest.mark.parametrize("name,args", CASES)
def test_config_and_serialize_match_keras(keras, name, args):
    ours = getattr(constraints, name)(**args)
    theirs = getattr(keras.constraints, name)(**args)
    assert ours.get_config() == theirs.get_config()
    assert constraints.serialize(ours) == keras.constraints.serialize(theirs)
    again = constraints.deserialize(keras.constraints.serialize(theirs))
    assert type(again) is type(ours) and again.get_config() == ours.get_config()
    read_by_keras = keras.constraints.deserialize(constraints.serialize(ours))
    assert read_by_keras.get_config() == theirs.get_config()


def test_string_ids_match_keras(keras):
    from keras.src.constraints import ALL_OBJECTS_DICT

    assert {"max_norm", "non_neg", "unit_norm", "min_max_norm"} <= set(ALL_OBJECTS_DICT)
    for name in ALL_OBJECTS_DICT:
        ours, theirs = constraints.get(name), keras.constraints.get(name)
        assert type(ours).__name__ == type(theirs).__name__, name
        assert ours.get_config() == theirs.get_config()
    for name in ["max_norm", "non_neg", "unit_norm", "min_max_norm"]:
        assert getattr(constraints, name).__name__ == getattr(keras.constraints, name).__name__


def test_get_identifiers_and_errors():
    assert constraints.get(None) is None
    fn = lambda w: w * 0
    assert constraints.get(fn) is fn
    c = constraints.UnitNorm(axis=1)
    assert constraints.get(c) is c
    assert isinstance(constraints.get(constraints.NonNeg), constraints.NonNeg)
    assert constraints.get({"class_name": "MaxNorm", "config": {"max_value": 3}}).max_value == 3
    assert constraints.deserialize("unit_norm").axis == 0
    w = np.array([1.0, -2.0])
    np.testing.assert_array_equal(constraints.Constraint()(w), w)
    with pytest.raises(ValueError, match="constraint='maxnorm2'") as info:
        constraints.get("maxnorm2")
    assert "Valid names are" in str(info.value) and "min_max_norm" in str(info.value)
