"""UnitNormalization against Keras 3: unit norms, zero vectors, axes and errors."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet import ops
from nnet.autodiff import Tensor, backward
from nnet.layers.unit_normalization import UnitNormalization


@pytest.mark.parametrize("input_shape, axis", [
    ((4, 5), -1), ((3, 4, 5), 1), ((3, 4, 5), [1, 2]), ((3, 4, 5), (0, -1)),
])
def test_unit_normalization_matches_keras(input_shape, axis):
    check_layer(UnitNormalization, input_shape, {"axis": axis}, keras_class="UnitNormalization")


def test_norms_are_one():
    x = np.random.default_rng(0).standard_normal((3, 4, 5))
    out = UnitNormalization(axis=(1, 2), dtype="float64")(x).numpy()
    np.testing.assert_allclose(np.sqrt((out**2).sum(axis=(1, 2))), np.ones(3), rtol=1e-12)
    np.testing.assert_allclose(out, x / np.linalg.norm(x, axis=(1, 2), keepdims=True))


def test_zero_vectors_stay_zero_with_a_finite_gradient():
    keras = pytest.importorskip("keras")
    x = np.array([[0.0, 0.0, 0.0], [1e-14, 0.0, 0.0], [3.0, 0.0, 4.0]], dtype="float32")
    out = UnitNormalization()(x).numpy()
    expected = keras.layers.UnitNormalization()(x).detach().cpu().numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    inputs = Tensor(x.astype("float64"), requires_grad=True)
    backward(ops.sum(UnitNormalization(dtype="float64")(inputs)))
    assert np.all(np.isfinite(inputs.grad))


def test_bad_axis_is_refused():
    with pytest.raises(TypeError, match="axis='a'"):
        UnitNormalization(axis="a")
    with pytest.raises(TypeError, match=r"axis=\[1, 2.0\]"):
        UnitNormalization(axis=[1, 2.0])
    with pytest.raises(ValueError, match=r"axis=3.*\(2, 3\)"):
        UnitNormalization(axis=3)(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"axis=\[-3\]"):
        UnitNormalization(axis=[-3]).compute_output_shape((None, 4))
