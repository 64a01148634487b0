"""TextVectorization: raw strings to token indices or token-count vectors, inside a model."""

import re

import numpy as np

from nnet import backend
from nnet.autodiff.symbolic import KerasTensor
from nnet.autodiff.tensor import Tensor
from nnet.layers.category_encoding import _refuse_sparse, _validate_output_mode
from nnet.layers.index_lookup import OUTPUT_MODES
from nnet.layers.layer import LAYERS, Layer
from nnet.layers.string_lookup import StringLookup
from nnet.layers.text_inputs import TextInputs, as_text, batches_of
from nnet.utils.registry import deserialize_keras_object, serialize_keras_object

# Keras's punctuation class (TensorFlow's RE2 and Python's re read it alike).
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
# tf.strings.lower without an encoding changes ASCII letters only.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# tf.strings.split splits on ASCII whitespace only.
_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")


def _check_choice(value, allowed, argument):
    if value is None or callable(value) or value in allowed:
        return value
    raise ValueError(
        f"Expected None, a callable or one of {', '.join(repr(a) for a in allowed)} for "
        f"{argument}. Received: {argument}={value!r}"
    )


def _ngram_rows(rows, widths):
    """Each row's n-grams of every width in `widths`, widths in order, joined by spaces."""
    return [[" ".join(row[i:i + n]) for n in widths for i in range(len(row) - n + 1)]
            for row in rows]


@LAYERS.register
class TextVectorization(TextInputs, Layer):
    """Turns raw strings into token indices (``"int"``) or per-document vectors of token
    presence, counts or TF-IDF, with a vocabulary given or learned by `adapt`.

    Each string is standardized (ASCII lowercasing and/or punctuation removal, or a callable
    taking and returning a NumPy array of ``str``), split into tokens (on ASCII whitespace, into
    characters, or by a callable taking a 1-D array of ``str`` and returning one token list per
    string), joined into n-grams, then looked up in a `StringLookup` with mask token ``""``
    (index 0, the padding) and one OOV index (1, ``"[UNK]"``).

    Args:
        max_tokens: the vocabulary's maximum size, padding and OOV included.
        standardize: ``"lower_and_strip_punctuation"`` (default), ``"lower"``,
            ``"strip_punctuation"``, None or a callable.
        split: ``"whitespace"`` (default), ``"character"``, None or a callable.
        ngrams: None, an integer n (all 1..n-grams) or a tuple of widths.
        output_mode: ``"int"`` (default), ``"multi_hot"``, ``"count"`` or ``"tf_idf"``.
        output_sequence_length: ``"int"`` only: pad or cut each row to this length.
        pad_to_max_tokens: pad encoded outputs to `max_tokens` features.
        vocabulary: a list of strings or a file with one per line.
        idf_weights: ``"tf_idf"`` with a `vocabulary`: the IDF weight of each term.
        sparse, ragged: must be False: nnet has no sparse or ragged tensors.
        encoding: the text encoding (``"utf-8"``).
        name: the layer's name.

    Shapes: input ``(batch,)`` or ``(batch, 1)`` of strings; ``"int"`` output
    ``(batch, output_sequence_length)`` (the longest row when None), int64; other modes
    ``(batch, vocabulary_size)`` (``max_tokens`` when padded).

    Example:
        >>> from nnet.layers.text_vectorization import TextVectorization
        >>> layer = TextVectorization(output_sequence_length=4)
        >>> layer.adapt(["The cat sat.", "The dog sat on the mat!"])
        >>> layer.get_vocabulary()
        ['', '[UNK]', 'the', 'sat', 'on', 'mat', 'dog', 'cat']
        >>> layer(["the cat ate", "A dog sat on the mat"]).numpy()
        array([[2, 7, 1, 0],
               [1, 6, 3, 4]])
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
                 pad_to_max_tokens=False, vocabulary=None, idf_weights=None, sparse=False,
                 ragged=False, encoding="utf-8", name=None, **kwargs):
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _validate_output_mode(output_mode, OUTPUT_MODES)
        self._standardize = _check_choice(standardize, _STANDARDIZE, "standardize")
        self._split = _check_choice(split, _SPLIT, "split")
        if not (ngrams is None or isinstance(ngrams, int) or isinstance(ngrams, tuple) and
                all(isinstance(n, int) for n in ngrams)):
            raise ValueError(
                f"`ngrams` must be None, an integer, or a tuple of integers. "
                f"Received: ngrams={ngrams!r}"
            )
        if output_mode == "int" and not (output_sequence_length is None or
                                         isinstance(output_sequence_length, int)):
            raise ValueError(
                "`output_sequence_length` must be either None or an integer when "
                f"`output_mode` is 'int'. Received: "
                f"output_sequence_length={output_sequence_length!r}"
            )
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(
                "`output_sequence_length` must not be set if `output_mode` is not 'int'. "
                f"Received output_sequence_length={output_sequence_length!r}."
            )
        if ragged:
            raise ValueError(
                "nnet has no ragged tensors: use ragged=False, and output_sequence_length or the "
                f"default padding to the longest row. Received: ragged={ragged!r}"
            )
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._ragged = False
        has_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        kwargs.pop("autocast", None)
        super().__init__(name=name, autocast=False, **kwargs)
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            sparse=_refuse_sparse(sparse), has_input_vocabulary=has_vocabulary,
            encoding=encoding, vocabulary_size=vocabulary_size)
        self.built = True

    # --- preprocessing --------------------------------------------------------------------
    def _standardized(self, text):
        if callable(self._standardize):
            return as_text(self._standardize(text))
        flat = text.ravel().tolist()
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            flat = [s.translate(_ASCII_LOWER) for s in flat]
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            flat = [_PUNCTUATION.sub("", s) for s in flat]
        return np.array(flat, dtype=str).reshape(text.shape) if flat else text

    def _preprocess(self, inputs):
        """Tokens of `inputs`: a dense array (no split, no n-grams), or a list of token lists
        (one per string)."""
        text = self._standardized(as_text(inputs))
        if self._split is None:
            if self._ngrams is None:
                return text
            rows = text.reshape(len(text), -1).tolist() if text.ndim else [[text.item()]]
        else:
            if text.ndim > 1:
                if text.shape[-1] != 1:
                    raise ValueError(
                        "When using `TextVectorization` to tokenize strings, the input rank "
                        "must be 1 or the last shape dimension must be 1. Received: "
                        f"inputs.shape={text.shape} with rank={text.ndim}"
                    )
                text = text[..., 0]
            flat = text.reshape(-1).tolist()
            if self._split == "whitespace":
                rows = [[t for t in _WHITESPACE.split(s) if t] for s in flat]
            elif self._split == "character":
                rows = [list(s) for s in flat]
            else:
                rows = [as_text(list(r)).tolist() for r in self._split(np.array(flat, dtype=str))]
        return _ngram_rows(rows, self._ngrams) if self._ngrams is not None else rows

    @staticmethod
    def _flatten(rows):
        lengths = np.fromiter((len(r) for r in rows), np.int64, count=len(rows))
        tokens = np.array([t for r in rows for t in r], dtype=str)
        return tokens, np.repeat(np.arange(len(rows)), lengths), lengths

    # --- adapt ----------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and IDF weights) from strings: the tokens sorted by count,
        most frequent first, ties broken by the token in decreasing order.

        Args:
            data: an array or list of strings (one batch), or a dataset or iterable of batches
                (of ``(x, y)`` pairs only ``x`` is read).
            batch_size: split an array or list into batches of this many strings.
            steps: read at most this many batches.
        """
        self.reset_state()
        if batch_size is not None and isinstance(data, (list, tuple, np.ndarray)):
            array = data
            data = (array[i:i + batch_size] for i in range(0, len(array), batch_size))
        for batch in batches_of(data, steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        """Count the tokens of one batch of strings (each string is a document)."""
        tokens = self._preprocess(data)
        if isinstance(tokens, np.ndarray):
            self._lookup_layer.update_state(tokens)
            return
        lookup = self._lookup_layer
        if lookup._has_input_vocabulary:
            lookup.update_state(tokens)
        flat, rows, _ = self._flatten(tokens)
        lookup._count_tokens(flat, rows, len(tokens))

    def finalize_state(self):
        """Build the vocabulary from the counts gathered so far."""
        self._lookup_layer.finalize_state()

    def reset_state(self):
        """Forget the counts gathered by `update_state`."""
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary: a term's position is its index (padding ``""`` and ``"[UNK]"``
        first, unless `include_special_tokens` is False)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        """The size of the vocabulary, padding and OOV included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (a list of strings or a file path) and, in ``"tf_idf"`` mode, the
        IDF weights."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # --- call -----------------------------------------------------------------------------
    def call(self, inputs):
        tokens = self._preprocess(inputs)
        lookup = self._lookup_layer
        length = self._output_sequence_length
        if isinstance(tokens, np.ndarray):
            ids = lookup.lookup(tokens)
            if self._output_mode != "int":
                return lookup.encode(ids.reshape(len(ids), -1) if ids.ndim == 1 else ids)
            if length is not None:
                ids = ids[..., :length]
                pad = [(0, 0)] * (ids.ndim - 1) + [(0, length - ids.shape[-1])]
                ids = np.pad(ids, pad)
            return Tensor(ids)
        flat, rows, lengths = self._flatten(tokens)
        ids = lookup.lookup(flat)
        if self._output_mode != "int":
            return lookup.encode(ids, rows, len(tokens))
        width = int(lengths.max(initial=0)) if length is None else length
        position = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        keep = position < width
        out = np.zeros((len(tokens), width), np.int64)
        out[rows[keep], position[keep]] = ids[keep]
        return Tensor(out)

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        if self._split is None:
            if len(input_shape) <= 1:
                input_shape = tuple(input_shape) + (1,)
        else:
            input_shape = tuple(input_shape) + (None,)
        return self._lookup_layer.compute_output_shape(input_shape)

    def compute_output_spec(self, inputs):
        dtype = backend.floatx() if self._output_mode == "tf_idf" else "int64"
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    # --- saving ---------------------------------------------------------------------------
    def save_own_variables(self, store):
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store):
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path):
        """Write the vocabulary to ``vocabulary.txt`` in `dir_path`, as Keras does."""
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        """Read the vocabulary that `save_assets` wrote."""
        self._lookup_layer.load_assets(dir_path)

    def get_build_config(self):
        return {}

    def get_config(self):
        config = super().get_config()
        lookup = self._lookup_layer
        config.update({
            "max_tokens": lookup.max_tokens,
            "standardize": _serialize_callable(self._standardize),
            "split": _serialize_callable(self._split),
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": lookup.sparse,
            "ragged": self._ragged,
            "vocabulary": lookup.get_config()["vocabulary"],
            "idf_weights": lookup.get_config()["idf_weights"],
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("standardize", "split"):
            if config.get(key) is not None and not isinstance(config[key], str):
                config[key] = deserialize_keras_object(config[key])
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return super().from_config(config)


def _serialize_callable(value):
    return serialize_keras_object(value) if callable(value) else value
