"""Linear algebra ops: the op table (values against NumPy, float64 numerical gradients,
float32 gradients staying float32), gradients against PyTorch, and Keras 3 (torch backend) for
lu_factor, matrix_rank and dtypes.

Inputs are made well conditioned inside each row (``x + 4 I``, ``x x^T + I``), and decompositions
with a sign or order freedom are read through functions that do not depend on it (``v * v``).
"""

import os

os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest
from harness import check_op

import nnet
from nnet import ops
from nnet.autodiff import Tensor, backward


def _shift(x):
    return x + 4 * np.eye(x.shape[-1], dtype=x.dtype)


def _spd(x):
    return x @ np.swapaxes(x, -1, -2) + np.eye(x.shape[-1], dtype=x.dtype)


def _t(x):
    return ops.swapaxes(x, -1, -2)


def _op_shift(x):
    return x + ops.eye(x.shape[-1], dtype=x.dtype) * 4


def _op_spd(x):
    return ops.matmul(x, _t(x)) + ops.eye(x.shape[-1], dtype=x.dtype)


def _sym(x):
    return x + np.swapaxes(x, -1, -2)


TABLE = [
    ("inv", lambda x: ops.inv(_op_shift(x)), lambda x: np.linalg.inv(_shift(x)), [(2, 3, 3)]),
    ("det", ops.det, np.linalg.det, [(2, 3, 3)]),
    ("logdet", lambda x: ops.logdet(_op_spd(x)),
     lambda x: np.linalg.slogdet(_spd(x))[1], [(2, 3, 3)]),
    ("slogdet", lambda x: (lambda s, v: s * v)(*ops.slogdet(x)),
     lambda x: (lambda s, v: s * v)(*np.linalg.slogdet(x)), [(2, 3, 3)]),
    ("solve_matrix", lambda a, b: ops.solve(_op_shift(a), b),
     lambda a, b: np.linalg.solve(_shift(a), b), [(3, 3), (3, 2)]),
    ("solve_vectors", lambda a, b: ops.solve(_op_shift(a), b),
     lambda a, b: np.linalg.solve(_shift(a), b[..., None])[..., 0], [(2, 3, 3), (2, 3)]),
    ("solve_triangular_lower", lambda a, b: ops.solve_triangular(_op_shift(a), b, lower=True),
     lambda a, b: np.linalg.solve(np.tril(_shift(a)), b), [(3, 3), (3, 2)]),
    ("solve_triangular_upper", lambda a, b: ops.solve_triangular(_op_shift(a), b),
     lambda a, b: np.linalg.solve(np.triu(_shift(a)), b[..., None])[..., 0], [(2, 3, 3), (2, 3)]),
    ("cholesky", lambda x: ops.cholesky(_op_spd(x)), lambda x: np.linalg.cholesky(_spd(x)),
     [(2, 3, 3)]),
    ("cholesky_upper", lambda x: ops.cholesky(_op_spd(x), upper=True),
     lambda x: np.swapaxes(np.linalg.cholesky(_spd(x)), -1, -2), [(3, 3)]),
    ("cholesky_inverse", lambda x: ops.cholesky_inverse(ops.tril(_op_shift(x))),
     lambda x: np.linalg.inv(np.tril(_shift(x)) @ np.tril(_shift(x)).T), [(3, 3)]),
    ("cholesky_inverse_upper", lambda x: ops.cholesky_inverse(ops.triu(_op_shift(x)), upper=True),
     lambda x: np.linalg.inv(np.triu(_shift(x)).T @ np.triu(_shift(x))), [(3, 3)]),
    ("eigh_values", lambda x: ops.eigh(x + _t(x))[0], lambda x: np.linalg.eigh(_sym(x))[0],
     [(2, 4, 4)]),
    ("eigh_vectors", lambda x: ops.square(ops.eigh(x + _t(x))[1]),
     lambda x: np.linalg.eigh(_sym(x))[1] ** 2, [(3, 3)]),
    ("qr_q", lambda x: ops.qr(x)[0], lambda x: np.linalg.qr(x)[0], [(2, 4, 3)]),
    ("qr_r", lambda x: ops.qr(x)[1], lambda x: np.linalg.qr(x)[1], [(4, 3)]),
    ("qr_complete_square", lambda x: ops.qr(x, mode="complete")[0] + ops.qr(x)[1],
     lambda x: np.linalg.qr(x, mode="complete")[0] + np.linalg.qr(x)[1], [(3, 3)]),
    ("svd_values", lambda x: ops.svd(x, compute_uv=False),
     lambda x: np.linalg.svd(x, compute_uv=False), [(2, 4, 3)]),
    ("svd_u_tall", lambda x: ops.square(ops.svd(x, full_matrices=False)[0]),
     lambda x: np.linalg.svd(x, full_matrices=False)[0] ** 2, [(4, 3)]),
    ("svd_vh_wide", lambda x: ops.square(ops.svd(x, full_matrices=False)[2]),
     lambda x: np.linalg.svd(x, full_matrices=False)[2] ** 2, [(3, 5)]),
    ("svd_square_full", lambda x: (lambda u, s, vh: ops.square(u) * s + ops.square(vh))(
        *ops.svd(x)), lambda x: (lambda u, s, vh: u ** 2 * s + vh ** 2)(*np.linalg.svd(x)),
     [(3, 3)]),
    ("pinv", ops.pinv, np.linalg.pinv, [(4, 3)]),
    ("pinv_wide", ops.pinv, np.linalg.pinv, [(2, 3)]),
    ("lstsq", ops.lstsq, lambda a, b: np.linalg.lstsq(a, b)[0], [(5, 3), (5, 2)]),
    ("lstsq_vector", ops.lstsq, lambda a, b: np.linalg.lstsq(a, b)[0], [(4, 2), (4,)]),
]


@pytest.mark.parametrize("name,op,reference,shapes", TABLE, ids=[row[0] for row in TABLE])
def test_op(name, op, reference, shapes):
    check_op(op, reference, shapes, float32_tolerance={"rtol": 2e-5, "atol": 2e-6})


def test_eig_values_and_vectors():
    x = np.random.default_rng(0).standard_normal((2, 4, 4))
    w, v = ops.eig(x)
    assert w.dtype == np.complex128 and v.shape == (2, 4, 4)
    np.testing.assert_allclose(v.numpy() @ (w.numpy()[..., None] * np.eye(4)),
                               x @ v.numpy(), atol=1e-12)
    assert ops.eig(x.astype("float32"))[0].dtype == np.complex64


@pytest.mark.parametrize("name", ["det", "inv", "solve", "solve_triangular", "cholesky", "qr",
                                  "svd", "eigh", "pinv", "logdet", "slogdet"])
def test_gradients_match_pytorch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    a = rng.standard_normal((2, 4, 4)) + 4 * np.eye(4)
    spd = _spd(rng.standard_normal((2, 4, 4)))
    b = rng.standard_normal((2, 4, 3))
    # (nnet function, torch function, inputs); each output is projected on fixed weights.
    cases = {
        "det": (ops.det, torch.det, [a]),
        "logdet": (ops.logdet, torch.logdet, [spd]),
        "slogdet": (ops.slogdet, torch.linalg.slogdet, [a]),
        "inv": (ops.inv, torch.linalg.inv, [a]),
        "solve": (ops.solve, torch.linalg.solve, [a, b]),
        "solve_triangular": (lambda x, y: ops.solve_triangular(x, y, lower=True),
                             lambda x, y: torch.linalg.solve_triangular(x.tril(), y, upper=False),
                             [a, b]),
        "cholesky": (ops.cholesky, torch.linalg.cholesky, [spd]),
        "qr": (ops.qr, torch.linalg.qr, [rng.standard_normal((2, 5, 3))]),
        "svd": (lambda x: ops.svd(x, full_matrices=False),
                lambda x: torch.linalg.svd(x, full_matrices=False), [rng.standard_normal((5, 3))]),
        # Eigenvectors have a sign freedom: compare v * v.
        "eigh": (lambda x: (lambda w, v: (w, v * v))(*ops.eigh(x)),
                 lambda x: (lambda w, v: (w, v * v))(*torch.linalg.eigh(x)), [spd]),
        "pinv": (ops.pinv, torch.linalg.pinv, [rng.standard_normal((5, 3))]),
    }
    ours, theirs, inputs = cases[name]
    leaves = [Tensor(x, requires_grad=True) for x in inputs]
    outs = ours(*leaves)
    outs = outs if isinstance(outs, tuple) else (outs,)
    weights = [rng.standard_normal(o.shape) for o in outs]
    # Singular vectors come from LAPACK in both libraries; the outputs are compared first, so
    # the same vectors are differentiated.
    backward(_weighted_sum(outs, weights))
    t_leaves = [torch.tensor(x, requires_grad=True) for x in inputs]
    t_outs = theirs(*t_leaves)
    t_outs = tuple(t_outs) if isinstance(t_outs, tuple) else (t_outs,)
    for o, t in zip(outs, t_outs):
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=1e-9, atol=1e-10)
    sum((t * torch.tensor(w)).sum() for t, w in zip(t_outs, weights)).backward()
    for leaf, t in zip(leaves, t_leaves):
        np.testing.assert_allclose(leaf.grad, t.grad.numpy(), rtol=1e-8, atol=1e-10)


def _weighted_sum(outs, weights):
    total = ops.sum(outs[0] * weights[0])
    for o, w in zip(outs[1:], weights[1:]):
        total = total + ops.sum(o * w)
    return total


def test_lu_factor_matrix_rank_and_dtypes_match_keras():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 4)).astype("float32")
    lu, pivots = ops.lu_factor(x)
    k_lu, k_pivots = keras.ops.lu_factor(x)
    np.testing.assert_allclose(lu.numpy(), keras.ops.convert_to_numpy(k_lu), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_array_equal(pivots.numpy(), keras.ops.convert_to_numpy(k_pivots))
    assert pivots.dtype == keras.ops.convert_to_numpy(k_pivots).dtype
    low_rank = (rng.standard_normal((3, 5, 2)) @ rng.standard_normal((3, 2, 4))).astype("float32")
    np.testing.assert_array_equal(ops.matrix_rank(low_rank).numpy(),
                                  keras.ops.convert_to_numpy(keras.ops.matrix_rank(low_rank)))
    for name in ("inv", "det", "cholesky", "eigh", "qr", "svd", "pinv", "slogdet", "logdet"):
        spd = _spd(x)
        ours = getattr(ops, name)(spd)
        theirs = getattr(keras.ops, name)(spd)
        for o, t in zip(ours if isinstance(ours, tuple) else (ours,),
                        theirs if isinstance(theirs, (tuple, list)) else (theirs,)):
            assert o.dtype == keras.ops.convert_to_numpy(t).dtype, name


def test_logdet_and_slogdet_of_singular_and_negative_determinants_match_keras():
    keras = pytest.importorskip("keras")
    x = np.array([[[1.0, 2.0], [2.0, 4.0]], [[0.0, 1.0], [1.0, 0.0]], [[2.0, 0.0], [0.0, 3.0]]],
                 dtype="float32")
    np.testing.assert_array_equal(ops.logdet(x).numpy(),
                                  keras.ops.convert_to_numpy(keras.ops.logdet(x)))
    for ours, theirs in zip(ops.slogdet(x), keras.ops.slogdet(x)):
        theirs = keras.ops.convert_to_numpy(theirs)
        np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-6)
        assert ours.dtype == theirs.dtype


def test_bad_matrices_are_refused_clearly():
    with pytest.raises(ValueError, match="square matrices"):
        ops.inv(np.ones((2, 3)))
    with pytest.raises(ValueError, match="positive definite"):
        ops.cholesky(-np.eye(2))
    with pytest.raises(ValueError, match="b of shape"):
        ops.solve(np.eye(3), np.ones(2))
    x = nnet.Variable(np.ones((2, 3)))
    with pytest.raises(ValueError, match="at least as many rows"):
        backward(ops.sum(ops.qr(x)[1]))


def test_linear_algebra_in_a_saved_functional_model(tmp_path):
    inputs = nnet.Input((3, 3))
    spd = ops.matmul(inputs, ops.swapaxes(inputs, -1, -2)) + np.eye(3, dtype="float32")
    outputs = ops.concatenate([ops.solve(spd, np.ones(3, "float32")),
                               ops.expand_dims(ops.det(spd), -1),
                               ops.svd(inputs, compute_uv=False)], axis=-1)
    model = nnet.Model(inputs, outputs)
    assert model.output.shape == (None, 7)
    x = np.random.default_rng(5).standard_normal((2, 3, 3)).astype("float32")
    a = x @ x.transpose(0, 2, 1) + np.eye(3)
    expected = np.concatenate([np.linalg.solve(a, np.ones((2, 3, 1)))[..., 0],
                               np.linalg.det(a)[:, None], np.linalg.svd(x, compute_uv=False)], -1)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4)
    model.save(tmp_path / "model.keras")
    np.testing.assert_allclose(nnet.saving.load_model(tmp_path / "model.keras").predict(
        x, verbose=0), expected, rtol=1e-4)


@pytest.mark.parametrize("ord", [2, -2, "nuc"])
@pytest.mark.parametrize("axis,keepdims", [((0, 1), False), ((2, 0), True)])
def test_singular_value_matrix_norms(ord, axis, keepdims):
    kwargs = {"ord": ord, "axis": axis, "keepdims": keepdims}
    check_op(ops.norm, np.linalg.norm, [(3, 4, 2)], kwargs)
