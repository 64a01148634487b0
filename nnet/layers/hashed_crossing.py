"""HashedCrossing: crosses categorical features by hashing their combination into bins."""

import numpy as np

from nnet.autodiff.symbolic import KerasTensor
from nnet.autodiff.tensor import Tensor
from nnet.layers.category_encoding import (
    _encode,
    _is_positive_int,
    _refuse_sparse,
    _validate_output_mode,
)
from nnet.layers.layer import LAYERS, Layer
from nnet.layers.text_inputs import as_text
from nnet.utils.hash_utils import CROSS_HASH_KEY, fingerprint64, fingerprint_cat64


@LAYERS.register
class HashedCrossing(Layer):
    """Crosses two or more categorical features into ``num_bins`` bins, as
    ``tf.sparse.cross_hashed`` does: starting from a fixed key, each feature's hash (FarmHash
    ``Fingerprint64`` of a string, the value itself of an integer) is folded in with
    ``FingerprintCat64``; the bin is the result modulo `num_bins`.

    Args:
        num_bins: positive integer, the number of bins.
        output_mode: ``"int"`` (default) or ``"one_hot"``.
        sparse: must be False: nnet has no sparse tensors.
        name: the layer's name.
        dtype: int64 in ``"int"`` mode, ``floatx()`` otherwise, by default.

    Call arguments:
        inputs: a list of at least two arrays of equal shape ``()``, ``(batch,)`` or
            ``(batch, 1)``, of integers or strings.

    Example:
        >>> from nnet.layers.hashed_crossing import HashedCrossing
        >>> feat1 = np.array(["A", "B", "A", "B", "A"])
        >>> feat2 = np.array([101, 101, 101, 102, 102])
        >>> HashedCrossing(num_bins=5)((feat1, feat2)).numpy()
        array([1, 4, 1, 1, 3])
    """

    _reads_text = True

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None,
                 **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, autocast=False, **kwargs)
        if not _is_positive_int(num_bins):
            raise ValueError(
                f"Expected a positive integer for num_bins. Received: num_bins={num_bins!r}"
            )
        self.num_bins = num_bins
        self.output_mode = _validate_output_mode(output_mode, ("int", "one_hot"))
        self.sparse = _refuse_sparse(sparse)

    def __call__(self, inputs, *args, **kwargs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                "`HashedCrossing` should be called on a list or tuple of inputs. "
                f"Received: inputs={inputs!r}"
            )
        if len(inputs) < 2:
            raise ValueError(
                "`HashedCrossing` should be called on at least two inputs. "
                f"Received: inputs={inputs!r}"
            )
        return super().__call__(list(inputs), *args, **kwargs)

    def call(self, inputs):
        arrays = [x.data for x in inputs]
        shape = arrays[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError(
                "All `HashedCrossing` inputs should have shape `()`, `(batch_size)` or "
                f"`(batch_size, 1)`. Received shapes: {[a.shape for a in arrays]}"
            )
        if any(a.shape != shape for a in arrays):
            raise ValueError(
                "All `HashedCrossing` inputs should have equal shape. Received shapes: "
                f"{[a.shape for a in arrays]}"
            )
        if any(a.dtype.kind not in "iuOUS" for a in arrays):
            raise ValueError(
                "All `HashedCrossing` inputs should have an integer or string dtype. Received "
                f"dtypes: {[str(a.dtype) for a in arrays]}"
            )
        hashed = np.full(shape, np.uint64(CROSS_HASH_KEY))
        for a in arrays:
            feature = fingerprint64(as_text(a)) if a.dtype.kind in "OUS" else \
                a.astype(np.int64).view(np.uint64)
            hashed = fingerprint_cat64(hashed, feature)
        bins = (hashed % np.uint64(self.num_bins)).astype(np.int64)
        if self.output_mode == "int":
            return Tensor(bins.astype(self.dtype))
        return _encode(Tensor(bins), "one_hot", self.num_bins, self.dtype)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape[0])
        if self.output_mode == "int":
            return shape
        if shape and shape[-1] == 1:
            return shape[:-1] + (self.num_bins,)
        return shape + (self.num_bins,)

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape([x.shape for x in inputs]), self.dtype)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}
