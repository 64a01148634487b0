"""nnet.config: global settings, as `keras.config`.

Example:
    >>> import nnet
    >>> nnet.config.floatx(), nnet.config.epsilon(), nnet.config.image_data_format()
    ('float32', 1e-07, 'channels_last')
"""

from nnet.backend import (
    backend,
    epsilon,
    floatx,
    image_data_format,
    max_epochs,
    max_steps_per_epoch,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    set_max_epochs,
    set_max_steps_per_epoch,
)

__all__ = [
    "backend", "epsilon", "floatx", "image_data_format", "max_epochs", "max_steps_per_epoch",
    "set_epsilon", "set_floatx", "set_image_data_format", "set_max_epochs",
    "set_max_steps_per_epoch",
]
