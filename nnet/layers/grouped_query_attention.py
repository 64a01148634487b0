"""GroupedQueryAttention (Keras's ``keras.layers.GroupQueryAttention``): query heads in groups
that share one key/value head (Ainslie et al., 2023)."""

import math

from nnet import constraints, initializers, ops, regularizers
from nnet.layers.dropout import Dropout
from nnet.layers.einsum_dense import EinsumDense
from nnet.layers.layer import LAYERS
from nnet.layers.multi_head_attention import (
    _attend,
    _attention_equations,
    _combined_mask,
    _mask_of,
    _projection_kwargs,
    _QueryValueKeyLayer,
)
from nnet.layers.softmax import Softmax


@LAYERS.register(aliases=("GroupQueryAttention",))
class GroupedQueryAttention(_QueryValueKeyLayer):
    """Grouped-query attention: `num_query_heads` query heads, `num_key_value_heads` key and
    value heads, each shared by ``num_query_heads // num_key_value_heads`` query heads.

    The projections are EinsumDense sublayers ``query`` (kernel ``(dim, num_query_heads,
    head_dim)``), ``key`` and ``value`` (``(dim, num_key_value_heads, head_dim)``) and
    ``attention_output`` (``(num_query_heads, head_dim, dim)``). With as many key/value heads
    as query heads it is multi-head attention; with one, multi-query attention. Masks are
    combined as in `MultiHeadAttention`. Keras exports it as ``GroupQueryAttention``; configs
    carry that class name.

    Args:
        head_dim: the size of each head.
        num_query_heads: the number of query heads.
        num_key_value_heads: the number of key and value heads; divides `num_query_heads`.
        dropout: the dropout rate on the attention probabilities.
        use_bias: whether the projections have biases.
        sliding_window: None, or a positive int w: a query attends only to keys less than w
            positions away.
        flash_attention: None or a bool; nnet computes the exact attention either way. As in
            Keras, True refuses dropout and returning the attention scores.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: of the projections.
        use_gate: whether a sigmoid gate projected from the query multiplies the heads' output.
        seed: the seed of the dropout.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Call arguments: as `MultiHeadAttention` (query, value, key, query_mask, value_mask,
    key_mask, attention_mask, return_attention_scores, training, use_causal_mask).

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.GroupQueryAttention(head_dim=4, num_query_heads=4,
        ...                                         num_key_value_heads=2)
        >>> x = np.ones((3, 5, 8))
        >>> layer(x, x).shape
        (3, 5, 8)
        >>> [w.shape for w in layer.weights[::2]]
        [(8, 4, 4), (8, 2, 4), (8, 2, 4), (4, 4, 8)]
    """

    _keras_class_name = "GroupQueryAttention"

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        # As in Keras, the activity penalty applies to this layer's output and to each
        # projection's.
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for name, value in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                            ("num_key_value_heads", num_key_value_heads)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Expected a positive integer for {name}. Received: "
                                 f"{name}={value!r}")
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError(
                f"`num_query_heads` must be divisible by `num_key_value_heads`. Received: "
                f"num_query_heads={num_query_heads}, num_key_value_heads={num_key_value_heads}"
            )
        if sliding_window is not None and (not isinstance(sliding_window, int)
                                           or sliding_window <= 0):
            raise ValueError(f"`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        self.supports_masking = True
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = dropout
        self.use_bias = use_bias
        self.use_gate = use_gate
        self.sliding_window = sliding_window
        self._flash_attention = flash_attention
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))
        if self._flash_attention and self.dropout > 0.0:
            raise ValueError("Dropout is not supported when flash attention is enabled. "
                             "Please set dropout to 0.0 to use flash attention.")

    def build(self, query_shape, value_shape, key_shape=None):
        self._record_build_shapes(query_shape, value_shape, key_shape)
        key_shape = value_shape if key_shape is None else key_shape
        self.feature_dim = query_shape[-1]
        self._query_dense = self._projection("bqm,muh->bquh", self.num_query_heads, "uh",
                                             "query", query_shape)
        self._key_dense = self._projection("bkm,mvh->bkvh", self.num_key_value_heads, "vh",
                                           "key", key_shape)
        if self.use_gate:
            self._gate_dense = self._projection("bqm,muh->bquh", self.num_query_heads, "uh",
                                                "gate", query_shape, activation="sigmoid")
        self._value_dense = self._projection("bkm,mvh->bkvh", self.num_key_value_heads, "vh",
                                             "value", value_shape)
        self._softmax = Softmax(axis=-1, dtype=self.dtype)
        self._dropout_layer = Dropout(rate=self.dropout, dtype=self.dtype, seed=self.seed)
        self._equations = _attention_equations(4, (1,))[:2]
        self._output_dense = EinsumDense(
            "bquh,uhm->bqm", output_shape=(None, self.feature_dim),
            bias_axes="m" if self.use_bias else None, name="attention_output",
            **self._sublayer_kwargs(),
        )
        self._output_dense.build((None, None, self.num_query_heads, self.head_dim))

    def _projection(self, equation, heads, bias_axes, name, input_shape, activation=None):
        layer = EinsumDense(equation, output_shape=(None, heads, self.head_dim),
                            bias_axes=bias_axes if self.use_bias else None,
                            activation=activation, name=name, **self._sublayer_kwargs())
        layer.build(input_shape)
        return layer

    def _sublayer_kwargs(self):
        return _projection_kwargs(self.kernel_initializer, self.bias_initializer,
                               self.kernel_regularizer, self.bias_regularizer,
                               self.activity_regularizer, self.kernel_constraint,
                               self.bias_constraint, self.dtype)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        if key is None:
            key = value
        masks = [(t, _mask_of(t)) for t in (query, value, key)]
        query_mask = query_mask if query_mask is not None else masks[0][1]
        value_mask = value_mask if value_mask is not None else masks[1][1]
        key_mask = key_mask if key_mask is not None or key is value else masks[2][1]
        causal_only = (use_causal_mask and query_mask is None and value_mask is None
                       and key_mask is None and attention_mask is None
                       and self.sliding_window is None)
        if not causal_only:
            attention_mask = _combined_mask(query, value, query_mask, value_mask, key_mask,
                                           attention_mask, use_causal_mask,
                                           self.sliding_window)
        # The projections do not take masks: the inputs lend theirs back afterwards.
        for tensor, _ in masks:
            if _mask_of(tensor) is not None:
                tensor._keras_mask = None
        try:
            gate = self._gate_dense(query) if self.use_gate else None
            query = self._query_dense(query)
            key = self._key_dense(key)
            value = self._value_dense(value)
        finally:
            for tensor, mask in masks:
                if mask is not None:
                    tensor._keras_mask = mask
        if self.dropout > 0.0 or return_attention_scores:
            # The probabilities are per query head: each key/value head serves its group.
            key = ops.repeat(key, self.num_repeats, axis=2)
            value = ops.repeat(value, self.num_repeats, axis=2)
        output, scores = _attend(
            query, key, value, attention_mask, self._inverse_sqrt_head_dim,
            use_causal_mask=causal_only, training=training,
            return_attention_scores=return_attention_scores,
            flash_attention=self._flash_attention, softmax=self._softmax,
            dropout=self._dropout_layer if self.dropout > 0.0 else None,
            equations=self._equations, attention_axes=(1,))
        output = self._output_dense(output * gate if self.use_gate else output)
        return (output, scores) if return_attention_scores else output

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                f"The last dimension of `query_shape` and `value_shape` must be equal, but are "
                f"{query_shape[-1]}, {value_shape[-1]}. Received: query_shape={query_shape}, "
                f"value_shape={value_shape}"
            )
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                f"All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={value_shape} and key_shape={key_shape}"
            )
        return tuple(query_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        })
        return config


# Keras's public name for the class.
GroupQueryAttention = GroupedQueryAttention
