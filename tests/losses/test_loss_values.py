"""nnet.losses values and gradients against PyTorch (autograd on the published formulas), Keras 3
(values, every reduction, sample weights) and float64 central differences."""

import os
from functools import partial

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnet import losses  # noqa: E402
from nnet.autodiff import Variable, backward, check_grad  # noqa: E402

torch = pytest.importorskip("torch")
F = torch.nn.functional
# On a shared 2-core machine torch's thread pool turns each tiny backward into ~0.1 s of spinning.
torch.set_num_threads(1)

EPS = 1e-7
N, K = 6, 4
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"]


def _data(kind, seed=0):
    """(y_true, y_pred) float32 arrays of shape (N, K) (sparse: int labels (N,))."""
    rng = np.random.default_rng(seed)
    f32 = lambda a: np.asarray(a, dtype=np.float32)
    binary = f32(rng.integers(0, 2, (N, K)))
    if kind == "prob":
        return binary, f32(rng.uniform(0.05, 0.95, (N, K)))
    if kind == "logits":
        return binary, f32(rng.normal(0, 3, (N, K)))
    if kind == "onehot":
        return f32(np.eye(K)[rng.integers(0, K, N)]), f32(rng.uniform(0.1, 1.0, (N, K)))
    if kind == "onehot_logits":
        return f32(np.eye(K)[rng.integers(0, K, N)]), f32(rng.normal(0, 3, (N, K)))
    if kind == "sparse":
        return rng.integers(0, K, N), f32(rng.uniform(0.1, 1.0, (N, K)))
    if kind == "sparse_logits":
        return rng.integers(0, K, N), f32(rng.normal(0, 3, (N, K)))
    if kind == "sparse_ignore":
        labels = rng.integers(0, K, N)
        labels[[1, 4]] = -1
        return labels, f32(rng.normal(0, 3, (N, K)))
    if kind == "regression":
        return f32(rng.normal(0, 2, (N, K))), f32(rng.normal(0, 2, (N, K)))
    if kind == "positive":
        return f32(rng.uniform(0.5, 2, (N, K))), f32(rng.uniform(0.5, 2, (N, K)))
    if kind == "hinge01":
        return binary, f32(rng.normal(0, 1.5, (N, K)))
    if kind == "hinge_pm":
        return 2 * binary - 1, f32(rng.normal(0, 1.5, (N, K)))
    if kind == "dist":
        p = rng.uniform(0.05, 1, (N, K))
        return f32(p / p.sum(-1, keepdims=True)), f32(rng.uniform(0.05, 0.95, (N, K)))
    raise ValueError(kind)


def _t_clip(p):
    return p.clamp(EPS, 1 - EPS)


def _t_cce(yt, yp):
    return -(yt * torch.log(_t_clip(yp / yp.sum(-1, keepdim=True)))).sum(-1)


def _t_hinge_labels(yt):
    return 2 * yt - 1 if bool(((yt == 0) | (yt == 1)).all()) else yt


def _t_categorical_hinge(yt, yp):
    neg = ((1 - yt) * yp).amax(-1)
    return (neg - (yt * yp).sum(-1) + 1).clamp(min=0)


def _t_kld(yt, yp):
    yt = yt.clamp(EPS, 1)
    return (yt * torch.log(yt / yp.clamp(EPS, 1))).sum(-1)


def _t_msle(yt, yp):
    return ((torch.log(yp.clamp(min=EPS) + 1) - torch.log(yt.clamp(min=EPS) + 1)) ** 2).mean(-1)


def _t_binary_focal(yt, yp, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                    from_logits=False, label_smoothing=0.0):
    """Lin et al.'s focal loss as Keras writes it: bce on clipped p, (1 - p_t)**gamma on raw p."""
    yt = yt * (1 - label_smoothing) + 0.5 * label_smoothing
    p = torch.sigmoid(yp) if from_logits else yp
    bce = F.binary_cross_entropy(_t_clip(p), yt, reduction="none")
    p_t = yt * p + (1 - yt) * (1 - p)
    alpha_t = yt * alpha + (1 - yt) * (1 - alpha) if apply_class_balancing else 1.0
    return (alpha_t * (1 - p_t) ** gamma * bce).mean(-1)


def _t_categorical_focal(yt, yp, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0):
    yt = yt * (1 - label_smoothing) + label_smoothing / yt.shape[-1]
    p = torch.softmax(yp, -1) if from_logits else yp
    p = _t_clip(p / p.sum(-1, keepdim=True))
    return -(torch.as_tensor(alpha) * (1 - p) ** gamma * yt * torch.log(p)).sum(-1)


def _t_dice(yt, yp, axis=-1):
    return 1 - 2 * (yt * yp).sum(axis) / (yt.sum(axis) + yp.sum(axis) + EPS)


def _t_tversky(yt, yp, alpha=0.5, beta=0.5, axis=-1):
    tp = (yt * yp).sum(axis)
    fn, fp = (yt * (1 - yp)).sum(axis), ((1 - yt) * yp).sum(axis)
    return 1 - tp / (tp + alpha * fn + beta * fp + EPS)


def _t_generalized_ce(yt, yp, q):
    p = yp.gather(-1, yt[:, None])[:, 0]
    return (1 - p**q) / q


# (id, nnet class, kwargs, nnet function, data kind, torch per-sample loss, torch mask or None)
CASES = [
    ("bce", losses.BinaryCrossentropy, {}, losses.binary_crossentropy, "prob",
     lambda t, p: F.binary_cross_entropy(_t_clip(p), t, reduction="none").mean(-1)),
    ("bce_logits", losses.BinaryCrossentropy, {"from_logits": True}, losses.binary_crossentropy,
     "logits", lambda t, p: F.binary_cross_entropy_with_logits(p, t, reduction="none").mean(-1)),
    ("bce_smooth", losses.BinaryCrossentropy, {"label_smoothing": 0.2},
     losses.binary_crossentropy, "prob",
     lambda t, p: F.binary_cross_entropy(_t_clip(p), t * 0.8 + 0.1, reduction="none").mean(-1)),
    ("bce_logits_smooth", losses.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.3},
     losses.binary_crossentropy, "logits",
     lambda t, p: F.binary_cross_entropy_with_logits(p, t * 0.7 + 0.15, reduction="none").mean(-1)),
    ("cce", losses.CategoricalCrossentropy, {}, losses.categorical_crossentropy, "onehot", _t_cce),
    ("cce_smooth", losses.CategoricalCrossentropy, {"label_smoothing": 0.1},
     losses.categorical_crossentropy, "onehot", lambda t, p: _t_cce(t * 0.9 + 0.1 / K, p)),
    ("cce_logits", losses.CategoricalCrossentropy, {"from_logits": True},
     losses.categorical_crossentropy, "onehot_logits",
     lambda t, p: F.cross_entropy(p, t, reduction="none")),
    ("cce_logits_smooth", losses.CategoricalCrossentropy, {"from_logits": True,
     "label_smoothing": 0.2}, losses.categorical_crossentropy, "onehot_logits",
     lambda t, p: F.cross_entropy(p, t, reduction="none", label_smoothing=0.2)),
    ("scce", losses.SparseCategoricalCrossentropy, {}, losses.sparse_categorical_crossentropy,
     "sparse", lambda t, p: F.nll_loss(torch.log(_t_clip(p / p.sum(-1, keepdim=True))), t,
                                       reduction="none")),
    ("scce_logits", losses.SparseCategoricalCrossentropy, {"from_logits": True},
     losses.sparse_categorical_crossentropy, "sparse_logits",
     lambda t, p: F.cross_entropy(p, t, reduction="none")),
    ("scce_ignore", losses.SparseCategoricalCrossentropy, {"from_logits": True,
     "ignore_class": -1}, losses.sparse_categorical_crossentropy, "sparse_ignore",
     lambda t, p: F.cross_entropy(p, t, reduction="none", ignore_index=-1)),
    ("mse", losses.MeanSquaredError, {}, losses.mean_squared_error, "regression",
     lambda t, p: F.mse_loss(p, t, reduction="none").mean(-1)),
    ("mae", losses.MeanAbsoluteError, {}, losses.mean_absolute_error, "regression",
     lambda t, p: F.l1_loss(p, t, reduction="none").mean(-1)),
    ("mape", losses.MeanAbsolutePercentageError, {}, losses.mean_absolute_percentage_error,
     "positive", lambda t, p: 100 * ((t - p) / t.abs().clamp(min=EPS)).abs().mean(-1)),
    ("msle", losses.MeanSquaredLogarithmicError, {}, losses.mean_squared_logarithmic_error,
     "positive", _t_msle),
    ("huber", losses.Huber, {}, losses.huber, "regression",
     lambda t, p: F.huber_loss(p, t, reduction="none", delta=1.0).mean(-1)),
    ("huber_delta", losses.Huber, {"delta": 2.5}, losses.huber, "regression",
     lambda t, p: F.huber_loss(p, t, reduction="none", delta=2.5).mean(-1)),
    ("log_cosh", losses.LogCosh, {}, losses.log_cosh, "regression",
     lambda t, p: torch.log(torch.cosh(p - t)).mean(-1)),
    ("hinge", losses.Hinge, {}, losses.hinge, "hinge01",
     lambda t, p: (1 - _t_hinge_labels(t) * p).clamp(min=0).mean(-1)),
    ("hinge_pm", losses.Hinge, {}, losses.hinge, "hinge_pm",
     lambda t, p: (1 - t * p).clamp(min=0).mean(-1)),
    ("squared_hinge", losses.SquaredHinge, {}, losses.squared_hinge, "hinge01",
     lambda t, p: ((1 - _t_hinge_labels(t) * p).clamp(min=0) ** 2).mean(-1)),
    ("categorical_hinge", losses.CategoricalHinge, {}, losses.categorical_hinge, "onehot_logits",
     _t_categorical_hinge),
    ("kld", losses.KLDivergence, {}, losses.kl_divergence, "dist", _t_kld),
    ("poisson", losses.Poisson, {}, losses.poisson, "positive",
     lambda t, p: F.poisson_nll_loss(p, t, log_input=False, eps=EPS, reduction="none").mean(-1)),
    ("cosine", losses.CosineSimilarity, {}, losses.cosine_similarity, "regression",
     lambda t, p: -F.cosine_similarity(t, p, dim=-1)),
    ("binary_focal", losses.BinaryFocalCrossentropy, {}, losses.binary_focal_crossentropy,
     "prob", _t_binary_focal),
    ("binary_focal_balanced", losses.BinaryFocalCrossentropy, {"apply_class_balancing": True,
     "alpha": 0.4, "gamma": 3.0}, losses.binary_focal_crossentropy, "prob",
     partial(_t_binary_focal, apply_class_balancing=True, alpha=0.4, gamma=3.0)),
    ("binary_focal_logits_smooth", losses.BinaryFocalCrossentropy, {"from_logits": True,
     "label_smoothing": 0.2, "gamma": 1.5}, losses.binary_focal_crossentropy, "logits",
     partial(_t_binary_focal, from_logits=True, label_smoothing=0.2, gamma=1.5)),
    ("categorical_focal", losses.CategoricalFocalCrossentropy, {},
     losses.categorical_focal_crossentropy, "onehot", _t_categorical_focal),
    ("categorical_focal_logits_smooth", losses.CategoricalFocalCrossentropy, {
     "from_logits": True, "label_smoothing": 0.1, "alpha": 0.5, "gamma": 1.0},
     losses.categorical_focal_crossentropy, "onehot_logits",
     partial(_t_categorical_focal, from_logits=True, label_smoothing=0.1, alpha=0.5, gamma=1.0)),
    ("categorical_focal_class_alpha", losses.CategoricalFocalCrossentropy, {
     "alpha": [0.1, 0.2, 0.3, 0.4], "gamma": 0.5}, losses.categorical_focal_crossentropy,
     "onehot", partial(_t_categorical_focal, alpha=[0.1, 0.2, 0.3, 0.4], gamma=0.5)),
    ("dice", losses.Dice, {"axis": 1}, losses.dice, "prob", _t_dice),
    ("tversky", losses.Tversky, {"axis": -1}, losses.tversky, "prob", _t_tversky),
    ("tversky_weighted", losses.Tversky, {"alpha": 0.7, "beta": 0.2, "axis": (1,)},
     losses.tversky, "prob", partial(_t_tversky, alpha=0.7, beta=0.2)),
    ("generalized_ce", losses.CategoricalGeneralizedCrossEntropy, {"q": 0.5},
     losses.categorical_generalized_cross_entropy, "sparse", partial(_t_generalized_ce, q=0.5)),
    ("generalized_ce_q", losses.CategoricalGeneralizedCrossEntropy, {"q": 0.9},
     losses.categorical_generalized_cross_entropy, "sparse", partial(_t_generalized_ce, q=0.9)),
]
CASE_IDS = [c[0] for c in CASES]


def _torch_reduce(values, sample_weight, reduction, mask=None):
    """Keras's reduction rules, written in torch: the weighted sum over the element count."""
    if mask is not None and reduction in ("sum_over_batch_size", "mean"):
        sample_weight = mask * (mask.numel() / mask.sum()) * (
            1 if sample_weight is None else sample_weight)
    elif mask is not None:
        sample_weight = mask if sample_weight is None else mask * sample_weight
    if sample_weight is not None:
        values = values * sample_weight
    if reduction == "none":
        return values
    if reduction == "sum":
        return values.sum()
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return values.sum() / sample_weight.sum()
    return values.sum() / values.numel()


def _torch_loss(case, y_true, y_pred, reduction, sample_weight):
    name, _, kwargs, _, kind, per_sample = case
    yt = torch.tensor(y_true)
    yp = torch.tensor(y_pred, requires_grad=True)
    mask = (yt != -1).float() if kind == "sparse_ignore" else None
    sw = None if sample_weight is None else torch.tensor(sample_weight)
    return _torch_reduce(per_sample(yt, yp), sw, reduction, mask), yp


def _nnet_backward(out, projection):
    backward(out, np.asarray(projection, dtype=out.dtype))


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_class_matches_torch(case, reduction, weighted):
    y_true, y_pred = _data(case[4])
    sample_weight = np.linspace(0.0, 2.0, N).astype(np.float32) if weighted else None
    expected, yp = _torch_loss(case, y_true, y_pred, reduction, sample_weight)
    x = Variable(y_pred)
    out = case[1](reduction=reduction, **case[2])(y_true, x, sample_weight=sample_weight)
    assert out.dtype == np.float32 and out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    projection = np.random.default_rng(1).normal(size=out.shape).astype(np.float32)
    expected.backward(torch.tensor(projection))
    _nnet_backward(out, projection)
    np.testing.assert_allclose(x.grad, yp.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_function_matches_torch(case):
    y_true, y_pred = _data(case[4], seed=3)
    kwargs = {**case[2], "axis": -1} if case[0].startswith(("bce", "cce", "scce")) else case[2]
    x = Variable(y_pred)
    out = case[3](y_true, x, **kwargs)
    yp = torch.tensor(y_pred, requires_grad=True)
    expected = case[5](torch.tensor(y_true), yp)
    assert out.shape == (N,)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    expected.sum().backward()
    _nnet_backward(out, np.ones(N))
    np.testing.assert_allclose(x.grad, yp.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean_with_sample_weight"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_float64_gradients_match_central_differences(case, reduction):
    y_true, y_pred = _data(case[4], seed=5)
    if case[4] not in ("sparse", "sparse_logits", "sparse_ignore"):
        y_true = y_true.astype(np.float64)
    loss = case[1](reduction=reduction, dtype="float64", **case[2])
    weights = np.linspace(0.5, 1.5, N)
    check_grad(lambda p: loss(y_true, p, sample_weight=weights), y_pred, rtol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_float64_function_gradients(case):
    y_true, y_pred = _data(case[4], seed=7)
    if case[4] not in ("sparse", "sparse_logits", "sparse_ignore"):
        y_true = y_true.astype(np.float64)
    check_grad(lambda p: case[3](y_true, p, **case[2]), y_pred, rtol=1e-6)


# --- Keras 3 itself ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _keras_value(value):
    return value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)


KERAS_CASES = [(c[1].__name__, c[2], c[4]) for c in CASES] + [
    ("BinaryCrossentropy", {"axis": 0}, "prob"),
    ("CategoricalCrossentropy", {"axis": 0}, "onehot"),
    ("CategoricalCrossentropy", {"from_logits": True, "axis": 0}, "onehot_logits"),
    ("SparseCategoricalCrossentropy", {"ignore_class": 2}, "sparse"),
    ("CosineSimilarity", {"axis": 0}, "regression"),
    ("Huber", {"delta": 0.3}, "regression"),
    ("BinaryFocalCrossentropy", {"axis": 0, "gamma": 2.5}, "prob"),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "from_logits": True}, "logits"),
    ("CategoricalFocalCrossentropy", {"axis": 0}, "onehot"),
    ("CategoricalFocalCrossentropy", {"from_logits": True, "axis": 0, "alpha": 0.5},
     "onehot_logits"),
    ("Dice", {"axis": 0}, "prob"),
    ("Tversky", {"alpha": 0.2, "beta": 0.9, "axis": 0}, "prob"),
    ("CategoricalGeneralizedCrossEntropy", {}, "sparse"),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("class_name, kwargs, kind", KERAS_CASES,
                         ids=[f"{c}-{k}" for c, k, _ in KERAS_CASES])
def test_class_values_match_keras(keras, class_name, kwargs, kind, reduction, weighted):
    y_true, y_pred = _data(kind, seed=11)
    sample_weight = np.linspace(0.0, 2.0, N).astype(np.float32) if weighted else None
    if weighted and kwargs.get("axis") == 0:
        sample_weight = sample_weight[:K]
    expected = getattr(keras.losses, class_name)(reduction=reduction, **kwargs)(
        y_true, y_pred, sample_weight=sample_weight)
    out = getattr(losses, class_name)(reduction=reduction, **kwargs)(
        y_true, y_pred, sample_weight=sample_weight)
    np.testing.assert_allclose(out.numpy(), _keras_value(expected), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("y_true_shape, y_pred_shape", [((N,), (N, 1)), ((N, 1), (N,))])
@pytest.mark.parametrize("class_name", ["MeanSquaredError", "BinaryCrossentropy", "Hinge",
                                        "MeanAbsoluteError", "Huber", "Poisson"])
def test_rank_one_against_trailing_one_is_reconciled_as_in_keras(keras, class_name,
                                                                   y_true_shape, y_pred_shape):
    rng = np.random.default_rng(2)
    y_true = rng.integers(0, 2, N).astype(np.float32).reshape(y_true_shape)
    y_pred = rng.uniform(0.1, 0.9, N).astype(np.float32).reshape(y_pred_shape)
    for reduction in ("sum_over_batch_size", "none"):
        out = getattr(losses, class_name)(reduction=reduction)(y_true, y_pred)
        expected = getattr(keras.losses, class_name)(reduction=reduction)(y_true, y_pred)
        np.testing.assert_allclose(out.numpy(), _keras_value(expected), rtol=1e-6)
    same = getattr(losses, class_name)()(y_true.reshape(N, 1), y_pred.reshape(N, 1))
    assert float(getattr(losses, class_name)()(y_true, y_pred)) == pytest.approx(float(same))


def test_temporal_losses_and_weights_match_keras(keras):
    rng = np.random.default_rng(4)
    y_true = rng.integers(0, 2, (N, 5, 1)).astype(np.float32)
    y_pred = rng.uniform(0.1, 0.9, (N, 5, 1)).astype(np.float32)
    labels = rng.integers(0, K, (N, 5))
    probs = rng.uniform(0.1, 1, (N, 5, K)).astype(np.float32)
    temporal = [("BinaryCrossentropy", y_true, y_pred), ("MeanSquaredError", y_true, y_pred),
                ("SparseCategoricalCrossentropy", labels, probs)]
    # (N, T) labels against (N, T, 1) predictions: Keras squeezes y_pred, the loss is (N,).
    per_sample = [("BinaryCrossentropy", y_true[..., 0], y_pred)]
    for weights, cases in ((rng.uniform(size=(N, 5)), temporal), (rng.uniform(size=(N, 1)),
                           temporal + per_sample), (None, temporal + per_sample)):
        for class_name, yt, yp in cases:
            out = getattr(losses, class_name)()(yt, yp, sample_weight=weights)
            expected = getattr(keras.losses, class_name)()(yt, yp, sample_weight=weights)
            np.testing.assert_allclose(out.numpy(), _keras_value(expected), rtol=1e-5)


def test_ignore_class_on_sequences_with_sample_weights_matches_keras(keras):
    rng = np.random.default_rng(12)
    labels = rng.integers(0, K, (N, 5))
    labels[rng.uniform(size=(N, 5)) < 0.3] = 255
    logits = rng.normal(size=(N, 5, K)).astype(np.float32)
    per_sample = rng.uniform(size=(N, 1))
    for reduction in REDUCTIONS:
        kwargs = {"from_logits": True, "ignore_class": 255, "reduction": reduction}
        loss = losses.SparseCategoricalCrossentropy(**kwargs)
        for weights in (None, rng.uniform(size=(N, 5))):
            expected = keras.losses.SparseCategoricalCrossentropy(**kwargs)(labels, logits, weights)
            out = loss(labels, logits, weights)
            np.testing.assert_allclose(out.numpy(), _keras_value(expected), rtol=1e-5, atol=1e-7)
        # Keras 3.15 fails to broadcast (N, 1) weights against the mask; they weight whole samples.
        np.testing.assert_allclose(loss(labels, logits, per_sample).numpy(),
                                   loss(labels, logits, np.tile(per_sample, 5)).numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"sample_weight of shape \(6,\)"):
        losses.SparseCategoricalCrossentropy(ignore_class=255)(labels, logits, np.ones(N))


@pytest.mark.parametrize("class_name, kwargs, per_batch", [
    ("Dice", {}, _t_dice),
    ("Tversky", {}, _t_tversky),
    ("Tversky", {"alpha": 0.9, "beta": 0.3}, partial(_t_tversky, alpha=0.9, beta=0.3)),
])
def test_overlap_over_the_whole_batch_matches_keras_and_torch(keras, class_name, kwargs,
                                                              per_batch):
    y_true, y_pred = _data("prob", seed=13)
    for reduction in REDUCTIONS:
        for sample_weight in (None, 0.5):
            x = Variable(y_pred)
            out = getattr(losses, class_name)(reduction=reduction, **kwargs)(
                y_true, x, sample_weight=sample_weight)
            expected = getattr(keras.losses, class_name)(reduction=reduction, **kwargs)(
                y_true, y_pred, sample_weight=sample_weight)
            assert out.shape == ()
            np.testing.assert_allclose(out.numpy(), _keras_value(expected), rtol=1e-5)
            yp = torch.tensor(y_pred, requires_grad=True)
            (per_batch(torch.tensor(y_true), yp, axis=(0, 1)) * (sample_weight or 1)).backward()
            backward(out)
            np.testing.assert_allclose(x.grad, yp.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("class_name, kwargs", [
    ("Dice", {}), ("Tversky", {"alpha": 0.3, "beta": 0.8}),
])
def test_overlap_per_image_with_sample_weights_matches_keras(keras, class_name, kwargs):
    rng = np.random.default_rng(14)
    y_true = (rng.uniform(size=(N, 5, 5, 2)) > 0.6).astype(np.float32)
    y_pred = rng.uniform(size=(N, 5, 5, 2)).astype(np.float32)
    weights = rng.uniform(size=N).astype(np.float32)
    for reduction in REDUCTIONS:
        expected = getattr(keras.losses, class_name)(reduction=reduction, axis=(1, 2, 3),
                                                     **kwargs)(y_true, y_pred, weights)
        # A JSON config gives the axes back as a list; both spellings mean the same.
        for axis in ((1, 2, 3), [1, 2, 3]):
            loss = getattr(losses, class_name)(reduction=reduction, axis=axis, **kwargs)
            np.testing.assert_allclose(loss(y_true, y_pred, weights).numpy(),
                                       _keras_value(expected), rtol=1e-5, atol=1e-7)


def test_categorical_focal_with_one_alpha_per_class_matches_keras_on_sequences(keras):
    rng = np.random.default_rng(15)
    y_true = np.eye(K, dtype=np.float32)[rng.integers(0, K, (N, 3))]
    logits = rng.normal(0, 2, (N, 3, K)).astype(np.float32)
    weights = rng.uniform(size=(N, 3)).astype(np.float32)
    kwargs = {"alpha": [0.4, 0.3, 0.2, 0.1], "gamma": 1.5, "from_logits": True}
    for reduction in REDUCTIONS:
        out = losses.CategoricalFocalCrossentropy(reduction=reduction, **kwargs)(
            y_true, logits, weights)
        expected = keras.losses.CategoricalFocalCrossentropy(reduction=reduction, **kwargs)(
            y_true, logits, weights)
        np.testing.assert_allclose(out.numpy(), _keras_value(expected), rtol=1e-5, atol=1e-7)


def test_generalized_cross_entropy_takes_labels_with_a_trailing_one():
    # Keras 3.15 broadcasts (N, 1) labels against (N, K) into an (N, N) loss; nnet reads them as
    # the (N,) labels its docstring promises.
    labels, y_pred = _data("sparse", seed=16)
    loss = losses.CategoricalGeneralizedCrossEntropy(q=0.7, reduction="none")
    np.testing.assert_array_equal(loss(labels[:, None], y_pred).numpy(),
                                  loss(labels, y_pred).numpy())


def test_wrapped_sparse_function_leaves_ignored_labels_out_of_the_mean_as_keras_does(keras):
    from keras.src.losses.losses import LossFunctionWrapper

    labels, logits = _data("sparse_ignore", seed=17)
    kwargs = {"from_logits": True, "ignore_class": -1}
    expected = LossFunctionWrapper(keras.losses.sparse_categorical_crossentropy, **kwargs)(
        labels, logits)
    wrapped = losses.LossFunctionWrapper(losses.sparse_categorical_crossentropy, **kwargs)
    np.testing.assert_allclose(float(wrapped(labels, logits)), float(expected), rtol=1e-6)
    assert float(wrapped(labels, logits)) == pytest.approx(
        float(losses.SparseCategoricalCrossentropy(**kwargs)(labels, logits)))

