"""Activation functions, each a primitive whose vjp reuses its output where it can."""

import math as _math

from nnet.autodiff.engine import primitive
from nnet.autodiff.symbolic import graph_op
from nnet.backend import array_module
from nnet.ops.math import _erf, clip, exp, maximum, minimum, multiply
from nnet.ops.shape import getitem

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@primitive
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with Keras's options.

    ``x * (x > threshold)``, clipped to ``[0, max_value]`` when `max_value` is set, minus
    ``negative_slope * relu(threshold - x)``.
    """
    xp = array_module(x)
    if negative_slope == 0 and max_value is None and threshold == 0:
        y = xp.maximum(x, 0)
        return y, lambda g: (g * (y > 0),)
    passes = x > threshold
    y = x * passes
    if max_value is not None:
        y = xp.clip(y, 0, max_value)
        passes = passes & (x > 0) & (x < max_value)
    slope = passes.astype(x.dtype)
    if negative_slope != 0:
        # A Python float times a bool array would be float64: scale the float mask instead.
        below = (x < threshold).astype(x.dtype)
        y = y + negative_slope * (x - threshold) * below
        slope = slope + negative_slope * below
    return y.astype(x.dtype), lambda g: (g * slope,)


@graph_op
def relu6(x):
    """min(max(x, 0), 6)."""
    return relu(x, max_value=6.0)


@graph_op
def leaky_relu(x, negative_slope=0.2):
    """x where x >= 0, negative_slope * x elsewhere."""
    return relu(x, negative_slope=negative_slope)


@primitive
def _sigmoid(x):
    y = _sigmoid_array(x)
    return y, lambda g: (g * y * (1 - y),)


def _sigmoid_array(x):
    xp = array_module(x)
    # exp(-|x|) never overflows; the two branches give 1/(1+e^-x) for either sign.
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


@graph_op
def sigmoid(x):
    """1 / (1 + exp(-x)). The output remembers `x` so that a cross-entropy on it uses the logits."""
    y = _sigmoid(x)
    y._logits = ("sigmoid", x)
    return y


@primitive
def tanh(x):
    """Hyperbolic tangent."""
    y = array_module(x).tanh(x)
    return y, lambda g: (g * (1 - y * y),)


@primitive
def _softmax(x, axis=-1):
    xp = array_module(x)
    # Subtracting the max keeps exp() from overflowing.
    e = xp.exp(x - x.max(axis=axis, keepdims=True))
    y = e / e.sum(axis=axis, keepdims=True)
    return y, lambda g: (y * (g - (g * y).sum(axis=axis, keepdims=True)),)


@graph_op
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`. The output remembers its logits, as `sigmoid` does."""
    y = _softmax(x, axis=axis)
    if axis in (-1, y.ndim - 1):
        y._logits = ("softmax", x)
    return y


@primitive
def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis`."""
    xp = array_module(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    y = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
    return y, lambda g: (g - xp.exp(y) * g.sum(axis=axis, keepdims=True),)


def linear(x):
    """The identity: Keras's ``"linear"`` activation (also what ``activation=None`` means)."""
    return x


@primitive
def elu(x, alpha=1.0):
    """x where x > 0, alpha * (exp(x) - 1) elsewhere."""
    xp = array_module(x)
    neg = alpha * xp.expm1(xp.minimum(x, 0))
    y = xp.where(x > 0, x, neg)
    return y, lambda g: (g * xp.where(x > 0, 1.0, neg + alpha).astype(x.dtype),)


@graph_op
def selu(x):
    """Scaled ELU with the self-normalizing constants of Klambauer et al. (2017)."""
    return multiply(elu(x, alpha=_SELU_ALPHA), _SELU_SCALE)


@primitive
def gelu(x, approximate=True):
    """Gaussian error linear unit: x * Phi(x), or its tanh approximation when `approximate`."""
    xp = array_module(x)
    if approximate:
        c = _math.sqrt(2 / _math.pi)
        inner = c * (x + 0.044715 * x**3)
        t = xp.tanh(inner)
        y = 0.5 * x * (1 + t)
        return y, lambda g: (
            g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)),
        )
    cdf = 0.5 * (1 + _erf(x / _math.sqrt(2)))
    pdf = xp.exp(-0.5 * x * x) / _math.sqrt(2 * _math.pi)
    return x * cdf, lambda g: (g * (cdf + x * pdf),)


@primitive
def silu(x):
    """x * sigmoid(x), also known as swish."""
    s = _sigmoid_array(x)
    return x * s, lambda g: (g * s * (1 + x * (1 - s)),)


swish = silu


@primitive
def softplus(x):
    """log(1 + exp(x)), computed without overflow."""
    xp = array_module(x)
    y = xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))
    return y, lambda g: (g * _sigmoid_array(x),)


@primitive
def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), computed without overflow."""
    xp = array_module(x)
    y = xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))
    return y, lambda g: (g * _sigmoid_array(-x),)


@primitive
def softsign(x):
    """x / (1 + |x|)."""
    d = 1 + array_module(x).abs(x)
    return x / d, lambda g: (g / (d * d),)


@primitive
def exponential(x):
    """exp(x), as an activation."""
    y = array_module(x).exp(x)
    return y, lambda g: (g * y,)


@primitive
def hard_sigmoid(x):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""
    xp = array_module(x)
    y = xp.clip(x / 6 + 0.5, 0, 1)
    return y, lambda g: (g * ((x > -3) & (x < 3)) / 6,)


@primitive
def hard_silu(x):
    """x * hard_sigmoid(x), also known as hard_swish."""
    xp = array_module(x)
    h = xp.clip(x / 6 + 0.5, 0, 1)
    inside = (x > -3) & (x < 3)
    return x * h, lambda g: (g * (h + x * inside / 6),)


hard_swish = hard_silu


@primitive
def mish(x):
    """x * tanh(softplus(x))."""
    xp = array_module(x)
    t = xp.tanh(xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x))))
    return x * t, lambda g: (g * (t + x * (1 - t * t) * _sigmoid_array(x)),)


@graph_op
def celu(x, alpha=1.0):
    """max(x, 0) + alpha * expm1(min(x, 0) / alpha)."""
    return maximum(x, 0.0) + alpha * (exp(minimum(x, 0.0) / alpha) - 1.0)


@graph_op
def glu(x, axis=-1):
    """Gated linear unit: the first half of x along `axis` times the sigmoid of the second."""
    size = x.shape[axis]
    if size % 2:
        raise ValueError(
            f"glu splits axis {axis} in two halves, so its size must be even. Received: "
            f"x.shape={tuple(x.shape)} with axis={axis}"
        )
    head = [slice(None)] * len(x.shape)
    tail = list(head)
    head[axis], tail[axis] = slice(0, size // 2), slice(size // 2, None)
    return getitem(x, tuple(head)) * sigmoid(getitem(x, tuple(tail)))


@graph_op
def hard_tanh(x):
    """x clipped to [-1, 1]."""
    return clip(x, -1.0, 1.0)


@primitive
def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, 0 elsewhere."""
    keep = (array_module(x).abs(x) > threshold).astype(x.dtype)
    return x * keep, lambda g: (g * keep,)


@primitive
def soft_shrink(x, threshold=0.5):
    """x - threshold above it, x + threshold below -threshold, 0 between."""
    xp = array_module(x)
    keep = (xp.abs(x) > threshold).astype(x.dtype)
    return (x - xp.sign(x) * threshold) * keep, lambda g: (g * keep,)


@primitive
def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1."""
    xp = array_module(x)
    inside = (x > -1) & (x < 1)
    y = xp.where(x >= 1, x, xp.where(inside, 0.25 * (x + 1) ** 2, 0)).astype(x.dtype)
    slope = xp.where(x >= 1, 1, xp.where(inside, 0.5 * (x + 1), 0)).astype(x.dtype)
    return y, lambda g: (g * slope,)


@graph_op
def sparse_sigmoid(x):
    """0 for x <= -1, (x + 1) / 2 for -1 < x < 1, 1 for x >= 1."""
    return clip(multiply(x, 0.5) + 0.5, 0.0, 1.0)


@primitive
def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2, a smooth relu."""
    xp = array_module(x)
    root = xp.sqrt(x * x + b)
    # For x < 0 the sum cancels; b / (root - x) is the same value without the cancellation.
    y = xp.where(x >= 0, x + root, b / (root - x)) / 2
    return y.astype(x.dtype), lambda g: (g * 0.5 * (1 + x / root),)


@primitive
def tanh_shrink(x):
    """x - tanh(x)."""
    t = array_module(x).tanh(x)
    return x - t, lambda g: (g * t * t,)


@primitive
def threshold(x, threshold, default_value):
    """x where x > threshold, `default_value` elsewhere."""
    above = x > threshold
    y = array_module(x).where(above, x, default_value).astype(x.dtype)
    return y, lambda g: (g * above, None, None)


@primitive
def sparsemax(x, axis=-1):
    """Sparsemax (Martins & Astudillo, 2016): the Euclidean projection of x onto the simplex.

    ``max(x - tau, 0)`` with tau chosen so that the output sums to 1 along `axis`; unlike
    softmax, small entries become exactly 0.
    """
    xp = array_module(x)
    ordered = -xp.sort(-x, axis=axis)
    cumulative = xp.cumsum(ordered, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    ranks = xp.arange(1, x.shape[axis] + 1, dtype=x.dtype).reshape(shape)
    support_size = (ranks * ordered > cumulative - 1).sum(axis=axis, keepdims=True)
    total = xp.take_along_axis(cumulative, support_size - 1, axis=axis)
    y = xp.maximum(x - (total - 1) / support_size.astype(x.dtype), 0)
    support = (y > 0).astype(x.dtype)

    def vjp(g):
        # On the support the Jacobian is I - 1 1^T / |S|; off it, zero.
        mean = (g * support).sum(axis=axis, keepdims=True) / support.sum(axis=axis, keepdims=True)
        return (support * (g - mean),)

    return y, vjp
