"""Merge: the base of the layers that combine a list of tensors (Add, Concatenate, Dot, ...)."""

import functools

from nnet import backend, ops
from nnet.autodiff.tensor import Tensor
from nnet.layers.layer import Layer


class Merge(Layer):
    """Base class of the layers called on a list of tensors and returning one tensor.

    Elementwise merges (Add, Subtract, Multiply, Average, Maximum, Minimum) broadcast as NumPy
    does over the per-sample shapes: sizes are aligned from the last axis, a size of 1 stretches,
    and a lower-rank input gains size-1 axes right after its batch axis. All inputs must have the
    same batch size. Subclasses define ``_merge_function(inputs, masks)``.

    Args:
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: a list of tensors.
        mask: None, or a list with one boolean mask (or None) per input, of the input's shape
            without its last axis (what Keras attaches to tensors, e.g. after an Embedding with
            ``mask_zero=True``). Maximum, Minimum and Multiply ignore masked-out entries; the
            other merges compute the same output with or without masks.

    Example:
        >>> import numpy as np, nnet
        >>> from nnet.layers.merge import Merge
        >>> class Hypot(Merge):
        ...     def _merge_function(self, inputs, masks):
        ...         return nnet.ops.sqrt(sum(nnet.ops.square(x) for x in inputs))
        >>> Hypot()([np.array([[3.0]]), np.array([[4.0]])]).numpy()
        array([[5.]], dtype=float32)
    """

    # Whether inputs of lower rank gain size-1 axes after the batch axis before merging.
    _aligns_ranks = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _merge_function(self, inputs, masks):
        raise NotImplementedError(
            f"Layer {type(self).__name__} does not implement _merge_function(inputs, masks)."
        )

    def _shape_list(self, input_shape):
        """`input_shape` as a list of tuples, after checking that it is a list of shapes."""
        if (not isinstance(input_shape, (list, tuple)) or not input_shape
                or not all(isinstance(s, (list, tuple)) for s in input_shape)):
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) should be called on a non-empty '
                f"list of tensors, e.g. {type(self).__name__}()([x1, x2]). Received: "
                f"input_shape={input_shape}"
            )
        return [tuple(s) for s in input_shape]

    def _check_shapes(self, input_shape):
        """Raise a ValueError naming this layer when the inputs cannot be merged."""
        shapes = self._shape_list(input_shape)
        if len({s[0] for s in shapes if s} - {None}) > 1:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) cannot merge tensors with different '
                f"batch sizes. Received tensors with shapes {shapes}. Feed the same number of "
                f"samples to every input."
            )
        self.compute_output_shape(shapes)

    def build(self, input_shape):
        self._check_shapes(input_shape)
        self.built = True

    def _compute_elemwise_op_output_shape(self, shape1, shape2):
        """The shape of an elementwise op on per-sample shapes `shape1` and `shape2`.

        Sizes are aligned from the last axis; a size of 1 stretches to the other; None (unknown)
        gives None. Raises ValueError when two sizes differ and neither is 1.
        """
        if len(shape1) < len(shape2):
            return self._compute_elemwise_op_output_shape(shape2, shape1)
        if not shape2:
            return tuple(shape1)
        output_shape = list(shape1[: -len(shape2)])
        for i, j in zip(shape1[-len(shape2):], shape2):
            if i is None or j is None:
                output_shape.append(None)
            elif i == 1 or j == 1 or i == j:
                output_shape.append(j if i == 1 else i)
            else:
                raise ValueError(
                    f"Inputs have incompatible shapes. Received shapes {tuple(shape1)} and "
                    f"{tuple(shape2)}"
                )
        return tuple(output_shape)

    def compute_output_shape(self, input_shape):
        shapes = self._shape_list(input_shape)
        try:
            output_shape = functools.reduce(self._compute_elemwise_op_output_shape,
                                            [s[1:] for s in shapes])
        except ValueError as error:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) cannot merge inputs of shapes '
                f"{shapes}: {error} (per-sample shapes, batch axis excluded). Give the inputs "
                f"the same shape, or shapes that broadcast (each size equal or 1), e.g. with a "
                f"Dense or Reshape layer before merging."
            ) from None
        batch_sizes = {s[0] for s in shapes if s} - {None}
        batch = batch_sizes.pop() if len(batch_sizes) == 1 else None
        return (batch, *output_shape)

    def _mask_list(self, inputs, mask):
        """`mask` as one entry per input (None for an unmasked one), after checking its form."""
        if mask is None:
            return [None] * len(inputs)
        if not isinstance(mask, (list, tuple)):
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) expects `mask` to be a list with '
                f"one mask (or None) per input. Received: mask={mask}"
            )
        if len(mask) != len(inputs):
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) received {len(inputs)} inputs but '
                f"{len(mask)} masks. Pass one mask (or None) per input. Received: mask={mask}"
            )
        return list(mask)

    def call(self, inputs, mask=None):
        is_list = isinstance(inputs, (list, tuple))
        self._check_shapes([tuple(x.shape) for x in inputs] if is_list else tuple(inputs.shape))
        inputs = list(inputs)
        masks = [None if m is None else _boolean(m) for m in self._mask_list(inputs, mask)]
        rank = max(x.ndim for x in inputs)
        if self._aligns_ranks and any(x.ndim != rank for x in inputs):
            # A mask has the shape of its input without the last axis, so it no longer fits an
            # input that gains axes; Keras drops it too.
            masks = [m if x.ndim == rank else None for x, m in zip(inputs, masks)]
            inputs = [_expand_after_batch(x, rank) for x in inputs]
        return self._merge_function(inputs, masks)

    def _broadcast_mask(self, mask, x):
        """`mask` (the shape of `x` without its last axis) broadcast to the shape of `x`."""
        xp = backend.array_module(mask)
        try:
            return xp.broadcast_to(mask[..., None], x.shape)
        except ValueError:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) got a mask of shape {mask.shape} '
                f"for an input of shape {tuple(x.shape)}. A mask has the shape of its input "
                f"without the last axis: pass a mask of shape {tuple(x.shape[:-1])}."
            ) from None

    def _apply_merge_op_and_or_mask(self, op_fn, inputs, masks):
        """Fold `inputs` with the binary `op_fn`, skipping masked-out entries.

        There is no identity element for maximum and minimum, so a masked-out entry takes the
        value accumulated so far (or, where that is masked out, the new input's value).
        """
        output, output_mask = None, None
        for x, mask in zip(inputs, masks):
            if mask is not None:
                mask = self._broadcast_mask(mask, x)
            if output is None:
                output, output_mask = x, mask
                continue
            if mask is not None:
                x = ops.where(mask, x, output)
            if output_mask is not None:
                output = ops.where(output_mask, output, x)
            output_mask = None if mask is None or output_mask is None else output_mask | mask
            output = op_fn(output, x)
        return output

    def compute_mask(self, inputs, mask=None):
        """The output mask: the OR of the input masks, or None when any input is unmasked.

        Args:
            inputs: the list of inputs.
            mask: None, or a list with one mask (or None) per input.
        """
        if mask is None:
            return None
        masks = self._mask_list(inputs, mask)
        if any(m is None for m in masks):
            return None
        return functools.reduce(ops.logical_or, masks)


def _boolean(mask):
    """A mask as a boolean array (nonzero entries are kept)."""
    data = mask.data if isinstance(mask, Tensor) else backend.asarray(mask)
    return data if data.dtype == bool else data.astype(bool)


def _expand_after_batch(x, rank):
    """`x` with size-1 axes inserted after the batch axis until it has `rank` axes."""
    if x.ndim == rank:
        return x
    return ops.reshape(x, (x.shape[0], *(1,) * (rank - x.ndim), *x.shape[1:]))
