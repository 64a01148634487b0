"""ops.dot_product_attention against torch's scaled_dot_product_attention (float32 values and
gradients), float64 numerical gradients, and its errors."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest

from nnet import ops
from nnet.autodiff import Tensor, backward, check_grad

torch = pytest.importorskip("torch")

B, T, S, H = 2, 3, 5, 4


def _inputs(rng, n, k, dtype, hv=H + 1):
    return [rng.standard_normal(shape).astype(dtype)
            for shape in ((B, T, n, H), (B, S, k, H), (B, S, k, hv))]


def _mask(rng, empty_row=True):
    mask = rng.random((B, 1, T, S)) > 0.4
    mask[..., 0] = True
    if empty_row:
        mask[0, 0, 1] = False  # one query sees no key at all
    return mask


CASES = [
    ("plain", 4, 4, {}),
    ("grouped_query", 4, 2, {}),
    ("multi_query", 4, 1, {"is_causal": True}),
    ("mask", 2, 2, {"mask": "mask"}),
    ("causal_and_mask", 2, 2, {"mask": "mask", "is_causal": True, "scale": 0.3}),
    ("bias", 2, 1, {"bias": (1, 2, T, S)}),
    ("soft_cap", 2, 2, {"attn_logits_soft_cap": 1.5, "is_causal": True}),
]


def _torch_reference(q, k, v, n, kwargs):
    """torch's SDPA, with the soft cap (which it lacks) written out around it."""
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    heads = [x.transpose(1, 2).repeat_interleave(n // x.shape[2], 1) for x in (tq, tk, tv)]
    keep = torch.ones(T, S, dtype=torch.bool)
    if "mask" in kwargs:
        keep = keep & torch.tensor(kwargs["mask"])
    if kwargs.get("is_causal"):
        keep = keep & torch.tril(torch.ones(T, S, dtype=torch.bool))
    additive = torch.where(keep, 0.0, -0.7 * 3.38953e38).to(tq.dtype)
    if "bias" in kwargs:
        additive = additive + torch.tensor(kwargs["bias"])
    scale = kwargs.get("scale", 1 / np.sqrt(H))
    if "attn_logits_soft_cap" in kwargs:
        cap = kwargs["attn_logits_soft_cap"]
        logits = cap * torch.tanh(heads[0] @ heads[1].transpose(-1, -2) * scale / cap)
        out = torch.softmax(logits + additive, -1) @ heads[2]
    else:
        out = torch.nn.functional.scaled_dot_product_attention(*heads, attn_mask=additive,
                                                               scale=scale)
    out = out.transpose(1, 2)
    return out, (tq, tk, tv)


@pytest.mark.parametrize("name,n,k,kwargs", CASES, ids=[c[0] for c in CASES])
def test_matches_torch_in_float32(name, n, k, kwargs):
    rng = np.random.default_rng(0)
    q, key, v = _inputs(rng, n, k, "float32")
    kwargs = dict(kwargs)
    if kwargs.get("mask") == "mask":
        # No empty row here: torch adds the mask to the logits, so its gradient flows through
        # a row whose logits the large negative absorbed; nnet's (like a where) is 0 there, the
        # derivative of what is computed (the float64 check below covers empty rows).
        kwargs["mask"] = _mask(rng, empty_row=False)
    if "bias" in kwargs:
        kwargs["bias"] = rng.standard_normal(kwargs["bias"]).astype("float32")
    expected, leaves = _torch_reference(q, key, v, n, kwargs)
    upstream = rng.standard_normal(expected.shape).astype("float32")
    expected.backward(torch.tensor(upstream))
    tensors = [Tensor(a, requires_grad=True) for a in (q, key, v)]
    out = ops.dot_product_attention(*tensors, **kwargs)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-5)
    backward(out, upstream)
    for tensor, leaf in zip(tensors, leaves):
        np.testing.assert_allclose(tensor.grad, leaf.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,n,k,kwargs", CASES, ids=[c[0] for c in CASES])
def test_float64_numerical_gradients(name, n, k, kwargs):
    rng = np.random.default_rng(1)
    arrays = _inputs(rng, n, k, "float64")
    kwargs = dict(kwargs)
    if kwargs.get("mask") == "mask":
        kwargs["mask"] = _mask(rng)
    if "bias" in kwargs:
        arrays.append(rng.standard_normal(kwargs.pop("bias")))
        check_grad(lambda q, key, v, bias: ops.dot_product_attention(q, key, v, bias=bias,
                                                                     **kwargs), *arrays)
    else:
        check_grad(lambda q, key, v: ops.dot_product_attention(q, key, v, **kwargs), *arrays)


@pytest.mark.parametrize("shapes,kwargs,message", [
    ([(2, 3, 4), (2, 5, 4), (2, 5, 4)], {}, "only supports 4D inputs"),
    ([(2, 3, 3, 4), (2, 5, 2, 4), (2, 5, 2, 4)], {}, "N a multiple of K"),
    ([(2, 3, 2, 4), (2, 5, 2, 4), (2, 4, 2, 4)], {}, "matching key in S and K"),
    ([(2, 3, 2, 4)] * 3, {"attn_logits_soft_cap": 0.0}, "attn_logits_soft_cap=0.0"),
    ([(2, 3, 2, 4)] * 3, {"flash_attention": "yes"}, "flash_attention='yes'"),
])
def test_bad_arguments_are_refused_clearly(shapes, kwargs, message):
    with pytest.raises(ValueError, match=message):
        ops.dot_product_attention(*[np.ones(s) for s in shapes], **kwargs)


def test_a_query_that_sees_no_key_averages_the_values():
    rng = np.random.default_rng(3)
    q, key, v = _inputs(rng, 2, 2, "float64")
    mask = np.ones((T, S), dtype=bool)
    mask[1] = False
    out = ops.dot_product_attention(q, key, v, mask=mask).numpy()
    np.testing.assert_allclose(out[:, 1], v.mean(axis=1), rtol=1e-12)


def test_matches_keras_ops():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(2)
    q, key, v = _inputs(rng, 4, 2, "float32", hv=H)
    mask = _mask(rng)
    for kwargs in ({}, {"mask": mask}, {"is_causal": True, "mask": mask}):
        expected = keras.ops.dot_product_attention(q, key, v, **kwargs).detach().numpy()
        np.testing.assert_allclose(ops.dot_product_attention(q, key, v, **kwargs).numpy(),
                                   expected, rtol=1e-5, atol=1e-6)
