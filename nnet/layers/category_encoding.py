"""CategoryEncoding: one-hot, multi-hot or count encoding of integer token ids."""

import numbers

import numpy as np

from nnet import ops
from nnet.layers.layer import LAYERS, Layer


def _validate_output_mode(output_mode, allowed):
    if output_mode not in allowed:
        raise ValueError(
            f"Expected one of {', '.join(repr(m) for m in allowed)} for output_mode. "
            f"Received: output_mode={output_mode!r}"
        )
    return output_mode


def _refuse_sparse(sparse):
    if sparse:
        raise ValueError(
            "nnet has no sparse tensors, so the encoded outputs are always dense: use "
            f"sparse=False. Received: sparse={sparse!r}"
        )
    return False


def _is_positive_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0


def _encoded_shape(input_shape, output_mode, depth, reduced_axis=1):
    """The output shape of `_encode` for inputs of `input_shape` (Keras's rules): multi_hot and
    count drop `reduced_axis` (1, where `_encode` reduces, unless a caller follows Keras's
    CategoryEncoding, whose compute_output_shape drops the last axis) and append `depth`."""
    input_shape = tuple(input_shape)
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    if len(input_shape) == 1:
        return (depth,)
    kept = [d for i, d in enumerate(input_shape) if i != reduced_axis % len(input_shape)]
    return tuple(kept) + (depth,)


def _encode(indices, output_mode, depth, dtype, count_weights=None):
    """Encode an integer Tensor of ids in [0, depth) along a new last axis of size `depth`.

    ``one_hot`` encodes each id (a trailing axis of size 1 is replaced); ``multi_hot`` marks
    the ids present along axis 1 (the last axis of rank-2 inputs: each row is one sample), as
    Keras does; ``count`` counts them, each occurrence weighted by `count_weights` (same shape
    as `indices`) when given.
    """
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = ops.squeeze(indices, axis=-1)
        return ops.one_hot(indices, depth, dtype=dtype)
    if indices.ndim == 0:
        indices = ops.reshape(indices, (1,))
        count_weights = None if count_weights is None else ops.reshape(count_weights, (1,))
    encoded = ops.one_hot(indices, depth, dtype=dtype)
    # Keras reduces over axis 1: the samples' ids for rank 2, the second axis for rank 3+.
    axis = 1 if indices.ndim > 1 else 0
    if output_mode == "multi_hot":
        return ops.max(encoded, axis=axis)
    if count_weights is not None:
        encoded = ops.multiply(encoded, ops.expand_dims(count_weights, -1))
    return ops.sum(encoded, axis=axis)


@LAYERS.register
class CategoryEncoding(Layer):
    """Encodes integer token ids in ``[0, num_tokens)`` as one-hot, multi-hot or count vectors.

    With ``output_mode="one_hot"`` each id becomes a vector ``e_id`` of length `num_tokens`;
    ``"multi_hot"`` gives, per sample (the last input axis), ``y[k] = 1`` if ``k`` occurs in the
    sample; ``"count"`` gives ``y[k] = sum_i w_i [x_i == k]`` with ``w_i = count_weights[i]``
    (1 by default). Ids must be integers (integer-valued floats are accepted) in range: others
    raise an error naming the offending values.

    Inputs keep their integer dtype (the layer does not autocast them); the output has the
    layer's float dtype.

    Args:
        num_tokens: positive integer, the number of distinct ids (the encoding's length).
        output_mode: ``"multi_hot"`` (default), ``"one_hot"`` or ``"count"``; ``"binary"`` is
            accepted as the old name of ``"multi_hot"``.
        sparse: must be False: nnet has no sparse tensors.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: integer ids, any rank (usually ``(batch,)`` or ``(batch, ids_per_sample)``).
        count_weights: float weights of the same shape as `inputs`, only with ``"count"``.

    Shapes: ``"one_hot"``: ``(..., n) -> (..., n, num_tokens)`` and ``(..., 1) -> (...,
    num_tokens)``; ``"multi_hot"``/``"count"``: ``(..., n) -> (..., num_tokens)``.

    Example:
        >>> from nnet.layers.category_encoding import CategoryEncoding
        >>> CategoryEncoding(num_tokens=4)([[0, 1], [0, 0], [1, 2], [3, 1]]).numpy()
        array([[1., 1., 0., 0.],
               [1., 0., 0., 0.],
               [0., 1., 1., 0.],
               [0., 1., 0., 1.]], dtype=float32)
        >>> layer = CategoryEncoding(num_tokens=3, output_mode="count")
        >>> layer([[0, 1, 1]], count_weights=[[0.5, 1.0, 2.0]]).numpy()
        array([[0.5, 3. , 0. ]], dtype=float32)
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        self.output_mode = _validate_output_mode(output_mode, ("one_hot", "multi_hot", "count"))
        if not _is_positive_int(num_tokens):
            raise ValueError(
                "Expected a positive integer for num_tokens (the number of distinct ids; use "
                f"IntegerLookup when it is not known in advance). Received: "
                f"num_tokens={num_tokens!r}"
            )
        self.num_tokens = int(num_tokens)
        self.sparse = _refuse_sparse(sparse)
        # Token ids are integers: casting them to float on entry would be wasted work at best.
        self.autocast = False

    def call(self, inputs, count_weights=None):
        inputs = _as_tensor(inputs)
        if count_weights is not None:
            count_weights = ops.cast(ops.convert_to_tensor(count_weights), self.dtype)
            if self.output_mode != "count":
                raise ValueError(
                    f"count_weights is only used with output_mode='count', but layer "
                    f"'{self.name}' has output_mode={self.output_mode!r}. Received: count_weights "
                    f"of shape {count_weights.shape}"
                )
            if count_weights.shape != inputs.shape:
                raise ValueError(
                    f"Expected count_weights of the inputs' shape {inputs.shape} in layer "
                    f"'{self.name}'. Received: count_weights of shape {count_weights.shape}"
                )
        return _encode(_token_ids(self, inputs, self.num_tokens), self.output_mode,
                       self.num_tokens, self.dtype, count_weights)

    def compute_output_shape(self, input_shape):
        # Keras's CategoryEncoding says the last axis goes, though its call reduces axis 1:
        # the two differ for inputs of rank 3 and more.
        return _encoded_shape(input_shape, self.output_mode, self.num_tokens, reduced_axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode})
        return config


def _as_tensor(inputs):
    """A Tensor from `inputs`, which Layer.__call__ hands over split into Tensors when they were a
    (nested) Python list of ids."""
    if isinstance(inputs, (list, tuple)):
        return ops.convert_to_tensor(np.asarray(inputs))
    return inputs


def _token_ids(layer, inputs, depth):
    """`inputs` as an int64 Tensor, after checking that every id is an integer in [0, depth)."""
    if inputs.size:
        fractional = ops.not_equal(ops.floor(inputs), inputs) if inputs.dtype.kind == "f" else None
        if fractional is not None and bool(fractional.numpy().any()):
            raise ValueError(
                f"Layer '{layer.name}' expects integer token ids, but received non-integer "
                f"values. Round or cast the inputs to integers first."
            )
        low, high = float(ops.min(inputs)), float(ops.max(inputs))
        if low < 0 or high >= depth:
            raise ValueError(
                f"Layer '{layer.name}' expects token ids in [0, {depth}), but received ids from "
                f"{low:g} to {high:g}. Raise num_tokens above the largest id, or map the ids "
                f"with IntegerLookup first."
            )
    return ops.cast(inputs, "int64")
