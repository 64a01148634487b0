"""Embedding: turns integer token ids into dense vectors, rows of a trainable table."""

import warnings

import numpy as np

from nnet import constraints, initializers, ops, regularizers
from nnet.layers.layer import LAYERS, Layer
from nnet.utils.argument_checks import check_positive_int


def _ids(inputs):
    """The token ids of `inputs` (a Tensor or an array) as an array."""
    return inputs.data if hasattr(inputs, "data") else np.asarray(inputs)


@LAYERS.register
class Embedding(Layer):
    """Maps each non-negative integer id below `input_dim` to a row of ``embeddings``.

    ``output[..., :] = embeddings[inputs[...]]``; the gradient of a row is the sum of the
    gradients of every position that looked it up.

    Args:
        input_dim: positive integer, the vocabulary size (the largest id plus 1).
        output_dim: positive integer, the size of each vector.
        embeddings_initializer: initializer of the table (``"uniform"``: U(-0.05, 0.05)).
        embeddings_regularizer: penalty on the table added to the loss.
        embeddings_constraint: constraint applied to the table after each optimizer update.
        mask_zero: whether id 0 is padding: the layer then outputs a mask
            ``inputs != 0`` that masking-aware layers downstream (RNNs, attention, pooling,
            losses) use to skip the padded positions. Id 0 is then not a real token, so
            `input_dim` is the vocabulary size plus 1.
        weights: optional initial table, an array of shape ``(input_dim, output_dim)``.
        lora_rank: when set, the table is frozen and a trainable low-rank update
            ``lora_embeddings_a @ lora_embeddings_b * (lora_alpha / lora_rank)`` is learned.
        lora_alpha: the LoRA scale numerator (defaults to `lora_rank`).
        quantization_config: must be None (nnet does not quantize).
        **kwargs: base Layer arguments (``name``, ``dtype``, ...).

    Shapes: integer ids ``(batch, ...)`` -> ``(batch, ..., output_dim)``.

    Example:
        >>> import numpy as np, nnet
        >>> layer = nnet.layers.Embedding(10, 3, mask_zero=True)
        >>> out = layer(np.array([[4, 2, 0]]))
        >>> out.shape
        (1, 3, 3)
        >>> out._keras_mask
        array([[ True,  True, False]])
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", stacklevel=2)
        super().__init__(**kwargs)
        if quantization_config is not None:
            raise ValueError(
                "nnet does not quantize layers: Embedding computes in its dtype. Pass "
                f"quantization_config=None. Received: quantization_config={quantization_config!r}"
            )
        self.input_dim = int(check_positive_int(input_dim, "input_dim"))
        self.output_dim = int(check_positive_int(output_dim, "output_dim"))
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        # Ids must stay integers: casting them to the float dtype would corrupt large ids.
        self.autocast = False
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        if weights is not None:
            self.build()
            self.set_weights(weights if isinstance(weights, list) and len(weights) == 1
                             else [weights])

    def build(self, input_shape=None):
        if self.built:
            return
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
            name="embeddings", regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freeze the table and learn a rank-`rank` update of it instead (LoRA)."""
        if self.embeddings_constraint is not None:
            raise ValueError(
                f"LoRA is incompatible with embedding constraints (layer '{self.name}'). Remove "
                "the `embeddings_constraint` argument to enable LoRA."
            )
        if self.lora_enabled:
            raise ValueError(
                f"LoRA is already enabled on layer '{self.name}'. Call enable_lora only once."
            )
        self.embeddings.trainable = False
        self.lora_embeddings_a = self.add_weight(
            shape=(self.input_dim, rank), initializer=a_initializer, name="lora_embeddings_a",
            regularizer=self.embeddings_regularizer,
        )
        self.lora_embeddings_b = self.add_weight(
            shape=(rank, self.output_dim), initializer=b_initializer, name="lora_embeddings_b",
            regularizer=self.embeddings_regularizer,
        )
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank
        self.lora_enabled = True

    def call(self, inputs):
        ids = _ids(inputs)
        if ids.dtype.kind not in "iu":
            if ids.dtype.kind != "f" or not np.array_equal(ids, np.round(ids)):
                raise TypeError(
                    f"Layer '{self.name}' (Embedding) expects integer token ids. Received "
                    f"inputs of dtype {ids.dtype}. Pass integer ids, e.g. x.astype('int32')."
                )
            ids = ids.astype("int64")
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            bad = ids[(ids < 0) | (ids >= self.input_dim)]
            raise ValueError(
                f"Layer '{self.name}' (Embedding) got ids outside [0, input_dim={self.input_dim}):"
                f" {np.unique(bad)[:10].tolist()}. Raise input_dim to the vocabulary size "
                "(plus 1 with mask_zero=True), or map unknown tokens to an id below it."
            )
        embeddings = self.embeddings
        if self.lora_enabled:
            update = ops.matmul(self.lora_embeddings_a, self.lora_embeddings_b)
            embeddings = embeddings + update * (self.lora_alpha / self.lora_rank)
        return ops.take(embeddings, ids, axis=0)

    def compute_mask(self, inputs, previous_mask=None):
        if not self.mask_zero:
            return None
        ids = _ids(inputs)
        return ids != 0

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        })
        if self.lora_rank:
            config.update({"lora_rank": self.lora_rank, "lora_alpha": self.lora_alpha})
        return config
