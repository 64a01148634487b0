"""`ProgbarLogger`: the progress bar and "Epoch i/N" lines of `fit`, `evaluate` and `predict`."""

from nnet.callbacks.callback import Callback
from nnet.utils.io_utils import print_msg
from nnet.utils.progbar import Progbar


class ProgbarLogger(Callback):
    """Prints Keras's progress bar; `fit`, `evaluate` and `predict` add one when ``verbose != 0``.

    It reads ``params = {'verbose', 'epochs', 'steps'}``. In `fit` it prints ``Epoch i/N`` at the
    start of each epoch when ``epochs > 1`` and a bar per epoch (validation runs silently); in
    `evaluate` and `predict` it prints one bar and no epoch line. The metrics are shown as
    logged (running epoch means), in the sorted order of the logs.

    Example:
        >>> logger = ProgbarLogger()
        >>> logger.set_params({"verbose": 2, "epochs": 2, "steps": 1})
        >>> logger.on_train_begin()
        >>> logger.on_epoch_begin(0)
        Epoch 1/2
        >>> logger.on_train_batch_end(0, {"loss": 0.5})
        >>> logger.on_epoch_end(0, {"loss": 0.5})  # doctest: +ELLIPSIS
        1/1 - 0s - ... - loss: 0.5000
    """

    chief_only = True

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        verbose = params["verbose"]
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params["epochs"]
        self.target = params["steps"]

    def _implements_batch_hooks(self, kind):
        # The bar only moves per batch at verbose=1; an unknown target is counted from batches.
        if kind == "test" and self._called_in_fit:
            return False
        return self.verbose == 1 or self.target is None

    def on_train_begin(self, logs=None):
        # Inside fit, validation runs without a bar.
        self._called_in_fit = True

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        # The logs hold the predictions, which are not for display.
        self._update_progbar(batch, None)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        if self.progbar is None:
            self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step",
                                   stateless_metrics=set())

    def _update_progbar(self, batch, logs=None):
        self._maybe_init_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, logs, finalize=False)

    def _finalize_progbar(self, logs):
        self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, logs, finalize=True)
