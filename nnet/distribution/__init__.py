"""nnet.distribution: Keras 3's distribution API, for data-parallel training over MPI.

Run the same script as ``mpirun -n 4 python train.py`` after::

    nnet.distribution.set_distribution(nnet.distribution.DataParallel())

and `fit`, `evaluate` and `predict` share every global batch among the four processes (see
`DataParallel`). It needs the ``mpi`` extra (``pip install "nnet[mpi]"``: mpi4py and the mpich
wheel), imported only when a distribution is made.

Example:
    >>> import nnet
    >>> nnet.distribution.size(), nnet.distribution.is_chief()
    (1, True)
"""

from nnet.distribution.distribution_lib import (
    DataParallel,
    distribution,
    get_device_count,
    is_chief,
    list_devices,
    rank,
    set_distribution,
    size,
)

__all__ = [
    "DataParallel", "distribution", "get_device_count", "is_chief", "list_devices", "rank",
    "set_distribution", "size",
]
