"""MultiHeadAttention: attention with several heads (Vaswani et al., 2017), as Keras builds it."""

import math
import string

import numpy as np

from nnet import constraints, initializers, ops, regularizers
from nnet.layers.dropout import Dropout
from nnet.layers.einsum_dense import EinsumDense
from nnet.layers.layer import LAYERS, Layer
from nnet.layers.softmax import Softmax


class _QueryValueKeyLayer(Layer):
    """Base of the layers called as ``layer(query, value, key=None, ...)``: built from the
    three shapes on the first call, with Keras's build config ``{"shapes_dict": ...}``."""

    def __call__(self, query, value, key=None, **kwargs):
        if not self.built:
            self.build(*[None if t is None else tuple(t.shape if hasattr(t, "shape")
                                                      else np.shape(t))
                         for t in (query, value, key)])
        return super().__call__(query, value, key, **kwargs)

    def _record_build_shapes(self, query_shape, value_shape, key_shape):
        self._build_shapes = {"query_shape": tuple(query_shape),
                              "value_shape": tuple(value_shape)}
        if key_shape is not None:
            self._build_shapes["key_shape"] = tuple(key_shape)

    def get_build_config(self):
        """Keras's ``{"shapes_dict": {"query_shape": ..., "value_shape": ...}}``."""
        shapes = self.__dict__.get("_build_shapes")
        return None if shapes is None else {"shapes_dict": dict(shapes)}


@LAYERS.register
class MultiHeadAttention(_QueryValueKeyLayer):
    """Multi-head attention: project, attend per head, concatenate, project back.

    ``query``, ``key`` and ``value`` are projected by EinsumDense sublayers named ``query``,
    ``key`` and ``value`` (kernels ``(dim, num_heads, key_dim)`` or ``value_dim``); each head
    computes ``softmax(q k^T / sqrt(key_dim)) v`` over the attention axes; ``attention_output``
    (kernel ``(num_heads, value_dim, dim)``) projects the heads back to the query's last
    dimension or to `output_shape`. Masks carried by `query`, `value` and `key` (padding masks
    from an Embedding with ``mask_zero=True``) are combined with `attention_mask`, the causal
    mask and the sliding window by a logical and, and the output carries the query's mask.

    Args:
        num_heads: the number of heads.
        key_dim: the size of each head for query and key.
        value_dim: the size of each head for value (`key_dim` by default).
        dropout: the dropout rate on the attention probabilities.
        use_bias: whether the projections have biases.
        output_shape: the output's shape besides the batch and sequence axes (an int or a
            tuple); by default the query's last dimension.
        attention_axes: the axes attention runs over (by default all but the batch, heads
            and feature axes).
        sliding_window: None, or a positive int w: a query attends only to keys less than w
            positions away.
        flash_attention: None or a bool; nnet computes the exact attention either way. As in
            Keras, True refuses dropout and returning the attention scores.
        kernel_initializer, bias_initializer: initializers of the projections.
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties of the
            projections (the activity penalty on each projection's output, as in Keras).
        kernel_constraint, bias_constraint: constraints of the projections.
        use_gate: whether a sigmoid gate projected from the query multiplies the heads'
            output (a ``gate`` sublayer, Qiu et al., 2025).
        seed: the seed of the dropout.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Call arguments:
        query: ``(B, T, dim)``; value: ``(B, S, dim)``; key: ``(B, S, dim)``, `value` by
        default. attention_mask: booleans ``(B, T, S)``, True where a query may attend a key.
        return_attention_scores: also return the probabilities ``(B, num_heads, T, S)``.
        training: whether dropout is applied. use_causal_mask: whether query t attends only
        to keys up to t.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.MultiHeadAttention(num_heads=2, key_dim=4)
        >>> x = np.ones((3, 5, 8))
        >>> out, scores = layer(x, x, return_attention_scores=True)
        >>> out.shape, scores.shape
        ((3, 5, 8), (3, 2, 5, 5))
        >>> [w.shape for w in layer.weights[::2]]
        [(8, 2, 4), (8, 2, 4), (8, 2, 4), (2, 4, 8)]
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        for name, value, optional in (("num_heads", num_heads, False),
                                      ("key_dim", key_dim, False),
                                      ("value_dim", value_dim, True),
                                      ("sliding_window", sliding_window, True)):
            if (value is not None or not optional) and (
                    not isinstance(value, int) or isinstance(value, bool) or value <= 0):
                raise ValueError(
                    f"Expected a positive integer{' or None' if optional else ''} for {name}. "
                    f"Received: {name}={value!r}"
                )
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(
                    f"Invalid `output_shape`: {output_shape}. When specified, the "
                    f"`output_shape` should be of type tuple, list, or int."
                ) from None
        self._output_shape = output_shape
        self._flash_attention = flash_attention
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(f"`attention_axes` must be an int, list, or tuple. Received: "
                             f"attention_axes={attention_axes}")
        self._attention_axes = attention_axes
        self._sliding_window = sliding_window
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))
        if self._flash_attention and self._dropout > 0.0:
            raise ValueError("Dropout is not supported when flash attention is enabled. "
                             "Please set dropout to 0.0 to use flash attention.")

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    # Keras's saving walk names the projections by these properties (query_dense, ...).
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    def build(self, query_shape, value_shape, key_shape=None):
        self._record_build_shapes(query_shape, value_shape, key_shape)
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                f"All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={value_shape} and key_shape={key_shape}"
            )
        self._query_dense = self._projection(query_shape, self._key_dim, "query")
        self._key_dense = self._projection(key_shape, self._key_dim, "key")
        if self._use_gate:
            self._gate_dense = self._projection(query_shape, self._value_dim, "gate",
                                                activation="sigmoid")
        self._value_dense = self._projection(value_shape, self._value_dim, "value")
        rank = len(query_shape) + 1
        self._build_attention(rank)
        output_shape = self._output_shape or [query_shape[-1]]
        equation, bias_axes = _projection_equation(len(query_shape) - 1, 2, len(output_shape))
        self._output_dense = EinsumDense(
            equation, output_shape=[None] * (len(query_shape) - 2) + list(output_shape),
            bias_axes=bias_axes if self._use_bias else None, name="attention_output",
            **self._sublayer_kwargs(),
        )
        self._output_dense.build(tuple(query_shape[:-1]) + (self._num_heads, self._value_dim))

    def _projection(self, input_shape, head_dim, name, activation=None):
        equation, bias_axes = _projection_equation(len(input_shape) - 1, 1, 2)
        layer = EinsumDense(
            equation, output_shape=[None] * (len(input_shape) - 2) + [self._num_heads, head_dim],
            bias_axes=bias_axes if self._use_bias else None, activation=activation, name=name,
            **self._sublayer_kwargs(),
        )
        layer.build(input_shape)
        return layer

    def _sublayer_kwargs(self):
        return _projection_kwargs(self._kernel_initializer, self._bias_initializer,
                               self._kernel_regularizer, self._bias_regularizer,
                               self._activity_regularizer, self._kernel_constraint,
                               self._bias_constraint, self.dtype)

    def _build_attention(self, rank):
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a if a >= 0 else (rank - 1) + a
                                         for a in self._attention_axes)
        self._dot_product_equation, self._combine_equation, scores_rank = _attention_equations(
            rank, self._attention_axes)
        norm_axes = tuple(range(scores_rank - len(self._attention_axes), scores_rank))
        self._softmax = Softmax(axis=norm_axes, dtype=self.dtype)
        self._dropout_layer = Dropout(rate=self._dropout, dtype=self.dtype, seed=self.seed)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        if key is None:
            key = value
        query_mask = _mask_of(query)
        value_mask = value_mask if value_mask is not None else _mask_of(value)
        key_mask = key_mask if key_mask is not None or key is value else _mask_of(key)
        # As in Keras, the masks are handled here, and taken off the inputs so that the
        # projections (which do not support masking) do not see them.
        for tensor in (query, value, key):
            if getattr(tensor, "_keras_mask", None) is not None:
                tensor._keras_mask = None
        causal_only = (use_causal_mask and query_mask is None and value_mask is None
                       and key_mask is None and attention_mask is None
                       and self._sliding_window is None)
        if not causal_only:
            attention_mask = _combined_mask(query, value, query_mask, value_mask, key_mask,
                                           attention_mask, use_causal_mask,
                                           self._sliding_window)
        if self._use_gate:
            gate = self._gate_dense(query)
        query = self._query_dense(query)
        key = self._key_dense(key)
        value = self._value_dense(value)
        output, scores = self._compute_attention(
            query, key, value, attention_mask, training, return_attention_scores,
            use_causal_mask=causal_only)
        output = self._output_dense(output * gate if self._use_gate else output)
        return (output, scores) if return_attention_scores else output

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False, use_causal_mask=False):
        """The heads' output (and the probabilities, or None) from projected q, k, v."""
        return _attend(query, key, value, attention_mask, self._inverse_sqrt_key_dim,
                      use_causal_mask=use_causal_mask, training=training,
                      return_attention_scores=return_attention_scores,
                      flash_attention=self._flash_attention, softmax=self._softmax,
                      dropout=self._dropout_layer if self._dropout > 0.0 else None,
                      equations=(self._dot_product_equation, self._combine_equation),
                      attention_axes=self._attention_axes)

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                f"All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={value_shape} and key_shape={key_shape}"
            )
        return query_shape[:-1] + self._output_shape if self._output_shape else query_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "seed": self.seed,
        })
        return config


def _projection_kwargs(kernel_initializer, bias_initializer, kernel_regularizer,
                       bias_regularizer, activity_regularizer, kernel_constraint,
                       bias_constraint, dtype):
    """The EinsumDense arguments of an attention layer's projections; each sublayer gets its
    own initializer objects, as in Keras."""
    return {
        "kernel_initializer": type(kernel_initializer).from_config(kernel_initializer.get_config()),
        "bias_initializer": type(bias_initializer).from_config(bias_initializer.get_config()),
        "kernel_regularizer": kernel_regularizer,
        "bias_regularizer": bias_regularizer,
        "activity_regularizer": activity_regularizer,
        "kernel_constraint": kernel_constraint,
        "bias_constraint": bias_constraint,
        "dtype": dtype,
    }


def _attend(query, key, value, mask, scale, *, use_causal_mask, training,
            return_attention_scores, flash_attention, softmax, dropout, equations,
            attention_axes):
    """Attention over projected heads, as Keras computes it: `ops.dot_product_attention` when
    nothing needs the probabilities (no dropout, no scores, one attention axis), else the
    einsum `equations` around the `softmax` layer (masked) and the `dropout` layer (or None).

    Returns (output, probabilities or None)."""
    if flash_attention and return_attention_scores:
        raise ValueError("Returning attention scores is not supported when flash attention "
                         "is enabled. Please disable flash attention to access attention "
                         "scores.")
    if dropout is None and not return_attention_scores and len(query.shape) == 4:
        while mask is not None and mask.ndim < 4:
            mask = np.expand_dims(mask, -3)
        output = ops.dot_product_attention(query, key, value, mask=mask, scale=scale,
                                           is_causal=use_causal_mask,
                                           flash_attention=flash_attention)
        return output, None
    if use_causal_mask:
        mask = np.tril(np.ones((1, query.shape[1], value.shape[1]), dtype=bool))
    scores = ops.einsum(equations[0], key, query * np.asarray(scale, dtype=query.dtype))
    if mask is not None:
        # The mask gains axes from the heads' axis on: (<batch>, heads, <query>, <key>).
        for _ in range(scores.ndim - mask.ndim):
            mask = np.expand_dims(mask, -len(attention_axes) * 2 - 1)
    scores = softmax(scores, mask=mask)
    dropped = scores if dropout is None else dropout(scores, training=training)
    return ops.einsum(equations[1], dropped, value), scores


def _combined_mask(query, value, query_mask, value_mask, key_mask, attention_mask,
                  use_causal_mask, sliding_window):
    """The boolean (B, T, S) mask that combines the query's (B, T) and the value's and key's
    (B, S) masks, `attention_mask`, the causal mask and the sliding window (None if none)."""
    masks = []
    if query_mask is not None:
        masks.append(_as_bool(query_mask)[..., :, None])
    for mask in (value_mask, key_mask):
        if mask is not None:
            masks.append(_as_bool(mask)[..., None, :])
    t, s = query.shape[1], value.shape[1]
    if use_causal_mask:
        masks.append(np.tril(np.ones((1, t, s), dtype=bool)))
    if sliding_window is not None:
        distance = np.abs(np.arange(t)[:, None] - np.arange(s)[None, :])
        masks.append((distance < sliding_window)[None])
    if attention_mask is not None:
        masks.insert(0, _as_bool(attention_mask))
    if not masks:
        return None
    combined = masks[0]
    for mask in masks[1:]:
        combined = combined & mask
    return combined


def _mask_of(tensor):
    return getattr(tensor, "_keras_mask", None)


def _as_bool(mask):
    mask = np.asarray(mask.data if hasattr(mask, "data") else mask)
    return mask if mask.dtype == bool else mask.astype(bool)


def _projection_equation(free_dims, bound_dims, output_dims):
    """The EinsumDense equation and bias axes of a projection: the first `free_dims` input
    axes pass through, the next `bound_dims` are contracted, `output_dims` axes are made."""
    letters = string.ascii_lowercase
    free = letters[:free_dims]
    bound = letters[free_dims:free_dims + bound_dims]
    made = letters[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{made}->{free}{made}", made


def _attention_equations(rank, attention_axes):
    """The einsum equations (scores, combination) and the scores' rank for projected tensors
    of `rank` (batch, <other axes>, <attention axes>, heads, channels), as Keras builds them."""
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch_dims = [i for i in range(rank) if i not in attention_axes and i != rank - 1]
    source, offset = "", rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += letters[offset]
            offset += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attention_axes]
                      + [source[i] for i in attention_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)
