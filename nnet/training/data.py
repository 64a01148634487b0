"""Turning what users pass to fit/evaluate/predict into batches: arrays, validation split,
class and sample weights, shuffling, Python generators, `PyDataset`s and PyTorch `DataLoader`s."""

import math
import warnings

import numpy as np

from nnet import backend, config, tree
from nnet.autodiff.tensor import Tensor
from nnet.utils.argument_checks import check_positive_int
from nnet.utils.dataset_utils import PyDataset, pack_x_y_sample_weight, unpack_x_y_sample_weight


def _map_arrays(fn, structure):
    # None marks an absent input or target: it stays None. Batches of one array each, the common
    # case, skip the general walk: this runs for every batch.
    if type(structure) is tuple:
        out = []
        for v in structure:
            if v is None:
                out.append(None)
            elif type(v) is np.ndarray:
                out.append(fn(v))
            else:
                break
        else:
            return tuple(out)
    return tree.map_structure(lambda v: None if v is None else fn(v), structure)


def _check_given(x, argument):
    """Refuse missing or empty data up front, instead of a raw error deep in the pipeline."""
    if x is None:
        raise ValueError(
            f"No data was given: {argument}=None. Pass arrays (or lists or dicts of arrays), a "
            "PyDataset, a DataLoader or a generator of batches."
        )
    if isinstance(x, (dict, list, tuple)) and not tree.flatten(x):
        raise ValueError(
            f"{argument} is empty: {argument}={x!r}. Pass one array per model input (or a dict "
            "keyed by input name)."
        )


def _arrays(structure):
    return [leaf for leaf in tree.flatten(structure) if leaf is not None]


def to_array(value, argument, allow_strings=False):
    """`value` as a numeric NumPy array (or, with `allow_strings`, an array of text), or a
    ValueError naming `argument`."""
    if isinstance(value, Tensor):
        value = value.data
    try:
        array = backend.asarray(value)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"Could not convert {argument} to a numeric array: {error}. Pass a NumPy array of "
            f"numbers with one row per sample."
        ) from None
    if allow_strings and _is_text(array):
        pass
    elif array.dtype.kind not in "biuf":
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


def _is_text(array):
    # Text reaches the model as it is given (string layers such as TextVectorization read it).
    if array.dtype.kind in "US":
        return True
    return array.dtype.kind == "O" and all(isinstance(v, (str, bytes)) for v in array.flat)


def _check_finite(array, argument):
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))[0]
        raise ValueError(
            f"{argument} contains NaN or infinite values (first at index {tuple(bad.tolist())}: "
            f"{array[tuple(bad)]}). Remove or impute them before training."
        )


def _check_float_range(array, argument):
    """Values beyond the float range of `floatx()` would turn into inf inside the model."""
    if array.dtype.kind != "f" or not array.size \
            or array.dtype.itemsize <= np.dtype(backend.floatx()).itemsize:
        return
    limit = np.finfo(backend.floatx()).max
    largest = max(-array.min(), array.max())
    if largest > limit:
        raise ValueError(
            f"{argument} holds values up to {largest:g} in magnitude, beyond the {limit:g} that "
            f"{backend.floatx()} (the model's dtype) can hold: they would become inf. Rescale "
            f"{argument} (e.g. standardize it) before training."
        )


def prepare_arrays(x, y=None, sample_weight=None, check_finite=True):
    """Convert x, y and sample_weight to arrays and check that they agree, before any work."""
    x, y = _nested_lists_as_array(x), _nested_lists_as_array(y)
    x = _map_arrays(lambda v: to_array(v, "x", allow_strings=True), x)
    y = _map_arrays(lambda v: to_array(v, "y"), y)
    if sample_weight is not None:
        sample_weight = to_array(sample_weight, "sample_weight")
    if check_finite:
        for name, value in (("x", x), ("y", y), ("sample_weight", sample_weight)):
            for leaf in _arrays(value):
                _check_finite(leaf, name)
                _check_float_range(leaf, name)
    lengths = {name: {len(a) for a in _arrays(v)} for name, v in
               (("x", x), ("y", y), ("sample_weight", sample_weight)) if v is not None}
    sizes = set().union(*lengths.values()) if lengths else set()
    if sizes == {0}:
        raise ValueError(
            "The data has no samples (x has 0 rows). Pass at least one sample."
        )
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
        try:
            return np.asarray(value)
        except ValueError:
            lengths = sorted({len(v) for v in value if hasattr(v, "__len__")})
            raise ValueError(
                f"The data is a ragged list: its rows have different lengths ({lengths}). nnet "
                "takes rectangular arrays: pad the rows to one length (e.g. with "
                "nnet.utils.pad_sequences) or pass a NumPy array."
            ) from None
    return value


def num_samples(x):
    """The number of samples (rows) in an array structure."""
    return len(_arrays(x)[0])


def slice_arrays(structure, index):
    """Take rows `index` (a slice or integer array) from every array in `structure`."""
    return _map_arrays(lambda a: a[index], structure)


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
    return slice_arrays(arrays, slice(0, split_at)), slice_arrays(arrays, slice(split_at, None))


def class_weight_to_sample_weights(y, class_weight):
    """Per-sample weights from ``{class: weight}``: one-hot y uses argmax, (N, 1) is squeezed."""
    if tree.is_nested(y):
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


def _warn_ran_out():
    """Keras's warning when the data runs out before the steps asked for, word for word."""
    warnings.warn(
        "Your input ran out of data; interrupting training. Make sure that your dataset or "
        "generator can generate at least `steps_per_epoch * epochs` batches. You may need to "
        "use the `.repeat()` function when building your dataset.",
        stacklevel=4,
    )


class ArrayBatches:
    """Batches over in-memory arrays, Keras's way: ceil(N / batch_size) steps, last batch kept.

    With `steps_per_epoch`, epochs continue where the previous one stopped and the data is
    reshuffled each time it has been fully seen. `class_weight` turns into per-sample weights.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False,
                 steps_per_epoch=None, class_weight=None):
        if class_weight is not None:
            sample_weight = class_weight_to_sample_weights(y, class_weight)
        self.data = (x, y, sample_weight)
        self.n = num_samples(x)
        self.batch_size = batch_size or 32
        self.shuffle = shuffle
        self.num_batches = max(1, math.ceil(self.n / self.batch_size))
        self.steps = steps_per_epoch or self.num_batches
        self._position = self.num_batches
        self._order = None
        # Set by `shard`: the data-parallel distribution whose process takes its rows of each
        # batch.
        self.shard = None

    def _batch(self, i):
        start = i * self.batch_size
        stop = min(start + self.batch_size, self.n)
        if self.shard is not None:
            start, stop = self.shard.rows(start, stop)
        index = slice(start, stop) if self._order is None else self._order[start:stop]
        return pack_x_y_sample_weight(*slice_arrays(self.data, index))

    def _restart(self):
        self._position = 0
        if self.shuffle == "batch":
            chunks = np.arange(self.n)
            chunks = [backend.rng().permutation(chunks[i:i + self.batch_size])
                      for i in range(0, self.n, self.batch_size)]
            self._order = np.concatenate(chunks)
        elif self.shuffle:
            self._order = backend.rng().permutation(self.n)
        if self.shard is not None and self._order is not None:
            # Every process shards the same order: rank 0's.
            self.shard.broadcast(self._order)

    def reset(self):
        """Start the next epoch at the first batch (Keras restarts evaluation data each time)."""
        self._position = self.num_batches

    def epoch(self):
        """Yield ``(step, (x, y, sample_weight))`` for one epoch; it ends early, with Keras's
        warning, when the data runs out before `steps_per_epoch`."""
        for step in range(self.steps):
            if self._position >= self.num_batches:
                # Data that ran out mid-epoch ends the epoch; the next one starts it over.
                if step > 0:
                    _warn_ran_out()
                    break
                self._restart()
            yield step, self._batch(self._position)
            self._position += 1


class IterableBatches:
    """Batches from a `PyDataset`, a PyTorch `DataLoader`, a generator or any iterable of
    ``(x, y[, sample_weight])``. A DataLoader's torch tensors arrive as NumPy arrays."""

    def __init__(self, source, steps_per_epoch=None, class_weight=None, argument="x"):
        self.source = source
        self.steps = steps_per_epoch or (len(source) if hasattr(source, "__len__") else None)
        self.class_weight = class_weight
        self.argument = argument
        self._iterator = None
        self._yielded = False
        # Set by `shard`: the data-parallel distribution whose process takes its rows of each
        # batch.
        self.shard = None

    def _items(self):
        if isinstance(self.source, PyDataset):
            return (self.source[i] for i in range(len(self.source)))
        if is_torch_dataloader(self.source):
            return (tree.map_structure(_torch_to_numpy, batch) for batch in self.source)
        return iter(self.source)

    def reset(self):
        """Start the next epoch on a fresh iterator of the source (a generator just goes on)."""
        self._iterator = None

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
                if self.steps is not None and self._yielded:
                    _warn_ran_out()
                break
            self._yielded = True
            x, y, sample_weight = unpack_x_y_sample_weight(item)
            if self.class_weight is not None and y is not None:
                if sample_weight is not None:
                    raise ValueError(
                        "The dataset yields sample weights and class_weight was given too: "
                        "combine them into the sample weights the dataset yields."
                    )
                sample_weight = class_weight_to_sample_weights(np.asarray(y), self.class_weight)
            if self.shard is not None:
                x, y, sample_weight = self.shard.shard((x, y, sample_weight))
            yield step, pack_x_y_sample_weight(x, y, sample_weight)
            step += 1
        if not self._yielded:
            raise ValueError(
                f"{self.argument} yielded no batches: it is empty (a PyDataset of length 0, or "
                "a generator with nothing left). Pass data with at least one batch."
            )
        if isinstance(self.source, PyDataset):
            self.source.on_epoch_end()


def shard(batches, distribution):
    """`batches`, set to give this process its rows of each batch, when `distribution` is a
    `nnet.distribution.DataParallel` over several processes (None: `batches` as they are).

    Every process sees the same global batches (array data in rank 0's shuffled order) and keeps
    its part of each (``distribution.rows``). A dataset is left whole when the distribution's
    ``auto_shard_dataset`` is False (it yields each process's own batches). Array data whose
    smallest batch has fewer samples than there are processes raises a ValueError here.
    """
    if distribution is None or batches is None:
        return batches
    if isinstance(batches, ArrayBatches):
        distribution.rows(0, batches.n % batches.batch_size or min(batches.batch_size,
                                                                    batches.n))
    elif not distribution.auto_shard_dataset:
        return batches
    batches.shard = distribution
    return batches


def is_torch_dataloader(x):
    """Whether `x` is a PyTorch ``torch.utils.data.DataLoader`` (told without importing torch).

    Example:
        >>> is_torch_dataloader([(1, 2)])
        False
    """
    return _has_base(x, "DataLoader", "torch.utils.data")


def _has_base(value, name, module):
    # Tells torch classes apart by name, so that nnet never has to import torch.
    return any(cls.__name__ == name and cls.__module__.startswith(module)
               for cls in type(value).__mro__)


def _torch_to_numpy(value):
    # A DataLoader batch holds torch tensors (on any device, maybe tracking gradients).
    if _has_base(value, "Tensor", "torch"):
        return np.asarray(value.detach().cpu())
    return value


def batches_for(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None,
                class_weight=None, argument="x", batch_argument="batch_size",
                steps_argument="steps"):
    """The batches of one loop over `x`: arrays (with `y`, `sample_weight`) or a dataset.

    A dataset, generator or DataLoader makes its own batches, so `batch_size` is then ignored
    with a warning, as Keras ignores it; it must yield `y` and the sample weights itself.

    Args:
        x, y, sample_weight: what fit/evaluate/predict received.
        batch_size: samples per batch of array data (32 by default).
        shuffle: True, False or "batch", for array data.
        steps: batches per epoch (all of them by default), under `config.max_steps_per_epoch`.
        class_weight: ``{class index: weight}``, turned into per-sample weights.
        argument, batch_argument, steps_argument: the names of `x`, `batch_size` and `steps`
            in the caller's messages.

    Example:
        >>> import numpy as np
        >>> batches_for(np.zeros((70, 2)), np.zeros(70), batch_size=32).steps
        3
    """
    _check_given(x, argument)
    if batch_size is not None:
        check_positive_int(batch_size, batch_argument)
    steps = capped_steps(steps if steps is None else check_positive_int(steps, steps_argument))
    if is_array_data(x):
        return ArrayBatches(*prepare_arrays(x, y, sample_weight), batch_size, shuffle, steps,
                            class_weight)
    if y is not None or sample_weight is not None:
        raise ValueError(
            f"When {argument} is a dataset or generator, it must yield (x, y) pairs itself: "
            f"do not pass y or sample_weight. Received: {argument}={x!r}"
        )
    if batch_size is not None:
        warnings.warn(
            f"Ignoring {batch_argument}={batch_size}: {argument} is a dataset, generator or "
            f"DataLoader, which makes its own batches. Set the batch size where the dataset is "
            f"built.",
            UserWarning,
            stacklevel=3,
        )
    return IterableBatches(x, steps, class_weight, argument)


def fit_batches(x, y=None, sample_weight=None, batch_size=None, shuffle=True, steps_per_epoch=None,
                class_weight=None, validation_split=0.0, validation_data=None,
                validation_batch_size=None, validation_steps=None):
    """fit's data, prepared once: the training batches and the validation batches (or None).

    The arguments are fit's. `validation_split` holds out the last fraction of array data
    (before shuffling); `validation_data` wins over it.

    Example:
        >>> import numpy as np
        >>> train, validation = fit_batches(np.zeros((10, 2)), np.zeros(10), validation_split=0.2)
        >>> train.n, validation.n
        (8, 2)
    """
    if class_weight is not None and sample_weight is not None:
        raise ValueError(
            "You cannot pass both class_weight and sample_weight: combine them into one "
            "sample_weight array (class weight of each sample times its own weight)."
        )
    _check_given(x, "x")
    if steps_per_epoch is not None:
        check_positive_int(steps_per_epoch, "steps_per_epoch")
    if is_array_data(x):
        arrays = prepare_arrays(x, y, sample_weight)
        if validation_split and validation_data is None:
            arrays, validation_data = train_validation_split(arrays, validation_split)
        batches = ArrayBatches(*arrays, batch_size, shuffle, capped_steps(steps_per_epoch),
                               class_weight)
    elif validation_split:
        raise ValueError(
            "validation_split is only supported for array inputs. Pass validation_data "
            "instead when x is a dataset or generator."
        )
    else:
        batches = batches_for(x, y, sample_weight, batch_size, shuffle, steps_per_epoch,
                              class_weight, steps_argument="steps_per_epoch")
    if validation_data is None:
        return batches, None
    val_x, val_y, val_sample_weight = unpack_x_y_sample_weight(validation_data) \
        if isinstance(validation_data, (tuple, list)) else (validation_data, None, None)
    # fit's batch_size serves validation arrays; a validation dataset makes its own batches.
    if is_array_data(val_x):
        validation_batch_size = validation_batch_size or batch_size
    validation = batches_for(val_x, val_y, val_sample_weight, validation_batch_size, False,
                             validation_steps, argument="validation_data",
                             batch_argument="validation_batch_size",
                             steps_argument="validation_steps")
    return batches, validation


def is_array_data(x):
    """Whether `x` is array data (arrays, Tensors, nested lists of numbers, lists or dicts of
    them) rather than a dataset.

    Example:
        >>> import numpy as np
        >>> is_array_data({"a": np.zeros(3), "b": [[1, 2], [3, 4]]}), is_array_data(iter([]))
        (True, False)
    """
    if not tree.is_nested(x):
        return _is_array(x)
    # None stands for an absent optional input.
    leaves = _arrays(x)
    return bool(leaves) and all(_is_array(leaf) or isinstance(leaf, (int, float, str, bytes))
                                for leaf in leaves)


def _is_array(x):
    return isinstance(x, (np.ndarray, Tensor)) or hasattr(x, "__array_interface__")


def to_numpy_structure(structure):
    """Tensors in a value, list or dict structure converted to NumPy arrays."""
    return tree.map_structure(lambda v: v.numpy() if isinstance(v, Tensor) else v, structure)


def concatenate_batches(outputs):
    """Per-batch outputs (arrays, lists or dicts of them) joined along the batch axis; floats
    as `floatx()`, as predict returns them."""
    return tree.map_structure(_concatenate, *outputs)


def _concatenate(*arrays):
    result = np.concatenate(arrays, axis=0)
    return result.astype(backend.floatx()) if result.dtype.kind == "f" else result


def batch_size_of(x):
    """The number of samples in a batch (of arrays, lists or dicts of arrays)."""
    return len(x) if type(x) is np.ndarray else len(_arrays(x)[0])


def capped_steps(steps):
    """`steps` under the debugging cap `config.max_steps_per_epoch()`, as Keras applies it."""
    cap = config.max_steps_per_epoch()
    if cap and (not steps or cap < steps):
        warnings.warn(f"Limiting steps_per_epoch to {cap}", stacklevel=3)
        return cap
    return steps
