"""nnet.saving: the ``.keras`` model format, and weights files (``.weights.h5``/``.npz``)."""

from nnet.saving.keras_format import load_model, model_from_json, save_model
from nnet.saving.weights import load_weights, save_weights
from nnet.utils.registry import custom_object_scope, register_keras_serializable

__all__ = ["save_model", "load_model", "model_from_json", "save_weights", "load_weights",
           "register_keras_serializable", "custom_object_scope"]
