"""`LoadError`, the one error every failed load raises, and `loading`, the guard that raises it.

Whatever goes wrong while a file is read (a truncated or damaged archive, HDF5 or JSON, a config
that is not a model's, weights that do not fit the model), the caller gets a `LoadError` that
names the file and what is wrong, with the original exception chained for the details, and a
model being loaded into is left exactly as it was.
"""

import contextlib


class LoadError(ValueError):
    """A file could not be loaded. The message names the file, what is wrong and, where there
    is one, the fix; ``__cause__`` holds the underlying error.

    Example:
        >>> import os, tempfile, nnet
        >>> path = os.path.join(tempfile.mkdtemp(), "broken.keras")
        >>> with open(path, "wb") as f:
        ...     _ = f.write(b"PK\\x03\\x04 not really a zip")
        >>> try:
        ...     nnet.saving.load_model(path)
        ... except nnet.saving.LoadError as error:
        ...     print(str(error)[-40:])
        truncated, damaged or not a .keras file.
    """


# Not about the file: a missing optional package, the machine running out of memory.
_PASSED_THROUGH = (ImportError, MemoryError, FileNotFoundError)


@contextlib.contextmanager
def loading(filepath, model=None):
    """Run a load of `filepath`, turning any failure into `LoadError`.

    Args:
        filepath: the file being read, named in the error.
        model: the model being loaded into, if any: its weights (and its optimizer's variables)
            are put back as they were when the load fails.
    """
    saved = _snapshot(model)
    try:
        yield
    except Exception as error:
        for variable, value in saved:
            variable.assign(value)
        if isinstance(error, (LoadError, *_PASSED_THROUGH)):
            raise
        raise LoadError(_message(filepath, error)) from error


def _snapshot(model):
    if model is None:
        return []
    variables = list(model.weights)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(optimizer, "built", False):
        variables += list(optimizer.variables)
    return [(v, v.numpy()) for v in variables]


def _message(filepath, error):
    text = str(error)
    if isinstance(error, ValueError) and str(filepath) in text:
        return text  # nnet's own checks already say which file and what to do
    if isinstance(error, ValueError):
        return f"Cannot load {filepath}: {text}"
    if isinstance(error, RecursionError):
        return (f"Cannot load {filepath}: its config is nested too deeply to be a model's. "
                "Check that the file is the one you meant.")
    return (f"Cannot load {filepath}: {type(error).__name__}: {text}. The file may be "
            "truncated, damaged or not written by Keras or nnet; the chained error shows where "
            "reading it failed.")
