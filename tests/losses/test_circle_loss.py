"""nnet.losses.Circle and circle against PyTorch (values and gradients of the published formula),
Keras 3 (values, the mask of zero losses, every reduction, sample weights) and float64 central
differences."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnet import losses  # noqa: E402
from nnet.autodiff import Variable, backward, check_grad  # noqa: E402

torch = pytest.importorskip("torch")
# On a shared 2-core machine torch's thread pool turns each tiny backward into ~0.1 s of spinning.
torch.set_num_threads(1)

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"]
# Every label twice; then label 3 alone, a sample with no positive pair, whose loss is 0.
LABELS = {"paired": np.array([0, 1, 0, 2, 1, 2]), "singleton": np.array([0, 1, 0, 1, 1, 3])}
KWARGS = [{}, {"gamma": 4.0, "margin": 0.25}, {"gamma": 2.0, "remove_diagonal": False}]


def _embeddings(seed, dtype=np.float32, norm=1.0):
    x = np.random.default_rng(seed).normal(size=(6, 3))
    return (norm * x / np.linalg.norm(x, axis=1, keepdims=True)).astype(dtype)


def _t_circle(labels, x, gamma=80.0, margin=0.4, remove_diagonal=True):
    """Sun et al.'s circle loss as Keras writes it, with the loss and Keras's mask (loss > 0)."""
    d = (1 - x @ x.T).clamp(min=0)
    positive = labels[:, None] == labels[None, :]
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~torch.eye(len(labels), dtype=torch.bool)
    a_p = -gamma * (margin + d).clamp(min=0) * (margin - d)
    a_n = gamma * (1 + margin - d).clamp(min=0) * (1 - margin - d)
    # A large finite fill rather than -inf: torch's logsumexp backward is NaN on all--inf rows.
    lse_p = torch.logsumexp(a_p.masked_fill(~positive, -1e4), dim=1)
    lse_n = torch.logsumexp(a_n.masked_fill(~negative, -1e4), dim=1)
    loss = torch.nn.functional.softplus(lse_p + lse_n)
    return loss, (loss > 0).to(loss.dtype)


def _t_reduce(values, mask, sample_weight, reduction):
    """Keras's reduction with a mask: valid entries weigh total/valid under the mean reductions."""
    if reduction in ("sum_over_batch_size", "mean"):
        mask = mask * (mask.numel() / mask.sum())
    weights = mask if sample_weight is None else mask * torch.tensor(sample_weight)
    values = values * weights
    if reduction == "none":
        return values
    if reduction == "sum":
        return values.sum()
    if reduction == "mean_with_sample_weight":
        return values.sum() / weights.sum()
    return values.sum() / values.numel()


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", KWARGS, ids=["default", "gamma_margin", "keep_diagonal"])
@pytest.mark.parametrize("labels", ["paired", "singleton"])
def test_circle_matches_torch(labels, kwargs, reduction, weighted):
    labels = LABELS[labels]
    # Off the unit sphere, no pair sits on the kink of max(1 - cos, 0), where the subgradients
    # of torch and nnet differ.
    y_pred = _embeddings(0, norm=0.9)
    sample_weight = np.linspace(0.0, 2.0, 6).astype(np.float32) if weighted else None
    yp = torch.tensor(y_pred, requires_grad=True)
    values, mask = _t_circle(torch.tensor(labels), yp, **kwargs)
    expected = _t_reduce(values, mask, sample_weight, reduction)
    x = Variable(y_pred)
    out = losses.Circle(reduction=reduction, **kwargs)(labels, x, sample_weight=sample_weight)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    projection = np.random.default_rng(1).normal(size=out.shape).astype(np.float32)
    expected.backward(torch.tensor(projection))
    backward(out, projection)
    assert np.all(np.isfinite(x.grad))
    np.testing.assert_allclose(x.grad, yp.grad.numpy(), rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


@pytest.mark.parametrize("kwargs", KWARGS, ids=["default", "gamma_margin", "keep_diagonal"])
@pytest.mark.parametrize("labels", ["paired", "singleton"])
def test_circle_matches_keras_with_every_reduction_and_sample_weights(keras, labels, kwargs):
    labels = LABELS[labels]
    y_pred = _embeddings(2)
    for reduction in REDUCTIONS:
        for sample_weight in (None, np.linspace(0.5, 1.5, 6).astype(np.float32)):
            expected = keras.losses.Circle(reduction=reduction, **kwargs)(
                labels, y_pred, sample_weight=sample_weight)
            out = losses.Circle(reduction=reduction, **kwargs)(
                labels, y_pred, sample_weight=sample_weight)
            np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-5,
                                       atol=1e-6)


def test_the_circle_function_keeps_its_mask_when_wrapped_as_keras_does(keras):
    # compile(loss="circle") wraps the function; Keras's mask of zero losses still applies.
    from keras.src.losses.losses import LossFunctionWrapper

    labels, y_pred = LABELS["singleton"], _embeddings(3)
    expected = LossFunctionWrapper(keras.losses.circle, gamma=8.0)(labels, y_pred)
    wrapped = losses.LossFunctionWrapper(losses.get("circle"), gamma=8.0)
    np.testing.assert_allclose(float(wrapped(labels, y_pred)), float(expected), rtol=1e-5)
    per_sample = losses.circle(labels, y_pred, gamma=8.0).numpy()
    assert per_sample[-1] == 0.0 and float(wrapped(labels, y_pred)) == pytest.approx(
        per_sample.sum() / 5, rel=1e-6)


def test_circle_against_reference_embeddings_matches_keras(keras):
    rng = np.random.default_rng(4)
    labels, y_pred = LABELS["paired"], _embeddings(5)
    ref_labels = rng.integers(0, 3, 8)
    ref = rng.normal(size=(8, 3))
    ref = (ref / np.linalg.norm(ref, axis=1, keepdims=True)).astype(np.float32)
    for remove_diagonal in (True, False):
        kwargs = {"ref_labels": ref_labels, "ref_embeddings": ref, "gamma": 16.0,
                  "remove_diagonal": remove_diagonal}
        np.testing.assert_allclose(losses.circle(labels, y_pred, **kwargs).numpy(),
                                   keras.losses.circle(labels, y_pred, **kwargs).numpy(),
                                   rtol=1e-5)


@pytest.mark.parametrize("labels", ["paired", "singleton"])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean_with_sample_weight"])
def test_circle_float64_gradients_match_central_differences(labels, reduction):
    loss = losses.Circle(gamma=4.0, reduction=reduction, dtype="float64")
    weights = np.linspace(0.5, 1.5, 6)
    check_grad(lambda p: loss(LABELS[labels], p, sample_weight=weights),
               _embeddings(6, np.float64, norm=0.9), rtol=1e-6)
    check_grad(lambda p: losses.circle(LABELS[labels], p, gamma=4.0, margin=0.3),
               _embeddings(7, np.float64, norm=0.9), rtol=1e-6)


def test_circle_rejects_labels_and_embeddings_of_the_wrong_rank():
    with pytest.raises(ValueError, match=r"y_true.shape=\(6, 2\)"):
        losses.circle(np.zeros((6, 2)), _embeddings(0))
    with pytest.raises(ValueError, match=r"y_pred.shape=\(6, 3, 1\)"):
        losses.circle(LABELS["paired"], _embeddings(0)[..., None])
