"""`Communicator`: the few MPI collectives data-parallel training needs, over ``mpi4py``, each
with a deadline, so that a rank that died or hangs stops the job with a message instead of
leaving the others waiting for ever.

``mpi4py`` (the ``mpi`` extra: ``pip install "nnet[mpi]"``) is imported here, on first use.
"""

import os
import sys
import time
import traceback

# What mpirun launchers set in each process they start: MPICH and Intel MPI, Open MPI, PMIx.
_LAUNCHER_SIZES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE")


def launched_processes():
    """The number of processes an ``mpirun`` started with this one (1 when none did), read from
    the launcher's environment variables, without starting MPI."""
    for name in _LAUNCHER_SIZES:
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return 1


def _mpi():
    """mpi4py's MPI module (starting MPI in this process), or an ImportError saying how to
    install it."""
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise ImportError(
            "nnet.distribution needs mpi4py and an MPI library: pip install \"nnet[mpi]\" "
            f"(mpi4py and the mpich wheel). Import failed with: {error}"
        ) from error
    return MPI


class Communicator:
    """This process's place in ``MPI.COMM_WORLD``, and its collectives.

    Each collective is started non-blocking and then waited for; a wait longer than `timeout`
    seconds means that another rank died, raised or hangs, and aborts the whole job with a
    message (`abort`). Arrays are reduced in place.

    Args:
        timeout: seconds a collective may wait for the other ranks.
    """

    def __init__(self, timeout):
        mpi = _mpi()
        self._MPI = mpi
        self._comm = mpi.COMM_WORLD
        self.rank = self._comm.Get_rank()
        self.size = self._comm.Get_size()
        self.timeout = timeout

    def _wait(self, request, what):
        # A spin on Test, as MPI's own blocking calls spin: a sleep would cost a step its speed.
        deadline = time.monotonic() + self.timeout
        while not request.Test():
            if time.monotonic() > deadline:
                self.abort(
                    f"rank {self.rank} waited {self.timeout:g} s for the other ranks in {what}: "
                    "one of them has died, raised or hangs. Stopping the job. Start it again "
                    "(with a BackupAndRestore callback, training resumes from its last backup)."
                )

    def sum(self, array, what="an allreduce"):
        """Sum the contiguous `array` over the ranks, in place; returns it."""
        self._wait(self._comm.Iallreduce(self._MPI.IN_PLACE, array, op=self._MPI.SUM), what)
        return array

    def broadcast(self, array, what="a broadcast"):
        """Overwrite the contiguous `array` with rank 0's, in place; returns it."""
        self._wait(self._comm.Ibcast(array, root=0), what)
        return array

    def gather(self, value, what="a gather"):
        """The list of every rank's `value` (any picklable object), in rank order."""
        self._wait(self._comm.Ibarrier(), what)
        return self._comm.allgather(value)

    def abort(self, message):
        """Print `message` to stderr and end every process of the job."""
        sys.stderr.write(f"nnet.distribution: {message}\n")
        sys.stderr.flush()
        self._comm.Abort(1)
        # MPI_Abort may return before the launcher ends this process.
        os._exit(1)

    def abort_on_uncaught_exception(self):
        """Make an exception that nothing caught, on this rank, print its traceback and end the
        whole job, so that the other ranks do not wait for this one (once per process)."""
        previous = sys.excepthook
        if getattr(previous, "_ends_the_mpi_job", False):
            return

        def hook(kind, value, trace):
            previous(kind, value, trace)
            self.abort(f"rank {self.rank} of {self.size} raised "
                       f"{''.join(traceback.format_exception_only(kind, value)).strip()}; "
                       "stopping the job.")

        hook._ends_the_mpi_job = True
        sys.excepthook = hook
