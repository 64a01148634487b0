"""nnet.models: Model (subclassed or functional) and Sequential."""

from nnet.models.functional import Functional
from nnet.models.model import Model
from nnet.models.sequential import Sequential

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
