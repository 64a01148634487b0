"""Dot: the per-sample dot product of two tensors along chosen axes."""

import math

from nnet import backend, ops
from nnet.layers.layer import LAYERS
from nnet.layers.merge import Merge


@LAYERS.register
class Dot(Merge):
    """Per-sample dot product of two inputs, summed over ``axes`` (Keras's ``batch_dot``).

    For inputs ``x`` of shape ``(batch, 3, 5)`` and ``y`` of shape ``(batch, 10, 3)`` and
    ``axes=(1, 2)``: ``out[b, i, j] = sum_k x[b, k, i] * y[b, j, k]``, of shape
    ``(batch, 5, 10)``. The output keeps the remaining axes of ``x``, then those of ``y``
    (its batch axis excluded); a result of shape ``(batch,)`` becomes ``(batch, 1)``.

    Args:
        axes: an int (the same axis of both inputs) or a pair ``(axis_of_x, axis_of_y)``; the
            two sizes must match, and the batch axis 0 cannot be used.
        normalize: whether to L2-normalize each sample along its dot axis first,
            ``x / max(||x||, epsilon)``, so that the output is the cosine similarity.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> import numpy as np, nnet
        >>> x, y = np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])
        >>> nnet.layers.Dot(axes=1)([x, y]).numpy()
        array([[11.]], dtype=float32)
        >>> nnet.layers.Dot(axes=1, normalize=True)([x, x]).numpy().round(4)
        array([[1.]], dtype=float32)
        >>> nnet.layers.Dot(axes=(1, 2))([np.ones((2, 3, 5)), np.ones((2, 10, 3))]).shape
        (2, 5, 10)
    """

    _aligns_ranks = False

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    f"Invalid type for argument `axes`: it should be a list or an int. "
                    f"Received: axes={axes}"
                )
            if len(axes) != 2:
                raise ValueError(
                    f"Invalid format for argument `axes`: it should contain two elements, the "
                    f"axis of the first input and the axis of the second. Received: axes={axes}"
                )
            if not all(isinstance(a, int) for a in axes):
                raise ValueError(
                    f"Invalid format for argument `axes`: list elements should be integers. "
                    f"Received: axes={axes}"
                )
        self.axes = axes
        self.normalize = normalize

    def _resolve_axes(self, shapes):
        """The two dot axes as non-negative indices into the two input shapes."""
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        return [a % len(s) if a < 0 else a for a, s in zip(pair, shapes)]

    def _check_shapes(self, input_shape):
        shapes = self._shape_list(input_shape)
        where = f'Layer "{self.name}" (Dot) received input_shape={shapes}'
        if len(shapes) != 2:
            raise ValueError(f"{where}, but it takes a list of exactly 2 inputs.")
        if min(len(s) for s in shapes) < 2:
            raise ValueError(
                f"{where}. Each input needs a batch axis and at least one more axis: add one "
                f"with a Reshape layer."
            )
        (b1, *_), (b2, *_) = shapes
        if None not in (b1, b2) and b1 != b2:
            raise ValueError(
                f"{where}: the batch sizes differ. Feed the same number of samples to both."
            )
        axes = self._resolve_axes(shapes)
        if not all(0 < a < len(s) for a, s in zip(axes, shapes)):
            raise ValueError(
                f"{where} with axes={self.axes}. Each axis must be a non-batch axis of its input "
                f"(1 to rank - 1, or negative): the batch axis 0 cannot be summed over."
            )
        d1, d2 = shapes[0][axes[0]], shapes[1][axes[1]]
        if None not in (d1, d2) and d1 != d2:
            raise ValueError(
                f"{where}: incompatible sizes along axes={self.axes}: {d1} (axis {axes[0]} of "
                f"the first input) != {d2} (axis {axes[1]} of the second). Choose axes whose "
                f"sizes match."
            )

    def _merge_function(self, inputs, masks):
        x1, x2 = inputs
        axes = self._resolve_axes([x1.shape, x2.shape])
        if self.normalize:
            x1 = _l2_normalize(x1, axes[0])
            x2 = _l2_normalize(x2, axes[1])
        return _batch_dot(x1, x2, axes)

    def compute_output_shape(self, input_shape):
        shapes = self._shape_list(input_shape)
        if len(shapes) != 2:
            raise ValueError(
                f'Layer "{self.name}" (Dot) takes a list of exactly 2 inputs. Received: '
                f"input_shape={shapes}"
            )
        axes = self._resolve_axes(shapes)
        shape1, shape2 = list(shapes[0]), list(shapes[1])
        shape1.pop(axes[0])
        shape2.pop(axes[1])
        output_shape = shape1 + shape2[1:]
        return tuple(output_shape + [1] if len(output_shape) == 1 else output_shape)

    def compute_mask(self, inputs, mask=None):
        """Always None: the dot product sums the masked axes away."""
        return None

    def get_config(self):
        config = super().get_config()
        config.update(axes=self.axes, normalize=self.normalize)
        return config


def dot(inputs, axes=-1, **kwargs):
    """Functional form of `Dot`: ``dot(inputs, axes, **kwargs) = Dot(axes, **kwargs)(inputs)``.

    Args:
        inputs: a list of two tensors.
        axes: an int or a pair of ints, the axes summed over (the last ones by default).
        **kwargs: ``normalize`` and the base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.dot([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])]).numpy()
        array([[11.]], dtype=float32)
    """
    return Dot(axes=axes, **kwargs)(inputs)


def _l2_normalize(x, axis):
    """``x / max(||x||, epsilon)`` along `axis`, written as a product with the inverse norm."""
    inverse_norm = 1.0 / ops.sqrt(ops.sum(ops.square(x), axis=axis, keepdims=True))
    return x * ops.minimum(inverse_norm, 1.0 / backend.epsilon())


def _batch_dot(x, y, axes):
    """Per-sample dot product of `x` and `y` over ``x`` axis ``axes[0]`` and ``y`` axis
    ``axes[1]`` (both non-negative and non-zero), as one batched matmul.

    `x` becomes ``(batch, m, k)`` with the summed axis last and `y` ``(batch, k, n)`` with it
    first after the batch; the m and n axes are unfolded again afterwards.
    """
    x_rank, y_rank = x.ndim, y.ndim
    a0, a1 = axes
    if x_rank == 2:
        x, a0 = ops.expand_dims(x, 1), a0 + 1
    if y_rank == 2:
        y = ops.expand_dims(y, 2)
    x = ops.transpose(x, (*[i for i in range(x.ndim) if i != a0], a0))
    y = ops.transpose(y, (0, a1, *[i for i in range(1, y.ndim) if i != a1]))
    x_middle, y_trailing = x.shape[1:-1], y.shape[2:]
    x = ops.reshape(x, (x.shape[0], math.prod(x_middle), x.shape[-1]))
    y = ops.reshape(y, (y.shape[0], y.shape[1], math.prod(y_trailing)))
    result = ops.reshape(ops.matmul(x, y), (x.shape[0], *x_middle, *y_trailing))
    if x_rank == 2:
        return ops.squeeze(result, 1)
    if y_rank == 2:
        return ops.squeeze(result, -1)
    return result

