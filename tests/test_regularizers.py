"""nnet.regularizers against NumPy formulas and Keras 3; gradients reach the weight."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest

from nnet import regularizers
from nnet.autodiff import Tensor, Variable, backward, check_grad

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

CASES = [
    ("L1", {}),
    ("L1", {"l1": 0.3}),
    ("L2", {}),
    ("L2", {"l2": 0.25}),
    ("L1L2", {}),
    ("L1L2", {"l1": 0.01, "l2": 0.02}),
    ("L1L2", {"l2": 0.1}),
    ("OrthogonalRegularizer", {}),
    ("OrthogonalRegularizer", {"factor": 0.5, "mode": "columns"}),
]


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _weights(shape=(5, 4), seed=0, dtype="float32"):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _orthogonal_reference(w, factor, mode):
    w = w.astype(np.float64)
    u = w if mode == "rows" else w.T
    u = u / np.maximum(np.linalg.norm(u, axis=1, keepdims=True), 1e-7)
    p = u @ u.T
    n = len(p)
    return factor * 0.5 * np.abs(p - np.diag(np.diag(p))).sum() / (n * (n - 1) / 2)


@pytest.mark.parametrize("name,args", CASES)
def test_value_matches_keras(keras, name, args):
    w = _weights()
    ours = getattr(regularizers, name)(**args)(w)
    theirs = getattr(keras.regularizers, name)(**args)(keras.ops.convert_to_tensor(w))
    assert isinstance(ours, Tensor) and ours.shape == () and ours.dtype == np.float32
    np.testing.assert_allclose(ours.numpy(), keras.ops.convert_to_numpy(theirs), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_match_numpy_formulas(dtype):
    w = _weights((6, 3), seed=1, dtype=dtype)
    rtol = 1e-6 if dtype == "float32" else 1e-12
    l1 = np.float64(np.float32(0.3))
    for reg, expected in [
        (regularizers.L1(0.3), l1 * np.abs(w).sum(dtype=np.float64)),
        (regularizers.L2(0.2), 0.2 * np.square(w, dtype=np.float64).sum()),
        (regularizers.L1L2(0.1, 0.2),
         0.1 * np.abs(w).sum(dtype=np.float64) + 0.2 * np.square(w, dtype=np.float64).sum()),
        (regularizers.OrthogonalRegularizer(0.5),
         _orthogonal_reference(w, np.float32(0.5), "rows")),
        (regularizers.OrthogonalRegularizer(0.5, "columns"),
         _orthogonal_reference(w, np.float32(0.5), "columns")),
    ]:
        out = reg(w)
        assert out.dtype == np.dtype(dtype)
        np.testing.assert_allclose(float(out), expected, rtol=rtol)


def test_l2_has_no_half_and_zero_l1l2_is_zero():
    assert float(regularizers.L2(1.0)(np.array([3.0]))) == 9.0
    zero = regularizers.L1L2()(np.ones((2, 2), dtype="float32"))
    assert isinstance(zero, Tensor) and float(zero) == 0.0 and zero.dtype == np.float32


def test_orthogonal_penalty_is_zero_for_orthogonal_rows_and_handles_zero_rows():
    q, _ = np.linalg.qr(_weights((5, 5), seed=2, dtype="float64"))
    assert float(regularizers.OrthogonalRegularizer(1.0)(q)) == pytest.approx(0.0, abs=1e-12)
    w = _weights((3, 4), seed=3, dtype="float64")
    w[1] = 0.0
    np.testing.assert_allclose(float(regularizers.OrthogonalRegularizer(1.0)(w)),
                               _orthogonal_reference(w, 1.0, "rows"), rtol=1e-12)


@pytest.mark.parametrize("name,args", [c for c in CASES if c != ("L1L2", {})])
def test_gradient_matches_central_differences(name, args):
    check_grad(getattr(regularizers, name)(**args), _weights((4, 3), seed=4, dtype="float64"))


def test_analytic_gradients_on_a_variable():
    w = _weights((4, 3), seed=5, dtype="float64")
    for reg, expected in [
        (regularizers.L1(0.3), np.float32(0.3) * np.sign(w)),
        (regularizers.L2(0.2), 2 * 0.2 * w),
        (regularizers.L1L2(0.1, 0.2), 0.1 * np.sign(w) + 2 * 0.2 * w),
    ]:
        v = Variable(w, name="kernel")
        backward(reg(v))
        np.testing.assert_allclose(v.grad, expected, rtol=1e-12)


@pytest.mark.parametrize("name,args", CASES)
def test_config_and_serialize_match_keras(keras, name, args):
    ours = getattr(regularizers, name)(**args)
    theirs = getattr(keras.regularizers, name)(**args)
    assert ours.get_config() == theirs.get_config()
    assert regularizers.serialize(ours) == keras.regularizers.serialize(theirs)
    again = regularizers.deserialize(keras.regularizers.serialize(theirs))
    assert type(again) is type(ours) and again.get_config() == ours.get_config()
    read_by_keras = keras.regularizers.deserialize(regularizers.serialize(ours))
    assert read_by_keras.get_config() == theirs.get_config()


def test_string_ids_match_keras(keras):
    from keras.src.regularizers import ALL_OBJECTS_DICT

    for name, cls in ALL_OBJECTS_DICT.items():
        ours = regularizers.get(name)
        assert type(ours).__name__ == cls.__name__, name
        if name not in ("Regularizer", "regularizer"):
            assert ours.get_config() == cls().get_config()
    # Keras's table spells L1L2 "l1l2"; "l1_l2" is its exported alias, and nnet accepts both.
    assert regularizers.get("l1_l2").get_config() == keras.regularizers.l1_l2().get_config()
    assert regularizers.get("l2").l2 == 0.01 and regularizers.get(None) is None


def test_lowercase_callables_build_instances(keras):
    for name in ["l1", "l2", "l1_l2", "orthogonal_regularizer"]:
        assert getattr(regularizers, name).__name__ == getattr(keras.regularizers, name).__name__
    assert isinstance(regularizers.l2(0.1), regularizers.L2)
    assert regularizers.l1_l2(l1=0.1, l2=0.2).get_config() == {"l1": 0.1, "l2": 0.2}


def test_get_passes_callables_and_dicts():
    fn = lambda w: 0.5 * w
    assert regularizers.get(fn) is fn
    reg = regularizers.L1(0.2)
    assert regularizers.get(reg) is reg
    assert isinstance(regularizers.get(regularizers.L2), regularizers.L2)
    assert regularizers.get({"class_name": "L2", "config": {"l2": 0.5}}).l2 == 0.5


def test_errors():
    with pytest.raises(ValueError, match="Valid names are: .*l1_l2") as info:
        regularizers.get("l3")
    assert "regularizer='l3'" in str(info.value)
    with pytest.raises(ValueError, match=r"non-negative finite float for l2. Received: l2=-1"):
        regularizers.L2(-1)
    with pytest.raises(ValueError, match=r"factor. Received: factor='a'"):
        regularizers.OrthogonalRegularizer("a")
    with pytest.raises(ValueError, match=r"Received: mode='diag'"):
        regularizers.OrthogonalRegularizer(mode="diag")
    with pytest.raises(ValueError, match=r"2-D weight. Received: x.shape=\(2, 2, 2\)"):
        regularizers.OrthogonalRegularizer()(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match=r"at least 2 rows"):
        regularizers.OrthogonalRegularizer()(np.ones((1, 3)))
