"""`History`: the per-epoch logs of `fit`, which `fit` returns."""

from nnet.callbacks.callback import Callback


class History(Callback):
    """Records the logs of every epoch; `fit` adds one and returns it.

    Attributes:
        history: a dict of lists, one value per epoch, keys in the sorted order of the logs,
            e.g. ``{'accuracy': [...], 'loss': [...], 'val_accuracy': [...], 'val_loss': [...]}``.
        epoch: the epoch indices seen, ``[0, 1, ...]``.
        params: the loop's parameters, ``{'verbose': 1, 'epochs': 10, 'steps': 32}``.

    Example:
        >>> history = History()
        >>> history.on_train_begin()
        >>> history.on_epoch_end(0, {"loss": 0.5})
        >>> history.on_epoch_end(1, {"loss": 0.25})
        >>> history.epoch, history.history
        ([0, 1], {'loss': [0.5, 0.25]})
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        # Keep model.history pointing at the latest state, as Keras does.
        if self.model is not None:
            self.model.history = self
