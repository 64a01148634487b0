"""nnet.losses against PyTorch (values and gradients), Keras 3 (values, configs, string ids) and
float64 central differences."""

import os
import re

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnet import losses, ops  # noqa: E402
from nnet.autodiff import Tensor, Variable, backward, check_grad  # noqa: E402

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


CLASS_NAMES = sorted({c[1].__name__ for c in CASES})
NON_DEFAULT = {
    "BinaryCrossentropy": {"from_logits": True, "label_smoothing": 0.1, "axis": 0},
    "CategoricalCrossentropy": {"from_logits": True, "label_smoothing": 0.2, "axis": 1},
    "SparseCategoricalCrossentropy": {"from_logits": True, "ignore_class": 255},
    "Huber": {"delta": 3.0},
    "CosineSimilarity": {"axis": 0},
}
# Keras 3.15 drops these constructor arguments from get_config (so a round trip loses them);
# nnet keeps them, and Keras's from_config accepts the result.
KERAS_DROPPED = {"Huber": ("delta",), "CosineSimilarity": ("axis",),
                 "SparseCategoricalCrossentropy": ("axis",)}


@pytest.mark.parametrize("non_default", [False, True], ids=["default", "non_default"])
@pytest.mark.parametrize("class_name", CLASS_NAMES)
def test_get_config_matches_keras(keras, class_name, non_default):
    kwargs = {"reduction": "sum", "name": "custom", **NON_DEFAULT.get(class_name, {})} if (
        non_default) else {}
    config = getattr(losses, class_name)(**kwargs).get_config()
    keras_config = getattr(keras.losses, class_name)(**kwargs).get_config()
    dropped = KERAS_DROPPED.get(class_name, ())
    assert {k: v for k, v in config.items() if k not in dropped} == keras_config
    rebuilt = getattr(keras.losses, class_name).from_config(config)
    assert rebuilt.get_config() == keras_config
    assert getattr(losses, class_name).from_config(config).get_config() == config
    assert losses.serialize(getattr(losses, class_name)(**kwargs)) == {
        "module": "keras.losses", "class_name": class_name, "config": config,
        "registered_name": None,
    }


STRING_IDS = [
    "mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "bce", "BCE", "kld", "KLD",
    "huber", "log_cosh", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "mean_squared_error", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "hinge", "squared_hinge",
    "categorical_hinge", "kl_divergence", "poisson", "cosine_similarity", *CLASS_NAMES,
]


@pytest.mark.parametrize("identifier", STRING_IDS)
def test_string_ids_resolve_as_in_keras(keras, identifier):
    expected = keras.losses.get(identifier)
    got = losses.get(identifier)
    if isinstance(expected, keras.losses.Loss):
        assert type(got).__name__ == type(expected).__name__
        assert got.get_config() == {**expected.get_config(), **{
            k: v for k, v in got.get_config().items() if k in KERAS_DROPPED.get(identifier, ())}}
    else:
        assert callable(got) and not isinstance(got, losses.Loss)
        assert got.__name__ == expected.__name__


@pytest.mark.parametrize("identifier", ["huber_loss", "crossentropy", "mean_square_error"])
def test_strings_keras_rejects_raise_and_list_valid_names(keras, identifier):
    with pytest.raises(ValueError):
        keras.losses.get(identifier)
    with pytest.raises(ValueError, match="Valid names are: .*mean_squared_error"):
        losses.get(identifier)


def test_keras_2_alias_logcosh_resolves_to_log_cosh():
    assert losses.get("logcosh") is losses.log_cosh


def test_serialize_and_deserialize_round_trip():
    assert losses.serialize(losses.mean_squared_error) == "mean_squared_error"
    assert losses.deserialize("mse") is losses.mean_squared_error
    keras_function_form = {"module": "builtins", "class_name": "function",
                           "config": "mean_squared_error", "registered_name": "function"}
    assert losses.deserialize(keras_function_form) is losses.mean_squared_error
    loss = losses.deserialize(losses.serialize(losses.Huber(delta=2.0, reduction="sum")))
    assert isinstance(loss, losses.Huber) and loss.get_config()["delta"] == 2.0
    assert loss.reduction == "sum"
    assert isinstance(losses.get({"class_name": "CategoricalCrossentropy",
                                  "config": {"from_logits": True}}),
                      losses.CategoricalCrossentropy)
    wrapper = losses.LossFunctionWrapper(losses.huber, name="h", delta=0.5)
    config = wrapper.get_config()
    assert config == {"name": "h", "reduction": "sum_over_batch_size", "fn": "huber",
                      "delta": 0.5}
    rebuilt = losses.LossFunctionWrapper.from_config(config)
    assert rebuilt.fn is losses.huber
    assert float(rebuilt([[0.0]], [[2.0]])) == float(wrapper([[0.0]], [[2.0]])) == 0.875


# --- fused path -------------------------------------------------------------------------------

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
    expected = _t_cce(torch.tensor(y_true), torch.sigmoid(zt)).mean()
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


# --- shapes, labels and arguments -------------------------------------------------------------

@pytest.mark.parametrize("fn, y_true_shape, y_pred_shape, hint", [
    (losses.mean_squared_error, (N, 3), (N, 1), "y_true.shape=(6, 3), y_pred.shape=(6, 1)"),
    (losses.mean_squared_error, (N,), (N, 2), "y_true.shape=(6,), y_pred.shape=(6, 2)"),
    (losses.binary_crossentropy, (N, 2), (2, N), "Reshape y_true to (2, 6)"),
    (losses.categorical_crossentropy, (N,), (N, K), "sparse_categorical_crossentropy"),
    (losses.categorical_crossentropy, (N, 1), (N, K), "sparse_categorical_crossentropy"),
    (losses.sparse_categorical_crossentropy, (N, K), (N, K), "use categorical_crossentropy"),
    (losses.sparse_categorical_crossentropy, (N, 2), (N, K), "y_true.shape=(6, 2)"),
])
def test_shape_mismatch_raises_with_both_shapes_and_a_fix(fn, y_true_shape, y_pred_shape, hint):
    with pytest.raises(ValueError, match=re.escape(hint)):
        fn(np.zeros(y_true_shape), np.full(y_pred_shape, 0.5, dtype=np.float32))


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
