"""Products of tensors: dot, tensordot, inner, outer, kron, vdot, cross, correlate; and the
matrices built from vectors: diag, diagflat, vander.

All compose differentiable ops (matmul, multiply, indexing), so their gradients come from those.
Inputs are first cast to Keras's promoted dtype (`nnet.ops.dtypes.result_type`).
"""

import numpy as np

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module
from nnet.ops.dtypes import float_type, result_type, tensor_like
from nnet.ops.elementwise import conj
from nnet.ops.joining import stack
from nnet.ops.linalg import matmul
from nnet.ops.math import cast, multiply, ones_like, subtract, zeros_like
from nnet.ops.reduce import sum
from nnet.ops.shape import diagonal, getitem, moveaxis, reshape, transpose


def _tensor(x, dtype):
    return cast(tensor_like(x), dtype)


def _promoted(x1, x2, dtype=None):
    dtype = dtype or result_type(x1, x2)
    return _tensor(x1, dtype), _tensor(x2, dtype)


def _size(shape):
    """The number of entries of `shape`, -1 (for reshape to infer) when a dimension is unknown."""
    return -1 if None in shape else int(np.prod(shape, dtype="int64"))


def _shape(dims):
    """`dims` as a reshape target: an unknown (None) dimension becomes -1."""
    dims = tuple(-1 if d is None else d for d in dims)
    if dims.count(-1) > 1:
        raise ValueError(
            f"Cannot infer a shape with several unknown dimensions: {dims}. Give the tensors "
            f"known sizes on all but one of these axes."
        )
    return dims


@graph_op
def tensordot(x1, x2, axes=2):
    """The sum of the products of x1 and x2 over the axes `axes` names: an int N (the last N
    axes of x1 with the first N of x2) or a pair of axis lists.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.tensordot(np.ones((2, 3, 4)), np.ones((3, 4, 5))).shape
        (2, 5)
    """
    x1, x2 = _promoted(x1, x2)
    if isinstance(axes, int):
        summed1 = list(range(x1.ndim - axes, x1.ndim))
        summed2 = list(range(axes))
    else:
        summed1, summed2 = ([a] if isinstance(a, int) else list(a) for a in axes)
    summed1 = [a % x1.ndim for a in summed1]
    summed2 = [a % x2.ndim for a in summed2]
    if [x1.shape[a] for a in summed1] != [x2.shape[a] for a in summed2]:
        raise ValueError(
            f"tensordot sums over axes of different lengths: axes={axes} of x1 of shape "
            f"{x1.shape} and x2 of shape {x2.shape}. Pick axes of equal lengths."
        )
    free1 = [a for a in range(x1.ndim) if a not in summed1]
    free2 = [a for a in range(x2.ndim) if a not in summed2]
    inner_size = _size([x1.shape[a] for a in summed1])
    left = reshape(transpose(x1, tuple(free1 + summed1)),
                   (_size([x1.shape[a] for a in free1]), inner_size))
    right = reshape(transpose(x2, tuple(summed2 + free2)),
                    (inner_size, _size([x2.shape[a] for a in free2])))
    return reshape(matmul(left, right),
                   _shape(tuple(x1.shape[a] for a in free1) + tuple(x2.shape[a] for a in free2)))


@graph_op
def dot(x1, x2):
    """NumPy's dot: the product of scalars, the inner product of vectors, the matrix product of
    matrices, and for N-D tensors the sum over the last axis of x1 and the second-to-last of x2.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.dot(np.array([1, 2]), np.array([[1, 0], [0, 1]])).numpy()
        array([1, 2])
    """
    x1, x2 = _promoted(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return multiply(x1, x2)
    if x2.ndim <= 2:
        # Against a vector or a matrix, NumPy's dot is the matrix product.
        return matmul(x1, x2)
    return tensordot(x1, x2, axes=([-1], [-2]))


@graph_op
def inner(x1, x2):
    """The sum of the products of x1 and x2 over their last axes (a product with a scalar).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.inner(np.ones((2, 3)), np.ones((4, 3))).shape
        (2, 4)
    """
    x1, x2 = _promoted(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return multiply(x1, x2)
    return tensordot(x1, x2, axes=([-1], [-1]))


@graph_op
def outer(x1, x2):
    """The outer product of x1 and x2, both flattened: out[i, j] = x1[i] * x2[j].

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.outer(np.array([1, 2]), np.array([1, 10, 100])).numpy()
        array([[  1,  10, 100],
               [  2,  20, 200]])
    """
    x1, x2 = _promoted(x1, x2)
    return multiply(reshape(x1, (-1, 1)), reshape(x2, (1, -1)))


@graph_op
def kron(x1, x2):
    """The Kronecker product: blocks x1[i] * x2, laid out in x1's shape.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.kron(np.array([[1, 2]]), np.array([[1], [10]])).numpy()
        array([[ 1,  2],
               [10, 20]])
    """
    x1, x2 = _promoted(x1, x2)
    ndim = x1.ndim if x1.ndim > x2.ndim else x2.ndim
    shape1 = (1,) * (ndim - x1.ndim) + tuple(x1.shape)
    shape2 = (1,) * (ndim - x2.ndim) + tuple(x2.shape)
    # Interleave the axes, (a0, 1, a1, 1, ...) times (1, b0, 1, b1, ...), then merge the pairs.
    left = reshape(x1, _shape(tuple(n for a in shape1 for n in (a, 1))))
    right = reshape(x2, _shape(tuple(n for b in shape2 for n in (1, b))))
    return reshape(multiply(left, right), _shape(
        tuple(None if a is None or b is None else a * b for a, b in zip(shape1, shape2))))


@graph_op
def vdot(x1, x2):
    """The dot product of x1 and x2, both flattened (x1 conjugated).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.vdot(np.array([[1, 2], [3, 4]]), np.array([[1, 1], [1, 1]])).numpy()
        array(10)
    """
    x1, x2 = _promoted(x1, x2)
    return cast(sum(multiply(conj(reshape(x1, (-1,))), reshape(x2, (-1,)))), x1.dtype)


@graph_op
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of the 3-vectors (or 2-vectors, taken with a z of 0) along `axisa` of
    x1 and `axisb` of x2, along `axisc` of the result; `axis` sets all three. Two 2-vectors give
    the z component alone.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])).numpy()
        array([0., 0., 1.])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    x1, x2 = _promoted(x1, x2)
    a, b = moveaxis(x1, axisa, -1), moveaxis(x2, axisb, -1)
    for name, v in (("x1", a), ("x2", b)):
        if v.shape[-1] not in (2, 3):
            raise ValueError(
                f"cross takes vectors of 2 or 3 components. Received: {name} with "
                f"{v.shape[-1]} components along its axis (shape {v.shape})."
            )
    a0, a1, b0, b1 = a[..., 0], a[..., 1], b[..., 0], b[..., 1]
    z = subtract(multiply(a0, b1), multiply(a1, b0))
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return z
    a2 = a[..., 2] if a.shape[-1] == 3 else zeros_like(a0)
    b2 = b[..., 2] if b.shape[-1] == 3 else zeros_like(b0)
    c = stack([subtract(multiply(a1, b2), multiply(a2, b1)),
               subtract(multiply(a2, b0), multiply(a0, b2)), z], axis=-1)
    return moveaxis(c, -1, axisc)


@graph_op
def correlate(x1, x2, mode="valid"):
    """The cross-correlation of two 1-D tensors: c[k] = sum_n x1[n + k] * x2[n], for the shifts
    k that `mode` keeps: "valid" (full overlap), "same" (the length of the longer one) or
    "full" (any overlap).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])).numpy()
        array([3.5])
    """
    if mode not in ("valid", "same", "full"):
        raise ValueError(
            f"Invalid mode for correlate: expected 'valid', 'same' or 'full'. Received: "
            f"mode={mode!r}"
        )
    x1, x2 = _promoted(x1, x2, float_type(x1, x2))
    if x1.ndim != 1 or x2.ndim != 1:
        raise ValueError(
            f"correlate takes 1-D tensors. Received: x1 of shape {x1.shape} and x2 of shape "
            f"{x2.shape}."
        )
    m, n = x1.shape[0], x2.shape[0]
    # Every shift k from -(n - 1) to m - 1: windows of the zero-padded x1, times x2.
    padded = getitem(_pad_zeros(x1, n - 1), (np.arange(m + n - 1)[:, None] + np.arange(n),))
    full = matmul(padded, x2)
    if mode == "full":
        return full
    length = max(m, n) if mode == "same" else max(m, n) - min(m, n) + 1
    start = (m + n - 1 - length) // 2 if mode == "same" else min(m, n) - 1
    if mode == "same" and m < n:
        start = (m + n - length) // 2
    return full[start:start + length]


@primitive
def _pad_zeros(x, width):
    xp = array_module(x)
    return xp.pad(x, (width, width)), lambda g: (g[width:g.shape[0] - width], None)


@primitive
def _diag_matrix(x, k):
    xp = array_module(x)
    return xp.diag(x, k), lambda g: (xp.diag(g, k), None)


@graph_op
def diag(x, k=0):
    """The matrix with the 1-D x on its `k`-th diagonal, or the `k`-th diagonal of the 2-D x.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.diag(np.array([1, 2]), k=1).numpy()
        array([[0, 1, 0],
               [0, 0, 2],
               [0, 0, 0]])
    """
    x = tensor_like(x)
    if x.ndim == 1:
        return _diag_matrix(x, k)
    if x.ndim == 2:
        return diagonal(x, offset=k)
    raise ValueError(f"diag takes a 1-D or 2-D tensor. Received: x of shape {x.shape}.")


@graph_op
def diagflat(x, k=0):
    """The matrix with the flattened x on its `k`-th diagonal.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.diagflat(np.array([[1, 2]])).numpy()
        array([[1, 0],
               [0, 2]])
    """
    return _diag_matrix(reshape(tensor_like(x), (-1,)), k)


@graph_op
def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of the 1-D x: columns x^(N-1), ..., x, 1 (x^0 first with
    `increasing`); N defaults to len(x).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.vander(np.array([1, 2, 3]), N=3).numpy()
        array([[1, 1, 1],
               [4, 2, 1],
               [9, 3, 1]])
    """
    x = tensor_like(x)
    if x.ndim != 1:
        raise ValueError(f"vander takes a 1-D tensor. Received: x of shape {x.shape}.")
    N = x.shape[0] if N is None else N
    if N < 0:
        raise ValueError(f"Expected a non-negative integer for N. Received: N={N}")
    # Repeated products rather than powers: the gradient stays finite at x = 0.
    columns = [ones_like(x)]
    for _ in range(1, N):
        columns.append(multiply(columns[-1], x))
    out = stack(columns if increasing else columns[::-1], axis=1)
    return out if N else out[:, :0]
