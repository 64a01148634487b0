"""`timeseries_dataset_from_array`: sliding windows over a series, batched, as a dataset that
fit, evaluate and predict accept."""

import numpy as np

from nnet.utils.dataset_utils import PyDataset


class TimeseriesDataset(PyDataset):
    """The windows of a series, made batch by batch: ``(windows, targets)`` or ``windows``.

    Window ``i`` holds ``data[start + p_i + k * sampling_rate]`` for ``k < sequence_length``,
    with ``start = start_index`` and ``p_i`` the ``i``-th start position; its target is
    ``targets[start + p_i]``. Batches are gathered with one fancy index each.

    Args:
        data, targets: the series (from `start_index` on) and its targets, or None.
        start_positions: the window starts, in dataset order.
        sequence_length, sampling_rate, batch_size: as in `timeseries_dataset_from_array`.

    Attributes:
        start_positions: the window starts (relative to `start_index`), in dataset order.

    Example:
        >>> ds = TimeseriesDataset(np.arange(6), None, np.array([0, 2]), 3, 1, batch_size=2)
        >>> ds[0]
        array([[0, 1, 2],
               [2, 3, 4]])
    """

    def __init__(self, data, targets, start_positions, sequence_length, sampling_rate,
                 batch_size):
        super().__init__()
        self.data, self.targets = data, targets
        self.start_positions = start_positions
        self._steps = np.arange(sequence_length) * sampling_rate
        self.batch_size = batch_size

    def __len__(self):
        if self.batch_size is None:
            return len(self.start_positions)
        return -(-len(self.start_positions) // self.batch_size)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"Batch index {index} is out of range for {len(self)} batches.")
        index %= len(self)
        if self.batch_size is None:
            positions = self.start_positions[index]
        else:
            positions = self.start_positions[index * self.batch_size:
                                             (index + 1) * self.batch_size]
        windows = self.data[np.add.outer(positions, self._steps)]
        if self.targets is None:
            return windows
        return windows, self.targets[positions]

    def __iter__(self):
        return (self[i] for i in range(len(self)))


def _check_positive(value, argument, length):
    if value <= 0:
        raise ValueError(f"`{argument}` must be higher than 0. Received: {argument}={value}")
    if value >= length:
        raise ValueError(
            f"`{argument}` must be lower than the length of the data. Received: "
            f"{argument}={value}, for data of length {length}"
        )


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None, format="tf"):
    """Sliding windows over a series, as a dataset of batches ``(windows, targets)``.

    Window ``i`` starts at ``start_index + i * sequence_stride`` and takes `sequence_length`
    steps `sampling_rate` apart, within ``data[start_index:end_index]``; its target is the
    value of `targets` at the window's first step (so pass ``targets = data[offset:]`` to
    predict `offset` steps ahead). Windows and targets equal Keras's; with ``shuffle=True``
    the start positions are permuted with NumPy's ``RandomState(seed)`` as Keras permutes them
    (Keras then also mixes them in a tf.data shuffle buffer, which nnet does not reproduce).

    Args:
        data: array-like of shape ``(timesteps, ...)``.
        targets: array-like with one target per timestep, or None for windows only.
        sequence_length: the number of steps in a window.
        sequence_stride: the step between window starts.
        sampling_rate: the step between the timesteps of a window.
        batch_size: windows per batch; None yields single windows.
        shuffle: shuffle the windows.
        seed: the shuffling seed.
        start_index, end_index: the part of `data` used (end excluded).
        format: ``"tf"`` or ``"grain"`` (Keras's dataset kinds); nnet returns its own
            dataset for both.

    Returns:
        A `TimeseriesDataset` (a `PyDataset`): index it for batches, iterate it, or pass it to
        `fit`, `evaluate` and `predict`.

    Example:
        >>> import numpy as np
        >>> ds = timeseries_dataset_from_array(np.arange(10), np.arange(10) * 10,
        ...                                    sequence_length=3, batch_size=4)
        >>> len(ds)
        2
        >>> ds[0]
        (array([[0, 1, 2],
               [1, 2, 3],
               [2, 3, 4],
               [3, 4, 5]]), array([ 0, 10, 20, 30]))
    """
    data = np.asarray(data)
    if start_index:
        if start_index < 0:
            raise ValueError(
                f"`start_index` must be 0 or greater. Received: start_index={start_index}"
            )
        if start_index >= len(data):
            raise ValueError(
                "`start_index` must be lower than the length of the data. Received: "
                f"start_index={start_index}, for data of length {len(data)}"
            )
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(
                "`end_index` must be higher than `start_index`. Received: "
                f"start_index={start_index}, and end_index={end_index} "
            )
        if end_index >= len(data):
            raise ValueError(
                "`end_index` must be lower than the length of the data. Received: "
                f"end_index={end_index}, for data of length {len(data)}"
            )
    if end_index is not None and end_index <= 0:
        raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    _check_positive(sampling_rate, "sampling_rate", len(data))
    _check_positive(sequence_stride, "sequence_stride", len(data))
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    if not isinstance(sequence_length, (int, np.integer)) or sequence_length <= 0:
        raise ValueError(
            "`sequence_length` must be a positive integer. Received: "
            f"sequence_length={sequence_length!r}"
        )
    start_index = start_index or 0
    end_index = len(data) if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)[start_index:]
        num_seqs = min(num_seqs, len(targets))
    start_positions = np.arange(0, max(num_seqs, 0), sequence_stride)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(start_positions)
    return TimeseriesDataset(data[start_index:end_index], targets, start_positions,
                             sequence_length, sampling_rate, batch_size)
