"""`LearningRateScheduler`: set the learning rate from a function of the epoch."""

import numpy as np

from nnet.callbacks.callback import Callback
from nnet.utils.io_utils import print_msg


class LearningRateScheduler(Callback):
    """Set ``model.optimizer.learning_rate = schedule(epoch, lr)`` at the start of every epoch.

    `schedule` receives the 0-based epoch and the current learning rate (a one-argument
    ``schedule(epoch)`` also works) and must return a float. The rate in use is logged as
    ``learning_rate`` at the end of each epoch.

    Args:
        schedule: a function ``(epoch, lr) -> new_lr``.
        verbose: 1 prints the new rate each epoch.

    Example:
        >>> class Model:
        ...     class optimizer:
        ...         learning_rate = 0.1
        >>> scheduler = LearningRateScheduler(lambda epoch, lr: lr * 0.5)
        >>> scheduler.set_model(Model())
        >>> scheduler.on_epoch_begin(0)
        >>> logs = {}
        >>> scheduler.on_epoch_end(0, logs)
        >>> logs
        {'learning_rate': 0.05}
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        learning_rate = float(optimizer.learning_rate)
        try:
            learning_rate = self.schedule(epoch, learning_rate)
        except TypeError as error:
            # The one-argument schedule(epoch) of older Keras versions.
            try:
                learning_rate = self.schedule(epoch)
            except TypeError:
                raise error from None
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(
                f"The output of the `schedule` function should be a float. Got: {learning_rate}"
            )
        optimizer.learning_rate = learning_rate
        if self.verbose > 0:
            print_msg(
                f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                f"{learning_rate}."
            )

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
