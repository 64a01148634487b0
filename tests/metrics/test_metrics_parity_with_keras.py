"""Metrics against Keras 3 (torch backend): state, configs and how models report them."""

import os

import numpy as np
import pytest

# Keras reads its backend once, at import: set it before anything can import keras.
os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")

import nnet  # noqa: E402


@pytest.mark.parametrize("name, kwargs", [
    ("Precision", {"thresholds": [0.4, 0.9]}), ("Recall", {"thresholds": [0.4, 0.9]}),
    ("AUC", {"num_thresholds": 5}), ("Mean", {}), ("F1Score", {}), ("MeanIoU", {"num_classes": 3}),
    ("TruePositives", {}), ("SensitivityAtSpecificity", {"specificity": 0.5}),
])
def test_metric_variables_have_keras_names_and_shapes(name, kwargs):
    ours = getattr(nnet.metrics, name)(**kwargs)
    theirs = getattr(keras.metrics, name)(**kwargs)
    if name == "F1Score":  # its state is made for the first batch's shape
        for metric in (ours, theirs):
            metric.update_state(np.ones((2, 3), "float32"), np.ones((2, 3), "float32"))
    assert [(v.name, tuple(v.shape)) for v in ours.variables] == [
        (v.name, tuple(v.shape)) for v in theirs.variables]


def _absolute_gap(lib):
    def absolute_gap(y_true, y_pred):
        return lib.ops.mean(lib.ops.abs(y_true - y_pred), axis=-1)

    return absolute_gap


def test_mean_metric_wrapper_of_a_registered_function_survives_its_config():
    y_true = np.array([[0.0, 1.0], [2.0, 2.0]], "float32")
    y_pred = np.array([[1.0, 1.0], [0.0, 2.5]], "float32")
    results = {}
    for lib in (nnet, keras):
        fn = lib.saving.register_keras_serializable(package="parity")(_absolute_gap(lib))
        config = lib.metrics.MeanMetricWrapper(fn, name="gap").get_config()
        clone = lib.metrics.MeanMetricWrapper.from_config(config)
        clone.update_state(y_true, y_pred)
        results[lib.__name__] = config, float(clone.result()), clone.name
    assert results["nnet"] == results["keras"]


@pytest.mark.parametrize("y_true, y_pred", [
    ([[1], [2]], [[[0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]]),
    ([[1], [2]], [[0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]),
    ([1, 0, 2], [[0.1, 0.8, 0.1], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]]),
    ([[0, 1], [2, 2]], [[[0.7, 0.3, 0.0], [0.1, 0.8, 0.1]], [[0.1, 0.1, 0.8], [0.5, 0.4, 0.1]]]),
])
def test_sparse_categorical_accuracy_broadcasts_as_keras(y_true, y_pred):
    y_true, y_pred = np.array(y_true, "float32"), np.array(y_pred, "float32")
    ours = nnet.metrics.sparse_categorical_accuracy(y_true, y_pred)
    theirs = keras.ops.convert_to_numpy(keras.metrics.sparse_categorical_accuracy(y_true, y_pred))
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)
    metrics = [lib.metrics.SparseCategoricalAccuracy() for lib in (nnet, keras)]
    for metric in metrics:
        metric.update_state(y_true, y_pred)
    assert float(metrics[0].result()) == pytest.approx(float(metrics[1].result()))


def _tracking_model(lib):
    class Tracking(lib.Model):
        def __init__(self):
            super().__init__()
            self.dense = lib.layers.Dense(1)
            self.tracker = lib.metrics.Mean(name="my_mean")

        def call(self, inputs):
            return self.dense(inputs)

    return Tracking()


@pytest.mark.parametrize("metrics", [None, ["mae"]])
def test_model_metrics_list_as_keras_after_compile_and_fit(metrics):
    x, y = np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
    results = {}
    for lib in (nnet, keras):
        listed = []
        for model in (_tracking_model(lib),
                      lib.Sequential([lib.Input((2,)), lib.layers.Dense(1)])):
            listed.append([m.name for m in model.metrics])
            model.compile(optimizer="sgd", loss="mse", metrics=metrics)
            listed.append([m.name for m in model.metrics])
            model.fit(x, y, verbose=0)
            listed.append([m.name for m in model.metrics])
        results[lib.__name__] = listed
    assert results["nnet"] == results["keras"]


@pytest.mark.parametrize("name, kwargs", [
    ("huber", {"delta": 0.5}),
    ("binary_focal_crossentropy", {"apply_class_balancing": True, "gamma": 1.5}),
    ("categorical_focal_crossentropy", {"alpha": 0.5, "label_smoothing": 0.1}),
])
def test_focal_and_huber_metric_functions_as_keras(name, kwargs):
    rng = np.random.default_rng(0)
    y_pred = rng.uniform(0.05, 0.95, (4, 3))
    y_true = np.eye(3)[rng.integers(0, 3, 4)] if "categorical" in name else (y_pred > 0.5) * 1.0
    ours = getattr(nnet.metrics, name)
    assert ours is getattr(nnet.losses, name)
    theirs = keras.ops.convert_to_numpy(getattr(keras.metrics, name)(y_true, y_pred, **kwargs))
    np.testing.assert_allclose(ours(y_true, y_pred, **kwargs).numpy(), theirs, rtol=1e-6)
    mean = nnet.metrics.MeanMetricWrapper(ours, **kwargs)
    mean.update_state(y_true, y_pred)
    np.testing.assert_allclose(mean.result(), theirs.mean(), rtol=1e-6)
    clone = nnet.metrics.MeanMetricWrapper.from_config(mean.get_config())
    clone.update_state(y_true, y_pred)
    assert clone.result() == mean.result()
