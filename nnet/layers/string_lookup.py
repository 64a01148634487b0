"""StringLookup: maps strings to integer indices through a vocabulary (or back, with invert)."""

from nnet.layers.index_lookup import IndexLookup
from nnet.layers.layer import LAYERS


@LAYERS.register
class StringLookup(IndexLookup):
    """Maps strings to integer indices from a vocabulary given or learned by `adapt`.

    Indices: with a `mask_token` (``"int"`` mode), it maps to 0; the next `num_oov_indices`
    indices take out-of-vocabulary strings (hashed with FarmHash ``Fingerprint64``, or a
    SipHash keyed by `salt`, into a bucket when there are several, as Keras buckets them); the
    vocabulary follows. `adapt` orders the vocabulary by frequency, ties broken by the string in
    decreasing order. Text is carried as NumPy arrays of ``str`` (bytes are decoded as UTF-8);
    the inverse lookup returns an object array of ``str``.

    Args:
        max_tokens: the vocabulary's maximum size, special tokens included (None: no cap).
        num_oov_indices: the number of OOV indices (0: an OOV input raises).
        mask_token: the token mapped to 0 in ``"int"`` mode (dropped in the other modes).
        oov_token: the token returned for OOV indices when `invert` is True.
        vocabulary: a list or 1-D array of strings, or a text file with one per line.
        idf_weights: ``"tf_idf"`` only: one inverse document frequency per vocabulary term.
        invert: map indices back to strings (``"int"`` mode only).
        output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"``, ``"count"`` or ``"tf_idf"``.
        pad_to_max_tokens: pad the encoded outputs to `max_tokens` features.
        sparse: must be False: nnet has no sparse tensors.
        encoding: the text encoding (``"utf-8"``).
        salt: an integer or two: hash OOV strings with SipHash keyed by them.
        name: the layer's name.

    Example:
        >>> import numpy as np
        >>> from nnet.layers.string_lookup import StringLookup
        >>> layer = StringLookup(vocabulary=["a", "b", "c", "d"])
        >>> layer(np.array([["a", "c", "d"], ["d", "z", "b"]])).numpy()
        array([[1, 3, 4],
               [4, 0, 2]])
        >>> layer = StringLookup()
        >>> layer.adapt(["a", "b", "b", "c", "c", "c"])
        >>> layer.get_vocabulary()
        ['[UNK]', 'c', 'b', 'a']
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, salt=None,
                 **kwargs):
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, vocabulary_dtype="string", **kwargs)

    def get_config(self):
        config = super().get_config()
        # There is only one dtype for strings, so Keras leaves it out.
        del config["vocabulary_dtype"]
        config["encoding"] = self.encoding
        return config
