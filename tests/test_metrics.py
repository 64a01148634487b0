"""nnet.metrics against Keras 3 (torch backend) batch by batch, and against scikit-learn."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest

from nnet import metrics
from nnet.autodiff import Tensor
from nnet.utils.naming import reset_names

N = 48


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


def _rng(seed):
    return np.random.default_rng(seed)


def _f32(x):
    return np.asarray(x, dtype=np.float32)


# Data makers: each returns (y_true, y_pred) for one batch.
def binary(shape_true, shape_pred):
    def make(rng):
        return _f32(rng.integers(0, 2, shape_true)), _f32(rng.random(shape_pred))
    return make


def one_hot(classes, rank3=False):
    def make(rng):
        shape = (N, 3) if rank3 else (N,)
        labels = rng.integers(0, classes, shape)
        return _f32(np.eye(classes)[labels]), _f32(rng.random(shape + (classes,)))
    return make


def sparse(classes, label_shape=(N,)):
    def make(rng):
        scores_shape = label_shape[:-1] + (classes,) if label_shape[-1] == 1 else (
            label_shape + (classes,))
        return rng.integers(0, classes, label_shape), _f32(rng.random(scores_shape))
    return make


def sorted_ids(classes, kept):
    def make(rng):
        scores = rng.random((N, classes))
        return rng.integers(0, classes, (N,)), _f32(np.argsort(-scores, axis=1)[:, :kept])
    return make


def integers(rng):
    return rng.integers(0, 3, (N,)), rng.integers(0, 3, (N, 1))


def regression(shape_true, shape_pred, low=-2.0, high=2.0):
    def make(rng):
        return _f32(rng.uniform(low, high, shape_true)), _f32(rng.uniform(low, high, shape_pred))
    return make


def on_grid(shape, steps):
    """Scores exactly on the threshold grid i/steps, and outside [0, 1]: the ties and clips."""
    def make(rng):
        grid = _f32(rng.integers(-1, steps + 2, shape)) / _f32(steps)
        return _f32(rng.integers(0, 2, shape)), grid
    return make


def logits(shape):
    def make(rng):
        return _f32(rng.integers(0, 2, shape)), _f32(rng.normal(0, 3, shape))
    return make


CASES = [
    ("BinaryAccuracy", {}, binary((N,), (N, 1))),
    ("BinaryAccuracy", {"threshold": 0.3}, binary((N, 1), (N, 1))),
    ("BinaryAccuracy", {}, binary((N, 4), (N, 4))),
    ("CategoricalAccuracy", {}, one_hot(5)),
    ("CategoricalAccuracy", {}, one_hot(4, rank3=True)),
    ("SparseCategoricalAccuracy", {}, sparse(5)),
    ("SparseCategoricalAccuracy", {}, sparse(5, (N, 1))),
    ("SparseCategoricalAccuracy", {}, sparse(4, (N, 3))),
    ("TopKCategoricalAccuracy", {"k": 2}, one_hot(6)),
    ("TopKCategoricalAccuracy", {}, one_hot(6, rank3=True)),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, sparse(6)),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, sparse(6, (N, 1))),
    ("SparseTopKCategoricalAccuracy", {"k": 2, "from_sorted_ids": True}, sorted_ids(6, 4)),
    ("Accuracy", {}, integers),
    ("MeanSquaredError", {}, regression((N, 3), (N, 3))),
    ("MeanSquaredError", {}, regression((N,), (N, 1))),
    ("RootMeanSquaredError", {}, regression((N, 3), (N, 3))),
    ("RootMeanSquaredError", {}, regression((N, 1), (N,))),
    ("MeanAbsoluteError", {}, regression((N, 3), (N, 3))),
    ("MeanAbsolutePercentageError", {}, regression((N, 3), (N, 3), 0.5, 3.0)),
    ("MeanSquaredLogarithmicError", {}, regression((N, 3), (N, 3), 0.0, 3.0)),
    ("Precision", {}, binary((N,), (N,))),
    ("Precision", {"thresholds": [0.3, 0.5, 0.7]}, binary((N, 1), (N, 1))),
    ("Precision", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, binary((N, 3), (N, 3))),
    ("Precision", {"top_k": 2}, binary((N, 5), (N, 5))),
    ("Precision", {"class_id": 1}, binary((N, 5), (N, 5))),
    ("Precision", {"top_k": 2, "class_id": 3, "thresholds": 0.4}, binary((N, 5), (N, 5))),
    ("Precision", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, on_grid((N,), 4)),
    ("Precision", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, on_grid((N,), 8)),
    ("Recall", {}, binary((N,), (N, 1))),
    ("Recall", {"thresholds": [0.3, 0.5, 0.7]}, binary((N, 4), (N, 4))),
    ("Recall", {"thresholds": [0.0, 0.5, 1.0]}, binary((N,), (N,))),
    ("Recall", {"top_k": 1}, binary((N, 5), (N, 5))),
    ("Recall", {"class_id": 0}, binary((N, 5), (N, 5))),
    ("AUC", {}, binary((N,), (N, 1))),
    ("AUC", {"curve": "PR"}, binary((N,), (N,))),
    ("AUC", {"curve": "PRGAIN"}, binary((N,), (N,))),
    ("AUC", {"num_thresholds": 7, "summation_method": "minoring"}, binary((N, 2), (N, 2))),
    ("AUC", {"curve": "PR", "summation_method": "majoring"}, binary((N,), (N,))),
    ("AUC", {"from_logits": True}, logits((N, 1))),
    ("AUC", {}, on_grid((N,), 199)),
    ("AUC", {"num_thresholds": 5, "multi_label": True}, on_grid((N, 2), 4)),
    ("AUC", {"thresholds": [0.25, 0.5, 0.75]}, on_grid((N,), 4)),
    ("AUC", {"thresholds": [0.2, 0.5, 0.75]}, on_grid((N,), 4)),
    ("AUC", {"thresholds": [0.1, 0.4, 0.45, 0.9]}, binary((N,), (N,))),
    ("AUC", {"thresholds": [0.75, 0.25, 0.5], "curve": "PR"}, binary((N,), (N,))),
    ("AUC", {"multi_label": True}, binary((N, 3), (N, 3))),
    ("AUC", {"multi_label": True, "curve": "PR", "num_labels": 3}, binary((N, 3), (N, 3))),
    ("AUC", {"multi_label": True, "thresholds": [0.2, 0.6]}, binary((N, 3), (N, 3))),
    ("AUC", {"multi_label": True, "label_weights": [1.0, 0.5, 2.0]}, binary((N, 3), (N, 3))),
    ("AUC", {"label_weights": [1.0, 0.5, 2.0]}, binary((N, 3), (N, 3))),
    ("AUC", {"label_weights": [1.0, 0.5, 2.0], "thresholds": [0.3, 0.7]}, binary((N, 3), (N, 3))),
]


def _restart_name_counters(keras):
    reset_names()
    keras.backend.clear_session(free_memory=False)


def _keras_value(keras, value):
    return np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)


def _weights(rng, kind):
    if kind is None:
        return None
    weights = rng.uniform(0.0, 2.0, N)
    weights[rng.random(N) < 0.2] = 0.0
    return _f32(weights if kind == "samples" else weights[:, None])


def _compare(keras, ours, theirs, batches):
    for y_true, y_pred, weights in batches:
        try:
            theirs.update_state(y_true, y_pred, sample_weight=weights)
        except (ValueError, RuntimeError):
            # Weights Keras cannot broadcast: nnet must refuse them too, with a ValueError.
            with pytest.raises(ValueError, match="sample_weight"):
                ours.update_state(y_true, y_pred, sample_weight=weights)
            return False
        ours.update_state(y_true, y_pred, sample_weight=weights)
        np.testing.assert_allclose(ours.result(), _keras_value(keras, theirs.result()),
                                   rtol=1e-6, atol=1e-7)
    return True


def _batches(make, seed, weights):
    rng = _rng(seed)
    return [(*make(rng), _weights(rng, weights)) for _ in range(3)]


@pytest.mark.parametrize("weights", [None, "samples", "column"])
@pytest.mark.parametrize("case", range(len(CASES)), ids=lambda i: f"{CASES[i][0]}-{i}")
def test_matches_keras_batch_by_batch(keras, case, weights):
    name, kwargs, make = CASES[case]
    ours, theirs = getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    batches = _batches(make, case, weights)
    if not _compare(keras, ours, theirs, batches):
        return
    assert [v.shape for v in ours.variables] == [tuple(v.shape) for v in theirs.variables]

    ours.reset_state()
    theirs.reset_state()
    assert all(not v.any() for v in ours.variables)
    _compare(keras, ours, theirs, batches[1:])


def test_batch_of_rank_one_counts_as_one_sample_like_keras(keras):
    # Keras's MSE of (N,) against (N,) is a scalar per batch, so each batch weighs 1.
    ours, theirs = metrics.MeanSquaredError(), keras.metrics.MeanSquaredError()
    rng = _rng(0)
    batches = [(*regression((n,), (n,))(rng), None) for n in (4, 40, 9)]
    _compare(keras, ours, theirs, batches)


@pytest.mark.parametrize("weights", [None, "samples", "column", "scalar"])
@pytest.mark.parametrize("shape", [(N,), (N, 3)])
@pytest.mark.parametrize("name", ["Mean", "Sum"])
def test_reductions_match_keras(keras, name, shape, weights):
    ours, theirs = getattr(metrics, name)(), getattr(keras.metrics, name)()
    rng = _rng(1)
    for _ in range(3):
        values = _f32(rng.normal(size=shape))
        sw = _f32(rng.uniform()) if weights == "scalar" else _weights(rng, weights)
        ours.update_state(values, sample_weight=sw)
        theirs.update_state(values, sample_weight=sw)
        np.testing.assert_allclose(ours.result(), _keras_value(keras, theirs.result()),
                                   rtol=1e-6, atol=1e-7)


def _max_abs(y_true, y_pred):
    return np.max(np.abs(np.asarray(y_true) - np.asarray(y_pred)), axis=-1)


@pytest.mark.parametrize("weights", [None, "samples"])
def test_mean_metric_wrapper_matches_keras(keras, weights):
    ours = metrics.MeanMetricWrapper(_max_abs, name="max_abs")
    theirs = keras.metrics.MeanMetricWrapper(_max_abs, name="max_abs")
    _compare(keras, ours, theirs, _batches(regression((N, 3), (N, 3)), 2, weights))
    assert ours(*regression((N, 3), (N, 3))(_rng(3))) == pytest.approx(
        float(_keras_value(keras, theirs(*regression((N, 3), (N, 3))(_rng(3))))), rel=1e-6)


@pytest.mark.parametrize("name", ["binary_accuracy", "categorical_accuracy",
                                  "sparse_categorical_accuracy", "top_k_categorical_accuracy",
                                  "sparse_top_k_categorical_accuracy", "mean_squared_error",
                                  "mean_absolute_error", "mean_absolute_percentage_error",
                                  "mean_squared_logarithmic_error"])
def test_functions_match_keras(keras, name):
    make = {"binary": binary((N,), (N, 1)), "categorical": one_hot(8), "sparse": sparse(8),
            "mean": regression((N, 3), (N, 3), 0.1, 2.0)}
    kind = "binary" if name.startswith("binary") else name.split("_")[0]
    kind = "categorical" if kind == "top" else kind
    y_true, y_pred = make[kind](_rng(4))
    np.testing.assert_allclose(getattr(metrics, name)(y_true, y_pred),
                               _keras_value(keras, getattr(keras.metrics, name)(y_true, y_pred)),
                               rtol=1e-6)


def test_tensors_are_accepted():
    y_true, y_pred = binary((N,), (N, 1))(_rng(5))
    for name in ("BinaryAccuracy", "AUC", "Precision", "MeanSquaredError"):
        arrays, tensors = getattr(metrics, name)(), getattr(metrics, name)()
        weights = np.linspace(0, 1, N)
        assert tensors(Tensor(y_true), Tensor(y_pred), Tensor(weights)) == arrays(
            y_true, y_pred, weights)


def test_shape_mismatch_raises_with_a_fix():
    with pytest.raises(ValueError, match=r"y_true.shape=\(4, 3\), y_pred.shape=\(4, 2\)"):
        metrics.MeanSquaredError()(np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="sparse version"):
        metrics.CategoricalAccuracy()(np.zeros(4), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="categorical version"):
        metrics.SparseCategoricalAccuracy()(np.zeros((4, 3)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"thresholds=\[0.5, 1.5\]"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="curve='XY'"):
        metrics.AUC(curve="XY")


# --- Against scikit-learn -----------------------------------------------------------------------


def _accumulate(metric, batches):
    for y_true, y_pred, weights in batches:
        metric.update_state(y_true, y_pred, sample_weight=weights)
    y_true, y_pred, weights = (np.concatenate(part) for part in zip(*batches))
    return metric.result(), y_true, y_pred, weights


@pytest.mark.parametrize("name", ["precision_score", "recall_score"])
def test_precision_recall_match_sklearn(name):
    sk_metrics = pytest.importorskip("sklearn.metrics")
    cls = metrics.Precision if name == "precision_score" else metrics.Recall
    thresholds = [0.2, 0.5, 0.8]
    result, y_true, y_pred, weights = _accumulate(
        cls(thresholds=thresholds), _batches(binary((N,), (N,)), 6, "samples"))
    expected = [getattr(sk_metrics, name)(y_true, y_pred > t, sample_weight=weights)
                for t in thresholds]
    np.testing.assert_allclose(result, expected, rtol=1e-6)


@pytest.mark.parametrize("multi_label", [False, True])
def test_roc_auc_matches_sklearn_when_thresholds_separate_predictions(multi_label):
    # Predictions halfway between thresholds: the 201-point curve holds every ROC vertex.
    sk_metrics = pytest.importorskip("sklearn.metrics")

    def make(rng):
        return _f32(rng.integers(0, 2, (N, 3))), _f32((rng.integers(0, 200, (N, 3)) + 0.5) / 200)

    result, y_true, y_pred, weights = _accumulate(
        metrics.AUC(num_thresholds=201, multi_label=multi_label), _batches(make, 7, "samples"))
    if multi_label:
        expected = sk_metrics.roc_auc_score(y_true, y_pred, sample_weight=weights)
    else:
        expected = sk_metrics.roc_auc_score(y_true.ravel(), y_pred.ravel(),
                                            sample_weight=np.repeat(weights, 3))
    assert result == pytest.approx(expected, rel=1e-6)


# --- Names, configs, serialization ----------------------------------------------------------------

CONFIG_CASES = [
    ("Mean", {}), ("Sum", {}), ("Accuracy", {}), ("BinaryAccuracy", {"threshold": 0.7}),
    ("CategoricalAccuracy", {}), ("SparseCategoricalAccuracy", {}), ("TopKCategoricalAccuracy", {}),
    ("SparseTopKCategoricalAccuracy", {}),
    ("SparseTopKCategoricalAccuracy", {"k": 3, "from_sorted_ids": True}),
    ("Precision", {}), ("Precision", {"thresholds": [0.2, 0.7], "top_k": 2}),
    ("Recall", {"class_id": 2}), ("AUC", {}),
    ("AUC", {"thresholds": [0.3, 0.1], "curve": "pr", "multi_label": True, "num_labels": 2}),
    ("AUC", {"summation_method": "Minoring", "from_logits": True}),
    ("MeanSquaredError", {}), ("RootMeanSquaredError", {}), ("MeanAbsoluteError", {}),
    ("MeanAbsolutePercentageError", {}), ("MeanSquaredLogarithmicError", {}),
]


@pytest.mark.parametrize("name, kwargs", CONFIG_CASES)
def test_names_and_configs_match_keras(keras, name, kwargs):
    _restart_name_counters(keras)
    ours = [getattr(metrics, name)(**kwargs) for _ in range(2)]
    theirs = [getattr(keras.metrics, name)(**kwargs) for _ in range(2)]
    assert [m.name for m in ours] == [m.name for m in theirs]
    assert ours[0].get_config() == theirs[0].get_config()
    assert metrics.serialize(ours[0]) == keras.metrics.serialize(theirs[0])
    rebuilt = metrics.deserialize(keras.metrics.serialize(theirs[0]))
    assert type(rebuilt) is type(ours[0]) and rebuilt.get_config() == ours[0].get_config()
    assert getattr(ours[0], "_direction", None) == getattr(theirs[0], "_direction", None)


def test_mean_metric_wrapper_config_round_trip(keras):
    _restart_name_counters(keras)
    assert [metrics.MeanMetricWrapper(_max_abs).name for _ in range(2)] == [
        keras.metrics.MeanMetricWrapper(_max_abs).name for _ in range(2)]
    ours = metrics.MeanMetricWrapper(metrics.mean_absolute_error, name="m")
    theirs = keras.metrics.MeanMetricWrapper(keras.metrics.mean_absolute_error, name="m")
    assert ours.get_config() == theirs.get_config()
    rebuilt = metrics.MeanMetricWrapper.from_config(theirs.get_config())
    assert rebuilt._fn is metrics.mean_absolute_error and rebuilt.name == "m"


def test_label_weights_config():
    config = metrics.AUC(label_weights=[1, 2]).get_config()
    assert config["label_weights"] == [1.0, 2.0]
    assert metrics.AUC.from_config(config).get_config() == config


# --- String identifiers and compile's resolution ------------------------------------------------

ACCURACY_SHAPES = [
    ((32,), (32, 1)), ((32, 1), (32, 1)), ((32,), (32, 10)), ((32, 1), (32, 10)),
    ((32, 10), (32, 10)), ((32, 5), (32, 5)), ((8, 7), (8, 7, 4)), ((8, 7, 1), (8, 7, 4)),
    ((32,), (32,)), ((8, 7, 4), (8, 7, 4)),
]


@pytest.mark.parametrize("identifier", ["accuracy", "acc", "Accuracy", "ACC"])
@pytest.mark.parametrize("shapes", ACCURACY_SHAPES, ids=str)
def test_accuracy_resolution_matches_keras_compile(keras, identifier, shapes):
    from keras.src.trainers.compile_utils import get_metric

    theirs = get_metric(identifier, np.zeros(shapes[0]), np.zeros(shapes[1]))
    for ours in (metrics.resolve_accuracy(identifier, *shapes),
                 metrics.get_metric(identifier, *shapes)):
        assert type(ours).__name__ == type(theirs).__name__
        assert ours.name == theirs.name == identifier


def _my_metric(y_true, y_pred):
    return np.abs(np.asarray(y_true) - np.asarray(y_pred))


@pytest.mark.parametrize("identifier", ["mse", "MSE", "mae", "mape", "msle", "AUC", "auc",
                                        "Precision", "recall", "binary_accuracy",
                                        "SparseTopKCategoricalAccuracy", "root_mean_squared_error",
                                        "MeanSquaredError", "class", "function", "instance"])
def test_get_metric_matches_keras_compile(keras, identifier):
    from keras.src.trainers.compile_utils import get_metric

    _restart_name_counters(keras)
    if identifier == "class":
        ours, theirs = metrics.get_metric(metrics.AUC), get_metric(keras.metrics.AUC, None, None)
    elif identifier == "function":
        ours, theirs = metrics.get_metric(_my_metric), get_metric(_my_metric, None, None)
    elif identifier == "instance":
        ours = metrics.get_metric(metrics.Recall(name="r"))
        theirs = get_metric(keras.metrics.Recall(name="r"), None, None)
    else:
        ours, theirs = metrics.get_metric(identifier), get_metric(identifier, None, None)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.name == theirs.name


def test_every_keras_identifier_of_an_implemented_metric_resolves(keras):
    from keras.src.metrics import ALL_OBJECTS_DICT

    implemented = 0
    for identifier, cls in ALL_OBJECTS_DICT.items():
        if not hasattr(metrics, cls.__name__) or cls.__name__ in ("Metric", "MeanMetricWrapper"):
            continue
        implemented += 1
        ours, theirs = metrics.get(identifier), keras.metrics.get(identifier)
        assert type(ours).__name__ == type(theirs).__name__
        assert ours.name.rstrip("_0123456789") == theirs.name.rstrip("_0123456789")
    assert implemented >= 40


def test_get_passes_instances_and_functions_and_reads_dicts():
    precision = metrics.Precision()
    assert metrics.get(precision) is precision
    assert metrics.get(metrics.mean_squared_error) is metrics.mean_squared_error
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)
    assert metrics.get(None) is None
    auc = metrics.get({"class_name": "AUC", "config": {"curve": "PR", "name": "pr"}})
    assert auc.curve == "PR" and auc.name == "pr"
    wrapped = metrics.get_metric(_my_metric)
    assert isinstance(wrapped, metrics.MeanMetricWrapper) and wrapped.name == "_my_metric"


def test_unknown_identifier_lists_valid_names():
    with pytest.raises(ValueError, match="Valid names are:.*AUC.*mse") as info:
        metrics.get("precison")
    assert "'precision'" in str(info.value) and "precison" in str(info.value)
    with pytest.raises(ValueError, match="y_true_shape"):
        metrics.get_metric("accuracy")


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
