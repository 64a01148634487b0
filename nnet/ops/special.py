"""Special functions with NumPy only: erfc, erfinv and the modified Bessel function i0.

Each is computed in float64 and returned in Keras's float dtype of its input.
"""

import math as _math

from nnet.autodiff.engine import primitive
from nnet.backend import array_module
from nnet.ops.dtypes import as_array, float_type
from nnet.ops.math import _erf

_TWO_OVER_SQRT_PI = 2 / _math.sqrt(_math.pi)


@primitive
def erfc(x):
    """The complementary error function, 1 - erf(x), accurate where erf(x) is near 1.

    Example:
        >>> import numpy as np, nnet
        >>> float(nnet.ops.erfc(np.array(0.0)))
        1.0
    """
    x = as_array(x, float_type(x))
    xp = array_module(x)
    return _erf(x, complement=True), lambda g: (-g * _TWO_OVER_SQRT_PI * xp.exp(-x * x),)


# Giles (2012), "Approximating the erfinv function": a starting point good to float32 precision.
_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
            -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
         -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def _polynomial(coefficients, w):
    p = coefficients[0]
    for c in coefficients[1:]:
        p = c + p * w
    return p


def _erfinv(x):
    """erfinv of float64 `x`: Giles's approximation, then Newton steps on erf (erfc for |x| > 0.5,
    so that the residual keeps its digits near 1)."""
    xp = array_module(x)
    a = xp.abs(x)
    inside = a < 1
    a_in = xp.where(inside, a, 0.0)
    w = -xp.log((1 - a_in) * (1 + a_in))
    central = w < 5
    y = a_in * xp.where(central, _polynomial(_CENTRAL, w - 2.5),
                        _polynomial(_TAIL, xp.sqrt(xp.where(central, 5.0, w)) - 3))
    near_one = a_in > 0.5
    for _ in range(3):
        residual = xp.where(near_one, (1 - a_in) - _erf(y, complement=True), _erf(y) - a_in)
        y = y - residual / (_TWO_OVER_SQRT_PI * xp.exp(-y * y))
    y = xp.where(inside, y, xp.where(a == 1, xp.inf, xp.nan))
    return xp.sign(x) * y


@primitive
def erfinv(x):
    """The inverse error function: the y with erf(y) = x, for -1 <= x <= 1 (+-inf at +-1).

    Example:
        >>> import numpy as np, nnet
        >>> round(float(nnet.ops.erf(nnet.ops.erfinv(np.array(0.3)))), 12)
        0.3
    """
    x = as_array(x, float_type(x))
    xp = array_module(x)
    y = _erfinv(x.astype("float64")).astype(x.dtype)
    return y, lambda g: (g * (xp.exp(y * y) / _TWO_OVER_SQRT_PI),)


def _bessel_i(x, order):
    """The modified Bessel function of the first kind I_order(x), order 0 or 1, for float64 x:
    the power series up to |x| = 30, the asymptotic expansion beyond."""
    xp = array_module(x)
    a = xp.abs(x)
    small = a <= 30
    s = xp.where(small, a, 0.0) / 2
    # sum_k (x/2)^(2k + order) / (k! (k + order)!)
    term = s**order / _math.factorial(order)
    total = term
    for k in range(1, 90):
        term = term * s * s / (k * (k + order))
        total = total + term
    t = xp.where(small, 1.0, a)
    # e^x / sqrt(2 pi x) * sum_k (-1)^k prod_{j<=k} (4 order^2 - (2j - 1)^2) / (j 8 x)
    term = xp.ones_like(t)
    series = term
    for j in range(1, 25):
        term = term * -(4 * order * order - (2 * j - 1) ** 2) / (j * 8 * t)
        series = series + term
    large = xp.exp(t) / xp.sqrt(2 * _math.pi * t) * series
    out = xp.where(small, total, large)
    return out if order == 0 else xp.sign(x) * out


@primitive
def i0(x):
    """The modified Bessel function of the first kind of order 0; its gradient is I1(x).

    Example:
        >>> import numpy as np, nnet
        >>> round(float(nnet.ops.i0(np.array(1.0))), 6)
        1.266066
    """
    x = as_array(x, float_type(x))
    wide = x.astype("float64")
    return _bessel_i(wide, 0).astype(x.dtype), lambda g: (
        g * _bessel_i(wide, 1).astype(g.dtype),)
