"""nnet.utils: seeding, label encoding, progress bars and data helpers.

`Progbar` loads on first use: layers import `nnet.utils.registry`, which need not pull in the
progress bar.
"""

import random

import numpy as np

from nnet import backend
from nnet._lazy import lazy_exports
from nnet.backend import clear_session
from nnet.utils.dataset_utils import (
    PyDataset,
    pack_x_y_sample_weight,
    split_dataset,
    unpack_x_y_sample_weight,
)
from nnet.utils.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from nnet.utils.registry import deserialize_keras_object, serialize_keras_object


def set_random_seed(seed):
    """Seed Python's `random`, NumPy's global RNG and nnet's generator, for reproducible runs.

    Example:
        >>> import nnet
        >>> nnet.utils.set_random_seed(0); a = nnet.layers.Dense(2)(np.ones((1, 3))).numpy()
        >>> nnet.utils.set_random_seed(0); b = nnet.layers.Dense(2)(np.ones((1, 3))).numpy()
        >>> bool((a == b).all())
        True
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"Expected an integer for seed. Received: seed={seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    backend.seed_rng(seed)


def to_categorical(x, num_classes=None):
    """One-hot encode integer class labels: shape (N,) -> (N, num_classes), float32.

    Example:
        >>> to_categorical([0, 2, 1])
        array([[1., 0., 0.],
               [0., 0., 1.],
               [0., 1., 0.]], dtype=float32)
    """
    x = np.asarray(x)
    if x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    if x.size and (x.min() < 0 or not np.all(x == np.round(x))):
        raise ValueError(
            f"to_categorical expects non-negative integer labels. Received values such as "
            f"{x.ravel()[:3].tolist()}."
        )
    labels = x.astype(np.int64)
    num_classes = int(labels.max()) + 1 if num_classes is None else num_classes
    if labels.size and labels.max() >= num_classes:
        raise ValueError(
            f"to_categorical: label {int(labels.max())} is out of range for "
            f"num_classes={num_classes}. Pass a larger num_classes."
        )
    out = np.zeros(labels.shape + (num_classes,), dtype=backend.floatx())
    np.put_along_axis(out, labels[..., None], 1.0, axis=-1)
    return out


def normalize(x, axis=-1, order=2):
    """Scale `x` to unit `order`-norm along `axis` (zero vectors stay zero).

    Example:
        >>> normalize(np.array([[3.0, 4.0]]))
        array([[0.6, 0.8]])
    """
    x = np.asarray(x)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.where(norm == 0, 1, norm)


# The old name of PyDataset, which Keras keeps.
Sequence = PyDataset

__getattr__, __dir__ = lazy_exports(__name__, submodules=("bounding_boxes",), attributes={
    "Config": "nnet.utils.config",
    "get_source_inputs": "nnet.autodiff.symbolic",
    "is_keras_tensor": "nnet.backend",
    "standardize_dtype": "nnet.backend",
    "enable_interactive_logging": "nnet.utils.io_utils",
    "disable_interactive_logging": "nnet.utils.io_utils",
    "is_interactive_logging_enabled": "nnet.utils.io_utils",
    "Progbar": "nnet.utils.progbar",
    "pad_sequences": "nnet.utils.sequence_utils",
    "timeseries_dataset_from_array": "nnet.utils.timeseries_dataset_utils",
    "text_dataset_from_directory": "nnet.utils.text_dataset_utils",
    "array_to_img": "nnet.utils.image_utils",
    "img_to_array": "nnet.utils.image_utils",
    "load_img": "nnet.utils.image_utils",
    "save_img": "nnet.utils.image_utils",
    "image_dataset_from_directory": "nnet.utils.image_dataset_utils",
    "model_to_dot": "nnet.utils.model_visualization",
    "plot_model": "nnet.utils.model_visualization",
})

__all__ = [
    "set_random_seed", "to_categorical", "normalize", "clear_session", "PyDataset", "Progbar",
    "register_keras_serializable", "get_registered_name", "pack_x_y_sample_weight",
    "unpack_x_y_sample_weight", "custom_object_scope", "serialize_keras_object",
    "deserialize_keras_object", "CustomObjectScope", "get_custom_objects", "get_registered_object",
    "model_to_dot", "plot_model",
    "pad_sequences", "timeseries_dataset_from_array", "text_dataset_from_directory",
    "array_to_img", "img_to_array", "load_img", "save_img", "image_dataset_from_directory",
    "Config", "Sequence", "split_dataset", "get_source_inputs", "is_keras_tensor",
    "standardize_dtype", "enable_interactive_logging", "disable_interactive_logging",
    "is_interactive_logging_enabled", "bounding_boxes",
]
