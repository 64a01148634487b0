"""The array backend: the only module that knows about NumPy versus CuPy.

Everything else asks this module for the array module of an array (`array_module`), converts with
`asarray`/`to_numpy`, and reads the global settings `floatx()` and `epsilon()`.
"""

import contextlib
import ctypes
import itertools
import os
import sys
import threading

import numpy as np

from nnet.naming import get_uid, reset_names  # noqa: F401  (keras.backend.get_uid)

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_RNG = np.random.default_rng()
_SEED = None
# Bumped by each seed_rng, so that every RandomStream re-derives its generator from the new seed.
_SEEDINGS = 0
# Numbers the RandomStreams made since the last seed_rng.
_STREAM_KEYS = itertools.count()
# This process's rank and the number of processes of a data-parallel job, and the function that
# sums an array over them (None: one process); set by `nnet.distribution`.
_PROCESS_ID = 0
_NUM_PROCESSES = 1
_CROSS_PROCESS_SUM = None


class _StreamScope(threading.local):
    generator = None


_SCOPE = _StreamScope()


def _keep_freed_memory():
    """Ask glibc's allocator to keep freed memory for reuse instead of returning it to the OS.

    A training step allocates the same large arrays (activations, im2col columns, gradients)
    every time. By default glibc hands freed blocks of a few MiB back to the kernel, so the next
    step faults every page in again: a tenth to a fifth of a step's time on the convolutional and
    recurrent benchmarks. Blocks up to 32 MiB now come from the heap and up to 512 MiB of free
    heap is kept. Set the environment variable ``NNET_KEEP_FREED_MEMORY=0`` before importing
    nnet to leave the allocator as it is; nothing changes on other C libraries or systems.
    """
    if os.environ.get("NNET_KEEP_FREED_MEMORY", "1") == "0" or not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 32 << 20)
    mallopt(m_trim_threshold, 512 << 20)


_keep_freed_memory()


def floatx():
    """The default float dtype name, ``"float32"`` unless changed with `set_floatx`."""
    return _FLOATX


def set_floatx(value):
    """Set the default float dtype (``"float16"``, ``"float32"`` or ``"float64"``)."""
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(
            f"Unknown floatx: expected 'float16', 'float32' or 'float64'. Received: value={value!r}"
        )
    _FLOATX = value


def epsilon():
    """The fuzz factor used to keep divisions and logarithms finite (1e-7 by default)."""
    return _EPSILON


def set_epsilon(value):
    """Set the fuzz factor returned by `epsilon`."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    """The default layout of image data: ``"channels_last"`` unless changed."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    """Set the default image layout, ``"channels_last"`` or ``"channels_first"``."""
    global _IMAGE_DATA_FORMAT
    _IMAGE_DATA_FORMAT = standardize_data_format(data_format)


def standardize_data_format(data_format):
    """`image_data_format()` for None, else the checked value of `data_format`."""
    if data_format is None:
        return _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "Expected 'channels_last' or 'channels_first' for data_format. "
            f"Received: data_format={data_format!r}"
        )
    return data_format


def array_module(*arrays):
    """The array module (numpy or cupy) that the given arrays live in."""
    for a in arrays:
        if type(a) is not np.ndarray and type(a).__module__.startswith("cupy"):
            import cupy

            return cupy
    return np


def standardize_dtype(dtype):
    """The name of `dtype`: NumPy's (``"float32"``, ``"int64"``), or ``"string"`` for text.

    nnet carries text as NumPy object arrays of Python ``str`` (unicode and bytes arrays are
    accepted as input); Keras calls that dtype ``"string"``.

    Example:
        >>> standardize_dtype("float32"), standardize_dtype(str), standardize_dtype("<U3")
        ('float32', 'string', 'string')
    """
    if dtype in ("string", str, bytes):
        return "string"
    dtype = np.dtype(dtype)
    return "string" if dtype.kind in "OUS" else dtype.name


def is_float_dtype(dtype):
    """Whether `dtype` is a floating-point dtype.

    Example:
        >>> is_float_dtype("float16"), is_float_dtype("int32")
        (True, False)
    """
    dtype = standardize_dtype(dtype)
    return dtype.startswith("float") or dtype.startswith("bfloat")


def is_int_dtype(dtype):
    """Whether `dtype` is a signed or unsigned integer dtype (bool is not).

    Example:
        >>> is_int_dtype("uint8"), is_int_dtype("bool")
        (True, False)
    """
    dtype = standardize_dtype(dtype)
    return dtype.startswith("int") or dtype.startswith("uint")


def is_keras_tensor(x):
    """Whether `x` is a symbolic tensor (a KerasTensor, from `Input` or a layer called on one).

    Example:
        >>> import nnet
        >>> is_keras_tensor(nnet.Input((2,))), is_keras_tensor(np.ones(2))
        (True, False)
    """
    return getattr(type(x), "_is_keras_tensor", False) is True


def asarray(x, dtype=None):
    """Convert `x` to an array of the default backend, in `dtype` when given."""
    return np.asarray(x, dtype=dtype)


def to_numpy(x):
    """Return `x` as a NumPy array (copying it off the GPU when needed)."""
    if hasattr(x, "get") and type(x).__module__.startswith("cupy"):
        return x.get()
    return np.asarray(x)


def rng():
    """The random generator that initializers, dropout and shuffling draw from: the global one,
    or, while a model trains, evaluates or predicts (`use_stream`), that model's own."""
    scoped = _SCOPE.generator
    return _RNG if scoped is None else scoped


def seed_rng(seed):
    """Re-seed the global random generator returned by `rng` (and every `RandomStream`)."""
    global _RNG, _SEED, _SEEDINGS, _STREAM_KEYS
    _RNG = np.random.default_rng(seed)
    _SEED = seed
    _SEEDINGS += 1
    _STREAM_KEYS = itertools.count()


class RandomStream:
    """A random generator of one's own, for a model. After ``seed_rng(s)`` it is seeded from
    ``(s, k)``, where `k` numbers the streams seeded since that call: a stream takes its number
    when it is made and again at its first use after a later `seed_rng`. So models made after
    a seed and trained in several threads at once draw what they draw one after another, and
    re-seeding before each run gives each run the same numbers. Unseeded, it starts from fresh
    entropy.

    Example:
        >>> seed_rng(0); a, b = RandomStream(), RandomStream()
        >>> x, y = a.generator().random(), b.generator().random()
        >>> seed_rng(0); z = b.generator().random()  # b is the first stream used since
        >>> x == z, x == y
        (True, False)
    """

    def __init__(self):
        self._derive()

    def _derive(self):
        self._seeding = _SEEDINGS
        key = next(_STREAM_KEYS)
        self._generator = np.random.default_rng(None if _SEED is None else [_SEED, key])

    def generator(self):
        """The stream's generator, derived again at its first use after a `seed_rng`."""
        if self._seeding != _SEEDINGS:
            self._derive()
        return self._generator


@contextlib.contextmanager
def use_stream(stream):
    """Within this block, in this thread, `rng` returns `stream`'s generator."""
    previous = _SCOPE.generator
    _SCOPE.generator = stream.generator()
    try:
        yield
    finally:
        _SCOPE.generator = previous


def process_id():
    """This process's rank in a data-parallel job (`nnet.distribution`), 0 otherwise."""
    return _PROCESS_ID


def num_processes():
    """The number of processes of a data-parallel job (`nnet.distribution`), 1 otherwise."""
    return _NUM_PROCESSES


def set_processes(process_id, num_processes):
    """Record this process's rank and the job's number of processes (`nnet.distribution` does,
    when a distribution is set)."""
    global _PROCESS_ID, _NUM_PROCESSES
    _PROCESS_ID, _NUM_PROCESSES = int(process_id), int(num_processes)


def cross_process_sum(array):
    """The sum of `array` over the processes of a data-parallel step (every process passes an
    array of the same shape), or `array` itself outside one. Batch normalization takes its batch
    statistics through it, so that they cover the global batch."""
    return array if _CROSS_PROCESS_SUM is None else _CROSS_PROCESS_SUM(array)


@contextlib.contextmanager
def summing_across_processes(function):
    """Within this block `cross_process_sum` calls ``function(array)`` (a data-parallel step)."""
    global _CROSS_PROCESS_SUM
    previous, _CROSS_PROCESS_SUM = _CROSS_PROCESS_SUM, function
    try:
        yield
    finally:
        _CROSS_PROCESS_SUM = previous


def backend():
    """The name of the array backend: ``"numpy"`` (CuPy arrays are used when given)."""
    return "numpy"


def clear_session():
    """Restart the automatic layer names (``dense``, ``dense_1``, ...), as Keras's does."""
    reset_names()
