"""AdditiveAttention: Bahdanau-style attention, scores from tanh(query + key)."""

from nnet import ops
from nnet.layers.attention import Attention
from nnet.layers.layer import LAYERS


@LAYERS.register
class AdditiveAttention(Attention):
    """Additive attention: ``scores = sum(scale * tanh(query + key))`` over the features.

    Everything else (masks, causal mask, dropout, attention scores) is as in `Attention`.

    Args:
        use_scale: whether to learn the per-feature `scale` (shape ``(dim,)``, Glorot-uniform
            initialized); otherwise the scale is 1.
        dropout: the dropout rate on the attention probabilities while training.
        **kwargs: `seed` and the base Layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.AdditiveAttention()
        >>> layer([np.ones((2, 3, 4)), np.ones((2, 5, 4))]).shape
        (2, 3, 4)
        >>> layer.scale.shape
        (4,)
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(input_shape[0][-1],),
                                         initializer="glorot_uniform")

    def _calculate_scores(self, query, key):
        summed = ops.tanh(ops.expand_dims(query, -2) + ops.expand_dims(key, -3))
        return ops.sum(summed if self.scale is None else self.scale * summed, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
