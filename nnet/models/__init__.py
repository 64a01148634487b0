"""nnet.models: Model (subclassed or functional) and Sequential."""

from nnet.models.functional import Functional
from nnet.models.model import Model
from nnet.models.sequential import Sequential
from nnet.utils.registry import Registry

# Models are layers too: `layers.deserialize` and `deserialize_keras_object` find them here.
_REGISTRY = Registry("model", Model, module="keras")
for _cls in (Model, Sequential):
    _REGISTRY.register(_cls)
# Keras does not export Functional: its configs name the module that defines it.
_FUNCTIONAL_REGISTRY = Registry("model", Model, module="keras.src.models.functional")
_FUNCTIONAL_REGISTRY.register(Functional)

__all__ = ["Functional", "Model", "Sequential", "load_model", "model_from_json", "save_model"]

# keras.models also offers the saving functions; nnet.saving sits above the models and imports
# them, so they are looked up there when first asked for.
_FROM_SAVING = ("load_model", "model_from_json", "save_model")


def __getattr__(name):
    if name in _FROM_SAVING:
        import nnet.saving

        return getattr(nnet.saving, name)
    raise AttributeError(f"module 'nnet.models' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_FROM_SAVING))
