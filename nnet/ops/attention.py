"""Scaled dot-product attention as one primitive: batched matrix products and a softmax."""

import math

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module

# What masked logits become: the most negative value that still leaves room to add to it, as
# Keras writes it (0.7 * the float32/bfloat16 maximum; float16's maximum for float16).
_LARGE_NEGATIVE = {np.dtype("float16"): -0.7 * 65500.0}


@graph_op
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention, ``softmax(scale * Q K^T + bias, masked) V``, per head.

    Keras's layout: sequences first, heads second to last. With ``N = K`` each query head
    attends with its own key/value head (multi-head attention); with ``N`` a multiple of ``K``,
    each group of ``N // K`` query heads shares one key/value head (grouped-query attention;
    ``K = 1`` is multi-query attention). Masked logits are set to a large negative number
    before the softmax (a row with every key masked averages the values uniformly, as in
    Keras). With `attn_logits_soft_cap` = c the logits become ``c * tanh(logits / c)`` before
    the bias and the mask. The softmax runs in float32 or wider.

    Args:
        query: ``(B, T, N, H)``.
        key: ``(B, S, K, H)``.
        value: ``(B, S, K, Hv)``.
        bias: added to the logits; broadcastable to ``(B, N, T, S)``.
        mask: booleans, True where a query may attend to a key; broadcastable to
            ``(B, N, T, S)``.
        scale: the logits' scale, ``1 / sqrt(H)`` by default.
        is_causal: whether query ``t`` sees only keys ``s <= t``.
        flash_attention: None or a bool. nnet computes the exact result with batched matrix
            products whatever its value (there is no separate flash kernel on NumPy), so the
            argument only selects nothing; it is accepted for Keras's signature.
        attn_logits_soft_cap: None or a positive float, see above.

    Returns:
        ``(B, T, N, Hv)``.

    Example:
        >>> import numpy as np, nnet
        >>> q = np.ones((2, 4, 8, 16)); k = v = np.ones((2, 6, 8, 16))
        >>> nnet.ops.dot_product_attention(q, k, v).shape
        (2, 4, 8, 16)
    """
    if flash_attention not in (None, True, False):
        raise ValueError(f"Expected None or a bool for flash_attention. Received: "
                         f"flash_attention={flash_attention!r}")
    if attn_logits_soft_cap is not None and not attn_logits_soft_cap > 0:
        raise ValueError(f"Expected a positive float for attn_logits_soft_cap. Received: "
                         f"attn_logits_soft_cap={attn_logits_soft_cap!r}")
    shapes = [tuple(t.shape) for t in (query, key, value)]
    if any(len(s) != 4 for s in shapes):
        raise ValueError(
            f"dot_product_attention only supports 4D inputs (batch, seq, heads, dim). Received: "
            f"query.shape={shapes[0]}, key.shape={shapes[1]}, value.shape={shapes[2]}."
        )
    (_, _, n, h), (_, s, k, hk), (_, sv, kv, _) = shapes
    if hk != h or sv != s or kv != k or n % k:
        raise ValueError(
            f"dot_product_attention needs key.shape (B, S, K, H) matching query.shape "
            f"(B, T, N, H) in H, value.shape (B, S, K, Hv) matching key in S and K, and N a "
            f"multiple of K. Received: query.shape={shapes[0]}, key.shape={shapes[1]}, "
            f"value.shape={shapes[2]}."
        )
    scale = 1.0 / math.sqrt(h) if scale is None else float(scale)
    return _attention(query, key, value, bias, mask, scale=scale, is_causal=bool(is_causal),
                      soft_cap=attn_logits_soft_cap)


@primitive
def _attention(query, key, value, bias, mask, scale, is_causal, soft_cap):
    xp = array_module(query)
    dtype = np.result_type(query.dtype, key.dtype, value.dtype, np.float32)
    b, t, n, _ = query.shape
    s, k = key.shape[1], key.shape[2]
    g = n // k
    # Heads grouped as (K, G): a key/value head is broadcast over its G query heads. Each
    # operand is made contiguous once (scaled in the same pass for q), for the batched GEMMs.
    q = xp.multiply(query.transpose(0, 2, 1, 3), scale, dtype=dtype, order="C").reshape(
        b, k, g, t, -1)
    kt = xp.ascontiguousarray(key.transpose(0, 2, 3, 1), dtype=dtype)[:, :, None]
    v = xp.ascontiguousarray(value.transpose(0, 2, 1, 3), dtype=dtype)[:, :, None]
    logits = (q @ kt).reshape(b, n, t, s)
    capped = None
    if soft_cap is not None:
        capped = xp.tanh(logits / soft_cap)
        logits = capped * soft_cap
    if bias is not None:
        logits += bias
    keep = _keep_mask(xp, mask, is_causal, t, s)
    if keep is not None:
        xp.copyto(logits, _LARGE_NEGATIVE.get(query.dtype, -0.7 * 3.38953e38), where=~keep)
    # Subtracting the row maximum keeps exp() from overflowing.
    logits -= logits.max(axis=-1, keepdims=True)
    probs = xp.exp(logits, out=logits)
    probs /= probs.sum(axis=-1, keepdims=True)
    grouped = probs.reshape(b, k, g, t, s)
    out = (grouped @ v).reshape(b, n, t, -1).transpose(0, 2, 1, 3)

    def vjp(grad):
        gt = xp.ascontiguousarray(grad.transpose(0, 2, 1, 3), dtype=dtype).reshape(
            b, k, g, t, -1)
        gv = _sum_groups(grouped.swapaxes(-1, -2) @ gt).transpose(0, 2, 1, 3)
        gp = gt @ v.swapaxes(-1, -2)
        # Softmax backward: p * (dp - sum(dp * p)) along the keys.
        gl = gp
        gl -= (gp * grouped).sum(axis=-1, keepdims=True)
        gl *= grouped
        gl = gl.reshape(b, n, t, s)
        if keep is not None:
            # A fully masked row is constant in its logits.
            xp.copyto(gl, 0, where=~keep)
        gbias = gl if bias is not None else None
        graw = gl if capped is None else gl * (1 - capped * capped)
        graw = graw.reshape(b, k, g, t, s)
        gq = graw @ kt.swapaxes(-1, -2)
        gq *= scale
        gq = gq.reshape(b, n, t, -1).transpose(0, 2, 1, 3)
        gk = _sum_groups(graw.swapaxes(-1, -2) @ q).transpose(0, 2, 1, 3)
        cast = query.dtype
        return (gq.astype(cast, copy=False), gk.astype(key.dtype, copy=False),
                gv.astype(value.dtype, copy=False), gbias, None)

    return out.astype(query.dtype, copy=False), vjp


def _sum_groups(x):
    """Sum (B, K, G, ...) over the G query heads that share a key/value head."""
    return x[:, :, 0] if x.shape[2] == 1 else x.sum(axis=2)


def _keep_mask(xp, mask, is_causal, t, s):
    """The boolean mask of the logits that count (None when all do)."""
    keep = None if mask is None else mask.astype(bool, copy=False)
    if is_causal:
        causal = xp.tril(xp.ones((t, s), dtype=bool))
        keep = causal if keep is None else keep & causal
    return keep
