"""nnet.losses on bad input: shape mismatches, labels out of range, sample weights that would
broadcast wrongly and invalid arguments raise errors that say how to fix them."""

import re

import numpy as np
import pytest

from nnet import losses, ops
from nnet.autodiff import Variable, backward

N, K = 6, 4


@pytest.mark.parametrize("fn, y_true_shape, y_pred_shape, hint", [
    (losses.mean_squared_error, (N, 3), (N, 1), "y_true.shape=(6, 3), y_pred.shape=(6, 1)"),
    (losses.mean_squared_error, (N,), (N, 2), "y_true.shape=(6,), y_pred.shape=(6, 2)"),
    (losses.binary_crossentropy, (N, 2), (2, N), "Reshape y_true to (2, 6)"),
    (losses.categorical_crossentropy, (N,), (N, K), "sparse_categorical_crossentropy"),
    (losses.categorical_crossentropy, (N, 1), (N, K), "sparse_categorical_crossentropy"),
    (losses.sparse_categorical_crossentropy, (N, K), (N, K), "use categorical_crossentropy"),
    (losses.sparse_categorical_crossentropy, (N, 2), (N, K), "y_true.shape=(6, 2)"),
    (losses.categorical_focal_crossentropy, (N,), (N, K),
     "For integer class labels one-hot encode them with nnet.utils.to_categorical"),
    (losses.binary_focal_crossentropy, (N, 3), (N, 1), "y_true.shape=(6, 3), y_pred.shape=(6, 1)"),
    (losses.dice, (K, N), (N, K), "Reshape y_true to (6, 4)"),
    (losses.tversky, (N, 2), (N, 3), "Pass one target per prediction"),
    (lambda t, p: losses.categorical_generalized_cross_entropy(t, p, q=0.5), (N, K), (N, K),
     "For one-hot y_true pass its argmax along the class axis"),
])
def test_shape_mismatch_raises_with_both_shapes_and_a_fix(fn, y_true_shape, y_pred_shape, hint):
    with pytest.raises(ValueError, match=re.escape(hint)):
        fn(np.zeros(y_true_shape), np.full(y_pred_shape, 0.5, dtype=np.float32))


def test_sample_weight_that_would_broadcast_wrongly_raises():
    loss = losses.MeanSquaredError(reduction="none")
    y = np.zeros((N, N, 3), dtype=np.float32)
    with pytest.raises(ValueError, match=r"sample_weight of shape \(6,\).*\(6, 1\)"):
        loss(y, y, sample_weight=np.ones(N))
    assert loss(y, y, sample_weight=np.ones((N, 1))).shape == (N, N)


def test_labels_out_of_range_raise():
    with pytest.raises(ValueError, match=r"label 4, outside \[0, 4\)"):
        losses.sparse_categorical_crossentropy([0, 4], np.full((2, K), 0.25))
    with pytest.raises(ValueError, match=r"label -1"):
        losses.SparseCategoricalCrossentropy()([0, -1], np.full((2, K), 0.25))
    value = losses.SparseCategoricalCrossentropy(ignore_class=-1)([0, -1], np.full((2, K), 0.25))
    assert float(value) == pytest.approx(np.log(4.0))


def test_integer_and_boolean_targets_are_cast():
    y_pred = np.array([[0.2, 0.9], [0.6, 0.4]], dtype=np.float32)
    as_float = losses.BinaryCrossentropy()(np.array([[0.0, 1.0], [1.0, 0.0]]), y_pred)
    for y_true in (np.array([[0, 1], [1, 0]]), np.array([[False, True], [True, False]])):
        value = losses.BinaryCrossentropy()(y_true, y_pred)
        assert value.dtype == np.float32 and float(value) == float(as_float)


def test_gradients_flow_into_y_true_tensors_that_need_them():
    teacher = Variable(np.array([[0.2, 0.8]], dtype=np.float32))
    student = Variable(np.array([[0.5, 0.5]], dtype=np.float32))
    backward(losses.KLDivergence()(teacher, student))
    assert teacher.grad is not None and student.grad is not None


def test_invalid_reduction_and_unimplemented_call_raise():
    with pytest.raises(ValueError, match="reduction='average'"):
        losses.MeanSquaredError(reduction="average")
    with pytest.raises(NotImplementedError, match="must implement call"):
        losses.Loss()([1.0], [1.0])


def test_mean_with_sample_weight_of_zero_weights_is_zero():
    loss = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    assert float(loss([[1.0], [2.0]], [[0.0], [0.0]], sample_weight=[0.0, 0.0])) == 0.0


def test_default_names_and_auto_names():
    assert losses.Huber().name == "huber_loss"
    assert losses.KLDivergence().name == "kl_divergence"

    class MyLoss(losses.Loss):
        def call(self, y_true, y_pred):
            return ops.mean(ops.square(y_pred - y_true), axis=-1)

    assert MyLoss().name.startswith("my_loss")
    assert float(MyLoss()(np.array([[1], [0]]), np.array([[0.0], [0.0]]))) == 0.5


def test_generalized_cross_entropy_checks_q_and_labels():
    for q in (0, 1, -0.5, 1.5):
        with pytest.raises(ValueError, match=re.escape(f"Received: q={q!r}")):
            losses.CategoricalGeneralizedCrossEntropy(q=q)
    with pytest.raises(ValueError, match=r"label 4, outside \[0, 4\) .* classes\.$"):
        losses.CategoricalGeneralizedCrossEntropy()([0, 4], np.full((2, K), 0.25))


def test_per_sample_weights_on_a_whole_batch_overlap_raise_and_name_axis():
    y = np.ones((N, K), dtype=np.float32)
    for loss in (losses.Dice(), losses.Tversky()):
        with pytest.raises(ValueError, match=r"shape \(6,\) cannot weight .* Pass axis="):
            loss(y, y, sample_weight=np.ones(N))
        half = 0.5 * y
        assert float(loss(y, half, sample_weight=2.0)) == pytest.approx(2 * float(loss(y, half)))


def test_categorical_focal_on_one_class_warns():
    with pytest.warns(SyntaxWarning, match="categorical_focal_crossentropy expects y_pred"):
        losses.categorical_focal_crossentropy([[1.0]], [[1.0]])

