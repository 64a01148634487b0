"""Atomic file writes: nnet never leaves a half-written file where a good one should be."""

import contextlib
import os
import shutil
import uuid


@contextlib.contextmanager
def atomic_target(filepath):
    """Yield a temporary path beside `filepath`, moved onto it only if the block succeeds."""
    directory, name = os.path.split(os.path.abspath(filepath))
    temporary = os.path.join(directory, f".{name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        yield temporary
        if os.path.isdir(temporary) and os.path.exists(filepath):
            # A directory cannot replace a non-empty one: move the old one aside first.
            old = f"{temporary}.old"
            os.replace(filepath, old)
            try:
                os.replace(temporary, filepath)
            except BaseException:
                os.replace(old, filepath)
                raise
            _remove(old)
        else:
            os.replace(temporary, filepath)
    except BaseException:
        _remove(temporary)
        raise


def _remove(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.remove(path)
