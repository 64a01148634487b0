"""nnet.saving: the ``.keras`` model format, legacy ``.h5`` files, weights files
(``.weights.h5``/``.npz``), `KerasFileEditor` for the weights inside such files, and the Keras
config form of objects with the custom-object registry.

The file formats load on first use, so registering a custom object loads no model code.
"""

from nnet._lazy import lazy_exports

_ATTRIBUTES = {
    **dict.fromkeys(["save_model", "load_model", "model_from_json"], "nnet.saving.keras_format"),
    **dict.fromkeys(["save_weights", "load_weights"], "nnet.saving.weights"),
    "LoadError": "nnet.saving.load_error",
    "KerasFileEditor": "nnet.saving.file_editor",
    **dict.fromkeys(["register_keras_serializable", "custom_object_scope", "CustomObjectScope",
                     "get_registered_name", "get_registered_object", "get_custom_objects"],
                    "nnet.utils.object_registration"),
    **dict.fromkeys(["serialize_keras_object", "deserialize_keras_object"],
                    "nnet.utils.registry"),
}
__getattr__, __dir__ = lazy_exports(__name__, attributes=_ATTRIBUTES)
__all__ = list(_ATTRIBUTES)
