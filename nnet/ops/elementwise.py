"""Elementwise functions of one tensor: trigonometric and hyperbolic functions, exponentials and
logarithms in other bases, and predicates on floats.

The float functions follow Keras's dtypes: a float input keeps its dtype, a bool or integer input
gives `floatx()`.
"""

import math as _math

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module
from nnet.ops.dtypes import as_array, float_type
from nnet.ops.math import abs


def _float(x):
    """x as an array of its float result dtype."""
    return as_array(x, float_type(x))


@primitive
def tan(x):
    """Tangent; the gradient is 1 + tan(x)^2.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.tan(np.array([0.0])).numpy()
        array([0.])
    """
    x = _float(x)
    y = array_module(x).tan(x)
    return y, lambda g: (g * (1 + y * y),)


@primitive
def sinh(x):
    """Hyperbolic sine.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.sinh(np.array([0.0])).numpy()
        array([0.])
    """
    x = _float(x)
    xp = array_module(x)
    return xp.sinh(x), lambda g: (g * xp.cosh(x),)


@primitive
def cosh(x):
    """Hyperbolic cosine.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.cosh(np.array([0.0])).numpy()
        array([1.])
    """
    x = _float(x)
    xp = array_module(x)
    return xp.cosh(x), lambda g: (g * xp.sinh(x),)


@primitive
def arcsin(x):
    """Inverse sine, in [-pi/2, pi/2].

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.arcsin(np.array([0.0, 1.0])).numpy().round(6)
        array([0.      , 1.570796])
    """
    x = _float(x)
    xp = array_module(x)
    return xp.arcsin(x), lambda g: (g / xp.sqrt(1 - x * x),)


@primitive
def arccos(x):
    """Inverse cosine, in [0, pi].

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.arccos(np.array([1.0, 0.0])).numpy().round(6)
        array([0.      , 1.570796])
    """
    x = _float(x)
    xp = array_module(x)
    return xp.arccos(x), lambda g: (-g / xp.sqrt(1 - x * x),)


@primitive
def arctan(x):
    """Inverse tangent, in (-pi/2, pi/2).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.arctan(np.array([0.0, 1.0])).numpy().round(6)
        array([0.      , 0.785398])
    """
    x = _float(x)
    return array_module(x).arctan(x), lambda g: (g / (1 + x * x),)


@primitive
def arcsinh(x):
    """Inverse hyperbolic sine.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.arcsinh(np.array([0.0])).numpy()
        array([0.])
    """
    x = _float(x)
    xp = array_module(x)
    return xp.arcsinh(x), lambda g: (g / xp.sqrt(x * x + 1),)


@primitive
def arccosh(x):
    """Inverse hyperbolic cosine (defined for x >= 1).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.arccosh(np.array([1.0])).numpy()
        array([0.])
    """
    x = _float(x)
    xp = array_module(x)
    return xp.arccosh(x), lambda g: (g / xp.sqrt(x * x - 1),)


@primitive
def arctanh(x):
    """Inverse hyperbolic tangent (defined for -1 < x < 1).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.arctanh(np.array([0.0])).numpy()
        array([0.])
    """
    x = _float(x)
    return array_module(x).arctanh(x), lambda g: (g / (1 - x * x),)


@primitive
def expm1(x):
    """exp(x) - 1, accurate for small x.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.expm1(np.array([0.0])).numpy()
        array([0.])
    """
    x = _float(x)
    y = array_module(x).expm1(x)
    return y, lambda g: (g * (y + 1),)


@primitive
def exp2(x):
    """2 ** x.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.exp2(np.array([3.0, -1.0])).numpy()
        array([8. , 0.5])
    """
    x = _float(x)
    y = array_module(x).exp2(x)
    return y, lambda g: (g * y * _math.log(2),)


@primitive
def log2(x):
    """Base-2 logarithm.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.log2(np.array([8.0])).numpy()
        array([3.])
    """
    x = _float(x)
    return array_module(x).log2(x), lambda g: (g / (x * _math.log(2)),)


@primitive
def log10(x):
    """Base-10 logarithm.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.log10(np.array([100.0])).numpy()
        array([2.])
    """
    x = _float(x)
    return array_module(x).log10(x), lambda g: (g / (x * _math.log(10)),)


@primitive
def cbrt(x):
    """The real cube root (negative for negative x).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.cbrt(np.array([-8.0, 27.0])).numpy()
        array([-2.,  3.])
    """
    x = _float(x)
    y = array_module(x).cbrt(x)
    return y, lambda g: (g / (3 * y * y),)


@primitive
def reciprocal(x):
    """1 / x.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.reciprocal(np.array([2, 4])).numpy()
        array([0.5 , 0.25], dtype=float32)
    """
    x = _float(x)
    y = 1 / x
    return y, lambda g: (-g * y * y,)


@primitive
def sinc(x):
    """The normalized sinc, sin(pi x) / (pi x), 1 at x = 0.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.sinc(np.array([0.0, 1.0, 0.5])).numpy().round(6)
        array([1.     , 0.     , 0.63662])
    """
    x = _float(x)
    xp = array_module(x)
    t = _math.pi * x
    zero = t == 0
    safe = xp.where(zero, 1, t)
    y = xp.where(zero, 1, xp.sin(safe) / safe).astype(x.dtype)
    # d/dx sin(t)/t = pi (cos(t) - sinc) / t, which goes to 0 at t = 0.
    return y, lambda g: (g * xp.where(zero, 0, _math.pi * (xp.cos(safe) - y) / safe),)


@primitive
def deg2rad(x):
    """Degrees to radians: x * pi / 180.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.deg2rad(np.array([180.0])).numpy().round(6)
        array([3.141593])
    """
    x = _float(x)
    return x * (_math.pi / 180), lambda g: (g * (_math.pi / 180),)


@primitive
def rad2deg(x):
    """Radians to degrees: x * 180 / pi.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.rad2deg(np.array([np.pi])).numpy().round(6)
        array([180.])
    """
    x = _float(x)
    return x * (180 / _math.pi), lambda g: (g * (180 / _math.pi),)


@graph_op
def absolute(x):
    """|x|, in x's dtype (the same as `abs`).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.absolute(np.array([-2, 3])).numpy()
        array([2, 3])
    """
    return abs(x)


@primitive
def fabs(x):
    """|x| as a float (an integer x gives `floatx()`); the gradient at 0 is 0.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.fabs(np.array([-2, 3])).numpy()
        array([2., 3.], dtype=float32)
    """
    x = _float(x)
    xp = array_module(x)
    return xp.abs(x), lambda g: (g * xp.sign(x),)


@primitive
def trunc(x):
    """x rounded towards zero, in x's dtype (not differentiable).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.trunc(np.array([-1.7, 1.7])).numpy()
        array([-1.,  1.])
    """
    return array_module(x).trunc(as_array(x)).astype(as_array(x).dtype), None


@primitive
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """x with NaN replaced by `nan`, +inf by `posinf` and -inf by `neginf` (the dtype's largest
    and lowest finite values by default); the gradient passes where x was finite.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.nan_to_num(np.array([np.nan, 1.0, np.inf]), posinf=9.0).numpy()
        array([0., 1., 9.])
    """
    x = as_array(x)
    xp = array_module(x)
    finite = xp.isfinite(x)
    out = xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)
    return out, lambda g: (g * finite,)


@primitive
def signbit(x):
    """Whether the sign bit of x is set (true for -0.0; not differentiable).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.signbit(np.array([-0.0, 0.0, -1.0])).numpy()
        array([ True, False,  True])
    """
    return array_module(x).signbit(as_array(x)), None


@primitive
def isinf(x):
    """Whether x is +inf or -inf (not differentiable).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.isinf(np.array([np.inf, -np.inf, 1.0])).numpy()
        array([ True,  True, False])
    """
    return array_module(x).isinf(as_array(x)), None


@primitive
def isposinf(x):
    """Whether x is +inf (not differentiable).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.isposinf(np.array([np.inf, -np.inf, 1.0])).numpy()
        array([ True, False, False])
    """
    return array_module(x).isposinf(as_array(x)), None


@primitive
def isneginf(x):
    """Whether x is -inf (not differentiable).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.isneginf(np.array([np.inf, -np.inf, 1.0])).numpy()
        array([False,  True, False])
    """
    return array_module(x).isneginf(as_array(x)), None


@primitive
def isreal(x):
    """Whether each element of x has no imaginary part (not differentiable).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.isreal(np.array([1.0, 2.0])).numpy()
        array([ True,  True])
    """
    return array_module(x).isreal(as_array(x)), None


@primitive
def real(x):
    """The real part of x (x itself for a real tensor).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.real(np.array([1.0, 2.0])).numpy()
        array([1., 2.])
    """
    x = as_array(x)
    return array_module(x).real(x).copy(), lambda g: (g,)


@primitive
def imag(x):
    """The imaginary part of x (zeros for a real tensor; not differentiable).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.imag(np.array([1.0, 2.0])).numpy()
        array([0., 0.])
    """
    return array_module(x).imag(as_array(x)).copy(), None


@primitive
def conj(x):
    """The complex conjugate of x (x itself for a real tensor).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.conj(np.array([1.0, -2.0])).numpy()
        array([ 1., -2.])
    """
    x = as_array(x)
    # NumPy's conj turns bools into int8; a real tensor is its own conjugate.
    return (array_module(x).conj(x) if x.dtype.kind == "c" else x.copy()), lambda g: (g,)


@graph_op
def conjugate(x):
    """The complex conjugate of x (the same as `conj`).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.conjugate(np.array([1 + 2j])).numpy()
        array([1.-2.j])
    """
    return conj(x)


@primitive
def angle(x):
    """The argument of each element of x, in radians: pi for negative reals, 0 otherwise
    (not differentiable).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.angle(np.array([-1.0, 2.0])).numpy().round(6)
        array([3.141593, 0.      ])
    """
    x = as_array(x)
    out = array_module(x).angle(x)
    return (out if x.dtype.kind == "c" else out.astype(float_type(x))), None


@primitive
def copy(x):
    """A copy of x.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.copy(np.array([1.0, 2.0])).numpy()
        array([1., 2.])
    """
    return as_array(x).copy(), lambda g: (g,)
