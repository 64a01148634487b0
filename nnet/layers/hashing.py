"""Hashing: values (strings or integers) to a fixed number of bins by a stable hash."""

import numpy as np

from nnet import backend
from nnet.autodiff.symbolic import KerasTensor
from nnet.autodiff.tensor import Tensor
from nnet.layers.category_encoding import (
    _encode,
    _is_positive_int,
    _refuse_sparse,
    _validate_output_mode,
)
from nnet.layers.layer import LAYERS, Layer
from nnet.layers.text_inputs import TextInputs, as_text
from nnet.utils.hash_utils import hash_bucket


def hash_values(values, num_bins, mask_value=None, salt=None):
    """The bin of each value, as Keras's Hashing computes it: floats are truncated to
    integers, integers hashed as their decimal text, text with FarmHash ``Fingerprint64`` (or
    SipHash keyed by `salt`) modulo the bins; with a `mask_value`, bin 0 holds it alone.

    Args:
        values: an array (or Tensor) of text or numbers.
        num_bins: the number of bins.
        mask_value: the value sent to bin 0, or None.
        salt: two integers keying SipHash, or None for FarmHash.

    Example:
        >>> hash_values(np.array(["A", "B", "C", "D", "E"]), 3)
        array([1, 0, 1, 1, 2])
    """
    array = values.data if isinstance(values, Tensor) else np.asarray(values)
    bins, mask = num_bins, None
    if mask_value is not None and num_bins > 1:
        bins -= 1
        mask = array == mask_value
    if array.dtype.kind == "f":
        array = array.astype(np.int64)
    text = as_text(array) if array.dtype.kind in "OUS" else array.astype(str)
    out = hash_bucket(text.ravel(), bins, salt).reshape(array.shape)
    return out if mask is None else np.where(mask, 0, out + 1)


def _validate_salt(salt):
    if salt is None:
        return None
    if isinstance(salt, (tuple, list)) and len(salt) == 2:
        return [int(s) for s in salt]
    if isinstance(salt, int) and not isinstance(salt, bool):
        return [salt, salt]
    raise ValueError(
        "The `salt` argument for `Hashing` can only be a tuple of size 2 integers, or a single "
        f"integer. Received: salt={salt!r}."
    )


@LAYERS.register
class Hashing(TextInputs, Layer):
    """Hashes values into ``num_bins`` bins: ``bin = Fingerprint64(str(x)) % num_bins`` (FarmHash,
    unsalted) or a SipHash-2-4 keyed by `salt`, exactly as Keras (TensorFlow) assigns them.

    Strings are hashed as UTF-8; integers as their decimal text; floats are truncated to
    integers first. With `mask_value`, that value goes to bin 0 and the others to bins
    ``1..num_bins-1``.

    Args:
        num_bins: positive integer, the number of bins (mask bin included).
        mask_value: a value that maps to bin 0.
        salt: an integer or two integers keying the strong hash (None: FarmHash).
        output_mode: ``"int"`` (default), ``"one_hot"``, ``"multi_hot"`` or ``"count"``.
        sparse: must be False: nnet has no sparse tensors.
        dtype: int64 in ``"int"`` mode, ``floatx()`` otherwise, by default.
        name: the layer's name.

    Example:
        >>> from nnet.layers.hashing import Hashing
        >>> Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]]).numpy().ravel()
        array([1, 0, 1, 1, 2])
        >>> Hashing(num_bins=3, mask_value="")([["A"], [""], ["C"]]).numpy().ravel()
        array([1, 0, 2])
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else backend.floatx()
        super().__init__(autocast=False, **kwargs)
        if not _is_positive_int(num_bins):
            raise ValueError(
                "The `num_bins` for `Hashing` cannot be `None` or non-positive values. "
                f"Received: num_bins={num_bins!r}."
            )
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(
                'When `output_mode="int"`, `dtype` should be an integer type, \'int32\' or '
                f"'int64'. Received: dtype={self.dtype!r}"
            )
        self.output_mode = _validate_output_mode(output_mode,
                                                 ("int", "one_hot", "multi_hot", "count"))
        self.sparse = _refuse_sparse(sparse)
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.salt = _validate_salt(salt)
        self.strong_hash = self.salt is not None

    def call(self, inputs):
        values = inputs.data
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values[..., 0]
        bins = hash_values(values, self.num_bins, self.mask_value, self.salt)
        if self.output_mode == "int":
            return Tensor(bins.astype(self.dtype))
        return _encode(Tensor(bins), self.output_mode, self.num_bins, self.dtype)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_bins,)
        return tuple(input_shape[:-1]) + (self.num_bins,)

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape), self.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "salt": self.salt,
                       "mask_value": self.mask_value, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config
