"""Keras's cross-entropies as ops (`nnet.losses` builds its losses on them) and PSNR.

The probability forms clip to ``[epsilon, 1 - epsilon]`` (and the categorical ones renormalise
along the class axis first), as Keras does; the logit forms run the stable fused primitives.
"""

import math

import numpy as np

from nnet.autodiff.symbolic import graph_op
from nnet.autodiff.tensor import SymbolicTensor, Tensor
from nnet.backend import epsilon
from nnet.ops.fused import sigmoid_binary_cross_entropy, softmax_cross_entropy
from nnet.ops.math import clip, log, square, subtract
from nnet.ops.reduce import mean, sum
from nnet.ops.shape import one_hot, squeeze


def _shape(x):
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def _same_shapes(target, output):
    if _shape(target) != _shape(output):
        raise ValueError(
            f"Arguments target and output must have the same shape. Received: "
            f"target.shape={_shape(target)}, output.shape={_shape(output)}"
        )


def _normalized_probabilities(output, axis):
    """output rescaled to sum to one along `axis`, clipped to [eps, 1 - eps] as in Keras."""
    return clip(output / sum(output, axis=axis, keepdims=True), epsilon(), 1 - epsilon())


@graph_op
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy ``-(t log p + (1 - t) log(1 - p))``.

    Args:
        target: targets in [0, 1], the shape of output.
        output: probabilities (clipped to [eps, 1 - eps]), or logits when `from_logits`
            (then computed stably as ``max(z, 0) - z t + log(1 + e^-|z|)``).
        from_logits: whether output holds logits.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.binary_crossentropy(np.array([1.0, 0.0]), np.array([0.5, 0.5])).numpy()
        array([0.69314718, 0.69314718])
    """
    _same_shapes(target, output)
    if from_logits:
        return sigmoid_binary_cross_entropy(output, target)
    p = clip(output, epsilon(), 1 - epsilon())
    return -(target * log(p) + subtract(1, target) * log(subtract(1, p)))


@graph_op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical cross-entropy ``-sum(t * log(p), axis)``, one value per sample.

    Args:
        target: one-hot (or soft) targets, the shape of output.
        output: probabilities (renormalised along `axis` and clipped to [eps, 1 - eps]), or
            logits when `from_logits` (then ``-sum(t * log_softmax(z))`` in one stable op).
        from_logits: whether output holds logits.
        axis: the class axis.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.categorical_crossentropy(np.array([[0.0, 1.0]]),
        ...                                   np.array([[0.5, 0.5]])).numpy()
        array([0.69314718])
    """
    _same_shapes(target, output)
    if len(_shape(output)) < 1:
        raise ValueError(f"Arguments target and output must be at least rank 1. Received: "
                         f"output.shape={_shape(output)}")
    if from_logits:
        return softmax_cross_entropy(output, target, axis=axis)
    return -sum(target * log(_normalized_probabilities(output, axis)), axis=axis)


@graph_op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical cross-entropy against integer class labels: ``-log(p[label])``.

    Args:
        target: integer labels, the shape of output without its class axis (a class axis of
            size 1 is squeezed).
        output: probabilities (renormalised and clipped as in `categorical_crossentropy`), or
            logits when `from_logits`.
        from_logits: whether output holds logits.
        axis: the class axis.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.ops.sparse_categorical_crossentropy(np.array([1]),
        ...                                          np.array([[0.5, 0.5]])).numpy()
        array([0.69314718])
    """
    out_shape = _shape(output)
    if len(out_shape) < 1:
        raise ValueError(f"Argument output must be at least rank 1. Received: "
                         f"output.shape={out_shape}")
    axis = axis % len(out_shape)
    target = target if isinstance(target, (Tensor, SymbolicTensor)) else np.asarray(target)
    if len(_shape(target)) == len(out_shape) and _shape(target)[axis] == 1:
        target = squeeze(target, axis)
    if _shape(target) != out_shape[:axis] + out_shape[axis + 1:]:
        raise ValueError(
            f"Arguments target and output must have the same shape up until the class axis "
            f"{axis}. Received: target.shape={_shape(target)}, output.shape={out_shape}"
        )
    labels = target.data if isinstance(target, Tensor) else target
    if not isinstance(labels, SymbolicTensor) and labels.size:
        if labels.min() < 0 or labels.max() >= out_shape[axis]:
            bad = labels[(labels < 0) | (labels >= out_shape[axis])].ravel()[0]
            raise ValueError(
                f"sparse_categorical_crossentropy received the label {int(bad)}, outside "
                f"[0, {out_shape[axis]}) for output of shape {out_shape}. Expected class "
                f"indices below the number of classes."
            )
    if from_logits:
        return softmax_cross_entropy(output, target, axis=axis)
    encoded = one_hot(target, out_shape[axis], axis=axis, dtype=output.dtype)
    return -sum(encoded * log(_normalized_probabilities(output, axis)), axis=axis)


@graph_op
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio ``20 log10(max_val) - 10 log10(mean((x1 - x2)^2))`` over all
    elements, in decibels.

    Example:
        >>> import numpy as np, nnet
        >>> round(float(nnet.ops.psnr(np.ones(4), np.full(4, 0.9), 1.0)), 4)
        20.0
    """
    if _shape(x1) != _shape(x2):
        raise ValueError(f"Input shapes {_shape(x1)} and {_shape(x2)} must match for PSNR "
                         f"calculation.")
    mse = mean(square(subtract(x1, x2)))
    return 20 * math.log10(float(max_val)) - log(mse) * (10 / math.log(10.0))
