"""`text_dataset_from_directory`: a folder of ``.txt`` files (one subfolder per class) as a
dataset of ``(texts, labels)`` batches that fit, evaluate and predict accept."""


import numpy as np

from nnet.utils.dataset_utils import (
    PyDataset,
    check_validation_split_arg,
    encode_labels,
    get_training_or_validation_split,
    index_directory,
)

_LABEL_MODES = ("int", "categorical", "binary", None)


class TextFileDataset(PyDataset):
    """Batches of texts read from files, with their labels: ``(texts, labels)`` or ``texts``.

    The files are read when their batch is asked for. Texts are NumPy arrays of ``str``
    (decoded from UTF-8). With `shuffle`, the order is drawn again at the end of every epoch.

    Args:
        file_paths: the files, in the order of the first epoch.
        labels: one class index per file, or None.
        label_mode, batch_size, max_length, shuffle, seed: as in
            `text_dataset_from_directory`.
        num_classes: the number of classes (for ``"categorical"`` labels).
        class_names: the class names (None without labels).

    Attributes:
        file_paths: the files, in the order of the first epoch.
        class_names: the class names (None without labels).

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "note.txt")
        >>> with open(path, "w") as f:
        ...     _ = f.write("hello")
        >>> TextFileDataset([path], [1], "int", 2, 32, None, False, 0, ["a", "b"])[0]
        (array(['hello'], dtype=object), array([1], dtype=int32))
    """

    def __init__(self, file_paths, labels, label_mode, num_classes, batch_size, max_length,
                 shuffle, seed, class_names):
        super().__init__()
        self.file_paths = list(file_paths)
        self._labels = None if labels is None else np.asarray(labels, dtype="int32")
        self.label_mode = label_mode
        self.num_classes = num_classes
        self.batch_size = batch_size
        self.max_length = max_length
        self.shuffle = shuffle
        self.class_names = class_names
        self._order = np.arange(len(self.file_paths))
        self._rng = np.random.default_rng(seed)

    def __len__(self):
        if self.batch_size is None:
            return len(self.file_paths)
        return -(-len(self.file_paths) // self.batch_size)

    def _read(self, path):
        with open(path, "rb") as f:
            data = f.read()
        if self.max_length is not None:
            # Keras cuts the bytes; a character cut in two is dropped.
            data = data[:self.max_length]
        return data.decode("utf-8", errors="ignore")

    def _labels_of(self, indices):
        return encode_labels(self._labels[indices], self.label_mode, self.num_classes)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"Batch index {index} is out of range for {len(self)} batches.")
        index %= len(self)
        if self.batch_size is None:
            indices = self._order[index]
            texts = np.array(self._read(self.file_paths[indices]), dtype=object)
        else:
            indices = self._order[index * self.batch_size:(index + 1) * self.batch_size]
            texts = np.array([self._read(self.file_paths[i]) for i in indices], dtype=object)
        if self._labels is None:
            return texts
        return texts, self._labels_of(indices)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def on_epoch_end(self):
        if self.shuffle:
            self._order = self._rng.permutation(len(self.file_paths))


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                batch_size=32, max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None, follow_links=False,
                                format="tf", verbose=True):
    """A dataset of ``(texts, labels)`` batches from a folder of ``.txt`` files.

    With ``labels="inferred"`` each subfolder of `directory` is a class (sorted by name, or in
    the order of `class_names`) and holds that class's files, at any depth. Files are listed
    and shuffled (with ``RandomState(seed)``) and split (the last `validation_split` fraction
    validates) as Keras does, so the same seed gives the same files in each subset.

    Args:
        directory: the folder.
        labels: ``"inferred"``, None (texts only), or a list of integer labels, one per file
            in the sorted order of the file paths.
        label_mode: ``"int"``, ``"categorical"`` (one-hot float32), ``"binary"`` (float32 of
            shape ``(batch, 1)``, two classes) or None (no labels).
        class_names: with ``"inferred"``: the subfolders to use, in label order.
        batch_size: texts per batch; None yields single texts.
        max_length: keep at most this many bytes of each text.
        shuffle: shuffle the files (and reshuffle every epoch).
        seed: the shuffling seed (needed with `validation_split` and `shuffle`).
        validation_split: the fraction of files held out for validation.
        subset: ``"training"``, ``"validation"`` or ``"both"`` (returns both datasets).
        follow_links: follow symbolic links to folders.
        format: ``"tf"`` or ``"grain"`` (Keras's dataset kinds); nnet returns its own dataset
            for both.
        verbose: print the number of files and classes found.

    Returns:
        A `TextFileDataset` (a `PyDataset` with `class_names`), or a list of two with
        ``subset="both"``.

    Example:
        >>> import os, tempfile
        >>> root = tempfile.mkdtemp()
        >>> for label, text in [("neg", "dull"), ("pos", "great"), ("pos", "fine")]:
        ...     os.makedirs(os.path.join(root, label), exist_ok=True)
        ...     with open(os.path.join(root, label, text + ".txt"), "w") as f:
        ...         _ = f.write(text)
        >>> ds = text_dataset_from_directory(root, shuffle=False)
        Found 3 files belonging to 2 classes.
        >>> texts, labels = ds[0]
        >>> ds.class_names, texts.tolist(), labels.tolist()
        (['neg', 'pos'], ['dull', 'fine', 'great'], [0, 1, 1])
    """
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                "`labels` argument should be a list/tuple of integer labels, of the same size as "
                "the number of text files in the target directory. If you wish to infer the "
                'labels from the subdirectory names in the target directory, pass `labels="'
                'inferred"`. If you wish to get a dataset that only contains text samples (no '
                f"labels), pass `labels=None`. Received: labels={labels}"
            )
        if class_names:
            raise ValueError(
                'You can only pass `class_names` if `labels="inferred"`. Received: '
                f"labels={labels}, and class_names={class_names}"
            )
    if label_mode not in _LABEL_MODES:
        raise ValueError(
            '`label_mode` argument must be one of "int", "categorical", "binary", or None. '
            f"Received: label_mode={label_mode}"
        )
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, label_ids, class_names = index_directory(directory, labels, (".txt",), class_names,
                                                    follow_links)
    if verbose:
        found = f"Found {len(paths)} files"
        print(found + "." if label_ids is None else
              f"{found} belonging to {len(class_names)} classes.")
    if shuffle:
        np.random.RandomState(seed).shuffle(paths)
        if label_ids is not None:
            np.random.RandomState(seed).shuffle(label_ids)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            'When passing `label_mode="binary"`, there must be exactly 2 class_names. '
            f"Received: class_names={class_names}"
        )
    num_classes = len(class_names) if class_names else 0

    def dataset(subset_name, shuffle_it):
        subset_paths, subset_labels = get_training_or_validation_split(
            paths, label_ids, validation_split, subset_name)
        if not subset_paths:
            kind = {"training": "training ", "validation": "validation "}.get(subset_name, "")
            raise ValueError(
                f"No {kind}text files found in directory {directory}. Allowed format: .txt"
            )
        if validation_split and verbose:
            print(f"Using {len(subset_paths)} files for {subset_name}.")
        return TextFileDataset(subset_paths, subset_labels, label_mode, num_classes, batch_size,
                               max_length, shuffle_it, seed, class_names)

    if subset == "both":
        return [dataset("training", shuffle), dataset("validation", False)]
    return dataset(subset, shuffle)
