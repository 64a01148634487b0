"""CTC: the loss and its gradient against PyTorch's ctc_loss and float64 numerical gradients;
greedy and beam-search decoding against Keras 3 (torch backend), ties included."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest

import nnet
from nnet import ops
from nnet.autodiff import Tensor, backward, check_grad

TARGET = np.array([[1, 2, 2], [3, 1, 0], [4, 0, 0]])
TARGET_LENGTH = np.array([3, 2, 1])
OUTPUT_LENGTH = np.array([7, 5, 2])


def test_ctc_loss_and_gradient_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 7, 5))
    weights = rng.standard_normal(3)
    logits = Tensor(x, requires_grad=True)
    loss = ops.ctc_loss(TARGET, logits, TARGET_LENGTH, OUTPUT_LENGTH)
    backward(ops.sum(loss * weights))
    tx = torch.tensor(x, requires_grad=True)
    expected = torch.nn.functional.ctc_loss(
        torch.log_softmax(tx, -1).transpose(0, 1), torch.tensor(TARGET),
        torch.tensor(OUTPUT_LENGTH), torch.tensor(TARGET_LENGTH), blank=0, reduction="none")
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(loss.numpy(), expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(logits.grad, tx.grad.numpy(), atol=1e-12)


def test_ctc_loss_numerical_gradient_other_blank_and_dtypes():
    rng = np.random.default_rng(1)
    check_grad(lambda z: ops.ctc_loss(np.array([[0, 2], [1, 1]]), z, np.array([2, 2]),
                                      np.array([5, 4]), mask_index=3),
               rng.standard_normal((2, 5, 4)))
    x32 = rng.standard_normal((3, 7, 5)).astype("float32")
    logits = nnet.Variable(x32)
    loss = ops.ctc_loss(TARGET, logits, TARGET_LENGTH, OUTPUT_LENGTH)
    backward(ops.sum(loss))
    assert loss.dtype == np.float32 and logits.grad.dtype == np.float32
    # Two equal labels need a blank between them: 2 labels cannot fit in 2 steps.
    impossible = ops.ctc_loss(np.array([[1, 1]]), np.zeros((1, 2, 3)), np.array([2]),
                              np.array([2]))
    assert np.isinf(impossible.numpy()).all()


def test_ctc_loss_matches_keras():
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(2).standard_normal((3, 7, 5)).astype("float32")
    ours = ops.ctc_loss(TARGET, x, TARGET_LENGTH, OUTPUT_LENGTH, mask_index=0)
    theirs = keras.ops.convert_to_numpy(
        keras.ops.ctc_loss(TARGET, x, TARGET_LENGTH, OUTPUT_LENGTH, mask_index=0))
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-5)
    assert ours.dtype == theirs.dtype


@pytest.mark.parametrize("kwargs", [
    {}, {"merge_repeated": False}, {"mask_index": 2},
    {"strategy": "beam_search", "beam_width": 3, "top_paths": 2},
    {"strategy": "beam_search", "beam_width": 10, "top_paths": 3, "mask_index": 1},
])
def test_ctc_decode_matches_keras(kwargs):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(3)
    lengths = np.array([6, 4, 1])
    for trial in range(4):
        x = rng.standard_normal((3, 6, 4)).astype("float32") * 2
        if trial % 2:
            x = np.round(x)  # ties between classes and between beams
        paths, scores = ops.ctc_decode(x, lengths, **kwargs)
        k_paths, k_scores = (keras.ops.convert_to_numpy(v)
                             for v in keras.ops.ctc_decode(x, lengths, **kwargs))
        np.testing.assert_array_equal(paths.numpy(), k_paths)
        np.testing.assert_allclose(scores.numpy(), k_scores, rtol=1e-5)
        assert paths.dtype == k_paths.dtype and scores.dtype == k_scores.dtype


def test_ctc_decode_refuses_an_unknown_strategy():
    with pytest.raises(ValueError, match="'greedy' and 'beam_search'"):
        ops.ctc_decode(np.zeros((1, 2, 3)), np.array([2]), strategy="best")


def test_ctc_loss_class_matches_keras_and_round_trips():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(4)
    y_true = np.array([[1, 2, 0], [3, 3, 1], [2, 0, 0]])
    y_pred = rng.standard_normal((3, 6, 4)).astype("float32")
    for reduction in ("sum_over_batch_size", "sum", None):
        ours = nnet.losses.CTC(reduction=reduction)(y_true, y_pred)
        theirs = keras.losses.CTC(reduction=reduction)(y_true, y_pred)
        np.testing.assert_allclose(ours.numpy(), keras.ops.convert_to_numpy(theirs), rtol=1e-5)
    loss = nnet.losses.get("ctc")
    assert loss is nnet.losses.ctc
    config = nnet.losses.CTC(name="c").get_config()
    assert config == keras.losses.CTC(name="c").get_config()
    assert nnet.losses.deserialize(nnet.losses.serialize(nnet.losses.CTC())).name == "ctc"
