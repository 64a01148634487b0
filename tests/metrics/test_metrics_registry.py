"""Names, configs, serialization and string identifiers of nnet.metrics against Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import inspect

import numpy as np
import pytest
from metric_oracle import restart_name_counters

from nnet import metrics

CONFIG_CASES = [
    ("Mean", {}), ("Sum", {}), ("Accuracy", {}), ("BinaryAccuracy", {"threshold": 0.7}),
    ("CategoricalAccuracy", {}), ("SparseCategoricalAccuracy", {}), ("TopKCategoricalAccuracy", {}),
    ("SparseTopKCategoricalAccuracy", {}),
    ("SparseTopKCategoricalAccuracy", {"k": 3, "from_sorted_ids": True}),
    ("Precision", {}), ("Precision", {"thresholds": [0.2, 0.7], "top_k": 2}),
    ("Recall", {"class_id": 2}), ("AUC", {}),
    ("AUC", {"thresholds": [0.3, 0.1], "curve": "pr", "multi_label": True, "num_labels": 2}),
    ("AUC", {"summation_method": "Minoring", "from_logits": True}),
    ("TruePositives", {}), ("TrueNegatives", {"thresholds": [0.2, 0.6]}),
    ("FalsePositives", {"thresholds": 0.3}), ("FalseNegatives", {}),
    ("PrecisionAtRecall", {"recall": 0.4}),
    ("RecallAtPrecision", {"precision": 0.8, "num_thresholds": 50, "class_id": 1}),
    ("SensitivityAtSpecificity", {"specificity": 0.5}),
    ("SpecificityAtSensitivity", {"sensitivity": 0.3, "num_thresholds": 1}),
    ("F1Score", {}), ("F1Score", {"average": "micro", "threshold": 0.4}),
    ("FBetaScore", {}), ("FBetaScore", {"average": "weighted", "beta": 2.0}),
    ("MeanSquaredError", {}), ("RootMeanSquaredError", {}), ("MeanAbsoluteError", {}),
    ("MeanAbsolutePercentageError", {}), ("MeanSquaredLogarithmicError", {}),
    ("CosineSimilarity", {}), ("CosineSimilarity", {"axis": 1}), ("LogCoshError", {}),
    ("R2Score", {}), ("R2Score", {"class_aggregation": None, "num_regressors": 3}),
    ("BinaryCrossentropy", {}), ("BinaryCrossentropy", {"from_logits": True,
                                                        "label_smoothing": 0.1}),
    ("CategoricalCrossentropy", {"axis": 1}), ("SparseCategoricalCrossentropy", {}),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": -1}),
    ("KLDivergence", {}), ("Poisson", {}), ("Hinge", {}), ("SquaredHinge", {}),
    ("CategoricalHinge", {}),
    ("IoU", {"num_classes": 3, "target_class_ids": [0, 2]}),
    ("IoU", {"num_classes": 4, "target_class_ids": (1,), "ignore_class": 0, "dtype": "float32",
             "sparse_y_pred": False}),
    ("BinaryIoU", {}), ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}),
    ("MeanIoU", {"num_classes": 3}), ("MeanIoU", {"num_classes": 2, "sparse_y_true": False}),
    ("OneHotIoU", {"num_classes": 3, "target_class_ids": [1]}),
    ("OneHotMeanIoU", {"num_classes": 4, "ignore_class": 1}),
    ("PearsonCorrelation", {}), ("ConcordanceCorrelation", {"axis": 0}),
]


@pytest.mark.parametrize("name, kwargs", CONFIG_CASES)
def test_names_and_configs_match_keras(keras, name, kwargs):
    restart_name_counters(keras)
    ours = [getattr(metrics, name)(**kwargs) for _ in range(2)]
    theirs = [getattr(keras.metrics, name)(**kwargs) for _ in range(2)]
    assert [m.name for m in ours] == [m.name for m in theirs]
    assert ours[0].dtype == theirs[0].dtype
    assert ours[0].get_config() == theirs[0].get_config()
    assert metrics.serialize(ours[0]) == keras.metrics.serialize(theirs[0])
    rebuilt = metrics.deserialize(keras.metrics.serialize(theirs[0]))
    assert type(rebuilt) is type(ours[0]) and rebuilt.get_config() == ours[0].get_config()
    assert getattr(ours[0], "_direction", None) == getattr(theirs[0], "_direction", None)


def test_every_keras_metric_is_implemented_with_keras_defaults(keras):
    from keras.src.metrics import ALL_OBJECTS

    for cls in ALL_OBJECTS:
        ours = getattr(metrics, cls.__name__)
        theirs_params = inspect.signature(cls.__init__).parameters
        ours_params = inspect.signature(ours.__init__).parameters
        assert list(ours_params) == list(theirs_params), cls.__name__
        assert [p.default for p in ours_params.values()] == [
            p.default for p in theirs_params.values()], cls.__name__


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


@pytest.mark.parametrize("identifier", [
    "mse", "MSE", "mae", "mape", "msle", "bce", "BCE", "AUC", "auc", "Precision", "recall",
    "binary_accuracy", "SparseTopKCategoricalAccuracy", "root_mean_squared_error",
    "MeanSquaredError", "f1_score", "F1Score", "f_beta_score", "r2_score", "log_cosh_error",
    "LogCoshError", "kl_divergence", "KLDivergence", "poisson", "hinge", "categorical_hinge",
    "binary_crossentropy", "SparseCategoricalCrossentropy", "true_positives",
    "FalseNegatives", "binary_io_u", "BinaryIoU", "cosine_similarity", "pearson_correlation",
    "ConcordanceCorrelation", "class", "function", "instance"])
def test_get_metric_matches_keras_compile(keras, identifier):
    from keras.src.trainers.compile_utils import get_metric

    restart_name_counters(keras)
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


def test_every_keras_identifier_resolves_to_the_same_class(keras):
    from keras.src.metrics import ALL_OBJECTS_DICT

    for identifier, cls in ALL_OBJECTS_DICT.items():
        if cls.__name__ in ("Metric", "MeanMetricWrapper"):
            continue
        try:
            theirs = keras.metrics.get(identifier)
        except TypeError:
            # A class with a required argument (IoU(num_classes, ...)): nnet must find the class
            # and fail the same way, not report an unknown identifier.
            with pytest.raises(TypeError, match="required"):
                metrics.get(identifier)
            continue
        ours = metrics.get(identifier)
        assert type(ours).__name__ == type(theirs).__name__
        assert ours.name.rstrip("_0123456789") == theirs.name.rstrip("_0123456789")


@pytest.mark.parametrize("identifier", ["kld", "KLD", "logcosh", "log_cosh", "ce", "f1"])
def test_identifiers_keras_rejects_are_rejected(keras, identifier):
    with pytest.raises(ValueError):
        keras.metrics.get(identifier)
    with pytest.raises(ValueError, match="Valid names are"):
        metrics.get(identifier)


def test_get_passes_instances_and_functions_and_reads_dicts():
    precision = metrics.Precision()
    assert metrics.get(precision) is precision
    assert metrics.get(metrics.mean_squared_error) is metrics.mean_squared_error
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)
    assert metrics.get(None) is None
    auc = metrics.get({"class_name": "AUC", "config": {"curve": "PR", "name": "pr"}})
    assert auc.curve == "PR" and auc.name == "pr"
    iou = metrics.get({"class_name": "IoU", "config": {"num_classes": 3,
                                                       "target_class_ids": [1]}})
    assert iou.target_class_ids == [1] and iou.name == "io_u"
    wrapped = metrics.get_metric(_my_metric)
    assert isinstance(wrapped, metrics.MeanMetricWrapper) and wrapped.name == "_my_metric"


def test_unknown_identifier_lists_valid_names():
    with pytest.raises(ValueError, match="Valid names are:.*AUC.*mse") as info:
        metrics.get("precison")
    assert "'precision'" in str(info.value) and "precison" in str(info.value)
    with pytest.raises(ValueError, match="y_true_shape"):
        metrics.get_metric("accuracy")
