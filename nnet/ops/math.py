"""Elementwise arithmetic, powers, exponentials and comparisons."""

import math as _math

from nnet.autodiff.engine import primitive
from nnet.autodiff.tensor import Tensor
from nnet.backend import array_module


def _data(x):
    return x.data if isinstance(x, Tensor) else x


@primitive
def add(x1, x2):
    """x1 + x2, with NumPy broadcasting."""
    return x1 + x2, lambda g: (g, g)


@primitive
def subtract(x1, x2):
    """x1 - x2, with NumPy broadcasting."""
    return x1 - x2, lambda g: (g, -g)


@primitive
def multiply(x1, x2):
    """x1 * x2, with NumPy broadcasting."""
    return x1 * x2, lambda g: (lambda: g * x2, lambda: g * x1)


@primitive
def divide(x1, x2):
    """x1 / x2, with NumPy broadcasting."""
    return x1 / x2, lambda g: (lambda: g / x2, lambda: -g * x1 / (x2 * x2))


@primitive
def negative(x):
    """-x."""
    return -x, lambda g: (-g,)


@primitive
def power(x1, x2):
    """x1 ** x2; the gradient in x2 is defined where x1 > 0."""
    out = x1**x2
    xp = array_module(out)
    return out, lambda g: (lambda: g * x2 * x1 ** (x2 - 1), lambda: g * out * xp.log(x1))


@primitive
def exp(x):
    """e ** x."""
    y = array_module(x).exp(x)
    return y, lambda g: (g * y,)


@primitive
def log(x):
    """Natural logarithm."""
    return array_module(x).log(x), lambda g: (g / x,)


@primitive
def log1p(x):
    """log(1 + x), accurate for small x."""
    return array_module(x).log1p(x), lambda g: (g / (1 + x),)


@primitive
def sqrt(x):
    """Square root."""
    y = array_module(x).sqrt(x)
    return y, lambda g: (g * 0.5 / y,)


@primitive
def square(x):
    """x * x."""
    return x * x, lambda g: (g * 2 * x,)


@primitive
def abs(x):
    """|x|; the gradient at 0 is 0."""
    xp = array_module(x)
    return xp.abs(x), lambda g: (g * xp.sign(x),)


@primitive
def maximum(x1, x2):
    """Elementwise max; ties send the gradient to x1."""
    xp = array_module(x1, x2)
    take_x = x1 >= x2
    return xp.maximum(x1, x2), lambda g: (lambda: g * take_x, lambda: g * ~take_x)


@primitive
def minimum(x1, x2):
    """Elementwise min; ties send the gradient to x1."""
    xp = array_module(x1, x2)
    take_x = x1 <= x2
    return xp.minimum(x1, x2), lambda g: (lambda: g * take_x, lambda: g * ~take_x)


@primitive
def clip(x, x_min, x_max):
    """Clip x to [x_min, x_max]; the gradient passes only where x was inside."""
    inside = (x >= x_min) & (x <= x_max)
    return array_module(x).clip(x, x_min, x_max), lambda g: (g * inside, None, None)


@primitive
def where(condition, x1=None, x2=None):
    """Pick x1 where `condition` holds and x2 elsewhere; with neither, the indices where
    `condition` holds, one int array per axis (NumPy's nonzero; not differentiable).

    Args:
        condition: booleans (or values tested for truth).
        x1, x2: the values to pick from, broadcast together with `condition`.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.where(np.array([True, False]), 1.0, -1.0).numpy()
        array([ 1., -1.])
        >>> [i.numpy().tolist() for i in nnet.ops.where(np.array([0, 3, 5]))]
        [[1, 2]]
    """
    if x1 is None and x2 is None:
        return array_module(condition).nonzero(condition), None
    if x1 is None or x2 is None:
        raise ValueError(
            "`x1` and `x2` either both should be `None` or both should have non-None value. "
            f"Received: x1={x1!r}, x2={x2!r}"
        )
    condition = array_module(condition).asarray(condition, dtype=bool)
    out = array_module(x1, x2).where(condition, x1, x2)
    return out, lambda g: (None, g * condition, g * ~condition)


@primitive
def cast(x, dtype):
    """Convert x to `dtype`; the gradient is converted back."""
    return x.astype(dtype), lambda g: (g.astype(x.dtype), None)


@primitive
def rsqrt(x):
    """1 / sqrt(x)."""
    y = 1 / array_module(x).sqrt(x)
    return y, lambda g: (g * -0.5 * y * y * y,)


@primitive
def sin(x):
    """Sine."""
    xp = array_module(x)
    return xp.sin(x), lambda g: (g * xp.cos(x),)


@primitive
def cos(x):
    """Cosine."""
    xp = array_module(x)
    return xp.cos(x), lambda g: (-g * xp.sin(x),)


def _erf(x, complement=False):
    """The error function (or, with `complement`, erfc = 1 - erf), to float64 precision, with
    NumPy only; erfc is computed directly in the tails, where 1 - erf would lose its digits."""
    xp = array_module(x)
    a = xp.abs(x).astype("float64")
    out = xp.empty_like(a)
    small = a < 2.5
    # Taylor series near 0: sum (-1)^n x^(2n+1) / (n! (2n+1)).
    s = a[small]
    term, total, s2 = s.copy(), s.copy(), s * s
    for n in range(1, 60):
        term = term * -s2 / n
        total = total + term / (2 * n + 1)
    out[small] = total * (2 / _math.sqrt(_math.pi))
    # Continued fraction for erfc in the tails, evaluated from the innermost term out.
    t = a[~small]
    frac = xp.zeros_like(t)
    for k in range(60, 0, -1):
        frac = (k / 2) / (t + frac)
    tail = xp.exp(-t * t) / (_math.sqrt(_math.pi) * (t + frac))
    if not complement:
        out[~small] = 1 - tail
        return (xp.sign(x) * out).astype(x.dtype)
    # erfc(|x|) here; erfc(-|x|) = 2 - erfc(|x|).
    out[small] = 1 - out[small]
    out[~small] = tail
    return xp.where(x < 0, 2 - out, out).astype(x.dtype)


@primitive
def erf(x):
    """The Gauss error function, 2/sqrt(pi) * integral of exp(-t^2) from 0 to x."""
    xp = array_module(x)
    return _erf(x), lambda g: (g * (2 / _math.sqrt(_math.pi)) * xp.exp(-x * x),)


@primitive
def stop_gradient(variable):
    """`variable`, treated as a constant: no gradient flows back through it."""
    return variable, None


def _no_grad(name, *arrays, **kwargs):
    # NumPy's (or CuPy's) function `name`; the op has no gradient.
    return getattr(array_module(*arrays), name)(*arrays, **kwargs), None


@primitive
def equal(x1, x2):
    """Elementwise x1 == x2 (not differentiable)."""
    return _no_grad("equal", x1, x2)


@primitive
def not_equal(x1, x2):
    """Elementwise x1 != x2 (not differentiable)."""
    return _no_grad("not_equal", x1, x2)


@primitive
def less(x1, x2):
    """Elementwise x1 < x2 (not differentiable)."""
    return _no_grad("less", x1, x2)


@primitive
def less_equal(x1, x2):
    """Elementwise x1 <= x2 (not differentiable)."""
    return _no_grad("less_equal", x1, x2)


@primitive
def greater(x1, x2):
    """Elementwise x1 > x2 (not differentiable)."""
    return _no_grad("greater", x1, x2)


@primitive
def greater_equal(x1, x2):
    """Elementwise x1 >= x2 (not differentiable)."""
    return _no_grad("greater_equal", x1, x2)


@primitive
def logical_and(x1, x2):
    """Elementwise x1 and x2 (not differentiable)."""
    return _no_grad("logical_and", x1, x2)


@primitive
def logical_or(x1, x2):
    """Elementwise x1 or x2 (not differentiable)."""
    return _no_grad("logical_or", x1, x2)


@primitive
def logical_not(x):
    """Elementwise not x (not differentiable)."""
    return _no_grad("logical_not", x)


@primitive
def sign(x):
    """-1, 0 or 1 by the sign of x (not differentiable)."""
    return _no_grad("sign", x)


@primitive
def floor(x):
    """The largest integer at most x (not differentiable)."""
    return _no_grad("floor", x)


@primitive
def ceil(x):
    """The smallest integer at least x (not differentiable)."""
    return _no_grad("ceil", x)


@primitive
def round(x, decimals=0):
    """x rounded half to even, to `decimals` decimals (not differentiable)."""
    return _no_grad("round", x, decimals=decimals)


@primitive
def isnan(x):
    """Whether x is NaN (not differentiable)."""
    return _no_grad("isnan", x)


@primitive
def isfinite(x):
    """Whether x is finite (not differentiable)."""
    return _no_grad("isfinite", x)


def _axis(axis):
    # Keras takes a list of axes where NumPy wants a tuple.
    return tuple(axis) if isinstance(axis, list) else axis


@primitive
def any(x, axis=None, keepdims=False):
    """Whether any element over `axis` is true (not differentiable)."""
    return _no_grad("any", x, axis=_axis(axis), keepdims=keepdims)


@primitive
def all(x, axis=None, keepdims=False):
    """Whether every element over `axis` is true (not differentiable)."""
    return _no_grad("all", x, axis=_axis(axis), keepdims=keepdims)


@primitive
def zeros_like(x, dtype=None):
    """Zeros of x's shape, in `dtype` (x's by default)."""
    return _no_grad("zeros_like", x, dtype=dtype)


@primitive
def ones_like(x, dtype=None):
    """Ones of x's shape, in `dtype` (x's by default)."""
    return _no_grad("ones_like", x, dtype=dtype)


@primitive
def full_like(x, fill_value, dtype=None):
    """`fill_value` in x's shape, in `dtype` (x's by default)."""
    return _no_grad("full_like", x, fill_value, dtype=dtype)
