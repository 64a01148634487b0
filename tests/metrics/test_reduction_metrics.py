"""Mean, Sum, MeanMetricWrapper and the Metric base against Keras 3 (torch backend)."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
from metric_oracle import (
    N,
    batches,
    binary,
    compare,
    f32,
    keras_value,
    regression,
    restart_name_counters,
    weights_for,
)

import nnet
from nnet import losses, metrics, ops
from nnet.autodiff import Tensor, Variable


@pytest.mark.parametrize("weights", [None, "samples", "column", "scalar"])
@pytest.mark.parametrize("shape", [(N,), (N, 3)])
@pytest.mark.parametrize("name", ["Mean", "Sum"])
def test_reductions_match_keras(keras, name, shape, weights):
    ours, theirs = getattr(metrics, name)(), getattr(keras.metrics, name)()
    rng = np.random.default_rng(1)
    for _ in range(3):
        # Positive values: a sum that cancels would measure Keras's float32 rounding instead.
        values = f32(rng.uniform(0.1, 2.0, size=shape))
        sw = f32(rng.uniform()) if weights == "scalar" else weights_for(rng, weights)
        ours.update_state(values, sample_weight=sw)
        theirs.update_state(values, sample_weight=sw)
        np.testing.assert_allclose(ours.result(), keras_value(keras, theirs.result()),
                                   rtol=1e-6, atol=1e-7)


def _max_abs(y_true, y_pred):
    return np.max(np.abs(np.asarray(y_true) - np.asarray(y_pred)), axis=-1)


@pytest.mark.parametrize("weights", [None, "samples"])
def test_mean_metric_wrapper_matches_keras(keras, weights):
    ours = metrics.MeanMetricWrapper(_max_abs, name="max_abs")
    theirs = keras.metrics.MeanMetricWrapper(_max_abs, name="max_abs")
    compare(keras, ours, theirs, batches(regression((N, 3), (N, 3)), 2, weights))
    y_true, y_pred = regression((N, 3), (N, 3))(np.random.default_rng(3))
    assert ours(y_true, y_pred) == pytest.approx(
        float(keras_value(keras, theirs(y_true, y_pred))), rel=1e-6)


@pytest.mark.parametrize("fn", ["mean_squared_error", "binary_crossentropy", "hinge", "poisson",
                                "kl_divergence", "log_cosh", "binary_accuracy",
                                "pearson_correlation"])
def test_wrapped_functions_direction_and_config_match_keras(keras, fn):
    restart_name_counters(keras)
    ours = metrics.MeanMetricWrapper(getattr(metrics, fn), name="m")
    theirs = keras.metrics.MeanMetricWrapper(getattr(keras.metrics, fn), name="m")
    assert getattr(ours, "_direction", None) == getattr(theirs, "_direction", None)
    assert ours.get_config() == theirs.get_config()
    rebuilt = metrics.MeanMetricWrapper.from_config(theirs.get_config())
    assert rebuilt._fn is getattr(metrics, fn) and rebuilt.name == "m"


def test_mean_metric_wrapper_names_match_keras(keras):
    restart_name_counters(keras)
    assert [metrics.MeanMetricWrapper(_max_abs).name for _ in range(2)] == [
        keras.metrics.MeanMetricWrapper(_max_abs).name for _ in range(2)]


@pytest.mark.filterwarnings("ignore:You are passing weight as `float`")
def test_tensors_are_accepted():
    y_true, y_pred = binary((N,), (N, 1))(np.random.default_rng(5))
    for name in ("BinaryAccuracy", "AUC", "Precision", "MeanSquaredError", "BinaryCrossentropy",
                 "TruePositives", "BinaryIoU", "Hinge"):
        arrays, tensors = getattr(metrics, name)(), getattr(metrics, name)()
        weights = np.linspace(0, 1, N)
        assert tensors(Tensor(y_true), Tensor(y_pred), Tensor(weights)) == arrays(
            y_true, y_pred, weights)
    y_true, y_pred = regression((N, 3), (N, 3))(np.random.default_rng(6))
    for metric in (metrics.F1Score(average="macro"), metrics.R2Score()):
        assert metric(Tensor(y_true > 0), Tensor(y_pred), Tensor(weights)) == type(metric)(
            **metric.get_config())(y_true > 0, y_pred, weights)


def test_wrapped_loss_function_records_no_graph():
    recorded = []

    def bce(y_true, y_pred):
        values = losses.binary_crossentropy(y_true, y_pred)
        recorded.append(values.requires_grad)
        return values

    y_true, z = binary((N, 1), (N, 1))(np.random.default_rng(7))
    y_pred = ops.sigmoid(Variable(z))
    metrics.MeanMetricWrapper(bce)(y_true, y_pred)
    model = nnet.Sequential([nnet.Input((1,)), nnet.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="mse", metrics=[metrics.MeanMetricWrapper(bce)])
    model.fit(z, y_true, batch_size=N, epochs=1, verbose=0)
    assert recorded == [False, False]


def test_custom_metric_with_add_variable():
    class TruePositives(metrics.Metric):
        def __init__(self, name="tp"):
            super().__init__(name=name)
            self.tp = self.add_variable(shape=(), initializer="zeros", name="tp")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.tp.assign(self.tp.numpy() + np.sum((np.asarray(y_true) == 1) & (y_pred > 0.5)))

        def result(self):
            return float(self.tp.numpy())

    m = TruePositives()
    assert m([1, 1, 0], np.array([0.9, 0.1, 0.8])) == 1.0
    assert len(m.variables) == 1 and m.variables[0].dtype == np.float32
    m.reset_state()
    assert m.result() == 0.0


def test_results_before_the_first_batch_are_zero():
    for metric in (metrics.Mean(), metrics.R2Score(), metrics.F1Score(), metrics.MeanIoU(3),
                   metrics.TruePositives(), metrics.PrecisionAtRecall(0.5)):
        assert metric.result() == 0.0


def test_mean_of_python_numbers_equals_the_mean_of_arrays():
    from nnet.metrics import Mean

    scalars, arrays = Mean(dtype="float64"), Mean(dtype="float64")
    for value, weight in [(0.5, 32), (1.25, 32), (2.0, 7), (3.5, None), (0.1, 2.5)]:
        scalars.update_state(value, sample_weight=weight)
        arrays.update_state(np.array([value]),
                            sample_weight=None if weight is None else np.array([weight]))
    assert scalars.result() == pytest.approx(arrays.result(), rel=1e-12)
    assert float(scalars.count) == float(arrays.count)
