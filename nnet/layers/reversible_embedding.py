"""ReversibleEmbedding: an Embedding that can also project vectors back to vocabulary logits."""

from nnet import ops
from nnet.layers.embedding import Embedding
from nnet.layers.input_spec import shape_of, specs
from nnet.layers.layer import LAYERS


@LAYERS.register
class ReversibleEmbedding(Embedding):
    """An Embedding whose ``call(inputs, reverse=True)`` maps ``(..., output_dim)`` vectors to
    ``(..., input_dim)`` logits: ``inputs @ embeddings^T`` with tied weights (Press and Wolf,
    2016), or ``inputs @ reverse_embeddings`` with a separate trainable table. No bias.

    Args:
        input_dim: the vocabulary size (the largest id plus 1).
        output_dim: the size of each vector.
        tie_weights: whether the reverse projection uses the transposed `embeddings`; False
            adds a ``reverse_embeddings`` weight of shape ``(output_dim, input_dim)``.
        embeddings_initializer, embeddings_regularizer, embeddings_constraint, mask_zero: as in
            `Embedding` (the initializer also draws `reverse_embeddings`).
        reverse_dtype: the dtype of the reverse projection (the layer's by default).
        logit_soft_cap: when set, reverse logits become ``c * tanh(logits / c)``.
        **kwargs: further `Embedding` arguments (``lora_rank``, ``name``, ``dtype``, ...).

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.ReversibleEmbedding(10, 4)
        >>> hidden = layer(np.array([[1, 2, 3]]))
        >>> layer(hidden, reverse=True).shape
        (1, 3, 10)
    """

    def __init__(self, input_dim, output_dim, tie_weights=True,
                 embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        self.tie_weights = tie_weights
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        if self.built:
            return
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim), initializer=self.embeddings_initializer,
                name="reverse_embeddings",
            )

    def call(self, inputs, reverse=False):
        if not reverse:
            outputs = super().call(inputs)
            mask = super().compute_mask(inputs)
            if mask is not None:
                outputs._keras_mask = mask
            return outputs
        if self.tie_weights:
            table = self.embeddings
            if self.lora_enabled:
                update = ops.matmul(self.lora_embeddings_a, self.lora_embeddings_b)
                table = table + update * (self.lora_alpha / self.lora_rank)
            kernel = ops.transpose(table)
        else:
            kernel = self.reverse_embeddings
        if self.reverse_dtype is not None:
            inputs, kernel = ops.cast(inputs, self.reverse_dtype), ops.cast(kernel,
                                                                             self.reverse_dtype)
        logits = ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            logits = ops.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap
        return logits

    def compute_mask(self, inputs, previous_mask=None):
        # The forward call attaches its mask itself; the reverse projection has none.
        return None

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return (*input_shape[:-1], self.input_dim)
        return (*input_shape, self.output_dim)

    def compute_output_spec(self, inputs, reverse=False, **kwargs):
        return specs(self.compute_output_shape(shape_of(inputs), reverse=reverse), self.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"tie_weights": self.tie_weights, "reverse_dtype": self.reverse_dtype,
                       "logit_soft_cap": self.logit_soft_cap})
        return config
