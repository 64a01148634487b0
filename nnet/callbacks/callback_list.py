"""CallbackList: the callbacks of one `fit`, `evaluate` or `predict` call, called as one, with
the History and progress bar that Keras adds."""

from nnet import backend
from nnet.callbacks.callback import _BATCH_HOOKS, Callback, pythonify_logs
from nnet.callbacks.history import History
from nnet.callbacks.progbar_logger import ProgbarLogger


def _flatten(callbacks):
    """The callbacks of a possibly nested list, checked to be `Callback` instances."""
    if callbacks is None:
        return []
    if isinstance(callbacks, (list, tuple)):
        return [c for item in callbacks for c in _flatten(item)]
    if not isinstance(callbacks, Callback):
        raise TypeError(
            "Expected a keras Callback (a subclass of nnet.callbacks.Callback) in callbacks. "
            f"Received: {callbacks!r} of type {type(callbacks).__name__}. Subclass Callback, or "
            "wrap functions in nnet.callbacks.LambdaCallback."
        )
    return [callbacks]


def _dispatch(name, positional):
    """A `CallbackList` method that converts the logs once and calls `name` on each callback.

    Batch hooks pass ``logs=`` by keyword and the others positionally, as Keras does, so that a
    `LambdaCallback` function written for Keras receives them the same way.
    """
    if positional is None:
        def hook(self, logs=None):
            logs = pythonify_logs(logs)
            for callback in self.callbacks:
                getattr(callback, name)(logs)
    elif positional:
        def hook(self, index, logs=None):
            logs = pythonify_logs(logs)
            for callback in self.callbacks:
                getattr(callback, name)(index, logs)
    else:
        def hook(self, index, logs=None):
            logs = pythonify_logs(logs)
            for callback in self.callbacks:
                getattr(callback, name)(index, logs=logs)
    hook.__name__ = name
    hook.__doc__ = f"Call ``{name}`` on every callback with the same converted logs dict."
    return hook


class CallbackList(Callback):
    """Calls a list of callbacks at once; what `fit`, `evaluate` and `predict` talk to.

    Each hook converts the logs once (``pythonify_logs``: Python floats, keys **sorted**, nested
    dicts flattened) and passes that same dict to every callback in order, so values a callback
    adds (``learning_rate``) are seen by the callbacks after it. `History` and `ProgbarLogger`,
    when asked for and not already present, are appended **after** the user's callbacks.

    Args:
        callbacks: a list (possibly nested) of `Callback` instances.
        add_history: append a `History` unless one is present; it is also set as
            ``model.history``.
        add_progbar: append a `ProgbarLogger` unless one is present (`fit` asks for it when
            ``verbose != 0``).
        model: the model, given to every callback with `set_model`.
        **params: the loop's parameters (``verbose``, ``epochs``, ``steps``), given to every
            callback with `set_params`.

    On ranks other than 0 of a data-parallel job, the callbacks whose ``chief_only`` is True
    (progress bar, checkpoints, CSV and TensorBoard logs) are left out.

    Example:
        >>> from nnet.callbacks import LambdaCallback
        >>> seen = LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs))
        >>> callbacks = CallbackList([seen], add_history=True, epochs=1, steps=2, verbose=0)
        >>> callbacks.on_epoch_end(0, {"loss": 0.25, "accuracy": 0.5})
        0 {'accuracy': 0.5, 'loss': 0.25}
        >>> callbacks.has_batch_hooks("train")
        False
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        self.callbacks = _flatten(callbacks)
        self._add_default_callbacks(add_history, add_progbar)
        if backend.process_id() != 0:
            # In a data-parallel job rank 0 alone prints and writes files.
            self.callbacks = [c for c in self.callbacks if not c.chief_only]
        self.set_model(model)
        self.set_params(params)

    def _add_default_callbacks(self, add_history, add_progbar):
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def set_params(self, params):
        """Store `params` and, when not empty, give them to every callback."""
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model):
        """Give `model` to every callback and set ``model.history`` to the `History`."""
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def has_batch_hooks(self, kind):
        """Whether any callback acts on the batches of `kind`: ``"train"``, ``"test"`` or
        ``"predict"``.

        When this is False the loop may skip the batch hooks, and the per-batch logs they would
        receive, altogether. Ask after ``on_{kind}_begin``: `ProgbarLogger` only decides then.
        """
        if kind not in _BATCH_HOOKS:
            raise ValueError(
                f"Expected kind to be one of {sorted(_BATCH_HOOKS)}. Received: kind={kind!r}"
            )
        return any(callback._implements_batch_hooks(kind) for callback in self.callbacks)

    def _implements_batch_hooks(self, kind):
        return self.has_batch_hooks(kind)

    on_batch_begin = _dispatch("on_batch_begin", False)
    on_batch_end = _dispatch("on_batch_end", False)
    on_train_batch_begin = _dispatch("on_train_batch_begin", False)
    on_train_batch_end = _dispatch("on_train_batch_end", False)
    on_test_batch_begin = _dispatch("on_test_batch_begin", False)
    on_test_batch_end = _dispatch("on_test_batch_end", False)
    on_predict_batch_begin = _dispatch("on_predict_batch_begin", False)
    on_predict_batch_end = _dispatch("on_predict_batch_end", False)
    on_epoch_begin = _dispatch("on_epoch_begin", True)
    on_epoch_end = _dispatch("on_epoch_end", True)
    on_train_begin = _dispatch("on_train_begin", None)
    on_train_end = _dispatch("on_train_end", None)
    on_test_begin = _dispatch("on_test_begin", None)
    on_test_end = _dispatch("on_test_end", None)
    on_predict_begin = _dispatch("on_predict_begin", None)
    on_predict_end = _dispatch("on_predict_end", None)
