"""Attention: dot-product (Luong-style) or concat attention over [query, value, key]."""

import numpy as np

from nnet import ops, random
from nnet.layers.layer import LAYERS, Layer

_SCORE_MODES = ("dot", "concat")


@LAYERS.register
class Attention(Layer):
    """Dot-product attention: ``softmax(scores(query, key)) @ value``.

    ``scores = query @ key^T`` (``"dot"``, times the learned scalar `scale` when `use_scale`),
    or ``concat_score_weight * sum(tanh(scale * (query + key)))`` over the features
    (``"concat"``). Keys whose value mask is False (and, with ``use_causal_mask``, later keys)
    get 1e9 subtracted from their scores before the softmax; query steps whose mask is False
    output zeros, and the output carries the query's mask.

    Args:
        use_scale: whether to learn a scalar `scale` for the scores.
        score_mode: ``"dot"`` or ``"concat"``.
        dropout: the dropout rate on the attention probabilities while training.
        seed: the seed of that dropout.
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: ``[query (B, Tq, dim), value (B, Tv, dim)]`` or ``[query, value, key]``
            (key defaults to value). mask: ``[query_mask (B, Tq), value_mask (B, Tv)]``, by
            default the inputs' masks. training, return_attention_scores (also return the
            probabilities ``(B, Tq, Tv)``), use_causal_mask.

    Example:
        >>> import numpy as np, nnet
        >>> query, value = np.ones((2, 3, 4)), np.ones((2, 5, 4))
        >>> out, scores = nnet.layers.Attention()([query, value], return_attention_scores=True)
        >>> out.shape, scores.shape
        ((2, 3, 4), (2, 3, 5))
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if self.dropout > 0:
            self.seed_generator = random.SeedGenerator(seed=seed)
        if self.score_mode not in _SCORE_MODES:
            raise ValueError(f"Invalid value for argument score_mode. Expected one of "
                             f"{{'dot', 'concat'}}. Received: score_mode={score_mode}")
        self.supports_masking = True

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones")

    def _calculate_scores(self, query, key):
        """The scores ``(B, Tq, Tv)`` of each query step against each key step."""
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            return scores if self.scale is None else scores * self.scale
        summed = ops.expand_dims(query, -2) + ops.expand_dims(key, -3)
        if self.scale is not None:
            summed = self.scale * summed
        return self.concat_score_weight * ops.sum(ops.tanh(summed), axis=-1)

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        """(softmax(masked scores) @ value, the probabilities), with dropout while training."""
        if scores_mask is not None:
            padding = np.logical_not(scores_mask)
            if padding.ndim == 2:
                padding = padding[:, None, :]
            # Subtracting rather than replacing, as Keras does.
            largest = 65504.0 if scores.dtype == np.float16 else 1.0e9
            scores = ops.where(padding, scores - largest, scores)
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = random.dropout(weights, self.dropout, seed=self.seed_generator)
        return ops.matmul(weights, value), weights

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = _array(mask[0]) if mask else None
        value_mask = _array(mask[1]) if mask else None
        scores = self._calculate_scores(query, key)
        if use_causal_mask:
            causal = np.tril(np.ones((1,) + tuple(scores.shape[-2:]), dtype=bool))
            value_mask = causal if value_mask is None else value_mask[..., None, :] & causal
        output, weights = self._apply_scores(scores, value, value_mask, training=training)
        if query_mask is not None:
            output = ops.where(query_mask[..., None], output, 0.0)
        return (output, weights) if return_attention_scores else output

    def compute_mask(self, inputs, previous_mask):
        if not previous_mask or previous_mask[0] is None:
            return None
        return previous_mask[0]

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], input_shape[1][-1])

    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, list):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely "
                             f"[query, value] or [query, value, key]. Received: "
                             f"inputs={inputs}.")
        if not 2 <= len(inputs) <= 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely "
                             f"[query, value] or [query, value, key]. Received length: "
                             f"{len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, list):
                raise ValueError(f"{name} layer mask must be a list, namely [query_mask, "
                                 f"value_mask]. Received: mask={mask}.")
            if not 2 <= len(mask) <= 3:
                raise ValueError(f"{name} layer accepts mask list of length 2 or 3. "
                                 f"Received: inputs={inputs}, mask={mask}.")

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode,
                       "dropout": self.dropout, "seed": self.seed})
        return config


def _array(mask):
    if mask is None:
        return None
    mask = np.asarray(mask.data if hasattr(mask, "data") else mask)
    return mask if mask.dtype == bool else mask.astype(bool)
