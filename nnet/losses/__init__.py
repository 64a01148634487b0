"""Loss functions and classes with Keras 3's names, defaults, formulas and reductions.

A loss function maps ``(y_true, y_pred)`` to one value per sample (it averages over the last axis);
a `Loss` object then weights those values and reduces them to a scalar. Shapes are checked: (N,)
against (N, 1) is reconciled as Keras does, any other mismatch raises instead of broadcasting.

`loss` holds the `Loss` base, `LossFunctionWrapper` and the reductions; `crossentropy` the binary,
categorical and sparse categorical cross-entropies; `losses` the regression, hinge, KL, Poisson and
cosine losses; `focal`, `segmentation` (Dice, Tversky), `generalized_cross_entropy`, `circle`
and `ctc` the rest of Keras's catalogue.

Example:
    >>> import numpy as np
    >>> float(MeanSquaredError()(np.array([0.0, 1.0]), np.array([[1.0], [1.0]])))
    0.5
"""

from nnet.losses.circle import Circle, circle
from nnet.losses.crossentropy import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from nnet.losses.ctc import CTC, ctc
from nnet.losses.focal import (
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
)
from nnet.losses.generalized_cross_entropy import (
    CategoricalGeneralizedCrossEntropy,
    categorical_generalized_cross_entropy,
)
from nnet.losses.loss import LOSSES, Loss, LossFunctionWrapper
from nnet.losses.losses import (
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SquaredHinge,
    categorical_hinge,
    cosine_similarity,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    squared_hinge,
)
from nnet.losses.segmentation import Dice, Tversky, dice, tversky
from nnet.utils.registry import serialize_object


def get(identifier):
    """Resolve a loss identifier: a function name gives the function, a class name an instance.

    Args:
        identifier: a string, a ``{"class_name", "config"}`` dict, a `Loss` or a callable.

    Example:
        >>> get("mse").__name__, get("MeanSquaredError").name
        ('mean_squared_error', 'mean_squared_error')
    """
    return LOSSES.get(identifier, argument="loss")


def serialize(loss):
    """Keras's JSON form of a loss: a function becomes its name, a `Loss` a config dict.

    Example:
        >>> serialize(Huber())["class_name"], serialize(mean_squared_error)
        ('Huber', 'mean_squared_error')
    """
    return serialize_object(loss)


def deserialize(config, custom_objects=None):
    """Rebuild a loss from `serialize`'s output (also Keras's ``"class_name": "function"`` form).

    Example:
        >>> deserialize({"class_name": "Huber", "config": {"delta": 2.0}}).get_config()["delta"]
        2.0
    """
    if isinstance(config, dict) and config.get("class_name") == "function":
        config = config["config"]
    return LOSSES.deserialize(config, custom_objects)
