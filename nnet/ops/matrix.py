"""Linear algebra beyond products: inverses, determinants, solves, Cholesky, least squares.

Every op works on batches of matrices (leading dimensions) as NumPy's ``linalg`` does; integer
inputs are computed in `floatx()`. The gradients are PyTorch's (and the matrix-calculus
literature's) formulas; those of pinv and lstsq assume a constant rank. The decompositions
(eig, eigh, qr, svd, lu_factor) are in `nnet.ops.decompositions`.
"""

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module, floatx
from nnet.ops.linalg import einsum
from nnet.ops.math import where


def _float(x):
    return x if x.dtype.kind in "fc" else x.astype(floatx())


def _t(x):
    return x.swapaxes(-1, -2)


def _square(x, name):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{name} expects square matrices, shape (..., M, M). Received: "
                         f"x.shape={tuple(x.shape)}")


def _matrices(x, name):
    if x.ndim < 2:
        raise ValueError(f"{name} expects matrices, shape (..., M, N). Received: "
                         f"x.shape={tuple(x.shape)}")


def _eye(xp, n, dtype):
    return xp.eye(n, dtype=dtype)


def _identities(shape, dtype):
    """Identity matrices (ones for vectors): the stand-in data on which a functional model
    finds the output shapes of these ops, since zeros would be singular."""
    if len(shape) < 2:
        return np.ones(shape, dtype)
    return np.broadcast_to(np.eye(shape[-2], shape[-1], dtype=dtype), shape).copy()


def _probed_with_identities(fn):
    fn.probe_fill = _identities
    return fn


@_probed_with_identities
@primitive
def inv(x):
    """The inverse of each square matrix; ``d(A^-1) = -A^-1 dA A^-1``.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.inv(np.array([[2.0, 0.0], [0.0, 4.0]])).numpy()
        array([[0.5 , 0.  ],
               [0.  , 0.25]])
    """
    x = _float(x)
    _square(x, "inv")
    y = array_module(x).linalg.inv(x)
    return y, lambda g: (-_t(y) @ g @ _t(y),)


@_probed_with_identities
@primitive
def det(x):
    """The determinant of each square matrix; its gradient is ``det(A) A^-T``.

    Example:
        >>> import numpy as np, nnet
        >>> round(float(nnet.ops.det(np.array([[2.0, 1.0], [1.0, 3.0]]))), 6)
        5.0
    """
    x = _float(x)
    _square(x, "det")
    xp = array_module(x)
    d = xp.linalg.det(x)
    return d, lambda g: ((g * d)[..., None, None] * _t(xp.linalg.inv(x)),)


@_probed_with_identities
@primitive
def slogdet(x):
    """The sign and the natural log of the absolute value of the determinant of each square
    matrix, ``(sign, logabsdet)``; the gradient of logabsdet is ``A^-T``.

    Example:
        >>> import numpy as np, nnet
        >>> sign, logabsdet = nnet.ops.slogdet(np.array([[0.0, 2.0], [3.0, 0.0]]))
        >>> float(sign), round(float(logabsdet), 4)
        (-1.0, 1.7918)
    """
    x = _float(x)
    _square(x, "slogdet")
    xp = array_module(x)
    sign, logabs = xp.linalg.slogdet(x)

    def vjp(gs):
        g = xp.zeros(logabs.shape, x.dtype) if gs[1] is None else gs[1]
        return (g[..., None, None] * _t(xp.linalg.inv(x)),)

    return (sign, logabs), vjp


@_probed_with_identities
@graph_op
def logdet(x):
    """The natural log of the determinant of each square matrix (NaN where it is negative,
    as Keras's ``logdet``); its gradient is ``A^-T``.

    Example:
        >>> import numpy as np, nnet
        >>> round(float(nnet.ops.logdet(np.array([[2.0, 0.0], [0.0, 3.0]]))), 4)
        1.7918
    """
    sign, logabs = slogdet(x)
    # A zero determinant already has logabsdet = -inf.
    return where(sign < 0, np.nan, logabs)


def _solve(a, b, vector):
    xp = array_module(a, b)
    return xp.linalg.solve(a, b[..., None])[..., 0] if vector else xp.linalg.solve(a, b)


def _as_matrix(b, vector):
    return b[..., None] if vector else b


def _is_vector(a, b):
    """PyTorch's rule: b is a (batch of) vector(s) when 1-D or one dimension short of a."""
    return b.ndim == 1 or b.ndim == a.ndim - 1


def _check_system(a, b, name):
    _square(a, name)
    if b.ndim < 1 or b.shape[-1 if _is_vector(a, b) else -2] != a.shape[-1]:
        raise ValueError(
            f"{name} expects b of shape (..., M) or (..., M, K) for a of shape (..., M, M). "
            f"Received: a.shape={tuple(a.shape)}, b.shape={tuple(b.shape)}"
        )


@_probed_with_identities
@primitive
def solve(a, b):
    """x with ``a @ x = b``; b is a vector (or batch of them) when it is 1-D or has one
    dimension fewer than a (PyTorch's rule), else a (batch of) matrices.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 2.0])).numpy()
        array([1. , 0.5])
    """
    a, b = _float(a), _float(b)
    _check_system(a, b, "solve")
    vector = _is_vector(a, b)
    x = _solve(a, b, vector)

    def vjp(g):
        gb = _solve(_t(a), g, vector)
        return -_as_matrix(gb, vector) @ _t(_as_matrix(x, vector)), gb

    return x, vjp


@_probed_with_identities
@primitive
def solve_triangular(a, b, lower=False):
    """x with ``a @ x = b`` for triangular a (its other triangle is ignored).

    Args:
        a: square matrices (..., M, M).
        b: (M,) or (..., M) vectors (one dimension fewer than a), or (..., M, K) matrices.
        lower: whether a is lower (True) or upper (False) triangular.

    Example:
        >>> import numpy as np, nnet
        >>> a = np.array([[2.0, 9.0], [1.0, 4.0]])
        >>> nnet.ops.solve_triangular(a, np.array([2.0, 6.0]), lower=True).numpy()
        array([1.  , 1.25])
    """
    a, b = _float(a), _float(b)
    _check_system(a, b, "solve_triangular")
    xp = array_module(a, b)
    triangle = xp.tril if lower else xp.triu
    t = triangle(a)
    vector = _is_vector(a, b)
    x = _solve(t, b, vector)

    def vjp(g):
        gb = _solve(_t(t), g, vector)
        return -triangle(_as_matrix(gb, vector) @ _t(_as_matrix(x, vector))), gb, None

    return x, vjp


@_probed_with_identities
@primitive
def cholesky(x, upper=False):
    """The Cholesky factor of each symmetric positive-definite matrix: lower L with
    ``x = L L^T`` (or upper U = L^T with `upper`). Only the lower triangle of x is read.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.cholesky(np.array([[4.0, 2.0], [2.0, 2.0]])).numpy()
        array([[2., 0.],
               [1., 1.]])
    """
    x = _float(x)
    _square(x, "cholesky")
    xp = array_module(x)
    try:
        low = xp.linalg.cholesky(x)
    except np.linalg.LinAlgError as error:
        raise ValueError(f"Cholesky decomposition failed: {error}. x must be symmetric and "
                         f"positive definite.") from None

    def vjp(g):
        # PyTorch's formula: gA = L^-T Phi(L^T gL) L^-1, Phi symmetrising the lower triangle.
        gl = _t(g) if upper else g
        p = xp.tril(_t(low) @ gl)
        p = 0.5 * (p + _t(xp.tril(p, -1)))
        inv_low = xp.linalg.inv(low)
        return _t(inv_low) @ p @ inv_low, None

    return (_t(low) if upper else low), vjp


@_probed_with_identities
@graph_op
def cholesky_inverse(x, upper=False):
    """The inverse of ``A = L L^T`` given its Cholesky factor L (or ``A = U^T U`` given U with
    `upper`), differentiable in the factor.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.cholesky_inverse(np.array([[2.0, 0.0], [1.0, 1.0]])).numpy()
        array([[ 0.5, -0.5],
               [-0.5,  1. ]])
    """
    factor_inverse = inv(x)
    if upper:
        return einsum("...ij,...kj->...ik", factor_inverse, factor_inverse)
    return einsum("...ji,...jk->...ik", factor_inverse, factor_inverse)


def _pinv_grad(xp, a, p, g):
    """d <G, A^+> / dA for a constant-rank A (Golub and Pereyra)."""
    eye_m, eye_n = _eye(xp, a.shape[-2], a.dtype), _eye(xp, a.shape[-1], a.dtype)
    return (-_t(p) @ g @ _t(p) + (eye_m - a @ p) @ _t(g) @ p @ _t(p)
            + _t(p) @ p @ _t(g) @ (eye_n - p @ a))


@_probed_with_identities
@primitive
def pinv(x, rcond=None):
    """The Moore-Penrose pseudo-inverse; singular values below ``rcond * max(S)`` count as
    zero (``max(M, N) * eps`` by default).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.pinv(np.array([[1.0, 0.0], [0.0, 0.0]])).numpy()
        array([[1., 0.],
               [0., 0.]])
    """
    x = _float(x)
    _matrices(x, "pinv")
    xp = array_module(x)
    p = xp.linalg.pinv(x, rcond=rcond)
    return p, lambda g: (_pinv_grad(xp, x, p, g), None)


@_probed_with_identities
@primitive
def lstsq(a, b, rcond=None):
    """The least-squares solution x of ``a @ x = b`` (the minimum-norm one when a is rank
    deficient).

    Args:
        a: a matrix (M, N).
        b: (M,) or (M, K).
        rcond: singular values below ``rcond * max(S)`` count as zero.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.lstsq(np.array([[1.0], [1.0]]), np.array([1.0, 3.0])).numpy()
        array([2.])
    """
    a, b = _float(a), _float(b)
    if a.ndim != 2 or b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise ValueError(f"lstsq expects a of shape (M, N) and b of shape (M,) or (M, K). "
                         f"Received: a.shape={a.shape}, b.shape={b.shape}")
    xp = array_module(a, b)
    x = xp.linalg.lstsq(a, b, rcond=rcond)[0]

    def vjp(g):
        p = xp.linalg.pinv(a, rcond=rcond)
        return _pinv_grad(xp, a, p, _as_matrix(g, b.ndim == 1) @ _t(_as_matrix(b, b.ndim == 1))
                          ), _t(p) @ g, None

    return x, vjp


@_probed_with_identities
@primitive
def matrix_rank(x, tol=None):
    """The rank of each matrix: the number of singular values above `tol` (by default
    ``max(S) * max(M, N) * eps``), as int32.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]])).numpy()
        array(1, dtype=int32)
    """
    x = _float(x)
    _matrices(x, "matrix_rank")
    return np.asarray(array_module(x).linalg.matrix_rank(x, tol=tol)).astype(np.int32), None
