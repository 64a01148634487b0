"""ActivityRegularization against Keras 3: the added penalty, its gradient, config, errors."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_layer

from nnet.autodiff import Tensor, backward
from nnet.layers.activity_regularization import ActivityRegularization


@pytest.mark.parametrize("init_kwargs", [{}, {"l1": 0.01}, {"l2": 0.2}, {"l1": 0.3, "l2": 0.05}])
def test_activity_regularization_matches_keras(init_kwargs):
    layer = check_layer(ActivityRegularization, (4, 3), init_kwargs,
                        keras_class="ActivityRegularization")
    assert "activity_regularizer" not in layer.get_config()


@pytest.mark.parametrize("training", [False, True])
def test_penalty_equals_keras(training):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).standard_normal((5, 3, 2)).astype("float32")
    layer, klayer = ActivityRegularization(0.1, 0.3), keras.layers.ActivityRegularization(0.1, 0.3)
    np.testing.assert_array_equal(layer(x, training=training).numpy(), x)
    klayer(x, training=training)
    assert len(layer.losses) == len(klayer.losses) == 1
    expected = float(klayer.losses[0].detach().cpu().numpy())
    np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-6)
    np.testing.assert_allclose(expected, (0.1 * np.abs(x).sum() + 0.3 * (x**2).sum()) / 5,
                               rtol=1e-5)


def test_penalty_gradient_reaches_the_inputs():
    values = np.random.default_rng(1).standard_normal((4, 3))
    x = Tensor(values, requires_grad=True)
    layer = ActivityRegularization(l1=0.2, l2=0.5, dtype="float64")
    layer(x)
    backward(layer.losses[0])
    np.testing.assert_allclose(x.grad, (0.2 * np.sign(values) + 2 * 0.5 * values) / 4)


def test_each_call_replaces_the_previous_penalty():
    layer = ActivityRegularization(l1=1.0)
    layer(np.ones((2, 3)))
    layer(np.full((2, 3), 2.0))
    assert len(layer.losses) == 1 and float(layer.losses[0]) == 6.0


@pytest.mark.parametrize("name, value", [("l1", -0.1), ("l2", "0.1"), ("l1", float("nan"))])
def test_bad_factors_are_refused(name, value):
    with pytest.raises(ValueError, match=f"{name}="):
        ActivityRegularization(**{name: value})
