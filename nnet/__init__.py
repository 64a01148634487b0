"""nnet: deep learning with the Keras 3 API, on NumPy, with its own small autodiff engine.

    >>> import nnet as keras
    >>> model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(1, activation="sigmoid")])
    >>> model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
"""

from nnet import (
    activations,
    backend,
    callbacks,
    config,
    constraints,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    tree,
    utils,
)
from nnet.autodiff import Tensor, Variable, backward, check_grad, no_grad, primitive
from nnet.layers import Input, InputLayer, Layer
from nnet.models import Model, Sequential
from nnet.utils import set_random_seed

__version__ = "0.1.0"

__all__ = [
    "activations", "backend", "callbacks", "config", "constraints", "initializers", "layers",
    "losses", "metrics", "models", "saving", "ops", "optimizers", "random", "regularizers", "tree",
    "utils",
    "Tensor", "Variable", "backward", "check_grad", "no_grad", "primitive", "Input",
    "InputLayer", "Layer", "Model", "Sequential", "set_random_seed", "__version__",
]
