"""IntegerLookup: maps integer tokens to contiguous indices through a vocabulary."""

from nnet.layers.index_lookup import IndexLookup
from nnet.layers.layer import LAYERS


@LAYERS.register
class IntegerLookup(IndexLookup):
    """Maps integer tokens (ids, codes) to indices ``0..vocabulary_size-1`` from a vocabulary
    given or learned by `adapt`.

    Indices: with a `mask_token` (``"int"`` mode), it maps to 0; the next `num_oov_indices`
    indices take out-of-vocabulary tokens (``token mod num_oov_indices`` with
    ``oov_method="floormod"``, a FarmHash bucket of the token's decimal text with
    ``"farmhash"``, keyed by `salt` when given); the vocabulary follows, ordered by `adapt`
    by frequency with ties broken by the larger token first.

    Args:
        max_tokens: the vocabulary's maximum size, special tokens included (None: no cap).
        num_oov_indices: the number of OOV indices (0: an OOV input raises).
        mask_token: the token mapped to 0 in ``"int"`` mode (dropped in the other modes).
        oov_token: the token returned for OOV indices when `invert` is True (-1).
        vocabulary: a list or 1-D array of integers, or a text file with one per line.
        vocabulary_dtype: ``"int64"``.
        idf_weights: ``"tf_idf"`` only: one inverse document frequency per vocabulary term.
        invert: map indices back to tokens (``"int"`` mode only).
        output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"``, ``"count"`` or ``"tf_idf"``.
        sparse: must be False: nnet has no sparse tensors.
        pad_to_max_tokens: pad the encoded outputs to `max_tokens` features.
        oov_method: ``"floormod"`` or ``"farmhash"``, how OOV tokens pick one of several OOV
            indices.
        salt: with ``"farmhash"``, an integer or two keying a SipHash instead.
        name: the layer's name.

    Example:
        >>> import numpy as np
        >>> from nnet.layers.integer_lookup import IntegerLookup
        >>> layer = IntegerLookup(vocabulary=[12, 36, 1138, 42])
        >>> layer(np.array([[12, 1138, 42], [42, 1000, 36]])).numpy()
        array([[1, 3, 4],
               [4, 0, 2]])
        >>> IntegerLookup(vocabulary=[12, 36, 1138, 42], invert=True)([[1, 0]]).numpy()
        array([[12, -1]])
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False, oov_method="floormod",
                 salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError(
                "Only `vocabulary_dtype='int64'` is supported at this time. Received: "
                f"vocabulary_dtype={vocabulary_dtype!r}"
            )
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         vocabulary_dtype=vocabulary_dtype, idf_weights=idf_weights,
                         invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method, salt=salt,
                         name=name, **kwargs)

    def get_config(self):
        config = super().get_config()
        for key in ("oov_token", "mask_token"):
            if config[key] is not None:
                config[key] = int(config[key])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config
