"""IndexLookup: the vocabulary table behind StringLookup, IntegerLookup and TextVectorization.

A vocabulary is held as a sorted key array, so that a lookup is one `np.searchsorted` over all
the inputs. `adapt` counts tokens with `np.unique` and orders the vocabulary as Keras does: by
count, most frequent first, ties broken by the token itself in decreasing order.
"""

import collections
import os

import numpy as np

from nnet import backend
from nnet.autodiff.symbolic import KerasTensor
from nnet.autodiff.tensor import Tensor
from nnet.layers.category_encoding import _encoded_shape, _refuse_sparse, _validate_output_mode
from nnet.layers.layer import Layer
from nnet.layers.text_inputs import TextInputs, as_text, batches_of
from nnet.utils import object_registration
from nnet.utils.hash_utils import hash_bucket

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _merge_counts(keys, counts, new_keys, new_counts):
    keys, inverse = np.unique(np.concatenate([keys, new_keys]), return_inverse=True)
    return keys, np.bincount(inverse, weights=np.concatenate([counts, new_counts]),
                             minlength=len(keys)).astype(np.int64)


class IndexLookup(TextInputs, Layer):
    """Maps tokens to integer indices through a vocabulary (the base of `StringLookup` and
    `IntegerLookup`; Keras's ``IndexLookup``).

    Index layout: the mask token (``output_mode="int"`` only) at 0, then `num_oov_indices` OOV
    indices, then the vocabulary.

    Args:
        max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, idf_weights, invert,
            output_mode, sparse, pad_to_max_tokens, oov_method, name, salt: as in
            `StringLookup` and `IntegerLookup`.
        vocabulary_dtype: ``"string"`` or ``"int64"``.

    Example:
        >>> layer = IndexLookup(None, 1, None, -1, "int64", vocabulary=[7, 9])
        >>> layer(np.array([9, 8, 7])).numpy()
        array([2, 0, 1])
    """

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, oov_method="floormod", name=None,
                 salt=None, **kwargs):
        if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens <= 1):
            raise ValueError(
                f"If set, `max_tokens` must be an integer greater than 1. "
                f"Received: max_tokens={max_tokens!r}"
            )
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(
                "If pad_to_max_tokens is True, must set `max_tokens`. Received: max_tokens=None"
            )
        if not isinstance(num_oov_indices, int) or num_oov_indices < 0:
            raise ValueError(
                "`num_oov_indices` must be an integer greater than or equal to 0. "
                f"Received: num_oov_indices={num_oov_indices!r}"
            )
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(
                "Expected 'floormod' or 'farmhash' for oov_method. "
                f"Received: oov_method={oov_method!r}"
            )
        self.vocabulary_dtype = backend.standardize_dtype(vocabulary_dtype)
        if salt is not None:
            if self.vocabulary_dtype != "string" and oov_method != "farmhash":
                raise ValueError(
                    "`salt` can only be used when `oov_method='farmhash'`. "
                    f"Received: oov_method={oov_method!r}"
                )
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, int) and not isinstance(salt, bool):
                salt = [salt, salt]
            else:
                raise ValueError(
                    "The `salt` argument can only be a tuple of 2 integers, or a single "
                    f"integer. Received: salt={salt!r}."
                )
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _validate_output_mode(output_mode, OUTPUT_MODES)
        if invert and output_mode != "int":
            raise ValueError(
                "`output_mode` must be `'int'` when `invert` is true. "
                f"Received: output_mode={output_mode!r}"
            )
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(
                "`idf_weights` should only be set if `output_mode` is `'tf_idf'`. "
                f"Received: idf_weights={idf_weights!r} and output_mode={output_mode!r}"
            )
        frozen_size = kwargs.pop("vocabulary_size", None)
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword argument(s): {kwargs}")
        super().__init__(name=name, autocast=False)
        self.invert = invert
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = _refuse_sparse(sparse)
        self.pad_to_max_tokens = pad_to_max_tokens
        self.oov_method = oov_method
        self.salt = salt
        self._frozen_vocab_size = frozen_size
        # A vocabulary file is stored as an asset, so the path is not kept in the config.
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self.idf_weights = None
        self._tokens = self._empty_keys()
        if output_mode == "tf_idf":
            if self._has_input_vocabulary and idf_weights is None:
                raise ValueError(
                    "When specifying the `vocabulary` argument, in TF-IDF output mode, the "
                    "`idf_weights` argument must also be provided."
                )
            if idf_weights is not None:
                self.idf_weights = np.asarray(idf_weights, dtype=backend.floatx())
        self._set_table(self._tokens)
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.reset_state()
        self.built = True

    # --- vocabulary ---------------------------------------------------------------------
    def _empty_keys(self):
        return np.zeros(0, dtype=str if self.vocabulary_dtype == "string" else np.int64)

    def _as_keys(self, values):
        if self.vocabulary_dtype == "string":
            return as_text(values)
        array = values.data if isinstance(values, Tensor) else np.asarray(values)
        if array.dtype.kind not in "iu" and not (array.dtype.kind == "f" and array.size and
                                                 np.all(array == np.round(array))):
            if array.size:
                raise ValueError(
                    f"Layer '{self.name}' expects integer tokens, but received data of dtype "
                    f"{array.dtype} (first values: {array.ravel()[:3].tolist()})."
                )
        return array.astype(np.int64)

    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def _set_table(self, tokens):
        self._tokens = tokens
        order = np.argsort(tokens, kind="stable")
        self._sorted_keys = tokens[order]
        self._sorted_ids = order.astype(np.int64) + self._token_start_index()

    def vocabulary_size(self):
        """The size of the vocabulary, mask and OOV indices included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary, so that a term's position is its index when the layer is called.

        Args:
            include_special_tokens: whether the mask and OOV tokens are included.
        """
        special = [self.mask_token] * self._oov_start_index() + \
            [self.oov_token] * self.num_oov_indices
        vocabulary = special + self._tokens.tolist()
        return vocabulary if include_special_tokens else vocabulary[self._token_start_index():]

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (and the IDF weights in ``"tf_idf"`` mode) directly.

        Args:
            vocabulary: a list, tuple or 1-D array of terms, or the path of a text file with
                one term per line. It may start with the mask and OOV tokens, in that order.
            idf_weights: the inverse document frequencies, one per term (``"tf_idf"`` only).
        """
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(
                "`idf_weights` should only be set if output_mode is `'tf_idf'`. Received: "
                f"output_mode={self.output_mode!r} and idf_weights={idf_weights!r}"
            )
        if isinstance(vocabulary, str):
            self._set_vocabulary_file(vocabulary)
            return
        if isinstance(vocabulary, Tensor):
            vocabulary = vocabulary.numpy()
        vocabulary = self._as_keys(np.asarray(vocabulary))
        if vocabulary.size == 0:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        token_start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + \
            [self.oov_token] * self.num_oov_indices
        found_special = vocabulary[:token_start].tolist() == special
        tokens = vocabulary[token_start:] if found_special else vocabulary
        repeated = [t for t, n in collections.Counter(tokens.tolist()).items() if n > 1]
        if repeated:
            raise ValueError(
                "The passed vocabulary has at least one repeated term. Please uniquify your "
                f"dataset. The repeated terms are: {repeated}"
            )
        for token, argument, check in ((self.mask_token, "mask_token", True),
                                       (self.oov_token, "oov_token", self.invert)):
            if check and token is not None and token in tokens.tolist():
                raise ValueError(
                    "Found reserved token at unexpected location in `vocabulary`. Note that "
                    "passed `vocabulary` does not need to include the OOV and mask tokens. "
                    "Either remove all mask and OOV tokens, or include them only at the start "
                    f"of the vocabulary in precisely this order: {special}. Received: "
                    f"{argument}={token!r}"
                )
        size = token_start + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(
                "Attempted to set a vocabulary larger than the maximum vocab size. Received "
                f"vocabulary size is {size}; `max_tokens` is {self.max_tokens}."
            )
        self._set_table(tokens)
        self._record_vocabulary_size()
        if self.output_mode == "tf_idf":
            self._set_idf_weights(idf_weights, len(vocabulary), 0 if found_special else
                                  token_start)

    def _set_vocabulary_file(self, path):
        if getattr(object_registration._SCOPE, "safe_mode", None) is True:
            raise ValueError(
                "Requested the loading of a vocabulary file outside of the model archive, which "
                "safe mode does not allow. If you trust the source of the file, load with "
                f"safe_mode=False. Vocabulary file: '{path}'"
            )
        if not os.path.exists(path):
            raise ValueError(f"Vocabulary file {path} does not exist.")
        if self.output_mode == "tf_idf":
            raise ValueError(
                "output_mode `'tf_idf'` does not support loading a vocabulary from file."
            )
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        self._set_table(self._as_keys(np.array(lines or self._empty_keys())))
        self._record_vocabulary_size()

    def _set_idf_weights(self, idf_weights, vocabulary_length, front):
        weights = np.asarray(idf_weights, dtype="float64")
        if weights.ndim != 1 or len(weights) != vocabulary_length:
            raise ValueError(
                "`idf_weights` must be a 1-D array the same length as vocabulary. "
                f"len(idf_weights) is {len(np.ravel(weights))}; len(vocabulary) is "
                f"{vocabulary_length}"
            )
        # No document frequencies exist for the OOV slots: they get the average weight.
        weights = np.concatenate([np.full(front, weights.mean()), weights])
        if self.pad_to_max_tokens:
            weights = np.pad(weights, (0, self.max_tokens - len(weights)))
        self.idf_weights = weights.astype(backend.floatx())

    def _record_vocabulary_size(self):
        size = self.vocabulary_size()
        if self.output_mode != "int" and not self.pad_to_max_tokens and \
                self._frozen_vocab_size is not None and self._frozen_vocab_size != size:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                "the vocabulary size cannot be changed after the layer is called. Old vocab "
                f"size is {self._frozen_vocab_size}, new vocab size is {size}"
            )
        self._frozen_vocab_size = size

    # --- adapt ----------------------------------------------------------------------------
    def adapt(self, data, steps=None):
        """Learn the vocabulary from `data`: tokens sorted by count (most frequent first), ties
        broken by the token itself in decreasing order, cut to `max_tokens`.

        Args:
            data: an array or list of tokens (one batch; a 1-D array holds one token per
                sample), or a dataset or iterable of batches.
            steps: read at most this many batches of an iterable.
        """
        self.reset_state()
        for batch in batches_of(data, steps):
            self.update_state(batch)
        self.finalize_state()

    def reset_state(self):
        """Forget the token counts gathered by `update_state`."""
        self._counts = (self._empty_keys(), np.zeros(0, np.int64))
        self._document_counts = (self._empty_keys(), np.zeros(0, np.int64))
        self._num_documents = 0

    def update_state(self, data):
        """Count the tokens of one batch (each row of a 2-D batch is a document)."""
        if self._has_input_vocabulary:
            raise ValueError(
                f"Cannot adapt layer '{self.name}' after setting a static vocabulary via "
                "`vocabulary` argument or `set_vocabulary()` method."
            )
        keys = self._as_keys(data)
        keys = keys.reshape(1, -1) if keys.ndim < 2 else keys.reshape(len(keys), -1)
        rows = np.repeat(np.arange(len(keys)), keys.shape[1])
        self._count_tokens(keys.ravel(), rows, len(keys))

    def _count_tokens(self, tokens, rows, num_rows):
        """Add `tokens` (flat) of documents ``rows`` (the document of each token)."""
        unique, counts = np.unique(tokens, return_counts=True)
        self._counts = _merge_counts(*self._counts, unique, counts)
        if self.output_mode == "tf_idf":
            _, inverse = np.unique(tokens, return_inverse=True)
            pairs = np.unique(rows.astype(np.int64) * max(len(unique), 1) + inverse.ravel())
            in_documents = np.bincount(pairs % max(len(unique), 1), minlength=len(unique))
            self._document_counts = _merge_counts(*self._document_counts, unique, in_documents)
            self._num_documents += num_rows

    def finalize_state(self):
        """Build the vocabulary (and IDF weights) from the counts gathered so far."""
        keys, counts = self._counts
        if self._has_input_vocabulary or keys.size == 0:
            self._record_vocabulary_size()
            return
        keep = np.ones(len(keys), bool)
        for token in (self.mask_token, self.oov_token):
            if token is not None:
                keep &= keys != token
        keys, counts = keys[keep], counts[keep]
        # Keys are sorted ascending, so their position ranks them: count first, then token,
        # both decreasing (Keras: np.lexsort((tokens, counts))[::-1]).
        order = np.lexsort((np.arange(len(keys)), counts))[::-1]
        if self.max_tokens:
            order = order[:self.max_tokens - self._token_start_index()]
        tokens = keys[order]
        self._set_table(tokens)
        if self.output_mode == "tf_idf":
            doc_keys, doc_counts = self._document_counts
            in_documents = doc_counts[np.searchsorted(doc_keys, tokens)]
            idf = np.log(1 + self._num_documents / (1 + in_documents)).astype(backend.floatx())
            self._set_idf_weights(idf, len(idf), self._token_start_index())
        self.reset_state()
        self._record_vocabulary_size()

    # --- call -----------------------------------------------------------------------------
    def lookup(self, keys):
        """The indices of `keys` (an array of the vocabulary's dtype); -1 marks a mask token
        in the non-int modes."""
        keys = np.asarray(keys)
        if self._sorted_keys.size:
            position = np.minimum(np.searchsorted(self._sorted_keys, keys),
                                  len(self._sorted_keys) - 1)
            found = self._sorted_keys[position] == keys
            ids = np.where(found, self._sorted_ids[position], -1)
        else:
            found = np.zeros(keys.shape, bool)
            ids = np.full(keys.shape, -1, np.int64)
        if self.mask_token is not None:
            masked = keys == self.mask_token
            found |= masked
            ids = np.where(masked, 0 if self.output_mode == "int" else -1, ids)
        oov = ~found
        if oov.any():
            if self.num_oov_indices == 0:
                raise ValueError(
                    "When `num_oov_indices=0` all inputs should be in vocabulary, found OOV "
                    f"values {keys[oov][:10].tolist()}, consider setting `num_oov_indices=1`."
                )
            ids = np.where(oov, self._oov_indices(keys), ids)
        return ids.astype(np.int64)

    def _oov_indices(self, keys):
        start = self._oov_start_index()
        if self.num_oov_indices == 1:
            return np.full(keys.shape, start, np.int64)
        if self.vocabulary_dtype != "string" and self.oov_method == "floormod":
            return np.mod(keys, self.num_oov_indices) + start
        text = keys.astype(str) if self.vocabulary_dtype != "string" else keys
        return hash_bucket(text.ravel(), self.num_oov_indices, self.salt).reshape(
            keys.shape) + start

    def _invert(self, ids):
        ids = np.asarray(ids).astype(np.int64)
        table = np.asarray([self.oov_token] * self._token_start_index() + self._tokens.tolist(),
                           dtype=object)
        if self.mask_token is not None:
            table[0] = self.mask_token
        inside = (ids >= 0) & (ids < len(table))
        out = np.where(inside, table[np.clip(ids, 0, max(len(table) - 1, 0))], self.oov_token) \
            if len(table) else np.full(ids.shape, self.oov_token, dtype=object)
        if self.vocabulary_dtype == "string":
            return Tensor(np.asarray(out, dtype=object))
        return Tensor(out.astype(np.int64))

    def _depth(self):
        if self.pad_to_max_tokens:
            return self.max_tokens
        if self._frozen_vocab_size is None:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                "you must set the layer's vocabulary before calling it. Either pass a "
                "`vocabulary` argument to the layer, or call `adapt` with some sample data."
            )
        return self._frozen_vocab_size

    def encode(self, ids, rows=None, num_rows=None):
        """Encode looked-up `ids` in the layer's output mode. Ragged ids come flat, with the
        row of each id in `rows`; the output then has one row per document."""
        if self.output_mode == "int":
            return Tensor(ids)
        depth = self._depth()
        if self.output_mode == "one_hot":
            if ids.ndim > 1 and ids.shape[-1] == 1:
                ids = ids[..., 0]
            out = (ids[..., None] == np.arange(depth)).astype(np.int64)
            return Tensor(out)
        if rows is None:
            lead = ids.shape[:-1] if ids.ndim > 1 else ()
            rows = np.repeat(np.arange(int(np.prod(lead))), ids.shape[-1] if ids.ndim else 1)
            num_rows, ids = int(np.prod(lead)), ids.ravel()
        else:
            lead = (num_rows,)
        keep = ids >= 0
        counts = np.bincount(rows[keep] * depth + ids[keep], minlength=num_rows * depth)
        counts = counts[:num_rows * depth].reshape(lead + (depth,))
        if self.output_mode == "multi_hot":
            return Tensor(np.minimum(counts, 1).astype(np.int64))
        if self.output_mode == "count":
            return Tensor(counts.astype(np.int64))
        return Tensor(counts.astype(backend.floatx()) * self.idf_weights[:depth])

    def call(self, inputs):
        if self.invert:
            return self._invert(inputs.data if isinstance(inputs, Tensor) else inputs)
        keys = self._as_keys(inputs)
        if keys.ndim == 0 and self.output_mode == "int":
            return Tensor(self.lookup(keys.reshape(1))[0])
        return self.encode(self.lookup(keys.reshape(1) if keys.ndim == 0 else keys))

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        return _encoded_shape(input_shape, self.output_mode, self._depth())

    def compute_output_spec(self, inputs):
        if self.invert:
            dtype = "string" if self.vocabulary_dtype == "string" else "int64"
        else:
            dtype = backend.floatx() if self.output_mode == "tf_idf" else "int64"
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    # --- saving ---------------------------------------------------------------------------
    def save_own_variables(self, store):
        if self.output_mode == "tf_idf":
            store["idf_weights"] = self.idf_weights

    def load_own_variables(self, store):
        if self.output_mode == "tf_idf":
            self.idf_weights = np.asarray(store["idf_weights"], dtype=backend.floatx())

    def save_assets(self, dir_path):
        """Write the vocabulary to ``vocabulary.txt`` in `dir_path` (unless the config holds
        it), as Keras does."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(w) for w in self.get_vocabulary()))

    def load_assets(self, dir_path):
        """Read the vocabulary that `save_assets` wrote."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        values = lines if self.vocabulary_dtype == "string" else [int(v) for v in lines]
        idf = None
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            idf = self.idf_weights[:len(values)]
        self.set_vocabulary(values, idf_weights=idf)

    def get_build_config(self):
        return {}

    def get_config(self):
        config = super().get_config()
        config.update({
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": _listify(self.input_idf_weights),
            "vocabulary": _listify(self.input_vocabulary),
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
        })
        return config


def _listify(values):
    if isinstance(values, Tensor):
        values = values.numpy()
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if isinstance(values, tuple):
        values = list(values)
    return values
