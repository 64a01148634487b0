"""Fused primitives for the hot path: one graph node where the composed form would take several."""

from nnet.autodiff.engine import primitive
from nnet.backend import array_module

# Activations the dense kernel applies in place, with their derivative written from the output.
_DENSE_ACTIVATIONS = {
    None: (None, None),
    "relu": (lambda xp, z: xp.maximum(z, 0, out=z), lambda y: y > 0),
    "tanh": (lambda xp, z: xp.tanh(z, out=z), lambda y: 1 - y * y),
}


@primitive
def dense(x, kernel, bias=None, activation=None):
    """activation(x @ kernel + bias) as one node; `activation` is None, "relu" or "tanh".

    x may have leading batch dimensions: (..., in) @ (in, out) -> (..., out).

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.dense(np.ones((2, 3)), np.ones((3, 4)), np.zeros(4), "relu").shape
        (2, 4)
    """
    xp = array_module(x)
    apply, derivative = _DENSE_ACTIVATIONS[activation]
    x2 = x.reshape(-1, x.shape[-1])
    y = x2 @ kernel
    if bias is not None:
        y += bias
    if apply is not None:
        apply(xp, y)

    def vjp(g):
        g = g.reshape(y.shape)
        if derivative is not None:
            g = g * derivative(y)
        gb = None if bias is None else g.sum(axis=0)
        return (lambda: (g @ kernel.T).reshape(x.shape)), (lambda: x2.T @ g), gb, None

    return y.reshape(x.shape[:-1] + (kernel.shape[-1],)), vjp


@primitive
def softmax_cross_entropy(logits, labels, axis=-1):
    """Per-sample -sum(labels * log_softmax(logits)) along `axis`.

    `labels` are either probabilities of the logits' shape, or integer class indices with the
    class axis removed (sparse labels).
    """
    xp = array_module(logits)
    # Subtracting the max keeps exp() from overflowing.
    shifted = logits - logits.max(axis=axis, keepdims=True)
    e = xp.exp(shifted)
    sum_e = e.sum(axis=axis, keepdims=True)
    log_probs = shifted - xp.log(sum_e)
    sparse = labels.ndim < logits.ndim
    if not sparse:
        labels = labels.astype(logits.dtype, copy=False)
    if sparse:
        index = xp.expand_dims(labels.astype("int64"), axis)
        loss = -xp.take_along_axis(log_probs, index, axis=axis).squeeze(axis)
    else:
        loss = -(labels * log_probs).sum(axis=axis)

    def vjp(g):
        grad = e / sum_e
        if sparse:
            picked = xp.take_along_axis(grad, index, axis=axis)
            xp.put_along_axis(grad, index, picked - 1, axis=axis)
        else:
            grad = grad * labels.sum(axis=axis, keepdims=True) - labels
        return grad * xp.expand_dims(g, axis), None

    return loss, vjp


@primitive
def sigmoid_binary_cross_entropy(logits, labels):
    """Elementwise -(y log(sigmoid(z)) + (1 - y) log(1 - sigmoid(z))) from logits z, labels y."""
    xp = array_module(logits)
    labels = labels.astype(logits.dtype, copy=False)
    # max(z, 0) - z*y + log(1 + exp(-|z|)) is the same value without overflow for large |z|.
    e = xp.exp(-xp.abs(logits))
    loss = xp.maximum(logits, 0) - logits * labels + xp.log1p(e)

    def vjp(g):
        p = xp.where(logits >= 0, 1 / (1 + e), e / (1 + e))
        return g * (p - labels), None

    return loss, vjp
