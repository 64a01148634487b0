"""Elementwise functions of two tensors (broadcast together): angles and norms, remainders and
divisions, NaN-aware extrema, integer and bitwise ops, and closeness tests.

Dtypes follow Keras's promotion (`nnet.ops.dtypes`): float functions of integers give
`floatx()`; integer functions keep the promoted integer dtype.
"""

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module
from nnet.ops.dtypes import as_array, float_type, result_type


def _promote(x1, x2, dtype):
    return as_array(x1, dtype), as_array(x2, dtype)


def _floats(x1, x2):
    return _promote(x1, x2, float_type(x1, x2))


def _integers(name, x1, x2, allow_bool=True):
    dtype = result_type(x1, x2)
    if dtype[0] not in ("biu" if allow_bool else "iu"):
        raise TypeError(
            f"{name} takes {'bool or ' if allow_bool else ''}integer tensors. Received: x1 of "
            f"dtype {as_array(x1).dtype} and x2 of dtype {as_array(x2).dtype}. Cast them to an "
            f"integer dtype first."
        )
    return _promote(x1, x2, dtype)


@primitive
def arctan2(x1, x2):
    """The angle of the point (x2, x1) from the x axis, in [-pi, pi].

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.arctan2(np.array([1.0, -1.0]), np.array([0.0, 0.0])).numpy()
        array([ 1.57079633, -1.57079633])
    """
    x1, x2 = _floats(x1, x2)
    r2 = x1 * x1 + x2 * x2
    return array_module(x1, x2).arctan2(x1, x2), lambda g: (g * x2 / r2, -g * x1 / r2)


@primitive
def hypot(x1, x2):
    """sqrt(x1^2 + x2^2), without overflow for large inputs.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.hypot(np.array([3.0]), np.array([4.0])).numpy()
        array([5.])
    """
    x1, x2 = _floats(x1, x2)
    y = array_module(x1, x2).hypot(x1, x2)
    return y, lambda g: (g * x1 / y, g * x2 / y)


@primitive
def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)), computed stably.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.logaddexp(np.array([0.0]), np.array([0.0])).numpy().round(6)
        array([0.693147])
    """
    x1, x2 = _floats(x1, x2)
    xp = array_module(x1, x2)
    y = xp.logaddexp(x1, x2)
    return y, lambda g: (g * xp.exp(x1 - y), g * xp.exp(x2 - y))


@primitive
def logaddexp2(x1, x2):
    """log2(2^x1 + 2^x2), computed stably.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.logaddexp2(np.array([1.0]), np.array([1.0])).numpy()
        array([2.])
    """
    x1, x2 = _floats(x1, x2)
    xp = array_module(x1, x2)
    y = xp.logaddexp2(x1, x2)
    return y, lambda g: (g * xp.exp2(x1 - y), g * xp.exp2(x2 - y))


def _division_dtype(x1, x2):
    dtype = result_type(x1, x2)
    if dtype == "bool":
        raise TypeError(
            "Division of two bool tensors is not supported, as in Keras. Cast one of them to "
            "an integer or float dtype first."
        )
    return dtype


@primitive
def mod(x1, x2):
    """The remainder of x1 / x2 with the sign of x2 (Python's %); the gradient in x2 is
    -floor(x1 / x2).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.mod(np.array([-3, 3]), np.array([2, -2])).numpy()
        array([ 1, -1])
    """
    x1, x2 = _promote(x1, x2, _division_dtype(x1, x2))
    xp = array_module(x1, x2)
    return xp.mod(x1, x2), lambda g: (g, lambda: -g * xp.floor_divide(x1, x2))


@primitive
def fmod(x1, x2):
    """The remainder of x1 / x2 with the sign of x1 (C's fmod); the gradient in x2 is
    -trunc(x1 / x2).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.fmod(np.array([-3.0, 3.0]), np.array([2.0, -2.0])).numpy()
        array([-1.,  1.])
    """
    x1, x2 = _promote(x1, x2, _division_dtype(x1, x2))
    xp = array_module(x1, x2)
    return xp.fmod(x1, x2), lambda g: (g, lambda: -g * xp.trunc(x1 / x2).astype(g.dtype))


@primitive
def floor_divide(x1, x2):
    """floor(x1 / x2), in the promoted dtype (not differentiable).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.floor_divide(np.array([-3.0, 3.0]), np.array([2.0, -2.0])).numpy()
        array([-2., -2.])
    """
    x1, x2 = _promote(x1, x2, _division_dtype(x1, x2))
    return array_module(x1, x2).floor_divide(x1, x2), None


@primitive
def true_divide(x1, x2):
    """x1 / x2 as floats (integers give `floatx()`).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.true_divide(np.array([1, 3]), np.array([2, 4])).numpy()
        array([0.5 , 0.75], dtype=float32)
    """
    x1, x2 = _floats(x1, x2)
    return x1 / x2, lambda g: (lambda: g / x2, lambda: -g * x1 / (x2 * x2))


@primitive
def divide_no_nan(x1, x2):
    """x1 / x2, and 0 wherever x2 is 0 (the gradient there is 0 too).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.divide_no_nan(np.array([1.0, 1.0]), np.array([2.0, 0.0])).numpy()
        array([0.5, 0. ])
    """
    x1, x2 = _floats(x1, x2)
    xp = array_module(x1, x2)
    zero = x2 == 0
    safe = xp.where(zero, 1, x2).astype(x2.dtype)
    out = xp.where(zero, 0, x1 / safe).astype(x1.dtype)
    return out, lambda g: (lambda: xp.where(zero, 0, g / safe),
                           lambda: xp.where(zero, 0, -g * x1 / (safe * safe)))


def _nan_aware_extremum(x1, x2, pick, keep_first):
    x1, x2 = _promote(x1, x2, result_type(x1, x2))
    xp = array_module(x1, x2)
    # Where x2 is NaN (or x1 wins), the result and its gradient come from x1.
    first = keep_first(x1, x2) | (xp.isnan(x2) if x2.dtype.kind == "f" else False)
    return pick(x1, x2), lambda g: (lambda: g * first, lambda: g * ~first)


@primitive
def fmax(x1, x2):
    """Elementwise maximum that ignores NaN (NaN only where both are NaN).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.fmax(np.array([np.nan, 1.0, 4.0]), np.array([2.0, np.nan, 3.0])).numpy()
        array([2., 1., 4.])
    """
    return _nan_aware_extremum(x1, x2, array_module(x1, x2).fmax, lambda a, b: a >= b)


@primitive
def fmin(x1, x2):
    """Elementwise minimum that ignores NaN (NaN only where both are NaN).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.fmin(np.array([np.nan, 1.0, 4.0]), np.array([2.0, np.nan, 3.0])).numpy()
        array([2., 1., 3.])
    """
    return _nan_aware_extremum(x1, x2, array_module(x1, x2).fmin, lambda a, b: a <= b)


@primitive
def heaviside(x1, x2):
    """The step function: 0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0 (not
    differentiable).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.heaviside(np.array([-1.0, 0.0, 2.0]), 0.5).numpy()
        array([0. , 0.5, 1. ])
    """
    dtype = result_type(x1, x2)
    dtype = dtype if dtype == "bool" else float_type(dtype)
    x1, x2 = _promote(x1, x2, dtype)
    return array_module(x1, x2).heaviside(x1, x2).astype(dtype), None


@primitive
def nextafter(x1, x2):
    """The next representable float after x1 towards x2 (not differentiable).

    Example:
        >>> import numpy as np, nnet
        >>> float(nnet.ops.nextafter(np.array(1.0), 2.0)) - 1.0
        2.220446049250313e-16
    """
    x1, x2 = _floats(x1, x2)
    return array_module(x1, x2).nextafter(x1, x2), None


@primitive
def ldexp(x1, x2):
    """x1 * 2 ** x2, for an integer x2.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.ldexp(np.array([1.0, 3.0]), np.array([2, -1])).numpy()
        array([4. , 1.5])
    """
    if as_array(x2).dtype.kind not in "iu":
        raise TypeError(
            f"ldexp takes an integer exponent x2. Received: x2 of dtype {as_array(x2).dtype}. "
            f"Cast x2 to an integer dtype."
        )
    x1 = as_array(x1, float_type(x1))
    xp = array_module(x1, x2)
    scale = xp.ldexp(xp.ones((), x1.dtype), as_array(x2))
    return x1 * scale, lambda g: (g * scale, None)


@primitive
def gcd(x1, x2):
    """The greatest common divisor of integers (not differentiable).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.gcd(np.array([12, 7]), np.array([18, 21])).numpy()
        array([6, 7])
    """
    return array_module(x1, x2).gcd(*_integers("gcd", x1, x2, allow_bool=False)), None


@primitive
def lcm(x1, x2):
    """The least common multiple of integers (not differentiable).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.lcm(np.array([4, 6]), np.array([6, 21])).numpy()
        array([12, 42])
    """
    return array_module(x1, x2).lcm(*_integers("lcm", x1, x2, allow_bool=False)), None


@primitive
def bitwise_and(x, y):
    """Bitwise AND of integer or bool tensors.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.bitwise_and(np.array([12, 5], 'int32'), np.array([10, 3], 'int32')).numpy()
        array([8, 1], dtype=int32)
    """
    return array_module(x, y).bitwise_and(*_integers("bitwise_and", x, y)), None


@primitive
def bitwise_or(x, y):
    """Bitwise OR of integer or bool tensors.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.bitwise_or(np.array([12, 5], 'int32'), np.array([10, 3], 'int32')).numpy()
        array([14,  7], dtype=int32)
    """
    return array_module(x, y).bitwise_or(*_integers("bitwise_or", x, y)), None


@primitive
def bitwise_xor(x, y):
    """Bitwise XOR of integer or bool tensors.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.bitwise_xor(np.array([12, 5], 'int32'), np.array([10, 3], 'int32')).numpy()
        array([6, 6], dtype=int32)
    """
    return array_module(x, y).bitwise_xor(*_integers("bitwise_xor", x, y)), None


@primitive
def bitwise_left_shift(x, y):
    """x shifted left by y bits (integers).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.bitwise_left_shift(np.array([1, 3], "int32"), 2).numpy()
        array([ 4, 12], dtype=int32)
    """
    return array_module(x, y).left_shift(
        *_integers("bitwise_left_shift", x, y, allow_bool=False)), None


@primitive
def bitwise_right_shift(x, y):
    """x shifted right by y bits (integers; arithmetic shift for signed ones).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.bitwise_right_shift(np.array([16, -16], 'int32'), 2).numpy()
        array([ 4, -4], dtype=int32)
    """
    return array_module(x, y).right_shift(
        *_integers("bitwise_right_shift", x, y, allow_bool=False)), None


@graph_op
def left_shift(x, y):
    """x shifted left by y bits (the same as `bitwise_left_shift`).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.left_shift(np.array([1, 3], 'int32'), 1).numpy()
        array([2, 6], dtype=int32)
    """
    return bitwise_left_shift(x, y)


@graph_op
def right_shift(x, y):
    """x shifted right by y bits (the same as `bitwise_right_shift`).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.right_shift(np.array([8, 5], 'int32'), 1).numpy()
        array([4, 2], dtype=int32)
    """
    return bitwise_right_shift(x, y)


@primitive
def bitwise_invert(x):
    """Bitwise NOT of an integer or bool tensor (logical not for bools).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.bitwise_invert(np.array([0, 255], 'uint8')).numpy()
        array([255,   0], dtype=uint8)
    """
    x = as_array(x)
    if x.dtype.kind not in "biu":
        raise TypeError(
            f"bitwise_invert takes an integer or bool tensor. Received: x of dtype {x.dtype}. "
            f"Cast x to an integer dtype first."
        )
    return array_module(x).invert(x), None


@graph_op
def bitwise_not(x):
    """Bitwise NOT of an integer or bool tensor (the same as `bitwise_invert`).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.bitwise_not(np.array([True, False])).numpy()
        array([False,  True])
    """
    return bitwise_invert(x)


@primitive
def logical_xor(x1, x2):
    """Elementwise x1 xor x2, by truth value (not differentiable).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.logical_xor(np.array([True, True]), np.array([True, False])).numpy()
        array([False,  True])
    """
    return array_module(x1, x2).logical_xor(as_array(x1), as_array(x2)), None


def _closeness(x1, x2):
    dtype = result_type(x1, x2)
    # Integers are compared as float64 (exact up to 2^53), so that |x1 - x2| cannot wrap around.
    return _promote(x1, x2, dtype if dtype.startswith("float") else "float64")


@primitive
def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether |x1 - x2| <= atol + rtol * |x2|, elementwise (not differentiable).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.isclose(np.array([1.0, 1.1]), 1.0).numpy()
        array([ True, False])
    """
    x1, x2 = _closeness(x1, x2)
    return array_module(x1, x2).isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan), None


@primitive
def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether `isclose` holds everywhere: a bool scalar tensor (not differentiable).

    Example:
        >>> import numpy as np, nnet
        >>> bool(nnet.ops.allclose(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9])))
        True
    """
    x1, x2 = _closeness(x1, x2)
    xp = array_module(x1, x2)
    return xp.asarray(xp.allclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)), None


@primitive
def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of x1 is in x2 (or is not, with `invert`); not differentiable.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.isin(np.array([1, 2, 3]), np.array([2, 5])).numpy()
        array([False,  True, False])
    """
    return array_module(x1, x2).isin(as_array(x1), as_array(x2), assume_unique=assume_unique,
                                     invert=invert), None

