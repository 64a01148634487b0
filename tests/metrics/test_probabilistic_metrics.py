"""Cross-entropy, KL and Poisson metrics against Keras 3 (torch backend), and sklearn's log loss."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
from metric_oracle import (
    N,
    accumulate,
    batches,
    binary,
    check_against_keras,
    f32,
    keras_params,
    keras_value,
    logits,
    one_hot,
    regression,
    sparse,
)

import nnet
from nnet import losses, metrics, ops
from nnet.autodiff import Tensor


def distributions(classes):
    def make(rng):
        y_true = rng.random((N, classes))
        return f32(y_true / y_true.sum(-1, keepdims=True)), f32(rng.random((N, classes)))
    return make


def one_hot_logits(classes, rank3=False):
    def make(rng):
        y_true, _ = one_hot(classes, rank3)(rng)
        return y_true, f32(rng.normal(0, 3, y_true.shape))
    return make


def sparse_logits(classes, label_shape=(N,)):
    def make(rng):
        labels, scores = sparse(classes, label_shape)(rng)
        return labels, f32(rng.normal(0, 3, scores.shape))
    return make


def class_first(rng):
    labels = rng.integers(0, 4, (N, 3))
    return labels, f32(rng.random((N, 4, 3)))


CASES = [
    ("BinaryCrossentropy", {}, binary((N, 3), (N, 3))),
    ("BinaryCrossentropy", {}, binary((N, 1), (N, 1))),
    ("BinaryCrossentropy", {"from_logits": True}, logits((N, 2))),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, binary((N, 3), (N, 3))),
    ("CategoricalCrossentropy", {}, one_hot(5)),
    ("CategoricalCrossentropy", {"from_logits": True}, one_hot_logits(4)),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, one_hot(4, rank3=True)),
    ("CategoricalCrossentropy", {"axis": 1, "from_logits": True}, one_hot_logits(3, True)),
    ("SparseCategoricalCrossentropy", {}, sparse(5)),
    ("SparseCategoricalCrossentropy", {}, sparse(4, (N, 1))),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, sparse_logits(6)),
    ("SparseCategoricalCrossentropy", {"ignore_class": 2}, sparse(4)),
    ("SparseCategoricalCrossentropy", {"ignore_class": -1, "from_logits": True},
     lambda rng: (rng.integers(-1, 3, (N,)), f32(rng.normal(0, 2, (N, 3))))),
    ("SparseCategoricalCrossentropy", {"ignore_class": 0}, sparse(3, (N, 4)), [None]),
    ("SparseCategoricalCrossentropy", {"axis": 1}, class_first),
    ("KLDivergence", {}, distributions(4)),
    ("Poisson", {}, regression((N, 3), (N, 3), 0.0, 4.0)),
]


@pytest.mark.parametrize("name, kwargs, make, seed, weights", keras_params(CASES))
def test_matches_keras_batch_by_batch(keras, name, kwargs, make, seed, weights):
    check_against_keras(keras, name, kwargs, make, seed, weights)


FUNCTION_CASES = [
    ("binary_crossentropy", {"label_smoothing": 0.1}, binary((N, 3), (N, 3))),
    ("binary_crossentropy", {"from_logits": True}, logits((N, 3))),
    ("categorical_crossentropy", {"from_logits": True, "label_smoothing": 0.2},
     one_hot_logits(4)),
    ("sparse_categorical_crossentropy", {}, sparse(5)),
    ("sparse_categorical_crossentropy", {"ignore_class": 1}, sparse(3)),
    ("kl_divergence", {}, distributions(3)),
    ("poisson", {}, regression((N, 3), (N, 3), 0.0, 4.0)),
]


@pytest.mark.parametrize("name, kwargs, make", FUNCTION_CASES, ids=lambda x: str(x)[:40])
def test_functions_match_keras(keras, name, kwargs, make):
    y_true, y_pred = make(np.random.default_rng(15))
    np.testing.assert_allclose(
        getattr(metrics, name)(y_true, y_pred, **kwargs),
        keras_value(keras, getattr(keras.metrics, name)(y_true, y_pred, **kwargs)),
        rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("weights", [None, "samples"])
def test_wrapped_function_with_ignore_class_matches_keras(keras, weights):
    ours = metrics.MeanMetricWrapper(metrics.sparse_categorical_crossentropy, ignore_class=0)
    theirs = keras.metrics.MeanMetricWrapper(keras.metrics.sparse_categorical_crossentropy,
                                             ignore_class=0)
    for y_true, y_pred, sample_weight in batches(sparse(3), 16, weights):
        ours.update_state(y_true, y_pred, sample_weight)
        theirs.update_state(y_true, y_pred, sample_weight)
    assert ours.result() == pytest.approx(float(keras_value(keras, theirs.result())), rel=1e-6)


def saturated(rng, classes):
    """Logits far beyond the clip at eps: log(eps) = -16 caps a clipped cross-entropy."""
    return f32(rng.normal(0, 40, (N, classes)))


# Keras's sigmoid and softmax keep their logits on the output (`_keras_logits`), and its metrics
# call the very functions its losses call. Its TensorFlow cross-entropies read those logits, so
# there the metric on sigmoid(z) is the metric from_logits=True on z, as is the loss; its torch
# backend ignores them in the loss and the metric alike. nnet's losses read the recorded logits
# (the TensorFlow behaviour), so its metrics must too.
ACTIVATION_OUTPUT_CASES = [
    ("BinaryCrossentropy", ops.sigmoid,
     lambda rng: (f32(rng.integers(0, 2, (N, 3))), saturated(rng, 3))),
    ("CategoricalCrossentropy", ops.softmax,
     lambda rng: (f32(np.eye(4)[rng.integers(0, 4, N)]), saturated(rng, 4))),
    ("SparseCategoricalCrossentropy", ops.softmax,
     lambda rng: (rng.integers(0, 4, N), saturated(rng, 4))),
]


@pytest.mark.parametrize("name, activation, make", ACTIVATION_OUTPUT_CASES,
                         ids=[case[0] for case in ACTIVATION_OUTPUT_CASES])
def test_metric_on_an_activation_output_uses_its_logits_as_the_loss_does(keras, name,
                                                                         activation, make):
    y_true, z = make(np.random.default_rng(21))
    y_pred = activation(Tensor(z))
    result = getattr(metrics, name)()(y_true, y_pred)
    expected = keras_value(keras, getattr(keras.metrics, name)(from_logits=True)(y_true, z))
    np.testing.assert_allclose(result, expected, rtol=1e-6)
    assert result == pytest.approx(float(getattr(losses, name)()(y_true, y_pred)), rel=1e-6)


def test_evaluate_logs_the_loss_and_the_metric_alike_on_a_saturated_sigmoid(keras):
    rng = np.random.default_rng(22)
    x, y = f32(rng.normal(size=(N, 4))), f32(rng.integers(0, 2, (N, 1)))
    kernel = f32(rng.normal(0, 20, (4, 1)))
    model = nnet.Sequential([nnet.Input((4,)), nnet.layers.Dense(1, activation="sigmoid")])
    model.set_weights([kernel, np.zeros(1, np.float32)])
    model.compile(loss="binary_crossentropy", metrics=[metrics.BinaryCrossentropy(name="bce")])
    logs = model.evaluate(x, y, batch_size=N, return_dict=True, verbose=0)
    expected = keras_value(keras, keras.metrics.BinaryCrossentropy(from_logits=True)(y, x @ kernel))
    assert logs["bce"] == pytest.approx(float(expected), rel=1e-6)
    assert logs["loss"] == pytest.approx(logs["bce"], rel=1e-6)


def test_crossentropies_are_sklearn_log_loss():
    sk_metrics = pytest.importorskip("sklearn.metrics")
    # A rank-1 batch would be one sample for the metric: (N, 1) makes each row a sample.
    result, y_true, y_pred, weights = accumulate(
        metrics.BinaryCrossentropy(), batches(binary((N, 1), (N, 1)), 17, "samples"))
    # Unclipped predictions: the clipping epsilons of Keras and sklearn never apply.
    assert np.all((y_pred > 1e-6) & (y_pred < 1 - 1e-6))
    assert result == pytest.approx(sk_metrics.log_loss(y_true, y_pred, sample_weight=weights),
                                   rel=1e-6)

    def probabilities(rng):
        scores = rng.random((N, 4)) + 0.05
        return rng.integers(0, 4, N), f32(scores / scores.sum(-1, keepdims=True))

    data = batches(probabilities, 18, "samples")
    sparse_result, labels, y_pred, weights = accumulate(
        metrics.SparseCategoricalCrossentropy(), data)
    one_hot_result = accumulate(metrics.CategoricalCrossentropy(),
                                [(np.eye(4)[y], p, w) for y, p, w in data])[0]
    expected = sk_metrics.log_loss(labels, y_pred, sample_weight=weights, labels=range(4))
    assert sparse_result == pytest.approx(expected, rel=1e-6)
    assert one_hot_result == pytest.approx(expected, rel=1e-6)


def test_bad_labels_and_shapes_raise_with_a_fix():
    with pytest.raises(ValueError, match=r"labels in \[0, 3\).*ignore_class"):
        metrics.SparseCategoricalCrossentropy()([0, 3], np.ones((2, 3)))
    with pytest.raises(ValueError, match="categorical_crossentropy"):
        metrics.SparseCategoricalCrossentropy()(np.eye(3), np.ones((3, 3)))
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        metrics.CategoricalCrossentropy()([0, 1, 2], np.ones((3, 3)))
    with pytest.raises(ValueError, match="axis=True"):
        metrics.categorical_crossentropy(np.eye(3), np.eye(3), axis=True)
