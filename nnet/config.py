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
from nnet.dtype_policies import dtype_policy, set_dtype_policy
from nnet.utils.io_utils import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from nnet.utils.object_registration import enable_unsafe_deserialization

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


_TRACEBACK_FILTERING = True


def enable_traceback_filtering():
    """Record that tracebacks may be filtered (the default), as Keras's switch does.

    nnet raises its errors from plain Python calls, with no wrapper frames to hide, so the
    tracebacks are the same either way; the switch is kept so that Keras code runs unchanged.

    Example:
        >>> enable_traceback_filtering(); is_traceback_filtering_enabled()
        True
    """
    global _TRACEBACK_FILTERING
    _TRACEBACK_FILTERING = True


def disable_traceback_filtering():
    """Record that tracebacks must be shown whole (see `enable_traceback_filtering`).

    Example:
        >>> disable_traceback_filtering(); is_traceback_filtering_enabled()
        False
        >>> enable_traceback_filtering()
    """
    global _TRACEBACK_FILTERING
    _TRACEBACK_FILTERING = False


def is_traceback_filtering_enabled():
    """The state of the traceback-filtering switch (True by default)."""
    return _TRACEBACK_FILTERING


def enable_flash_attention():
    """Keras's switch for flash attention kernels. nnet has none: attention always runs the
    plain softmax(QK^T)V computation, and `is_flash_attention_enabled` stays False.

    Example:
        >>> enable_flash_attention(); is_flash_attention_enabled()
        False
    """


def disable_flash_attention():
    """Keras's switch for flash attention kernels; nnet has none, so there is nothing to turn off.
    """


def is_flash_attention_enabled():
    """False: nnet has no flash attention kernels.

    Example:
        >>> is_flash_attention_enabled()
        False
    """
    return False


__all__ = [
    "backend", "epsilon", "floatx", "image_data_format", "max_epochs", "max_steps_per_epoch",
    "set_epsilon", "set_floatx", "set_image_data_format", "set_max_epochs",
    "set_max_steps_per_epoch", "dtype_policy", "set_dtype_policy", "enable_interactive_logging",
    "disable_interactive_logging", "is_interactive_logging_enabled",
    "enable_unsafe_deserialization", "enable_traceback_filtering", "disable_traceback_filtering",
    "is_traceback_filtering_enabled", "enable_flash_attention", "disable_flash_attention",
    "is_flash_attention_enabled",
]
