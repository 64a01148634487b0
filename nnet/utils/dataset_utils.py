"""What a batch is to a training step (`pack_x_y_sample_weight`, `unpack_x_y_sample_weight`) and
`PyDataset`, the base of datasets that make their own batches; as in ``keras.utils``. Also the
folder indexing, splitting and label encoding that the ``*_dataset_from_directory`` functions
share."""

import os

import numpy as np


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


def index_directory(directory, labels, formats, class_names=None, follow_links=False):
    """The files under `directory` ending in one of `formats`, with their class indices and
    the class names, in Keras's order: classes by sorted subfolder (or `class_names`' order),
    files by sorted folder then name.

    Args:
        directory: the root folder.
        labels: "inferred" (a class per subfolder), None, or a list of integer labels, one per
            file in that order.
        formats: the accepted file name endings (lower case), e.g. ``(".txt",)``.
        class_names: with "inferred", the subfolders to use, in label order.
        follow_links: also visit subfolders that are symbolic links.

    Returns:
        ``(paths, labels, class_names)``: labels an int32 array, or None (and class_names None)
        without labels.

    Example:
        >>> import os, tempfile
        >>> root = tempfile.mkdtemp()
        >>> for name in ("b/x.txt", "a/y.txt", "a/z.md"):
        ...     os.makedirs(os.path.dirname(os.path.join(root, name)), exist_ok=True)
        ...     open(os.path.join(root, name), "w").close()
        >>> paths, labels, names = index_directory(root, "inferred", (".txt",))
        >>> [os.path.basename(p) for p in paths], labels.tolist(), names
        (['y.txt', 'x.txt'], [0, 1], ['a', 'b'])
    """
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError(
                    "The `class_names` passed did not match the names of the subdirectories of "
                    f"the target directory. Expected: {subdirs} (or a subset of it), but "
                    f"received: class_names={class_names}"
                )
            subdirs = list(class_names)
    else:
        subdirs = [""]
    paths, indices = [], []
    for index, subdir in enumerate(subdirs):
        top = os.path.join(directory, subdir)
        walk = sorted(os.walk(top, followlinks=follow_links), key=lambda x: x[0])
        for root, _, files in walk:
            for name in sorted(files):
                if name.lower().endswith(tuple(formats)):
                    paths.append(os.path.join(root, name))
                    indices.append(index)
    if labels == "inferred":
        return paths, np.array(indices, dtype="int32"), subdirs
    if labels is None:
        return paths, None, None
    if len(labels) != len(paths):
        raise ValueError(
            "Expected the lengths of `labels` to match the number of files in the target "
            f"directory. len(labels) is {len(labels)} while we found {len(paths)} files in "
            f"directory {directory}."
        )
    return paths, np.asarray(labels, dtype="int32"), [str(c) for c in sorted(set(labels))]


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    """Raise ValueError for a `validation_split`/`subset`/`seed` combination Keras refuses.

    Example:
        >>> check_validation_split_arg(0.2, "training", True, 1)
    """
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(
            f"`validation_split` must be between 0 and 1, received: {validation_split}"
        )
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(
            f'`subset` must be either "training", "validation" or "both", received: {subset}'
        )
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "If using `validation_split` and shuffling the data, you must provide a `seed` "
            "argument, to make sure that there is no overlap between the training and "
            "validation subset."
        )


def get_training_or_validation_split(samples, labels, validation_split, subset):
    """The `subset` ("training" or "validation") of `samples` and `labels`: the last
    ``int(validation_split * n)`` samples validate.

    Example:
        >>> get_training_or_validation_split([1, 2, 3, 4], None, 0.25, "validation")
        ([4], None)
    """
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    part = slice(None, len(samples) - num_val) if subset == "training" else \
        slice(len(samples) - num_val, None)
    return samples[part], None if labels is None else labels[part]


def encode_labels(labels, label_mode, num_classes):
    """Integer class indices as `label_mode` wants them: int32 ("int"), one-hot float32
    ("categorical") or float32 of shape (n, 1) ("binary").

    Example:
        >>> encode_labels(np.array([0, 2]), "categorical", 3).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    labels = np.asarray(labels)
    if label_mode == "binary":
        return labels.astype("float32")[..., None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels]
    return labels.astype("int32")


def _split_sizes(left_size, right_size, total):
    """Keras's `_rescale_dataset_split_sizes`: the two sizes as integers, checked."""
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and type(size) not in (int, float):
            raise TypeError(f"Invalid `{name}` Type. Expected: int or float or None, "
                            f"Received: type({name})={type(size)}.")
        if (type(size) is int and not 0 < size < total) or (
                type(size) is float and not 0 < size < 1):
            raise ValueError(
                f"`{name}` should be either a positive integer smaller than {total}, or a "
                f"float within the range `[0, 1]`. Received: {name}={size}")
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must "
                         "be less than or equal to 1.")
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total}. Received: left_size + right_size = {left + right} and "
                         f"total_length = {total}")
    for split, side in ((left, "left"), (right, "right")):
        if split == 0:
            raise ValueError(
                f"With `dataset` of length={total}, `left_size`={left} and `right_size`="
                f"{right}. Resulting {side} side dataset split will be empty. Adjust any of the "
                "aforementioned parameters")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Split an array, or a list/tuple/dict of arrays of the same length, in two along the
    first axis (e.g. train / test), as ``keras.utils.split_dataset`` sizes its halves.

    The left part takes the first ``left_size`` samples and the right part the next
    ``right_size`` (by default, the rest). Keras returns TensorFlow or PyTorch datasets; nnet
    returns the same structure as `dataset`, holding NumPy arrays, which `fit` takes directly.

    Args:
        dataset: an array, or a list, tuple or dict of arrays with the same first dimension.
        left_size: a fraction in (0, 1) or a number of samples for the left part (None: the
            complement of `right_size`).
        right_size: likewise for the right part (None: the complement of `left_size`).
        shuffle: shuffle the samples (all arrays alike) before splitting.
        seed: the seed of that shuffle.

    Example:
        >>> left, right = split_dataset((np.arange(10), np.arange(10) * 2), left_size=0.8)
        >>> left[0].shape, right[1].tolist()
        ((8,), [16, 18])
    """
    leaves = list(dataset.values()) if isinstance(dataset, dict) else (
        list(dataset) if isinstance(dataset, (list, tuple)) else [dataset])
    arrays = [np.asarray(a) for a in leaves]
    lengths = {len(a) for a in arrays}
    if len(lengths) != 1:
        raise ValueError("Expected arrays of the same length in dataset. Received lengths "
                         f"{[len(a) for a in arrays]}.")
    total = lengths.pop()
    left, right = _split_sizes(left_size, right_size, total)
    order = np.random.default_rng(seed).permutation(total) if shuffle else np.arange(total)
    halves = []
    for index in (order[:left], order[left:left + right]):
        parts = [a[index] for a in arrays]
        if isinstance(dataset, dict):
            halves.append(dict(zip(dataset, parts)))
        elif isinstance(dataset, (list, tuple)):
            halves.append(type(dataset)(parts))
        else:
            halves.append(parts[0])
    return tuple(halves)
