"""nnet.saving: the ``.keras`` model format, weights files (``.weights.h5``/``.npz``) and the
Keras config form of objects."""

from nnet.saving.keras_format import load_model, model_from_json, save_model
from nnet.saving.weights import load_weights, save_weights
from nnet.utils.registry import (
    custom_object_scope,
    deserialize_keras_object,
    get_registered_name,
    register_keras_serializable,
    serialize_keras_object,
)

__all__ = ["save_model", "load_model", "model_from_json", "save_weights", "load_weights",
           "register_keras_serializable", "custom_object_scope", "get_registered_name",
           "serialize_keras_object", "deserialize_keras_object"]
