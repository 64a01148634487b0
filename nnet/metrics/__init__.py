"""Metrics: Keras 3's `keras.metrics` on NumPy.

Metrics are never differentiated. They take NumPy arrays or nnet Tensors and keep their state in
float64 NumPy arrays that `update_state` adds to in place; `variables` lists those live arrays (so
that data-parallel training can all-reduce them). As in Keras, the per-sample functions of the
loss-like metrics are the loss functions of `nnet.losses`, run without recording a graph: on the
output of a sigmoid or softmax, a cross-entropy metric uses its logits, as the loss does.

`result()` returns a Python float, or an array in the metric's dtype where Keras returns one: the
counts, Precision and Recall with several thresholds, FBetaScore/F1Score with ``average=None``,
R2Score with ``class_aggregation=None``.

The package mirrors `keras/src/metrics`: one module per family, the per-sample functions (or the
losses they are) next to the metrics that average them.

Shapes follow Keras: labels ``(N,)`` against predictions ``(N, 1)`` are reconciled; any other
shape mismatch raises an error that says how to fix the shapes, where Keras would broadcast.
"""

from nnet.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from nnet.metrics.confusion_metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from nnet.metrics.correlation_metrics import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from nnet.metrics.f_score_metrics import F1Score, FBetaScore
from nnet.metrics.hinge_metrics import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from nnet.metrics.iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from nnet.metrics.metric import METRICS, Metric
from nnet.metrics.probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from nnet.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from nnet.metrics.regression_metrics import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from nnet.naming import to_snake_case
from nnet.utils.registry import serialize_object


def get(identifier):
    """Resolve a metric identifier, as `keras.metrics.get` does.

    A string names a class (``"AUC"``, ``"auc"``, ``"mse"``, ...) and gives an instance with its
    default name; a class is instantiated; a dict is deserialized; Metric instances and plain
    functions are returned as they are. Unknown strings raise a ValueError listing valid names.

    Args:
        identifier: a string, a class, a config dict, a Metric or a function.

    Example:
        >>> get("mse").name
        'mean_squared_error'
    """
    return METRICS.get(identifier, "metric")


def serialize(metric):
    """Keras's JSON form of a metric: ``{module: "keras.metrics", class_name, config, ...}``.

    Example:
        >>> serialize(BinaryAccuracy())["config"]
        {'name': 'binary_accuracy', 'dtype': 'float32', 'threshold': 0.5}
    """
    return serialize_object(metric)


def deserialize(config, custom_objects=None):
    """Rebuild a metric from `serialize`'s dict (or resolve a string name with `get`).

    Args:
        config: the dict, or a string identifier.
        custom_objects: ``{name: class}`` for metrics defined outside nnet.

    Example:
        >>> deserialize(serialize(AUC(curve="PR"))).curve
        'PR'
    """
    return METRICS.deserialize(config, custom_objects)


def is_binary_or_sparse_categorical(y_true_shape, y_pred_shape):
    """``(is_binary, is_sparse_categorical)`` for labels and outputs of these shapes, the test by
    which Keras resolves ``"accuracy"`` and ``"crossentropy"`` in compile.

    Binary when ``y_pred.shape[-1] == 1``; sparse when y_true has the lower rank, or a last
    dimension of 1 against a larger one; categorical when neither.

    Args:
        y_true_shape: shape of the labels.
        y_pred_shape: shape of the model output.

    Example:
        >>> is_binary_or_sparse_categorical((32,), (32, 10))
        (False, True)
    """
    is_binary = y_pred_shape[-1] == 1
    is_sparse = len(y_true_shape) < len(y_pred_shape) or (
        y_true_shape[-1] == 1 and y_pred_shape[-1] > 1)
    return is_binary, is_sparse


def resolve_accuracy(identifier, y_true_shape, y_pred_shape):
    """The accuracy metric that ``"accuracy"``/``"acc"`` means for these shapes, as compile does.

    Keras decides from the shapes only: binary when ``y_pred.shape[-1] == 1``; sparse when y_true
    has the lower rank, or a last dimension of 1 against a larger one; categorical otherwise.
    The metric is named by `identifier` as passed.

    Args:
        identifier: the string given to compile (``"accuracy"``, ``"acc"``, ``"Accuracy"``...).
        y_true_shape: shape of the labels of the first batch.
        y_pred_shape: shape of the model output.

    Example:
        >>> resolve_accuracy("acc", (32,), (32, 10))
        <SparseCategoricalAccuracy name=acc>
    """
    is_binary, is_sparse = is_binary_or_sparse_categorical(y_true_shape, y_pred_shape)
    name = str(identifier)
    if is_binary:
        return BinaryAccuracy(name=name)
    if is_sparse:
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


def get_metric(identifier, y_true_shape=None, y_pred_shape=None):
    """A Metric for one entry of compile's ``metrics=``, named as Keras logs it.

    ``"accuracy"``/``"acc"`` go through `resolve_accuracy`; other strings through `get`, and the
    metric takes the exact string as its name (``"AUC"`` logs as ``AUC``, ``"mse"`` as ``mse``);
    plain functions are wrapped in MeanMetricWrapper named by the snake_case function name;
    Metric instances keep their name.

    Args:
        identifier: a string, a class, a config dict, a Metric or a function.
        y_true_shape: labels shape, needed only for ``"accuracy"``.
        y_pred_shape: output shape, needed only for ``"accuracy"``.

    Example:
        >>> get_metric("mse")
        <MeanSquaredError name=mse>
    """
    if identifier is None:
        raise ValueError("Expected a metric for metrics. Received: identifier=None")
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        if y_true_shape is None or y_pred_shape is None:
            raise ValueError(
                f"Resolving metrics={identifier!r} needs the shapes of y_true and y_pred. "
                "Pass y_true_shape and y_pred_shape.")
        return resolve_accuracy(identifier, y_true_shape, y_pred_shape)
    metric = get(identifier)
    if isinstance(identifier, str):
        name = identifier
    elif isinstance(metric, Metric):
        name = metric.name
    else:
        name = to_snake_case(getattr(metric, "__name__", type(metric).__name__))
    if not isinstance(metric, Metric):
        return MeanMetricWrapper(metric, name=name)
    metric.name = name
    return metric
