"""`Callback`, the base of every callback, and `CallbackList`, which calls a list of them."""

_BATCH_HOOKS = {
    "train": ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end"),
    "test": ("on_test_batch_begin", "on_test_batch_end"),
    "predict": ("on_predict_batch_begin", "on_predict_batch_end"),
}


class Callback:
    """Base class of the objects that `fit`, `evaluate` and `predict` call at fixed points.

    Override the hooks you need; each receives a dict of logs (Python floats, keys sorted) that
    it may read and extend. ``on_batch_begin``/``on_batch_end`` are what the default
    ``on_train_batch_begin``/``on_train_batch_end`` call.

    Attributes:
        model: the model being trained, set by `set_model`.
        params: the loop's parameters, e.g. ``{'verbose': 1, 'epochs': 10, 'steps': 32}``.
        chief_only: a class attribute: True for callbacks that only write (files, the progress
            bar), which run on rank 0 alone in a data-parallel job (`nnet.distribution`).

    Example:
        >>> class Count(Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         print(epoch, logs)
        >>> Count().on_epoch_end(0, {"loss": 0.5})
        0 {'loss': 0.5}
    """

    chief_only = False

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        """Store the loop's parameters in ``self.params``."""
        self.params = params

    def set_model(self, model):
        """Store the model in ``self.model``."""
        self._model = model

    @property
    def model(self):
        """The model the callback is attached to."""
        return self._model

    def _implements_batch_hooks(self, kind):
        """Whether a batch hook of `kind` ("train", "test", "predict") does anything here.

        A hook counts when a subclass overrides it or an instance attribute replaces it (as
        `LambdaCallback` does).
        """
        own = self.__dict__
        cls = type(self)
        return any(
            name in own or getattr(cls, name) is not getattr(Callback, name)
            for name in _BATCH_HOOKS[kind]
        )

    def on_batch_begin(self, batch, logs=None):
        """Called at the start of a training batch (by the default `on_train_batch_begin`)."""

    def on_batch_end(self, batch, logs=None):
        """Called at the end of a training batch (by the default `on_train_batch_end`)."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of epoch `epoch` (0-based) during `fit`."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch; `logs` holds the epoch's metrics and ``val_`` ones."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before training batch `batch` (0-based within the epoch)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after training batch `batch`; `logs` holds the running epoch metrics."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before an `evaluate` (or validation) batch."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after an `evaluate` (or validation) batch."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before a `predict` batch."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after a `predict` batch; `logs` holds the batch ``outputs``."""

    def on_train_begin(self, logs=None):
        """Called once at the start of `fit`."""

    def on_train_end(self, logs=None):
        """Called once at the end of `fit`."""

    def on_test_begin(self, logs=None):
        """Called at the start of `evaluate` (and of each validation run)."""

    def on_test_end(self, logs=None):
        """Called at the end of `evaluate` (and of each validation run)."""

    def on_predict_begin(self, logs=None):
        """Called at the start of `predict`."""

    def on_predict_end(self, logs=None):
        """Called at the end of `predict`."""


def pythonify_logs(logs):
    """A new dict with sorted keys, nested dicts flattened and scalars turned into floats."""
    result = {}
    if not logs:
        return result
    for key, value in sorted(logs.items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
            continue
        if getattr(value, "ndim", 0) == 0:
            try:
                value = float(value)
            except (TypeError, ValueError):
                pass
        result[key] = value
    return result
