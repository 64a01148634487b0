"""The stable fused path: a cross-entropy on the output of `nnet.ops.sigmoid` or `softmax` uses
the recorded logits, and only where the activation matches the loss."""

import numpy as np
import pytest

from nnet import losses, ops
from nnet.autodiff import Tensor, Variable, backward

torch = pytest.importorskip("torch")
F = torch.nn.functional
# On a shared 2-core machine torch's thread pool turns each tiny backward into ~0.1 s of spinning.
torch.set_num_threads(1)

EPS = 1e-7
N, K = 6, 4


def _t_clip(p):
    return p.clamp(EPS, 1 - EPS)


def _fused_cases():
    rng = np.random.default_rng(8)
    z = rng.normal(0, 2, (N, K)).astype(np.float32)
    binary = rng.integers(0, 2, (N, K)).astype(np.float32)
    onehot = np.eye(K, dtype=np.float32)[rng.integers(0, K, N)]
    return [
        (losses.BinaryCrossentropy, ops.sigmoid, binary, z),
        (losses.CategoricalCrossentropy, ops.softmax, onehot, z),
        (losses.SparseCategoricalCrossentropy, ops.softmax, onehot.argmax(-1), z),
    ]


@pytest.mark.parametrize("index", [0, 1, 2], ids=["bce", "cce", "scce"])
def test_fused_path_equals_probability_path_for_moderate_logits(index):
    loss_cls, activation, y_true, z = _fused_cases()[index]
    logits = Variable(z)
    fused = loss_cls()(y_true, activation(logits))
    probabilities = activation(Tensor(z)).numpy()
    plain = loss_cls()(y_true, probabilities)
    from_logits = loss_cls(from_logits=True)(y_true, z)
    np.testing.assert_allclose(fused.numpy(), plain.numpy(), rtol=1e-5)
    np.testing.assert_allclose(fused.numpy(), from_logits.numpy(), rtol=1e-6)
    backward(fused)
    zt = torch.tensor(z, requires_grad=True)
    yt = torch.tensor(y_true)
    if index == 0:
        expected = F.binary_cross_entropy_with_logits(zt, yt)
    else:
        expected = F.cross_entropy(zt, yt)
    expected.backward()
    np.testing.assert_allclose(logits.grad, zt.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("index", [0, 1, 2], ids=["bce", "cce", "scce"])
def test_fused_path_gives_finite_gradients_for_extreme_logits(index):
    loss_cls, activation, y_true, _ = _fused_cases()[index]
    z = np.where(np.arange(K) % 2 == 0, 100.0, -100.0)[None, :] * np.array([[1], [-1]] * 3)
    z = z.astype(np.float32)
    logits = Variable(z)
    value = loss_cls()(y_true, activation(logits))
    backward(value)
    assert np.isfinite(value.numpy()) and np.all(np.isfinite(logits.grad))
    zt = torch.tensor(z, requires_grad=True)
    yt = torch.tensor(y_true)
    if index == 0:
        expected = F.binary_cross_entropy_with_logits(zt, yt)
    else:
        expected = F.cross_entropy(zt, yt)
    expected.backward()
    np.testing.assert_allclose(value.numpy(), expected.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(logits.grad, zt.grad.numpy(), rtol=1e-5, atol=1e-7)
    assert np.abs(logits.grad).max() > 0.01


def test_binary_crossentropy_on_a_softmax_output_uses_probabilities():
    rng = np.random.default_rng(9)
    z = rng.normal(0, 2, (N, K)).astype(np.float32)
    y_true = np.eye(K, dtype=np.float32)[rng.integers(0, K, N)]
    logits = Variable(z)
    value = losses.BinaryCrossentropy()(y_true, ops.softmax(logits))
    backward(value)
    zt = torch.tensor(z, requires_grad=True)
    expected = F.binary_cross_entropy(_t_clip(torch.softmax(zt, -1)), torch.tensor(y_true))
    expected.backward()
    np.testing.assert_allclose(value.numpy(), expected.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(logits.grad, zt.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_categorical_crossentropy_on_a_sigmoid_output_uses_probabilities():
    rng = np.random.default_rng(10)
    z = rng.normal(0, 2, (N, K)).astype(np.float32)
    y_true = np.eye(K, dtype=np.float32)[rng.integers(0, K, N)]
    logits = Variable(z)
    value = losses.CategoricalCrossentropy()(y_true, ops.sigmoid(logits))
    backward(value)
    zt = torch.tensor(z, requires_grad=True)
    p = torch.sigmoid(zt)
    log_p = torch.log(_t_clip(p / p.sum(-1, keepdim=True)))
    expected = -(torch.tensor(y_true) * log_p).sum(-1).mean()
    expected.backward()
    np.testing.assert_allclose(value.numpy(), expected.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(logits.grad, zt.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_fused_path_survives_reconciliation_of_a_trailing_one():
    z = np.array([[[100.0], [-100.0]], [[-100.0], [100.0]]], dtype=np.float32)
    y_true = np.array([[0.0, 1.0], [0.0, 1.0]], dtype=np.float32)
    logits = Variable(z)
    value = losses.BinaryCrossentropy()(y_true, ops.sigmoid(logits))
    backward(value)
    assert float(value) == pytest.approx(50.0)
    np.testing.assert_allclose(logits.grad[..., 0], [[0.25, -0.25], [0.0, 0.0]], atol=1e-7)


def test_saturated_sigmoid_rows_that_sum_to_one_still_use_the_logits():
    # Each row of sigmoid([100, -100]) sums to one, like a softmax's; the logits still apply.
    z = np.array([[100.0, -100.0], [-100.0, 100.0]], dtype=np.float32)
    logits = Variable(z)
    value = losses.BinaryCrossentropy()([[0.0, 1.0], [1.0, 0.0]], ops.sigmoid(logits))
    backward(value)
    assert float(value) == pytest.approx(100.0)
    np.testing.assert_allclose(logits.grad, [[0.25, -0.25], [-0.25, 0.25]])


def test_binary_crossentropy_on_a_one_class_softmax_is_not_rescued_by_its_logits():
    # softmax over one class is identically 1: Keras (torch backend) gives a constant loss.
    z = np.array([[2.0], [-3.0]], dtype=np.float32)
    logits = Variable(z)
    value = losses.BinaryCrossentropy()([[0.0], [1.0]], ops.softmax(logits))
    backward(value)
    expected = F.binary_cross_entropy(_t_clip(torch.ones(2, 1)), torch.tensor([[0.0], [1.0]]))
    assert float(value) == pytest.approx(float(expected), rel=1e-6)
    np.testing.assert_array_equal(logits.grad, 0.0)


def test_fused_path_follows_a_dtype_cast():
    logits = Variable(np.array([[100.0], [-100.0]], dtype=np.float32))
    value = losses.BinaryCrossentropy(dtype="float64")([[0.0], [1.0]], ops.sigmoid(logits))
    backward(value)
    assert value.dtype == np.float64 and float(value) == pytest.approx(100.0)
    np.testing.assert_allclose(logits.grad, [[0.5], [-0.5]])
