"""Optimizers (`SGD`, `Adam`, `AdamW`, `RMSprop`, `Adagrad`, `Adadelta`, `Adamax`, `Nadam`,
`Ftrl`, `Lion`, `Lamb`, `LossScaleOptimizer`, `MultiOptimizer` with its `OptimizerMap`,
`Muon`, `Adafactor`, `ScheduleFreeAdamW`),
learning-rate `schedules`, and
`get`/`serialize`/`deserialize`, which look optimizers up by their lowercased class name
(``"adam"``, ``"rmsprop"``), as Keras's `compile` does."""

from nnet.optimizers import schedules
from nnet.optimizers.adadelta import Adadelta
from nnet.optimizers.adafactor import Adafactor
from nnet.optimizers.adagrad import Adagrad
from nnet.optimizers.adam import Adam
from nnet.optimizers.adamax import Adamax
from nnet.optimizers.adamw import AdamW
from nnet.optimizers.ftrl import Ftrl
from nnet.optimizers.lamb import Lamb
from nnet.optimizers.lion import Lion
from nnet.optimizers.loss_scale_optimizer import LossScaleOptimizer
from nnet.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from nnet.optimizers.muon import Muon
from nnet.optimizers.nadam import Nadam
from nnet.optimizers.optimizer import OPTIMIZERS, Optimizer
from nnet.optimizers.rmsprop import RMSprop
from nnet.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from nnet.optimizers.sgd import SGD
from nnet.utils.registry import serialize_object


def serialize(optimizer):
    """Keras's JSON form of an optimizer: ``{module, class_name, config, registered_name}``.

    Example:
        >>> from nnet import optimizers
        >>> optimizers.serialize(optimizers.Adam(name="adam"))["config"]["learning_rate"]
        0.0010000000474974513
    """
    return serialize_object(optimizer)


def deserialize(config, custom_objects=None):
    """Rebuild an optimizer (without its state) from the output of `serialize`.

    Args:
        config: ``{"class_name": ..., "config": {...}}``.
        custom_objects: optional mapping of names to user-defined optimizer classes.

    Example:
        >>> from nnet import optimizers
        >>> optimizers.deserialize({"class_name": "SGD", "config": {"momentum": 0.5}}).momentum
        0.5
    """
    return OPTIMIZERS.deserialize(config, custom_objects)


def get(identifier):
    """Resolve an optimizer from an instance, a config dict or a name such as ``"adam"``.

    Names are the lowercased class names (case does not matter); a name gives an optimizer
    with default arguments. Unknown names raise a ValueError that lists the valid ones.

    Example:
        >>> from nnet import optimizers
        >>> type(optimizers.get("rmsprop")).__name__
        'RMSprop'
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        # As in Keras, optimizer names are case-insensitive ("Adam", "ADAM", "adam").
        return OPTIMIZERS.lookup(identifier.lower(), "optimizer")()
    raise ValueError(
        f"Could not interpret optimizer identifier: optimizer={identifier!r}. Pass an optimizer "
        f"name such as 'adam', an Optimizer instance or a config dict."
    )


__all__ = [
    "Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam",
    "Ftrl", "Lion", "Lamb", "LossScaleOptimizer", "MultiOptimizer",
    "OptimizerMap", "schedules", "get", "serialize", "deserialize",
    "Muon", "Adafactor", "ScheduleFreeAdamW",
]
