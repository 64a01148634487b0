"""Linear algebra beyond products: inverses, determinants, solves and decompositions.

Every op works on batches of matrices (leading dimensions) as NumPy's ``linalg`` does; integer
inputs are computed in `floatx()`. The gradients are PyTorch's (and the matrix-calculus
literature's) formulas; those of eigh and svd assume distinct eigen/singular values, those of qr
a tall or square input, and that of pinv and lstsq a constant rank.
"""

import numpy as np

from nnet.autodiff.engine import primitive
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


@_probed_with_identities
@primitive
def eig(x):
    """Eigenvalues and right eigenvectors of general square matrices, as complex tensors (no
    gradient).

    Example:
        >>> import numpy as np, nnet
        >>> w, v = nnet.ops.eig(np.array([[2.0, 0.0], [0.0, 3.0]]))
        >>> w.numpy()
        array([2.+0.j, 3.+0.j])
    """
    x = _float(x)
    _square(x, "eig")
    w, v = array_module(x).linalg.eig(x)
    complex_dtype = np.result_type(x.dtype, np.complex64)
    return (w.astype(complex_dtype), v.astype(complex_dtype)), None


@_probed_with_identities
@primitive
def eigh(x):
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric matrices (the lower
    triangle is read). The gradient assumes distinct eigenvalues.

    Example:
        >>> import numpy as np, nnet
        >>> w, v = nnet.ops.eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
        >>> w.numpy()
        array([1., 3.])
    """
    x = _float(x)
    _square(x, "eigh")
    xp = array_module(x)
    w, v = xp.linalg.eigh(x)

    def vjp(gs):
        gw, gv = gs
        inner = xp.zeros(x.shape, dtype=x.dtype)
        if gv is not None:
            # skew(V^T gV)_ij / (w_j - w_i) off the diagonal (PyTorch's eigh backward: the
            # projection on skew matrices keeps the gradient symmetric).
            gap = w[..., None, :] - w[..., :, None]
            eye = _eye(xp, x.shape[-1], bool)
            vgv = _t(v) @ gv
            inner = xp.where(eye, 0, 0.5 * (vgv - _t(vgv)) / xp.where(eye, 1, gap))
        if gw is not None:
            inner = inner + gw[..., None] * _eye(xp, x.shape[-1], x.dtype)
        return (v @ inner @ _t(v),)

    return (w, v), vjp


@_probed_with_identities
@primitive
def qr(x, mode="reduced"):
    """The QR decomposition ``x = Q R`` (Q with orthonormal columns, R upper triangular).

    Args:
        x: matrices (..., M, N).
        mode: ``"reduced"`` (Q (..., M, K), R (..., K, N), K = min(M, N)) or ``"complete"``
            (Q (..., M, M), R (..., M, N)).

    The gradient is defined for M >= N (for "complete" mode, M == N), as in PyTorch.

    Example:
        >>> import numpy as np, nnet
        >>> q, r = nnet.ops.qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
        >>> np.allclose(q.numpy() @ r.numpy(), [[3.0, 1.0], [4.0, 2.0]])
        True
    """
    if mode not in ("reduced", "complete"):
        raise ValueError(f"Expected mode to be 'reduced' or 'complete'. Received: mode={mode!r}")
    x = _float(x)
    _matrices(x, "qr")
    xp = array_module(x)
    q, r = xp.linalg.qr(x, mode=mode)
    m, n = x.shape[-2:]

    def vjp(gs):
        if m < n or (mode == "complete" and m != n):
            raise ValueError(
                f"The gradient of qr is defined for matrices with at least as many rows as "
                f"columns (and for mode='complete' square ones). Received: x.shape="
                f"{tuple(x.shape)}, mode={mode!r}"
            )
        gq = xp.zeros(q.shape, x.dtype) if gs[0] is None else gs[0]
        gr = xp.zeros(r.shape, x.dtype) if gs[1] is None else gs[1]
        # TensorFlow's QrGrad for tall and square matrices.
        qdq = _t(q) @ gq
        rdr = r @ _t(gr)
        low = xp.tril(qdq - _t(qdq) + rdr - _t(rdr))
        inv_rt = _t(xp.linalg.inv(r))
        return (q @ (gr + low @ inv_rt) + (gq - q @ qdq) @ inv_rt,)

    return (q, r), vjp


@_probed_with_identities
@primitive
def _singular_values(x):
    x = _float(x)
    xp = array_module(x)
    u, s, vh = xp.linalg.svd(x, full_matrices=False)
    return s, lambda g: ((u * g[..., None, :]) @ vh,)


@_probed_with_identities
@primitive
def _svd(x, full_matrices=True):
    x = _float(x)
    xp = array_module(x)
    u, s, vh = xp.linalg.svd(x, full_matrices=full_matrices)
    m, n = x.shape[-2:]
    k = min(m, n)

    def vjp(gs):
        if full_matrices and m != n:
            raise ValueError(
                f"The gradient of svd with full_matrices=True is defined for square matrices "
                f"only (as in PyTorch). Received: x.shape={tuple(x.shape)}. Pass "
                f"full_matrices=False."
            )
        gu, gsv, gvh = gs
        # PyTorch's svd backward (real case), with E_ij = s_j^2 - s_i^2.
        inner = xp.zeros(s.shape + (k,), x.dtype)
        eye = _eye(xp, k, bool)
        gap = xp.where(eye, 1, s[..., None, :] ** 2 - s[..., :, None] ** 2)
        if gu is not None:
            uhgu = _t(u) @ gu
            inner = inner + (uhgu - _t(uhgu)) * s[..., None, :] / gap
        if gvh is not None:
            vhgv = vh @ _t(gvh)
            inner = inner + s[..., :, None] * (vhgv - _t(vhgv)) / gap
        if gsv is not None:
            inner = inner + gsv[..., None] * _eye(xp, k, x.dtype)
        ga = u @ inner @ vh
        if m > k and gu is not None:
            gus = gu / s[..., None, :]
            ga = ga + (gus - u @ (_t(u) @ gus)) @ vh
        if n > k and gvh is not None:
            gvs = _t(gvh) / s[..., None, :]
            ga = ga + u @ _t(gvs - _t(vh) @ (vh @ gvs))
        return (ga,)

    return (u, s, vh), vjp


def svd(x, full_matrices=True, compute_uv=True):
    """The singular value decomposition ``x = U diag(S) Vh``.

    Args:
        x: matrices (..., M, N).
        full_matrices: U (..., M, M) and Vh (..., N, N) when True, else (..., M, K) and
            (..., K, N) with K = min(M, N).
        compute_uv: when False, only the singular values S (..., K), in descending order.

    Returns:
        ``(U, S, Vh)``, or S alone. The gradient of S is always defined; that of U and Vh
        assumes distinct non-zero singular values (and square x when `full_matrices`).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.svd(np.array([[3.0, 0.0], [0.0, -4.0]]), compute_uv=False).numpy()
        array([4., 3.])
    """
    x = x if hasattr(x, "dtype") else np.asarray(x)
    _matrices(x, "svd")
    if not compute_uv:
        return _singular_values(x)
    return _svd(x, full_matrices=full_matrices)


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


@_probed_with_identities
@primitive
def lu_factor(x):
    """The LU factorisation with partial pivoting, ``P x = L U``, as LAPACK's getrf returns
    it: L (unit diagonal, below) and U packed in one matrix, and 0-based pivots (row i was
    swapped with row ``pivots[i]``, int32). Not differentiable.

    Example:
        >>> import numpy as np, nnet
        >>> lu, pivots = nnet.ops.lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]]))
        >>> lu.numpy(), pivots.numpy()
        (array([[3.        , 4.        ],
               [0.33333333, 0.66666667]]), array([1, 1], dtype=int32))
    """
    x = _float(x)
    _matrices(x, "lu_factor")
    xp = array_module(x)
    lu = x.reshape((-1,) + x.shape[-2:]).copy()
    m, n = x.shape[-2:]
    rows = xp.arange(lu.shape[0])
    pivots = xp.zeros((lu.shape[0], min(m, n)), dtype=np.int32)
    for j in range(min(m, n)):
        p = j + xp.abs(lu[:, j:, j]).argmax(axis=1)
        pivots[:, j] = p
        lu[rows, j], lu[rows, p] = lu[rows, p], lu[rows, j].copy()
        pivot = lu[:, j, j]
        safe = xp.where(pivot == 0, 1, pivot)
        lu[:, j + 1:, j] = xp.where((pivot == 0)[:, None], lu[:, j + 1:, j],
                                    lu[:, j + 1:, j] / safe[:, None])
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j, None] * lu[:, j, None, j + 1:]
    return (lu.reshape(x.shape), pivots.reshape(x.shape[:-2] + (min(m, n),))), None
