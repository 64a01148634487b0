"""nnet.models: Model (subclassed or functional), Sequential and `clone_model`.

`load_model`, `model_from_json` and `save_model` live in `nnet.saving`, a floor above; they load
on first use.
"""

from nnet._lazy import lazy_exports
from nnet.models.cloning import clone_model
from nnet.models.functional import Functional
from nnet.models.model import Model
from nnet.models.sequential import Sequential

__getattr__, __dir__ = lazy_exports(__name__, attributes=dict.fromkeys(
    ["load_model", "model_from_json", "save_model"], "nnet.saving.keras_format"))
__all__ = ["clone_model", "Functional", "Model", "Sequential", "load_model", "model_from_json",
           "save_model"]
