"""Matrix decompositions: eig, eigh, qr, svd and lu_factor (batched, as NumPy's ``linalg``).

The gradients are PyTorch's formulas; those of eigh and svd assume distinct eigen/singular
values, that of qr a tall or square input.
"""

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module
from nnet.ops.matrix import _eye, _float, _matrices, _probed_with_identities, _square, _t


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


@_probed_with_identities
@graph_op
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
