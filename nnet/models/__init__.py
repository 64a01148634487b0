"""nnet.models: Model (subclassed or functional) and Sequential."""

from nnet.models.functional import Functional
from nnet.models.model import Model
from nnet.models.sequential import Sequential
from nnet.saving.keras_format import load_model, model_from_json, save_model  # noqa: E402

__all__ = ["Functional", "Model", "Sequential", "load_model", "model_from_json", "save_model"]
