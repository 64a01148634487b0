"""Concatenate: joins a list of tensors along one axis."""

from nnet import backend, ops
from nnet.autodiff.tensor import Tensor
from nnet.layers.layer import LAYERS
from nnet.layers.merge import Merge, _boolean


@LAYERS.register
class Concatenate(Merge):
    """Concatenates a list of inputs along `axis`.

    All inputs have the same rank and the same sizes on every axis but `axis` (unknown sizes,
    None, match anything).

    Args:
        axis: the axis along which to concatenate (the last one by default).
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: ``(batch, ..., d_i, ...)`` for each input -> ``(batch, ..., sum(d_i), ...)``.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.Concatenate()([np.zeros((2, 3)), np.ones((2, 4))]).shape
        (2, 7)
        >>> nnet.layers.Concatenate(axis=1)([np.zeros((2, 3, 5)), np.ones((2, 1, 5))]).shape
        (2, 4, 5)
    """

    _aligns_ranks = False

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _check_shapes(self, input_shape):
        shapes = self._shape_list(input_shape)
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes) or not -rank <= self.axis < rank:
            fix = (f"Give every input the same rank (here ranks {[len(s) for s in shapes]}), e.g. "
                   f"with a Reshape layer." if any(len(s) != rank for s in shapes) else
                   f"Pick an axis in [{-rank}, {rank}).")
            raise ValueError(
                f'Layer "{self.name}" (Concatenate) cannot concatenate inputs of shapes '
                f"{shapes} along axis={self.axis}. {fix}"
            )
        axis = self.axis % rank
        for i in range(rank):
            sizes = {s[i] for s in shapes} - {None}
            if i != axis and len(sizes) > 1:
                raise ValueError(
                    f'Layer "{self.name}" (Concatenate) requires inputs with matching shapes '
                    f"except for the concatenation axis (axis={self.axis}). Received: "
                    f"input_shape={shapes}, whose axis {i} has sizes {sorted(sizes)}. Make the "
                    f"inputs agree on every other axis, or concatenate along axis {i}."
                )

    def _merge_function(self, inputs, masks):
        return ops.concatenate(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = self._shape_list(input_shape)
        output_shape = list(shapes[0])
        for shape in shapes[1:]:
            if output_shape[self.axis] is None or shape[self.axis] is None:
                output_shape[self.axis] = None
                break
            output_shape[self.axis] += shape[self.axis]
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        """The output mask: the input masks (all True for an unmasked input) concatenated along
        `axis`, then reduced with OR over the last axis; None when no input has a mask.

        Args:
            inputs: the list of inputs.
            mask: None, or a list with one mask (or None) per input.
        """
        if mask is None:
            return None
        masks = [None if m is None else _boolean(m) for m in self._mask_list(inputs, mask)]
        if all(m is None for m in masks):
            return None
        xp = backend.array_module(*[m for m in masks if m is not None])
        full = []
        for x, m in zip(inputs, masks):
            if m is None:
                full.append(xp.ones(x.shape, dtype=bool))
            elif m.ndim < x.ndim:
                full.append(xp.broadcast_to(m[..., None], x.shape))
            else:
                full.append(m)
        return Tensor(xp.concatenate(full, axis=self.axis).any(axis=-1))

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`: ``concatenate(inputs, axis) = Concatenate(axis)(inputs)``.

    Args:
        inputs: a list of tensors.
        axis: the axis along which to concatenate.
        **kwargs: base Layer arguments.

    Example:
        >>> import numpy as np, nnet
        >>> nnet.layers.concatenate([np.zeros((1, 2)), np.ones((1, 1))]).numpy()
        array([[0., 0., 1.]], dtype=float32)
    """
    return Concatenate(axis=axis, **kwargs)(inputs)
