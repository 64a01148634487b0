"""Text inputs of the preprocessing layers: reading text (str or bytes) as NumPy unicode
arrays, the batches that `adapt` reads, and the mixin of layers whose call reads text."""

import numpy as np

from nnet.autodiff.tensor import Tensor
from nnet.utils.dataset_utils import PyDataset


def as_text(values):
    """`values` (str, bytes, lists or arrays of them, a Tensor) as a NumPy unicode array; bytes
    are decoded as UTF-8.

    Args:
        values: the text.

    Example:
        >>> as_text(np.array(["café".encode(), "tea"], dtype=object)).tolist()
        ['café', 'tea']
    """
    if isinstance(values, Tensor):
        values = values.data
    array = np.asarray(values)
    if array.dtype.kind == "S":
        return np.char.decode(array, "utf-8")
    if array.dtype.kind == "O":
        flat = [v.decode("utf-8") if isinstance(v, bytes) else v for v in array.ravel()]
        if not all(isinstance(v, str) for v in flat):
            raise ValueError(
                f"Expected strings, but received values such as {flat[:3]!r}. Pass text as str "
                f"or bytes."
            )
        return np.array(flat, dtype=str).reshape(array.shape) if flat else \
            np.zeros(array.shape, dtype="<U1")
    if array.dtype.kind != "U":
        raise ValueError(
            f"Expected strings, but received data of dtype {array.dtype} (first values: "
            f"{array.ravel()[:3].tolist()}). StringLookup and TextVectorization read text; use "
            f"IntegerLookup for integer ids."
        )
    return array


def batches_of(data, steps=None):
    """The batches `adapt` reads: an array, list or Tensor is one batch (a 1-D one becomes a
    column: one token per sample); a `PyDataset`, generator or other iterable yields its
    batches (of ``(x, y)`` pairs only ``x`` is read).

    Args:
        data: what `adapt` received.
        steps: read at most this many batches of an iterable.

    Example:
        >>> [b.shape for b in batches_of(["a", "b"])]
        [(2, 1)]
        >>> list(batches_of(iter([(["a"], [0]), (["b"], [1])]), steps=1))
        [['a']]
    """
    if isinstance(data, (list, tuple, np.ndarray, Tensor, str, bytes)):
        array = data.data if isinstance(data, Tensor) else np.asarray(data)
        yield array.reshape(-1, 1) if array.ndim == 1 else array
        return
    if isinstance(data, PyDataset):
        dataset = data
        data = (dataset[i] for i in range(len(dataset)))
    elif not hasattr(data, "__iter__"):
        raise TypeError(
            "Expected an array, a list, a dataset or an iterable of batches for data. Received: "
            f"data of type {type(data).__name__}"
        )
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            break
        yield batch[0] if isinstance(batch, tuple) else batch


class TextInputs:
    """Mixin of layers whose call reads text (or integer tokens): a (nested) list is one array
    of values, not a list of inputs, and text passes the numeric-input check."""

    _reads_text = True

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, (list, tuple, str)):
            inputs = np.asarray(inputs)
        return super().__call__(inputs, *args, **kwargs)
