"""Atomic file writes: nnet never leaves a half-written file where a good one should be.

A save writes to a temporary path beside the target, named after the target and the writing
process (``.model.keras.<pid>.<random>.tmp``), and moves it into place only once it is complete.
A save that was killed leaves its temporary file behind; the next save to the same target removes
those whose process is gone.
"""

import contextlib
import ctypes
import errno
import os
import re
import shutil
import uuid


@contextlib.contextmanager
def atomic_target(filepath):
    """Yield a temporary path beside `filepath`, moved onto it only if the block succeeds.

    A directory written there replaces an existing directory at `filepath` in one step where the
    system can exchange two paths (Linux), so that no moment passes without a model at the path.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
        >>> with atomic_target(path) as temporary:
        ...     _ = open(temporary, "w").write("saved")
        >>> open(path).read(), os.listdir(os.path.dirname(path))
        ('saved', ['notes.txt'])
    """
    directory, name = os.path.split(os.path.abspath(filepath))
    _remove_stale_temporaries(directory, name)
    temporary = os.path.join(directory, f".{name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
    _WRITING.add(temporary)
    try:
        yield temporary
        if os.path.isdir(temporary) and os.path.isdir(filepath):
            _replace_directory(temporary, filepath)
        else:
            os.replace(temporary, filepath)
    except BaseException:
        _remove(temporary)
        raise
    finally:
        _WRITING.discard(temporary)


# The temporary paths this process is writing now (other threads' saves must not lose theirs).
_WRITING = set()


def _replace_directory(new, target):
    """Put the directory `new` at `target`, where a directory already is, and delete the old one."""
    old = f"{new}.old"
    if _exchange(new, target):
        _remove(new)  # the old directory, now at the temporary path
        return
    # Without an atomic exchange, move the old directory aside first (a brief window).
    os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(old, target)
        raise
    _remove(old)


def _exchange(a, b):
    """Swap the paths `a` and `b` atomically (Linux's renameat2); False where not available."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # unsupported by the filesystem
        return False
    raise OSError(code, os.strerror(code), b)


def _remove_stale_temporaries(directory, name):
    """Remove the temporary files that killed saves to `name` left in `directory`."""
    pattern = re.compile(rf"\.{re.escape(name)}\.(\d+)\.[0-9a-f]{{12}}\.tmp(\.old)?")
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry)
        path = os.path.join(directory, entry)
        if match and not _in_use(int(match.group(1)), path.removesuffix(".old")):
            _remove(path)


def _in_use(pid, temporary):
    if pid == os.getpid():
        return temporary in _WRITING
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.remove(path)
