"""Turning what users pass to fit/evaluate/predict into batches: arrays, validation split,
class and sample weights, shuffling, and Python generators or `PyDataset`s."""

import math
import warnings

import numpy as np

from nnet import backend
from nnet.autodiff.tensor import Tensor


class PyDataset:
    """Base class for datasets that produce batches by index, as `keras.utils.PyDataset`.

    Subclasses implement ``__len__`` (the number of batches) and ``__getitem__(index)`` returning
    ``(x, y)`` or ``(x, y, sample_weight)``; `on_epoch_end` runs after every epoch.

    Example:
        >>> import numpy as np, nnet
        >>> class Batches(nnet.utils.PyDataset):
        ...     def __len__(self):
        ...         return 2
        ...     def __getitem__(self, i):
        ...         return np.ones((4, 3)), np.zeros((4, 1))
        >>> len(Batches())
        2
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __len__(self):
        raise NotImplementedError

    def __getitem__(self, index):
        raise NotImplementedError

    def on_epoch_end(self):
        """Called at the end of every epoch; shuffle here if needed."""

    @property
    def num_batches(self):
        return len(self)


def _map(fn, structure):
    if isinstance(structure, (list, tuple)):
        return type(structure)(_map(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: _map(fn, v) for k, v in structure.items()}
    return None if structure is None else fn(structure)


def _leaves(structure):
    if isinstance(structure, (list, tuple)):
        return [leaf for s in structure for leaf in _leaves(s)]
    if isinstance(structure, dict):
        return [leaf for s in structure.values() for leaf in _leaves(s)]
    return [] if structure is None else [structure]


def to_array(value, argument):
    """`value` as a numeric NumPy array, or a ValueError naming `argument`."""
    if isinstance(value, Tensor):
        value = value.data
    try:
        array = backend.asarray(value)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"Could not convert {argument} to a numeric array: {error}. Pass a NumPy array of "
            f"numbers with one row per sample."
        ) from None
    if array.dtype.kind not in "biuf":
        raise ValueError(
            f"Expected numeric data for {argument}, but it has dtype {array.dtype} (first values: "
            f"{array.ravel()[:3].tolist()}). Convert it to numbers first, e.g. encode categories "
            f"as integers."
        )
    if array.ndim == 0:
        raise ValueError(
            f"Expected {argument} to have a sample axis, but received a scalar: "
            f"{argument}={array!r}."
        )
    return array


def _check_finite(array, argument):
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))[0]
        raise ValueError(
            f"{argument} contains NaN or infinite values (first at index {tuple(bad.tolist())}: "
            f"{array[tuple(bad)]}). Remove or impute them before training."
        )


def prepare_arrays(x, y=None, sample_weight=None, check_finite=True):
    """Convert x, y and sample_weight to arrays and check that they agree, before any work."""
    x, y = _nested_lists_as_array(x), _nested_lists_as_array(y)
    x = _map(lambda v: to_array(v, "x"), x)
    y = _map(lambda v: to_array(v, "y"), y)
    if sample_weight is not None:
        sample_weight = to_array(sample_weight, "sample_weight")
    if check_finite:
        for name, value in (("x", x), ("y", y), ("sample_weight", sample_weight)):
            for leaf in _leaves(value):
                _check_finite(leaf, name)
    lengths = {name: {len(a) for a in _leaves(v)} for name, v in
               (("x", x), ("y", y), ("sample_weight", sample_weight)) if v is not None}
    sizes = set().union(*lengths.values()) if lengths else set()
    if len(sizes) > 1:
        detail = ", ".join(f"{name}: {sorted(n)}" for name, n in lengths.items())
        raise ValueError(
            f"Data cardinality is ambiguous: the arrays have different numbers of samples "
            f"({detail}). Make sure all arrays contain the same number of samples."
        )
    return x, y, sample_weight


def _nested_lists_as_array(value):
    # A list of numbers or of lists is one array; a list of arrays is several inputs.
    if isinstance(value, list) and not any(isinstance(v, (np.ndarray, Tensor)) for v in value):
        return np.asarray(value)
    return value


def num_samples(x):
    """The number of samples (rows) in an array structure."""
    return len(_leaves(x)[0])


def slice_arrays(structure, index):
    """Take rows `index` (a slice or integer array) from every array in `structure`."""
    return _map(lambda a: a[index], structure)


def train_validation_split(arrays, validation_split):
    """Split (x, y, sample_weight) so that the LAST `validation_split` fraction validates."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(
            f"validation_split must be between 0 and 1 (exclusive). "
            f"Received: validation_split={validation_split}"
        )
    n = num_samples(arrays[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by `validation_split={validation_split}`. "
            f"Either provide more data, or a different value for the `validation_split` argument."
        )
    train = tuple(slice_arrays(a, slice(0, split_at)) for a in arrays)
    val = tuple(slice_arrays(a, slice(split_at, None)) for a in arrays)
    return train, val


def class_weight_to_sample_weights(y, class_weight):
    """Per-sample weights from ``{class: weight}``: one-hot y uses argmax, (N, 1) is squeezed."""
    if isinstance(y, (list, tuple, dict)):
        raise ValueError(
            "class_weight is only supported for models with a single output. Pass sample_weight "
            "(one array per output) instead."
        )
    if y.ndim > 1 and y.shape[-1] > 1:
        labels = y.argmax(axis=-1)
    else:
        labels = y.reshape(len(y), -1)[:, 0] if y.ndim > 1 else y
    labels = np.round(labels).astype(np.int64)
    weights = np.ones(len(labels), dtype=backend.floatx())
    for cls, weight in class_weight.items():
        weights[labels == int(cls)] = weight
    return weights


class ArrayBatches:
    """Batches over in-memory arrays, Keras's way: ceil(N / batch_size) steps, last batch kept.

    With `steps_per_epoch`, epochs continue where the previous one stopped and the data is
    reshuffled each time it has been fully seen.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False,
                 steps_per_epoch=None):
        self.data = (x, y, sample_weight)
        self.n = num_samples(x)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.num_batches = max(1, math.ceil(self.n / batch_size))
        self.steps = steps_per_epoch or self.num_batches
        self._position = self.num_batches
        self._order = None

    def _batch(self, i):
        start = i * self.batch_size
        stop = min(start + self.batch_size, self.n)
        index = slice(start, stop) if self._order is None else self._order[start:stop]
        return pack_x_y_sample_weight(*(slice_arrays(a, index) if a is not None else None
                                        for a in self.data))

    def _restart(self):
        self._position = 0
        if self.shuffle == "batch":
            chunks = np.arange(self.n)
            chunks = [backend.rng().permutation(chunks[i:i + self.batch_size])
                      for i in range(0, self.n, self.batch_size)]
            self._order = np.concatenate(chunks)
        elif self.shuffle:
            self._order = backend.rng().permutation(self.n)

    def epoch(self):
        """Yield ``(step, (x, y, sample_weight))`` for one epoch."""
        for step in range(self.steps):
            if self._position >= self.num_batches:
                self._restart()
            yield step, self._batch(self._position)
            self._position += 1


class IterableBatches:
    """Batches from a `PyDataset`, a generator or any iterable of ``(x, y[, sample_weight])``."""

    def __init__(self, source, steps_per_epoch=None, class_weight=None):
        self.source = source
        self.steps = steps_per_epoch or (len(source) if hasattr(source, "__len__") else None)
        self.class_weight = class_weight
        self._iterator = None

    def _items(self):
        if isinstance(self.source, PyDataset):
            return (self.source[i] for i in range(len(self.source)))
        return iter(self.source)

    def epoch(self):
        """Yield ``(step, batch)`` for one epoch; a bounded epoch continues the iterator."""
        if self._iterator is None or self.steps is None or hasattr(self.source, "__len__"):
            self._iterator = self._items()
        step = 0
        while self.steps is None or step < self.steps:
            try:
                item = next(self._iterator)
            except StopIteration:
                self._iterator = None
                break
            x, y, sample_weight = unpack_x_y_sample_weight(item)
            if self.class_weight is not None and y is not None:
                if sample_weight is not None:
                    raise ValueError(
                        "The dataset yields sample weights and class_weight was given too: "
                        "combine them into the sample weights the dataset yields."
                    )
                sample_weight = class_weight_to_sample_weights(np.asarray(y), self.class_weight)
            yield step, pack_x_y_sample_weight(x, y, sample_weight)
            step += 1
        if isinstance(self.source, PyDataset):
            self.source.on_epoch_end()


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """A batch as train_step receives it: ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``.

    Example:
        >>> pack_x_y_sample_weight([1], [2])
        ([1], [2])
    """
    if y is None:
        # A lone x is passed as it is, unless it is a tuple or list (several inputs).
        return (x,) if isinstance(x, (list, tuple)) else x
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """Split a batch given as ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(
        f"Data is expected to be x, (x,), (x, y) or (x, y, sample_weight). Received a tuple of "
        f"{len(data)} elements."
    )


def is_array_data(x):
    """Whether `x` is array data (arrays, Tensors, lists/dicts of them) rather than a dataset."""
    if isinstance(x, (np.ndarray, Tensor)) or hasattr(x, "__array_interface__"):
        return True
    if isinstance(x, dict):
        return all(is_array_data(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return len(x) > 0 and all(
            is_array_data(v) or isinstance(v, (int, float, list)) for v in x
        )
    return False


def to_numpy_structure(structure):
    """Tensors in a value, list or dict structure converted to NumPy arrays."""
    if isinstance(structure, Tensor):
        return structure.numpy()
    if isinstance(structure, (list, tuple)):
        return type(structure)(to_numpy_structure(s) for s in structure)
    if isinstance(structure, dict):
        return {k: to_numpy_structure(v) for k, v in structure.items()}
    return structure


def concatenate_batches(outputs):
    """Per-batch outputs (arrays, lists or dicts of them) joined along the batch axis; floats
    as `floatx()`, as predict returns them."""
    first = outputs[0]
    if isinstance(first, (list, tuple)):
        return type(first)(concatenate_batches([o[i] for o in outputs]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: concatenate_batches([o[k] for o in outputs]) for k in first}
    result = np.concatenate(outputs, axis=0)
    return result.astype(backend.floatx()) if result.dtype.kind == "f" else result


def batch_size_of(x):
    """The number of samples in a batch (of arrays, lists or dicts of arrays)."""
    while isinstance(x, (list, tuple, dict)):
        x = next(iter(x.values())) if isinstance(x, dict) else x[0]
    return len(x)


def capped_steps(steps):
    """`steps` under the debugging cap `backend.max_steps_per_epoch()`, as Keras applies it."""
    cap = backend.max_steps_per_epoch()
    if cap and (not steps or cap < steps):
        warnings.warn(f"Limiting steps_per_epoch to {cap}", stacklevel=3)
        return cap
    return steps
