"""Keras 3's `keras.distribution` API for data parallelism over MPI: `DataParallel`,
`set_distribution`, `distribution`, `list_devices`, and `rank`, `size`, `is_chief`.

A device is one process of an ``mpirun`` job: ``mpirun -n 4 python train.py`` gives four. Every
process runs the same program on the same data; with ``set_distribution(DataParallel())``,
`fit`, `evaluate` and `predict` give each process its shard of every global batch, sum the
gradients over the processes once per step, and reduce the metrics, so that the logs and the
weights are those of one process training on the global batches.
"""

import contextlib

import numpy as np

from nnet import backend, tree
from nnet.distribution.communicator import Communicator, launched_processes

_DISTRIBUTION = [None]


def _world(timeout=None):
    """The `Communicator` of this process's MPI job, or None when there is no MPI here (no
    mpi4py, and no mpirun that started several processes)."""
    launched = launched_processes()
    try:
        communicator = Communicator(timeout)
    except ImportError:
        if launched > 1:
            raise
        return None
    if communicator.size != launched and launched > 1:
        raise RuntimeError(
            f"mpirun started {launched} processes, but MPI in this one sees "
            f"{communicator.size}: mpi4py is built on another MPI than the mpirun that started "
            "the job. Use the mpirun of the MPI that mpi4py uses (pip install \"nnet[mpi]\" "
            "installs both)."
        )
    return communicator


def list_devices(device_type=None):
    """The devices of the job, one per process: ``["cpu:0", ..., "cpu:<N-1>"]``.

    Args:
        device_type: ``"cpu"`` or None (nnet's processes compute on the CPU).

    Example:
        >>> import nnet
        >>> nnet.distribution.list_devices()  # a single process
        ['cpu:0']
    """
    if device_type not in (None, "cpu", "CPU"):
        raise ValueError(
            "nnet.distribution lists CPU processes only: expected device_type='cpu' or None. "
            f"Received: device_type={device_type!r}"
        )
    communicator = _world()
    return [f"cpu:{i}" for i in range(1 if communicator is None else communicator.size)]


def get_device_count(device_type=None):
    """The number of devices (`list_devices`) of the job."""
    return len(list_devices(device_type))


class DataParallel:
    """Data parallelism: every process holds the whole model, trains on its shard of each
    global batch, and the gradients are summed over the processes at every step.

    Each process must run the same program on the same data (load it, or make it from the same
    seed); global batch ``b`` gives rank ``r`` of ``N`` its rows
    ``[floor(r * b / N), floor((r + 1) * b / N))``. Inside `fit`, `evaluate` and `predict`:

    - the weights are broadcast from rank 0 when training starts (after `BackupAndRestore`
      restored them), so every process starts from rank 0's;
    - each step sums the gradients over the processes in one allreduce of the model's flat
      gradient array, each process's loss weighted by its share of the global batch;
    - `BatchNormalization` takes its batch statistics over the global batch, and the metrics
      and losses are reduced over the processes, so the logs equal a single process's;
    - `predict` returns the outputs of the whole data, in order, on every process;
    - rank 0 alone prints progress and writes checkpoint, CSV and backup files;
    - layers' random generators (dropout, noise) draw from per-rank streams of one seed.

    A rank that raises ends the job with its traceback; a collective that waits more than
    `timeout` seconds (a rank died or hangs) ends it with a message.

    Args:
        device_mesh: not supported (Keras's device meshes are for its JAX backend); None.
        devices: the devices to run on, as `list_devices` names them; they must be all the
            processes of the job. None: all of them.
        auto_shard_dataset: shard datasets and generators (every process iterates the same one
            and keeps its rows of each batch). False when each process's dataset already
            yields its own shard. Arrays are always sharded.
        timeout: seconds a process waits for the others in a collective before ending the job.

    Example:
        >>> import nnet
        >>> distribution = nnet.distribution.DataParallel()  # one process here
        >>> distribution.num_processes, distribution.data_shard_id
        (1, 0)
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True, timeout=300.0):
        if device_mesh is not None:
            raise ValueError(
                "nnet's DataParallel runs one model replica per MPI process and takes no "
                f"device_mesh. Received: device_mesh={device_mesh!r}. Pass devices (or nothing)."
            )
        if not timeout > 0:
            raise ValueError(f"Expected a positive number of seconds for timeout. Received: "
                             f"timeout={timeout!r}")
        communicator = _world(timeout)
        rank, size = (0, 1) if communicator is None else (communicator.rank, communicator.size)
        if devices is not None and len(devices) != size:
            raise ValueError(
                f"DataParallel was given {len(devices)} devices (devices={list(devices)!r}), but "
                f"this job has {size} process{'es' if size > 1 else ''}: nnet runs one process "
                f"per device. Start the script with `mpirun -n {len(devices)} python "
                "<script>.py`, or pass devices=None to use every process of the job."
            )
        self._communicator = communicator
        self.rank, self.size = rank, size
        self.auto_shard_dataset = auto_shard_dataset
        self.timeout = timeout

    @property
    def num_processes(self):
        """The number of processes of the job."""
        return self.size

    @property
    def num_model_replicas(self):
        """The number of model replicas: one per process."""
        return self.size

    @property
    def data_shard_id(self):
        """The index of this process's shard of each batch: its rank."""
        return self.rank

    def __repr__(self):
        return f"<DataParallel rank={self.rank} size={self.size}>"

    # What fit, evaluate and predict call while this distribution is set (on every process, in
    # the same order: each is a collective unless it says otherwise).

    def rows(self, start, stop):
        """This process's rows of the global batch of rows ``start..stop`` (`shard_rows`; no
        communication)."""
        return shard_rows(start, stop, self.rank, self.size)

    def broadcast(self, array):
        """Rank 0's `array` (contiguous), written into `array` on every process."""
        return self._communicator.broadcast(array, "a broadcast from rank 0")

    def broadcast_variables(self, variables):
        """Overwrite every variable with rank 0's value, in one message per dtype."""
        by_dtype = {}
        for variable in variables:
            by_dtype.setdefault(np.dtype(variable.dtype), []).append(variable)
        for group in by_dtype.values():
            flat = np.concatenate([backend.to_numpy(v.data).ravel() for v in group])
            self._communicator.broadcast(flat, "the broadcast of the weights")
            offset = 0
            for v in group:
                v.assign(flat[offset:offset + v.data.size].reshape(v.shape))
                offset += v.data.size

    def batch_share(self, count):
        """``count / (sum of count over the processes)``: this process's share of the global
        batch, by which its loss is weighted."""
        total = self._communicator.sum(np.array([count], np.float64), "the sum of batch sizes")
        return count / total[0]

    def sum_gradients(self, buffer, variables):
        """Sum the gradients over the processes: `buffer`'s flat gradient array in one
        allreduce (a `ParameterBuffer`, or None: then one allreduce per variable)."""
        if buffer is not None:
            if buffer.grad is not None:
                self._communicator.sum(buffer.grad, "the allreduce of the gradients")
            return
        # Every process runs the same graph, so the same weights have no gradient on each. A
        # copy: backward may hand one gradient array to several weights.
        for v in variables:
            if v.grad is not None:
                v.grad = self._communicator.sum(np.array(v.grad, copy=True),
                                                "the allreduce of the gradients")

    def sum_across(self, array):
        """`array` summed over the processes (a new array; `backend.cross_process_sum`)."""
        return self._communicator.sum(np.array(array, copy=True), "a batch statistics sum")

    @contextlib.contextmanager
    def summed(self, arrays):
        """Within this block each of `arrays` holds its sum over the processes (one message);
        each gets its own value back afterwards. Metrics report their state this way."""
        if not arrays:
            yield
            return
        local = [a.copy() for a in arrays]
        flat = np.concatenate([np.asarray(a, np.float64).ravel() for a in arrays])
        self._communicator.sum(flat, "the reduction of the metrics")
        offset = 0
        for a in arrays:
            a[...] = flat[offset:offset + a.size].reshape(a.shape)
            offset += a.size
        try:
            yield
        finally:
            for a, value in zip(arrays, local):
                a[...] = value

    def gather(self, value):
        """Every process's `value` (picklable), in rank order."""
        return self._communicator.gather(value, "the gather of the outputs")

    def shard(self, structure):
        """This process's rows of a batch: every array in `structure` cut along its first axis
        (no communication)."""
        first = next(leaf for leaf in tree.flatten(structure) if leaf is not None)
        start, stop = self.rows(0, len(first))
        return tree.map_structure(lambda a: None if a is None else a[start:stop], structure)


def shard_rows(start, stop, rank, size):
    """The rows ``(first, end)`` that process `rank` of `size` takes of the global batch of rows
    ``start..stop``: ``floor(r * b / N)`` on from `start`, for ``b`` rows and ``N`` processes.

    Raises a ValueError when the batch has fewer rows than there are processes.

    Example:
        >>> [shard_rows(100, 125, rank, 2) for rank in (0, 1)]
        [(100, 112), (112, 125)]
    """
    count = stop - start
    if count < size:
        raise ValueError(
            f"A batch of {count} samples cannot be shared by {size} processes: each needs at "
            "least one. Choose a batch_size (and a number of samples) so that every batch, the "
            f"last one included, has at least {size} samples."
        )
    return start + rank * count // size, start + (rank + 1) * count // size


def set_distribution(value):
    """Set the distribution that `fit`, `evaluate` and `predict` use (None: a single process).

    Set it before building the model, as in Keras: layers' random generators take their
    per-rank streams when they are made. With several processes, an exception that nothing
    catches on one rank ends the whole job.

    Args:
        value: a `DataParallel`, or None.

    Example:
        >>> import nnet
        >>> nnet.distribution.set_distribution(nnet.distribution.DataParallel())
        >>> nnet.distribution.rank(), nnet.distribution.size(), nnet.distribution.is_chief()
        (0, 1, True)
        >>> nnet.distribution.set_distribution(None)
    """
    if value is not None and not isinstance(value, DataParallel):
        raise ValueError(
            "Expected a nnet.distribution.DataParallel or None for the distribution. "
            f"Received: value={value!r}"
        )
    _DISTRIBUTION[0] = value
    rank, size = (0, 1) if value is None else (value.rank, value.size)
    backend.set_processes(rank, size)
    if size > 1:
        value._communicator.abort_on_uncaught_exception()


def distribution():
    """The distribution set with `set_distribution`, or None."""
    return _DISTRIBUTION[0]


def data_parallel():
    """The distribution when it spans several processes (what the trainer acts on), else None."""
    value = _DISTRIBUTION[0]
    return value if value is not None and value.size > 1 else None


def rank():
    """This process's rank in the distribution's job (0 without one)."""
    return backend.process_id()


def size():
    """The number of processes of the distribution's job (1 without one)."""
    return backend.num_processes()


def is_chief():
    """Whether this process is rank 0, the one that prints and writes files."""
    return rank() == 0
