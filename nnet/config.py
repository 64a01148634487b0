"""nnet.config: global settings, as `keras.config`.

The array settings (floatx, epsilon, image data format) live with the backend; the debugging caps
on training loops live here, settable from the environment as in Keras (``KERAS_MAX_EPOCHS``,
``KERAS_MAX_STEPS_PER_EPOCH``).

Example:
    >>> import nnet
    >>> nnet.config.floatx(), nnet.config.epsilon(), nnet.config.image_data_format()
    ('float32', 1e-07, 'channels_last')
"""

import os

from nnet.backend import (
    backend,
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)

_MAX_EPOCHS = int(os.environ["KERAS_MAX_EPOCHS"]) if "KERAS_MAX_EPOCHS" in os.environ else None
_MAX_STEPS_PER_EPOCH = (int(os.environ["KERAS_MAX_STEPS_PER_EPOCH"])
                        if "KERAS_MAX_STEPS_PER_EPOCH" in os.environ else None)


def max_epochs():
    """The cap on the epochs of any `fit`, or None (no cap).

    Set with `set_max_epochs` or the ``KERAS_MAX_EPOCHS`` environment variable.

    Example:
        >>> import nnet
        >>> nnet.config.max_epochs() is None
        True
    """
    return _MAX_EPOCHS


def set_max_epochs(max_epochs):
    """Cap the number of epochs of every `fit` (for quick debugging runs); None removes it.

    Args:
        max_epochs: the integer limit on the epochs, or None.

    Example:
        >>> import nnet
        >>> nnet.config.set_max_epochs(2); nnet.config.max_epochs()
        2
        >>> nnet.config.set_max_epochs(None)
    """
    global _MAX_EPOCHS
    _MAX_EPOCHS = max_epochs


def max_steps_per_epoch():
    """The cap on the steps of any fit/evaluate/predict epoch, or None (no cap).

    Set with `set_max_steps_per_epoch` or the ``KERAS_MAX_STEPS_PER_EPOCH`` environment variable.

    Example:
        >>> import nnet
        >>> nnet.config.max_steps_per_epoch() is None
        True
    """
    return _MAX_STEPS_PER_EPOCH


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Cap the steps per epoch of fit/evaluate/predict (for debugging); None removes it.

    Args:
        max_steps_per_epoch: the integer limit on the steps of one epoch, or None.

    Example:
        >>> import nnet
        >>> nnet.config.set_max_steps_per_epoch(5); nnet.config.max_steps_per_epoch()
        5
        >>> nnet.config.set_max_steps_per_epoch(None)
    """
    global _MAX_STEPS_PER_EPOCH
    _MAX_STEPS_PER_EPOCH = max_steps_per_epoch


__all__ = [
    "backend", "epsilon", "floatx", "image_data_format", "max_epochs", "max_steps_per_epoch",
    "set_epsilon", "set_floatx", "set_image_data_format", "set_max_epochs",
    "set_max_steps_per_epoch",
]
