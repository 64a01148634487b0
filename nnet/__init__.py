"""nnet: deep learning with the Keras 3 API, on NumPy, with its own small autodiff engine.

`import nnet` loads the engine and `nnet.ops` (which gives Tensors their operators, so any
Tensor has them); the layers, models, losses, metrics, optimizers, callbacks and the rest load on
first use, so a script pays only for the parts it touches.

    >>> import nnet as keras
    >>> model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(1, activation="sigmoid")])
    >>> model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
"""

__version__ = "0.1.0"

# Every import of nnet or of one of its modules runs this file first: loading nnet.ops here means
# that no Tensor ever lacks its operators.
from nnet import ops  # noqa: E402
from nnet._lazy import lazy_exports  # noqa: E402

_SUBMODULES = (
    "activations", "autodiff", "backend", "callbacks", "config", "constraints", "distribution",
    "dtype_policies",
    "initializers", "layers", "losses", "metrics", "models", "ops", "optimizers", "random",
    "regularizers", "saving", "tree", "utils",
)
_ATTRIBUTES = {
    **dict.fromkeys(["Tensor", "Variable", "backward", "check_grad", "no_grad", "primitive"],
                    "nnet.autodiff"),
    **dict.fromkeys(["KerasTensor", "Operation"], "nnet.autodiff.symbolic"),
    **dict.fromkeys(["Input", "InputLayer", "InputSpec", "Layer"], "nnet.layers"),
    **dict.fromkeys(["Model", "Sequential"], "nnet.models"),
    **dict.fromkeys(["DTypePolicy", "FloatDTypePolicy"], "nnet.dtype_policies"),
    "Initializer": "nnet.initializers",
    "Loss": "nnet.losses",
    "Metric": "nnet.metrics",
    "Optimizer": "nnet.optimizers",
    "Regularizer": "nnet.regularizers",
    "name_scope": "nnet.naming",
    "set_random_seed": "nnet.utils",
}


def version():
    """nnet's version string, as ``keras.version()`` gives Keras's.

    Example:
        >>> import nnet
        >>> nnet.version() == nnet.__version__
        True
    """
    return __version__


__getattr__, __dir__ = lazy_exports(__name__, _SUBMODULES, _ATTRIBUTES)
__all__ = [*_SUBMODULES, *_ATTRIBUTES, "__version__", "version"]
