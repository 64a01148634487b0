"""What a batch is to a training step (`pack_x_y_sample_weight`, `unpack_x_y_sample_weight`) and
`PyDataset`, the base of datasets that make their own batches; as in ``keras.utils``."""


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
