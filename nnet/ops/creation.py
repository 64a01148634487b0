"""Tensor creation: ranges, constant fills, identity-like matrices, coordinate grids, windows.

The dtype rules are Keras's: an explicit `dtype` wins; otherwise `zeros`, `ones`, `full`, `eye`,
`identity`, `tri`, `empty`, `geomspace` and the windows give `floatx()`, while `arange`,
`linspace`, `logspace` and `array` follow Keras's promotion of their arguments (a Python int is
int32, a Python float is `floatx()`, and 64-bit results become 32-bit, as in Keras).
"""

import numpy as np

from nnet.autodiff.symbolic import graph_op
from nnet.autodiff.tensor import SymbolicTensor, Tensor
from nnet.backend import floatx
from nnet.ops.dtypes import result_type
from nnet.ops.shape import broadcast_to, reshape

# Keras (after JAX) never infers a 64-bit dtype: it narrows it to the 32-bit one.
_NARROW = {"int64": "int32", "uint64": "uint32", "float64": "float32"}


def _result_type(*values):
    """Keras's result dtype for scalars and arrays (`nnet.ops.dtypes.result_type`), 64-bit
    results narrowed to 32-bit."""
    out = result_type(*values)
    return _NARROW.get(out, out)


@graph_op
def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in [start, stop) with spacing `step` (Keras's `arange`).

    Args:
        start: the first value, or the end of the range when `stop` is None (the range then
            starts at 0).
        stop: the end of the range (excluded).
        step: the spacing, 1 by default.
        dtype: the result's dtype; by default int32 for integer arguments, `floatx()` when one
            of them is a float.

    Example:
        >>> import nnet
        >>> nnet.ops.arange(3).numpy()
        array([0, 1, 2], dtype=int32)
        >>> nnet.ops.arange(1, 2, 0.5).numpy()
        array([1. , 1.5], dtype=float32)
    """
    if dtype is None:
        dtype = _result_type(*[v for v in (start, stop, step) if v is not None])
    if stop is None:
        start, stop = 0, start
    return Tensor(np.arange(start, stop, 1 if step is None else step, dtype=dtype))


def zeros(shape, dtype=None):
    """A tensor of `shape` filled with zeros, of `dtype` (`floatx()` by default).

    Example:
        >>> import nnet
        >>> nnet.ops.zeros((2,)).numpy()
        array([0., 0.], dtype=float32)
    """
    return Tensor(np.zeros(shape, dtype=dtype or floatx()))


def ones(shape, dtype=None):
    """A tensor of `shape` filled with ones, of `dtype` (`floatx()` by default).

    Example:
        >>> import nnet
        >>> nnet.ops.ones((2,), dtype="int32").numpy()
        array([1, 1], dtype=int32)
    """
    return Tensor(np.ones(shape, dtype=dtype or floatx()))


@graph_op
def full(shape, fill_value, dtype=None):
    """A tensor of `shape` filled with `fill_value`, of `dtype` (`floatx()` by default).

    Args:
        shape: the result's shape.
        fill_value: a scalar, or an array broadcastable to `shape`.
        dtype: the result's dtype.

    Example:
        >>> import nnet
        >>> nnet.ops.full((2,), 7).numpy()
        array([7., 7.], dtype=float32)
    """
    fill_value = fill_value.numpy() if isinstance(fill_value, Tensor) else fill_value
    return Tensor(np.full(shape, fill_value, dtype=dtype or floatx()))


def empty(shape, dtype=None):
    """A tensor of `shape` and `dtype` (`floatx()` by default) with unspecified values.

    Example:
        >>> import nnet
        >>> nnet.ops.empty((2, 3)).shape
        (2, 3)
    """
    return Tensor(np.empty(shape, dtype=dtype or floatx()))


def eye(N, M=None, k=0, dtype=None):
    """An N x M matrix (M = N by default) with ones on diagonal `k` and zeros elsewhere.

    Args:
        N: the number of rows.
        M: the number of columns, N by default.
        k: the diagonal: 0 the main one, positive above it, negative below.
        dtype: the result's dtype, `floatx()` by default.

    Example:
        >>> import nnet
        >>> nnet.ops.eye(2, 3, k=1).numpy()
        array([[0., 1., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    return Tensor(np.eye(N, M=M, k=k, dtype=dtype or floatx()))


def identity(n, dtype=None):
    """The n x n identity matrix, of `dtype` (`floatx()` by default).

    Example:
        >>> import nnet
        >>> nnet.ops.identity(2).numpy()
        array([[1., 0.],
               [0., 1.]], dtype=float32)
    """
    return Tensor(np.identity(n, dtype=dtype or floatx()))


def tri(N, M=None, k=0, dtype=None):
    """An N x M matrix (M = N by default) with ones at and below diagonal `k`, zeros above.

    Example:
        >>> import nnet
        >>> nnet.ops.tri(2).numpy()
        array([[1., 0.],
               [1., 1.]], dtype=float32)
    """
    return Tensor(np.tri(N, M=M, k=k, dtype=dtype or floatx()))


@graph_op
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from `start` to `stop` (included when `endpoint`).

    Args:
        start, stop: the ends of the interval (scalars or arrays of the same shape).
        num: how many values.
        endpoint: whether `stop` is the last value.
        retstep: also return the spacing, as ``(values, step)``.
        dtype: the result's dtype, by default the float dtype Keras infers from start and stop.
        axis: where the new axis goes when start and stop are arrays.

    Example:
        >>> import nnet
        >>> nnet.ops.linspace(0, 1, 3).numpy()
        array([0. , 0.5, 1. ], dtype=float32)
    """
    dtype = dtype or _result_type(start, stop, 1.0)
    out = np.linspace(_value(start), _value(stop), num=num, endpoint=endpoint, retstep=retstep,
                      dtype=dtype, axis=axis)
    return (Tensor(out[0]), out[1]) if retstep else Tensor(out)


@graph_op
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """`num` values from ``base ** start`` to ``base ** stop``, evenly spaced in log scale.

    Args:
        start, stop: the exponents of the ends.
        num: how many values.
        endpoint: whether ``base ** stop`` is the last value.
        base: the base of the log scale.
        dtype: the result's dtype, by default the float dtype Keras infers from start and stop.
        axis: where the new axis goes when start and stop are arrays.

    Example:
        >>> import nnet
        >>> nnet.ops.logspace(0, 2, 3).numpy()
        array([  1.,  10., 100.], dtype=float32)
    """
    dtype = dtype or _result_type(start, stop, 1.0)
    return Tensor(np.logspace(_value(start), _value(stop), num=num, endpoint=endpoint, base=base,
                              dtype=dtype, axis=axis))


@graph_op
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` values from `start` to `stop` in a geometric progression (`floatx()` by default).

    Example:
        >>> import nnet
        >>> nnet.ops.geomspace(1, 100, 3).numpy()
        array([  1.,  10., 100.], dtype=float32)
    """
    return Tensor(np.geomspace(_value(start), _value(stop), num=num, endpoint=endpoint,
                               dtype=dtype or floatx(), axis=axis))


@graph_op
def array(x, dtype=None):
    """A tensor holding `x` (Keras's `array`, which is `convert_to_tensor`).

    Without `dtype`, arrays keep their dtype and Python data takes Keras's: int32 for integers,
    `floatx()` for floats, bool for booleans.

    Example:
        >>> import nnet
        >>> nnet.ops.array([1, 2]).numpy()
        array([1, 2], dtype=int32)
    """
    x = _value(x)
    if dtype is None and not hasattr(x, "dtype"):
        leaves = np.asarray(x, dtype=object).ravel().tolist()
        dtype = _result_type(*leaves) if leaves else floatx()
    return Tensor(np.array(x, dtype=dtype))


@graph_op
def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D coordinate vectors, as a list of tensors (differentiable).

    Args:
        *x: the 1-D coordinate vectors.
        indexing: ``"xy"`` (Cartesian: the first two axes are swapped) or ``"ij"`` (matrix).

    Example:
        >>> import nnet
        >>> gx, gy = nnet.ops.meshgrid(nnet.ops.arange(3), nnet.ops.arange(2))
        >>> gx.numpy()
        array([[0, 1, 2],
               [0, 1, 2]], dtype=int32)
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(
            f"Expected indexing to be 'xy' or 'ij'. Received: indexing={indexing!r}"
        )
    x = [v if isinstance(v, (Tensor, SymbolicTensor)) else Tensor(np.asarray(v)) for v in x]
    sizes = [v.shape[0] for v in x]
    axes = list(range(len(x)))
    if indexing == "xy" and len(x) > 1:
        axes[0], axes[1] = 1, 0
    shape = [sizes[axes.index(a)] for a in range(len(x))]
    grids = []
    for v, axis in zip(x, axes):
        aligned = [1] * len(x)
        aligned[axis] = -1
        grids.append(broadcast_to(reshape(v, tuple(aligned)), tuple(shape)))
    return grids


def _value(x):
    return x.numpy() if isinstance(x, Tensor) else x


def _window(name, length, *args):
    return Tensor(getattr(np, name)(int(_value(length)), *args).astype(floatx()))


def hamming(x):
    """The Hamming window of length `x`: 0.54 - 0.46 cos(2 pi n / (x - 1)), in `floatx()`.

    Example:
        >>> import nnet
        >>> nnet.ops.hamming(3).numpy()
        array([0.08, 1.  , 0.08], dtype=float32)
    """
    return _window("hamming", x)


def hanning(x):
    """The Hann window of length `x`: 0.5 - 0.5 cos(2 pi n / (x - 1)), in `floatx()`.

    Example:
        >>> import nnet
        >>> nnet.ops.hanning(3).numpy()
        array([0., 1., 0.], dtype=float32)
    """
    return _window("hanning", x)


def blackman(x):
    """The Blackman window of length `x`:
    0.42 - 0.5 cos(2 pi n / (x - 1)) + 0.08 cos(4 pi n / (x - 1)), in `floatx()`.

    Example:
        >>> import nnet
        >>> nnet.ops.blackman(5).numpy().round(2)
        array([-0.  ,  0.34,  1.  ,  0.34, -0.  ], dtype=float32)
    """
    return _window("blackman", x)


def bartlett(x):
    """The Bartlett (triangular) window of length `x`, in `floatx()`.

    Example:
        >>> import nnet
        >>> nnet.ops.bartlett(5).numpy()
        array([0. , 0.5, 1. , 0.5, 0. ], dtype=float32)
    """
    return _window("bartlett", x)


def kaiser(x, beta):
    """The Kaiser window of length `x` and shape `beta`: I0(beta sqrt(1 - (2n/(x-1) - 1)^2)) /
    I0(beta), in `floatx()`.

    Example:
        >>> import nnet
        >>> nnet.ops.kaiser(3, 0.0).numpy()
        array([1., 1., 1.], dtype=float32)
    """
    return _window("kaiser", x, beta)
