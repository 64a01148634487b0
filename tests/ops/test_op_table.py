"""The op table: every primitive against a NumPy reference and a float64 numerical gradient."""

import math
import re

import numpy as np
import pytest
from harness import check_op

from nnet import ops


def erf(x):
    return np.vectorize(math.erf)(x).astype(x.dtype)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softplus(x):
    return np.logaddexp(0, x)


def _relu_keras(x, negative_slope=0.0, max_value=None, threshold=0.0):
    y = np.where(x > threshold, x, 0)
    if max_value is not None:
        y = np.clip(y, 0, max_value)
    return y - negative_slope * np.maximum(threshold - x, 0)


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _hard_sigmoid(x):
    return np.clip(x / 6 + 0.5, 0, 1)


def _log_softmax(x, axis=-1):
    return np.log(_softmax(x, axis))


def _sparsemax(z):
    """Martins & Astudillo (2016), Algorithm 1, row by row."""
    out = np.empty_like(z)
    for i, row in enumerate(z.reshape(-1, z.shape[-1])):
        ordered = np.sort(row)[::-1]
        k = np.arange(1, len(row) + 1)
        support = k[1 + k * ordered > np.cumsum(ordered)].max()
        tau = (ordered[:support].sum() - 1) / support
        out.reshape(-1, z.shape[-1])[i] = np.maximum(row - tau, 0)
    return out


SELU = (1.6732632423543772, 1.0507009873554805)

# (name, op, numpy reference, input shapes, kwargs, options)
TABLE = [
    ("add", ops.add, np.add, [(3, 4), (4,)], {}, {}),
    ("add_scalar_broadcast", ops.add, np.add, [(2, 3), (1, 1)], {}, {}),
    ("subtract", ops.subtract, np.subtract, [(3, 1), (1, 4)], {}, {}),
    ("multiply", ops.multiply, np.multiply, [(2, 3, 4), (3, 1)], {}, {}),
    ("divide", ops.divide, np.divide, [(3, 4), (4,)], {}, {"domain": (0.5, 2.0)}),
    ("negative", ops.negative, np.negative, [(3, 4)], {}, {}),
    ("power", ops.power, np.power, [(3, 4), (3, 4)], {}, {"domain": (0.5, 2.0)}),
    ("exp", ops.exp, np.exp, [(3, 4)], {}, {}),
    ("log", ops.log, np.log, [(3, 4)], {}, {"domain": (0.1, 3.0)}),
    ("log1p", ops.log1p, np.log1p, [(3, 4)], {}, {"domain": (0.1, 3.0)}),
    ("sqrt", ops.sqrt, np.sqrt, [(3, 4)], {}, {"domain": (0.1, 3.0)}),
    ("square", ops.square, np.square, [(3, 4)], {}, {}),
    ("abs", ops.abs, np.abs, [(3, 4)], {}, {}),
    ("maximum", ops.maximum, np.maximum, [(3, 4), (4,)], {}, {}),
    ("minimum", ops.minimum, np.minimum, [(3, 1), (3, 4)], {}, {}),
    ("clip", lambda x: ops.clip(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5), [(4, 5)], {}, {}),
    ("matmul", ops.matmul, np.matmul, [(3, 4), (4, 2)], {}, {}),
    ("matmul_batched", ops.matmul, np.matmul, [(2, 3, 4), (4, 5)], {}, {}),
    ("matmul_vector", ops.matmul, np.matmul, [(3, 4), (4,)], {}, {}),
    ("matmul_vector_left", ops.matmul, np.matmul, [(4,), (4, 3)], {}, {}),
    ("einsum_matmul", lambda a, b: ops.einsum("ij,jk->ik", a, b),
     lambda a, b: np.einsum("ij,jk->ik", a, b), [(3, 4), (4, 2)], {}, {}),
    ("einsum_implicit", lambda a, b: ops.einsum("ij,kj", a, b),
     lambda a, b: np.einsum("ij,kj", a, b), [(3, 4), (2, 4)], {}, {}),
    ("einsum_attention_scores", lambda q, k: ops.einsum("BTNH,BSNH->BNTS", q, k),
     lambda q, k: np.einsum("BTNH,BSNH->BNTS", q, k), [(2, 3, 2, 4), (2, 5, 2, 4)], {}, {}),
    ("einsum_projection", lambda x, w: ops.einsum("abc,cde->abde", x, w),
     lambda x, w: np.einsum("abc,cde->abde", x, w), [(2, 3, 4), (4, 2, 5)], {}, {}),
    ("einsum_ellipsis_broadcast", lambda a, b: ops.einsum("...ij,...jk->...ik", a, b),
     lambda a, b: np.einsum("...ij,...jk->...ik", a, b), [(2, 1, 3, 4), (5, 4, 2)], {}, {}),
    ("einsum_ellipsis_right", lambda a, b: ops.einsum("ab...,bc->ac...", a, b),
     lambda a, b: np.einsum("ab...,bc->ac...", a, b), [(2, 3, 4, 5), (3, 6)], {}, {}),
    ("einsum_diagonal", lambda x: ops.einsum("ii->i", x), lambda x: np.einsum("ii->i", x),
     [(3, 3)], {}, {}),
    ("einsum_trace_in_product", lambda a, b: ops.einsum("iij,jk->ik", a, b),
     lambda a, b: np.einsum("iij,jk->ik", a, b), [(3, 3, 2), (2, 4)], {}, {}),
    ("einsum_sum_one_operand_alone", lambda a, b: ops.einsum("ijk,ik->j", a, b),
     lambda a, b: np.einsum("ijk,ik->j", a, b), [(2, 3, 4), (2, 4)], {}, {}),
    ("einsum_outer", lambda a, b: ops.einsum("i,j->ij", a, b),
     lambda a, b: np.einsum("i,j->ij", a, b), [(3,), (4,)], {}, {}),
    ("einsum_three_operands", lambda a, b, c: ops.einsum("ij,jk,kl->il", a, b, c),
     lambda a, b, c: np.einsum("ij,jk,kl->il", a, b, c), [(2, 3), (3, 4), (4, 5)], {}, {}),
    ("einsum_label_broadcast", lambda a, b: ops.einsum("ij,ij->ij", a, b),
     lambda a, b: np.einsum("ij,ij->ij", a, b), [(1, 3), (2, 3)], {}, {}),
    ("sum", ops.sum, np.sum, [(3, 4)], {"axis": 1}, {}),
    ("sum_all", ops.sum, np.sum, [(3, 4)], {}, {}),
    ("sum_keepdims", ops.sum, np.sum, [(2, 3, 4)], {"axis": (0, 2), "keepdims": True}, {}),
    ("mean", ops.mean, np.mean, [(3, 4)], {"axis": 0}, {}),
    ("mean_all", ops.mean, np.mean, [(3, 4)], {}, {}),
    ("max", ops.max, np.max, [(3, 4)], {"axis": -1}, {}),
    ("min", ops.min, np.min, [(3, 4)], {"axis": 0, "keepdims": True}, {}),
    ("var", ops.var, np.var, [(3, 4)], {"axis": 1}, {}),
    ("std", ops.std, np.std, [(5, 4)], {"axis": 0}, {}),
    ("logsumexp", ops.logsumexp, lambda x, axis: np.log(np.exp(x).sum(axis)), [(3, 4)],
     {"axis": -1}, {}),
    ("reshape", lambda x: ops.reshape(x, (4, 3)), lambda x: x.reshape(4, 3), [(3, 4)], {}, {}),
    ("transpose", lambda x: ops.transpose(x, (1, 2, 0)), lambda x: x.transpose(1, 2, 0),
     [(2, 3, 4)], {}, {}),
    ("expand_dims", lambda x: ops.expand_dims(x, 1), lambda x: np.expand_dims(x, 1), [(3, 4)],
     {}, {}),
    ("squeeze", lambda x: ops.squeeze(x, 1), lambda x: np.squeeze(x, 1), [(3, 1, 4)], {}, {}),
    ("concatenate", lambda a, b: ops.concatenate([a, b], axis=1),
     lambda a, b: np.concatenate([a, b], axis=1), [(2, 3), (2, 5)], {}, {}),
    ("stack", lambda a, b: ops.stack([a, b], axis=1), lambda a, b: np.stack([a, b], axis=1),
     [(2, 3), (2, 3)], {}, {}),
    ("getitem_slice", lambda x: x[1:, ::2], lambda x: x[1:, ::2], [(4, 5)], {}, {}),
    ("getitem_repeated_index", lambda x: x[np.array([0, 2, 0])], lambda x: x[[0, 2, 0]],
     [(3, 4)], {}, {}),
    ("take", lambda x: ops.take(x, np.array([2, 0, 2]), axis=1),
     lambda x: np.take(x, [2, 0, 2], axis=1), [(3, 4)], {}, {}),
    ("where", lambda a, b: ops.where(np.array([[True, False, True]]), a, b),
     lambda a, b: np.where([[True, False, True]], a, b), [(2, 3), (3,)], {}, {}),
    ("cast", lambda x: ops.cast(x, "float64"), lambda x: x.astype("float64"), [(2, 3)], {},
     {"grad": True}),
    ("rsqrt", ops.rsqrt, lambda x: 1 / np.sqrt(x), [(3, 4)], {}, {"domain": (0.2, 3.0)}),
    ("sin", ops.sin, np.sin, [(3, 4)], {}, {}),
    ("cos", ops.cos, np.cos, [(3, 4)], {}, {}),
    ("erf", ops.erf, erf, [(3, 4)], {}, {"scale_input": 2}),
    ("broadcast_to", lambda x: ops.broadcast_to(x, (2, 3, 4)),
     lambda x: np.broadcast_to(x, (2, 3, 4)), [(3, 1)], {}, {}),
    ("tile", lambda x: ops.tile(x, (2, 1, 3)), lambda x: np.tile(x, (2, 1, 3)), [(3, 4)], {},
     {}),
    ("repeat_axis", lambda x: ops.repeat(x, 3, axis=1), lambda x: np.repeat(x, 3, axis=1),
     [(2, 3, 2)], {}, {}),
    ("repeat_flat", lambda x: ops.repeat(x, 2), lambda x: np.repeat(x, 2), [(2, 3)], {}, {}),
    ("cumsum", lambda x: ops.cumsum(x, axis=1), lambda x: np.cumsum(x, axis=1), [(3, 4)], {},
     {}),
    ("cumsum_flat", ops.cumsum, np.cumsum, [(3, 4)], {}, {}),
    ("norm", lambda x: ops.norm(x, axis=-1), lambda x: np.linalg.norm(x, axis=-1), [(3, 4)],
     {}, {}),
    ("normalize", ops.normalize,
     lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True), [(3, 4)], {}, {}),
    ("moments_mean", lambda x: ops.moments(x, axes=0)[0], lambda x: x.mean(0), [(5, 4)], {},
     {}),
    ("moments_var", lambda x: ops.moments(x, axes=(0, 1))[1], lambda x: x.var((0, 1)),
     [(5, 4, 2)], {}, {}),
    # Shape ops added for keras.ops (several outputs included).
    ("split_one_output", lambda x: ops.split(x, [1, 3], axis=1)[1],
     lambda x: np.split(x, [1, 3], axis=1)[1], [(3, 6)], {}, {}),
    ("split_two_outputs", lambda x: (lambda p: p[0] * p[2])(ops.split(x, 3, axis=1)),
     lambda x: (lambda p: p[0] * p[2])(np.split(x, 3, axis=1)), [(3, 6)], {}, {}),
    ("array_split", lambda x: (lambda p: p[0] * p[1] + p[2])(ops.array_split(x, 3)),
     lambda x: (lambda p: p[0] * p[1] + p[2])(np.array_split(x, 3)), [(5, 2)], {}, {}),
    ("hsplit", lambda x: ops.hsplit(x, 2)[1], lambda x: np.hsplit(x, 2)[1], [(3, 4)], {}, {}),
    ("vsplit", lambda x: ops.vsplit(x, [1])[0], lambda x: np.vsplit(x, [1])[0], [(3, 4)], {},
     {}),
    ("dsplit", lambda x: ops.dsplit(x, 2)[0], lambda x: np.dsplit(x, 2)[0], [(2, 3, 4)], {},
     {}),
    ("unstack", lambda x: (lambda p: p[0] * p[2])(ops.unstack(x, axis=1)),
     lambda x: x[:, 0] * x[:, 2], [(2, 3, 4)], {}, {}),
    ("hstack", lambda a, b: ops.hstack([a, b]), lambda a, b: np.hstack([a, b]),
     [(2, 3), (2, 1)], {}, {}),
    ("hstack_1d", lambda a, b: ops.hstack([a, b]), lambda a, b: np.hstack([a, b]),
     [(3,), (2,)], {}, {}),
    ("vstack_1d", lambda a, b: ops.vstack([a, b]), lambda a, b: np.vstack([a, b]),
     [(3,), (3,)], {}, {}),
    ("vstack", lambda a, b: ops.vstack([a, b]), lambda a, b: np.vstack([a, b]),
     [(2, 3), (1, 3)], {}, {}),
    ("dstack", lambda a, b: ops.dstack([a, b]), lambda a, b: np.dstack([a, b]),
     [(2, 3), (2, 3, 2)], {}, {}),
    ("dstack_1d", lambda a, b: ops.dstack([a, b]), lambda a, b: np.dstack([a, b]),
     [(3,), (3,)], {}, {}),
    ("flip", ops.flip, np.flip, [(2, 3, 4)], {"axis": (0, 2)}, {}),
    ("flip_all", ops.flip, np.flip, [(2, 3)], {}, {}),
    ("fliplr", ops.fliplr, np.fliplr, [(2, 3)], {}, {}),
    ("flipud", ops.flipud, np.flipud, [(2, 3)], {}, {}),
    ("roll_flat", lambda x: ops.roll(x, 4), lambda x: np.roll(x, 4), [(2, 3)], {}, {}),
    ("roll_axes", lambda x: ops.roll(x, (1, -2), axis=(0, 2)),
     lambda x: np.roll(x, (1, -2), axis=(0, 2)), [(2, 3, 4)], {}, {}),
    ("rot90", ops.rot90, np.rot90, [(2, 3)], {}, {}),
    ("rot90_axes", ops.rot90, np.rot90, [(2, 3, 4)], {"k": 3, "axes": (2, 1)}, {}),
    ("moveaxis", lambda x: ops.moveaxis(x, (0, 1), (-1, 0)),
     lambda x: np.moveaxis(x, (0, 1), (-1, 0)), [(2, 3, 4)], {}, {}),
    ("swapaxes", lambda x: ops.swapaxes(x, 0, -1), lambda x: np.swapaxes(x, 0, -1),
     [(2, 3, 4)], {}, {}),
    ("ravel", ops.ravel, np.ravel, [(2, 3)], {}, {}),
    ("pad_constant", lambda x: ops.pad(x, ((1, 2), (0, 3)), constant_values=0.5),
     lambda x: np.pad(x, ((1, 2), (0, 3)), constant_values=0.5), [(2, 3)], {}, {}),
    ("pad_reflect", lambda x: ops.pad(x, (2, 1), mode="reflect"),
     lambda x: np.pad(x, (2, 1), mode="reflect"), [(3, 4)], {}, {}),
    ("pad_symmetric", lambda x: ops.pad(x, 3, mode="symmetric"),
     lambda x: np.pad(x, 3, mode="symmetric"), [(2, 3)], {}, {}),
    ("pad_edge", lambda x: ops.pad(x, ((2, 0), (1, 3)), mode="edge"),
     lambda x: np.pad(x, ((2, 0), (1, 3)), mode="edge"), [(2, 3)], {}, {}),
    ("pad_wrap", lambda x: ops.pad(x, ((4, 1), (1, 2)), mode="wrap"),
     lambda x: np.pad(x, ((4, 1), (1, 2)), mode="wrap"), [(2, 3)], {}, {}),
    ("tril", ops.tril, np.tril, [(2, 3, 4)], {"k": -1}, {}),
    ("triu", ops.triu, np.triu, [(3, 4)], {"k": 1}, {}),
    ("diagonal", ops.diagonal, np.diagonal, [(3, 4)], {}, {}),
    ("diagonal_axes", ops.diagonal, np.diagonal, [(3, 2, 4)],
     {"offset": -1, "axis1": 2, "axis2": 0}, {}),
    ("trace", ops.trace, np.trace, [(3, 4)], {"offset": 1}, {}),
    ("trace_axes", ops.trace, np.trace, [(3, 2, 4)], {"axis1": -1, "axis2": 0}, {}),
    ("meshgrid", lambda a, b, c: (lambda g: g[0] * g[1] + g[2])(ops.meshgrid(a, b, c)),
     lambda a, b, c: (lambda g: g[0] * g[1] + g[2])(np.meshgrid(a, b, c)),
     [(2,), (3,), (4,)], {}, {}),
    ("meshgrid_ij", lambda a, b: (lambda g: g[0] * g[1])(ops.meshgrid(a, b, indexing="ij")),
     lambda a, b: (lambda g: g[0] * g[1])(np.meshgrid(a, b, indexing="ij")),
     [(2,), (3,)], {}, {}),
    # Activations.
    ("relu", ops.relu, lambda x: np.maximum(x, 0), [(4, 5)], {}, {}),
    ("relu_options", ops.relu, _relu_keras, [(4, 5)],
     {"negative_slope": 0.1, "max_value": 1.0, "threshold": 0.2}, {}),
    ("relu_negative_threshold", ops.relu, _relu_keras, [(4, 5)],
     {"negative_slope": 0.3, "max_value": 2.0, "threshold": -0.5}, {}),
    ("relu6", ops.relu6, lambda x: np.clip(x, 0, 6), [(4, 5)], {}, {"scale_input": 4}),
    ("leaky_relu", ops.leaky_relu, lambda x: np.where(x >= 0, x, 0.2 * x), [(4, 5)], {}, {}),
    ("sigmoid", ops.sigmoid, _sigmoid, [(4, 5)], {}, {}),
    ("tanh", ops.tanh, np.tanh, [(4, 5)], {}, {}),
    ("softmax", ops.softmax, _softmax, [(4, 5)], {}, {}),
    ("softmax_axis0", ops.softmax, _softmax, [(4, 5)], {"axis": 0}, {}),
    ("log_softmax", ops.log_softmax, _log_softmax, [(4, 5)], {}, {}),
    ("linear", ops.linear, lambda x: x, [(4, 5)], {}, {}),
    ("elu", ops.elu, _elu, [(4, 5)], {"alpha": 0.7}, {}),
    ("selu", ops.selu, lambda x: SELU[1] * _elu(x, SELU[0]), [(4, 5)], {}, {}),
    ("gelu", ops.gelu, lambda x, approximate: 0.5 * x * (1 + erf(x / math.sqrt(2))), [(4, 5)],
     {"approximate": False}, {"scale_input": 3}),
    ("gelu_approximate", ops.gelu,
     lambda x, approximate: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
     [(4, 5)], {"approximate": True}, {}),
    ("silu", ops.silu, lambda x: x * _sigmoid(x), [(4, 5)], {}, {}),
    ("softplus", ops.softplus, _softplus, [(4, 5)], {}, {}),
    ("softsign", ops.softsign, lambda x: x / (1 + np.abs(x)), [(4, 5)], {}, {}),
    ("exponential", ops.exponential, np.exp, [(4, 5)], {}, {}),
    ("hard_sigmoid", ops.hard_sigmoid, _hard_sigmoid, [(4, 5)], {}, {"scale_input": 4}),
    ("hard_silu", ops.hard_silu, lambda x: x * _hard_sigmoid(x), [(4, 5)], {},
     {"scale_input": 4}),
    ("mish", ops.mish, lambda x: x * np.tanh(_softplus(x)), [(4, 5)], {}, {}),
    ("log_sigmoid", ops.log_sigmoid, lambda x: -_softplus(-x), [(4, 5)], {}, {}),
    ("celu", ops.celu, lambda x, alpha: np.maximum(x, 0) + alpha * np.expm1(
        np.minimum(x, 0) / alpha), [(4, 5)], {"alpha": 0.7}, {}),
    ("glu", ops.glu, lambda x: x[:, :3] * _sigmoid(x[:, 3:]), [(4, 6)], {}, {}),
    ("hard_tanh", ops.hard_tanh, lambda x: np.clip(x, -1, 1), [(4, 5)], {}, {"scale_input": 2}),
    ("hard_shrink", ops.hard_shrink, lambda x: np.where(np.abs(x) > 0.5, x, 0), [(4, 5)], {},
     {}),
    ("soft_shrink", ops.soft_shrink,
     lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)), [(4, 5)], {}, {}),
    ("sparse_plus", ops.sparse_plus,
     lambda x: np.where(x <= -1, 0, np.where(x < 1, (x + 1) ** 2 / 4, x)), [(4, 5)], {},
     {"scale_input": 2}),
    ("sparse_sigmoid", ops.sparse_sigmoid,
     lambda x: np.where(x <= -1, 0, np.where(x >= 1, 1, (x + 1) / 2)), [(4, 5)], {},
     {"scale_input": 2}),
    ("squareplus", ops.squareplus, lambda x, b: (x + np.sqrt(x * x + b)) / 2, [(4, 5)],
     {"b": 2.0}, {}),
    ("tanh_shrink", ops.tanh_shrink, lambda x: x - np.tanh(x), [(4, 5)], {}, {}),
    ("threshold", lambda x: ops.threshold(x, 0.3, -2.0), lambda x: np.where(x > 0.3, x, -2.0),
     [(4, 5)], {}, {}),
    ("sparsemax", ops.sparsemax, lambda x: _sparsemax(x), [(4, 5)], {}, {}),
    # Fused primitives.
    ("dense_relu", lambda x, w, b: ops.dense(x, w, b, "relu"),
     lambda x, w, b: np.maximum(x @ w + b, 0), [(5, 3), (3, 4), (4,)], {}, {}),
    ("dense_tanh_3d", lambda x, w, b: ops.dense(x, w, b, "tanh"),
     lambda x, w, b: np.tanh(x @ w + b), [(2, 5, 3), (3, 4), (4,)], {}, {}),
    ("dense_no_bias", lambda x, w: ops.dense(x, w), lambda x, w: x @ w, [(5, 3), (3, 4)], {}, {}),
    ("softmax_cross_entropy", ops.softmax_cross_entropy,
     lambda z, y: -(y * _log_softmax(z)).sum(-1).astype(z.dtype), [(6, 4), (6, 4)], {},
     {"grad_wrt": [0]}),
    ("softmax_cross_entropy_sparse",
     lambda z: ops.softmax_cross_entropy(z, np.array([0, 3, 1, 2, 3, 0])),
     lambda z: -_log_softmax(z)[np.arange(6), [0, 3, 1, 2, 3, 0]], [(6, 4)], {}, {}),
    ("sigmoid_binary_cross_entropy", ops.sigmoid_binary_cross_entropy,
     lambda z, y: -(y * np.log(_sigmoid(z)) + (1 - y) * np.log(1 - _sigmoid(z))).astype(z.dtype),
     [(6, 3), (6, 3)], {}, {"grad_wrt": [0]}),
]


@pytest.mark.parametrize("name,op,reference,shapes,kwargs,options", TABLE,
                         ids=[row[0] for row in TABLE])
def test_op(name, op, reference, shapes, kwargs, options):
    options = dict(options)
    scale = options.pop("scale_input", None)
    grad_wrt = options.pop("grad_wrt", None)
    if scale is not None:
        # Spread inputs over the op's kinks and saturated regions.
        op_scaled, ref_scaled = op, reference
        op = lambda *xs, **kw: op_scaled(*[x * scale for x in xs], **kw)  # noqa: E731
        reference = lambda *xs, **kw: ref_scaled(*[x * scale for x in xs], **kw)  # noqa: E731
    if grad_wrt is not None:
        rng = np.random.default_rng(1)
        fixed = {i: rng.uniform(0, 1, shapes[i]) for i in range(len(shapes)) if i not in grad_wrt}
        for i in fixed:
            fixed[i] /= fixed[i].sum(-1, keepdims=True) if "softmax" in name else 1
        shapes = [fixed.get(i, s) for i, s in enumerate(shapes)]
    check_op(op, reference, shapes, kwargs, **options)


def test_sigmoid_and_softmax_remember_their_logits():
    z = ops.convert_to_tensor(np.ones((2, 3)))
    assert ops.sigmoid(z)._logits == ("sigmoid", z) and ops.softmax(z)._logits == ("softmax", z)
    assert ops.softmax(z, axis=0)._logits is None


def test_stable_ops_at_extreme_inputs():
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype="float32")
    for op in (ops.sigmoid, ops.softplus, ops.log_sigmoid, ops.softmax, ops.log_softmax,
               ops.silu, ops.mish):
        assert np.isfinite(op(z).numpy()).all(), op
    loss = ops.sigmoid_binary_cross_entropy(z, np.ones(5, dtype="float32")).numpy()
    assert np.isfinite(loss).all() and loss[-1] == 0 and loss[0] == pytest.approx(1000)


def test_constants_and_predicates_carry_no_gradient():
    x = ops.convert_to_tensor(np.array([[1.0, -2.0], [0.0, 3.0]]))
    assert ops.stop_gradient(x).requires_grad is False
    assert ops.zeros_like(x).numpy().tolist() == [[0, 0], [0, 0]]
    assert ops.ones_like(x).numpy().sum() == 4
    assert ops.full_like(x, 7).numpy().max() == 7
    assert ops.any(ops.greater(x, 2)).numpy() and not ops.all(ops.greater(x, 2)).numpy()
    assert ops.any(x > 0, axis=1).numpy().tolist() == [True, True]


@pytest.mark.parametrize("subscripts,shapes,message", [
    ("ij,jk->ii", [(2, 3), (3, 4)], "each output index must appear once"),
    ("ij", [(2, 3, 4)], "has 2 indices for an operand of ndim 3"),
    ("...i->i", [(2, 3)], "the output must have '...' too"),
    ("i1", [(2, 2)], "use letters a-z, A-Z"),
    ("ij,jk", [(2, 3)], "2 terms for 1 operands"),
])
def test_einsum_refuses_bad_subscripts_clearly(subscripts, shapes, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ops.einsum(subscripts, *[np.ones(s) for s in shapes])


def test_sparsemax_is_a_projection_onto_the_simplex():
    z = np.random.default_rng(5).normal(size=(50, 7)) * 3
    p = ops.sparsemax(z).numpy()
    np.testing.assert_allclose(p.sum(-1), 1.0, rtol=1e-12)
    assert (p >= 0).all() and (p == 0).any()
    # Keras 3.15's sparsemax sums the cumulative sums over the support and does not sum to 1;
    # nnet follows the paper (see the closing note of the functional-API issue).
