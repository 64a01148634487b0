"""fit/evaluate/predict's arguments: checked, capped and interpreted, as Keras does."""

import warnings

import numpy as np

from nnet import config
from nnet.utils.argument_checks import check_positive_int


def verbosity(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto'. Received: verbose={verbose!r}")
    return verbose


def execution_end(step, per):
    """The step Keras reports at the end of the execution that holds `step`: its first step
    plus ``per - 1``, also when the data ran out before the execution was full."""
    return step - step % per + per - 1


def capped_epochs(epochs):
    """`epochs` checked and under the debugging cap `config.max_epochs()`, as Keras applies it."""
    check_positive_int(epochs, "epochs", allow_zero=True)
    cap = config.max_epochs()
    if cap and cap < epochs:
        warnings.warn(f"Limiting epochs to {cap}", stacklevel=3)
        return cap
    return epochs


def check_validation_freq(validation_freq):
    if isinstance(validation_freq, (int, np.integer)) and not isinstance(validation_freq, bool):
        check_positive_int(validation_freq, "validation_freq")
    elif not (isinstance(validation_freq, (list, tuple, set, range)) and all(
            isinstance(e, (int, np.integer)) and e > 0 for e in validation_freq)):
        raise ValueError(
            "Expected a positive integer (validate every N epochs) or a list of epoch numbers "
            f"(1-based) for validation_freq. Received: validation_freq={validation_freq!r}"
        )


def should_validate(epoch, validation_freq):
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq


def warn_if_trainable_changed(model):
    """Keras freezes the trainable state at compile time; say so when it has changed since."""
    frozen = model._train_variables
    current = model.trainable_weights
    if frozen is not None and (len(frozen) != len(current)
                               or any(a is not b for a, b in zip(frozen, current))):
        warnings.warn(
            "The trainable state of the model changed after compile(). The change takes effect "
            "only after you call compile() again.",
            UserWarning,
            stacklevel=3,
        )
