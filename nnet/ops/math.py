"""Elementwise arithmetic, powers, exponentials and comparisons."""

import math as _math

from nnet.autodiff.engine import primitive
from nnet.autodiff.tensor import Tensor
from nnet.backend import array_module


def _data(x):
    return x.data if isinstance(x, Tensor) else x


@primitive
def add(x, y):
    """x + y, with NumPy broadcasting."""
    return x + y, lambda g: (g, g)


@primitive
def subtract(x, y):
    """x - y, with NumPy broadcasting."""
    return x - y, lambda g: (g, -g)


@primitive
def multiply(x, y):
    """x * y, with NumPy broadcasting."""
    return x * y, lambda g: (lambda: g * y, lambda: g * x)


@primitive
def divide(x, y):
    """x / y, with NumPy broadcasting."""
    return x / y, lambda g: (lambda: g / y, lambda: -g * x / (y * y))


@primitive
def negative(x):
    """-x."""
    return -x, lambda g: (-g,)


@primitive
def power(x, y):
    """x ** y; the gradient in y is defined where x > 0."""
    out = x**y
    xp = array_module(out)
    return out, lambda g: (lambda: g * y * x ** (y - 1), lambda: g * out * xp.log(x))


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
def maximum(x, y):
    """Elementwise max; ties send the gradient to x."""
    xp = array_module(x, y)
    take_x = x >= y
    return xp.maximum(x, y), lambda g: (lambda: g * take_x, lambda: g * ~take_x)


@primitive
def minimum(x, y):
    """Elementwise min; ties send the gradient to x."""
    xp = array_module(x, y)
    take_x = x <= y
    return xp.minimum(x, y), lambda g: (lambda: g * take_x, lambda: g * ~take_x)


@primitive
def clip(x, x_min, x_max):
    """Clip x to [x_min, x_max]; the gradient passes only where x was inside."""
    inside = (x >= x_min) & (x <= x_max)
    return array_module(x).clip(x, x_min, x_max), lambda g: (g * inside, None, None)


@primitive
def where(condition, x, y):
    """Pick x where `condition` holds and y elsewhere."""
    condition = array_module(condition).asarray(condition, dtype=bool)
    out = array_module(x, y).where(condition, x, y)
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


def _erf(x):
    """The error function, to float64 precision, with NumPy only."""
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
    out[~small] = 1 - xp.exp(-t * t) / (_math.sqrt(_math.pi) * (t + frac))
    return (xp.sign(x) * out).astype(x.dtype)


@primitive
def erf(x):
    """The Gauss error function, 2/sqrt(pi) * integral of exp(-t^2) from 0 to x."""
    xp = array_module(x)
    return _erf(x), lambda g: (g * (2 / _math.sqrt(_math.pi)) * xp.exp(-x * x),)


@primitive
def stop_gradient(x):
    """x, treated as a constant: no gradient flows back through it."""
    return x, None


def _no_grad_op(name):
    def op(*arrays, **kwargs):
        return getattr(array_module(*arrays), name)(*arrays, **kwargs), None

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name} on Tensors or arrays (not differentiable)."
    return primitive(op)


equal = _no_grad_op("equal")
not_equal = _no_grad_op("not_equal")
less = _no_grad_op("less")
less_equal = _no_grad_op("less_equal")
greater = _no_grad_op("greater")
greater_equal = _no_grad_op("greater_equal")
logical_and = _no_grad_op("logical_and")
logical_or = _no_grad_op("logical_or")
logical_not = _no_grad_op("logical_not")
sign = _no_grad_op("sign")
floor = _no_grad_op("floor")
ceil = _no_grad_op("ceil")
round = _no_grad_op("round")
isnan = _no_grad_op("isnan")
isfinite = _no_grad_op("isfinite")
any = _no_grad_op("any")
all = _no_grad_op("all")
zeros_like = _no_grad_op("zeros_like")
ones_like = _no_grad_op("ones_like")
full_like = _no_grad_op("full_like")
