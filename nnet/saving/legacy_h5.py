"""Legacy HDF5 model and weights files: Keras 2, tf.keras and Keras 3's ``model.save("x.h5")``.

A legacy ``.h5`` model file holds, as root attributes, ``model_config`` (JSON: ``{"class_name",
"config"}``), ``training_config`` (JSON: compile()'s arguments with ``optimizer_config``),
``keras_version`` and ``backend``; then three groups:

* ``model_weights``, with the attributes ``layer_names`` (every layer of ``model.layers``, in
  order), ``keras_version`` and ``backend``, and one group per layer named by the layer, whose
  attribute ``weight_names`` lists its weights (trainable first, then non-trainable) as paths of
  datasets inside that group: ``dense/kernel:0`` (Keras 2) or ``sequential/dense/kernel``
  (Keras 3), so the kernel lives at ``model_weights/dense/dense/kernel:0``. Keras 3 adds a group
  ``top_level_model_weights`` for weights that belong to the model itself;
* ``optimizer_weights``, whose ``weight_names`` list the optimizer's variables in order
  (iterations, learning rate, then the slots).

A weights file written by Keras 2's ``save_weights("w.h5")`` has the ``model_weights`` layout at
its root.

Keras 2 configs are upgraded to Keras 3's form before they are deserialized: ``batch_input_shape``
becomes an input layer's ``batch_shape``, ``Model`` becomes ``Functional``, node lists
``[[name, node, tensor, kwargs]]`` become ``__keras_tensor__`` references, one-element ``axis``
lists become integers, a Lambda's bytecode triple becomes ``__lambda__`` (still refused in safe
mode), and optimizer configs lose the arguments Keras 3 dropped (``lr``, ``decay=0``).
Everything else (old initializer, regularizer and constraint names) is resolved by the
registries. Reading parses JSON and reads numeric datasets only: it never runs code from the file.
The caller opens the file with `nnet.saving.weights`' checked opener (links, external storage and
virtual datasets refused); each dataset's declared shape and type are compared with the variable
it fills before any data is read, and nothing is assigned until everything has been read.
"""

import json
import warnings

import numpy as np

from nnet.autodiff.tensor import Tensor
from nnet.backend import to_numpy
from nnet.utils.file_utils import atomic_target
from nnet.utils.registry import serialize_keras_object

KERAS_VERSION = "3.15.1"
# The most bytes HDF5 stores in one object header; longer name lists are split in chunks.
_HEADER_LIMIT = 64512
_TOP_LEVEL = "top_level_model_weights"
# Arguments of Keras 2's Lambda that Keras 3 no longer takes.
_LAMBDA_LEGACY_ARGS = ("module", "function_type", "output_shape_type", "output_shape_module")
# Arguments of Keras 2's optimizers that Keras 3 no longer takes, whatever their value.
_OPTIMIZER_LEGACY_ARGS = ("jit_compile", "is_legacy_optimizer")


class _SavedWeights:
    """The weights of an open legacy file as dataset handles, not yet read: each is read only
    once its declared shape and type match the variable it fills.

    Attributes:
        filepath: the file (for messages).
        layer_names: the saved layers' names, in the model's order.
        layers: ``{layer name: [(weight name, dataset), ...]}``.
        top_level: the model's own weights ``[(weight name, dataset), ...]``, or None.
        optimizer: the optimizer's variables (datasets, in order), or None.
    """

    def __init__(self, h5py, h5file, filepath):
        self.filepath = filepath
        root = h5file
        if "layer_names" not in h5file.attrs and "model_weights" in h5file:
            root = _group(h5py, h5file, "model_weights", filepath)
        if not any(key.startswith("layer_names") for key in root.attrs):
            raise ValueError(
                f"{filepath} is not a legacy Keras HDF5 model or weights file: it has no "
                "'layer_names' attribute. Keras 3 weights files are loaded when their name "
                "ends in `.weights.h5`."
            )
        self.layer_names = _read_names(root, "layer_names")
        self.layers = {name: _datasets(h5py, _group(h5py, root, name, filepath), filepath)
                       for name in self.layer_names}
        self.top_level = _datasets(h5py, _group(h5py, root, _TOP_LEVEL, filepath), filepath) \
            if _TOP_LEVEL in root else None
        self.optimizer = None
        if "optimizer_weights" in h5file:
            group = _group(h5py, h5file, "optimizer_weights", filepath)
            self.optimizer = [dataset for _, dataset in _datasets(h5py, group, filepath)]


def is_legacy_h5(filepath):
    """Whether `filepath` names a legacy HDF5 file (``.h5``/``.hdf5``, not ``.weights.h5``).

    Example:
        >>> is_legacy_h5("model.h5"), is_legacy_h5("model.weights.h5")
        (True, False)
    """
    return filepath.endswith((".h5", ".hdf5")) and not filepath.endswith(".weights.h5")


def save_model(h5py, model, filepath, include_optimizer=True):
    """Write `model` as a legacy ``.h5`` file in Keras 3's layout, atomically.

    Args:
        h5py: the h5py module (imported by the caller, which names the format in its error).
        model: the model to save.
        filepath: the ``.h5`` path.
        include_optimizer: also write the compile arguments and the optimizer's variables.

    Example:
        >>> import os, tempfile, h5py, nnet
        >>> model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(2, name="out")], name="s")
        >>> path = os.path.join(tempfile.mkdtemp(), "model.h5")
        >>> save_model(h5py, model, path)
        >>> with h5py.File(path, "r") as f:
        ...     [w.decode() for w in f["model_weights/out"].attrs["weight_names"]]
        ['s/out/kernel', 's/out/bias']
    """
    class_name = type(model).__name__
    attributes = {
        "keras_version": KERAS_VERSION,
        "backend": "numpy",
        # The round trip through serialize_keras_object turns NumPy values into JSON ones.
        "model_config": {"class_name": class_name,
                         "config": serialize_keras_object(model.get_config())},
    }
    optimizer = model.optimizer if model.compiled else None
    if include_optimizer and optimizer is not None:
        training_config = serialize_keras_object(model.get_compile_config())
        saved = training_config.pop("optimizer")
        training_config["optimizer_config"] = {"class_name": saved["class_name"],
                                               "config": saved["config"]}
        attributes["training_config"] = training_config
    with atomic_target(filepath) as temporary, h5py.File(temporary, "x") as f:
        for key, value in attributes.items():
            f.attrs[key] = json.dumps(value) if isinstance(value, dict) else value
        _write_weights(f.create_group("model_weights"), model)
        if include_optimizer and optimizer is not None and optimizer.variables:
            _write_subset(f.create_group("optimizer_weights"),
                          [(v.path, v) for v in optimizer.variables])


def _legacy_weights(layer):
    """The order in which legacy files list a layer's weights."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _top_level_weights(model):
    """The model's weights that belong to none of its layers."""
    owned = {id(w) for layer in model.layers for w in layer.weights}
    return [w for w in _legacy_weights(model) if id(w) not in owned]


def _write_weights(group, model):
    _write_names(group, "layer_names", [layer.name for layer in model.layers])
    group.attrs["backend"] = "numpy"
    group.attrs["keras_version"] = KERAS_VERSION
    # Groups in name order, as Keras writes them, so that no name is a prefix being written.
    for layer in sorted(model.layers, key=lambda layer: layer.name):
        _write_subset(group.create_group(layer.name),
                      [(w.path, w) for w in _legacy_weights(layer)])
    _write_subset(group.create_group(_TOP_LEVEL),
                  [(w.path, w) for w in _top_level_weights(model)])


def _write_subset(group, named):
    names = [name for name, _ in named]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(
            f"Cannot save the weights of '{group.name}' to HDF5: several weights share the "
            f"path(s) {repeated}. Give the layers and weights unique names."
        )
    _write_names(group, "weight_names", names)
    for name, value in named:
        group.create_dataset(name, data=to_numpy(value.data if isinstance(value, Tensor)
                                                 else value))


def _write_names(group, attribute, names):
    """Keras's `save_attributes_to_hdf5_group`: a list too long for one header is chunked."""
    data = np.asarray([name.encode("utf8") for name in names], dtype=bytes if names else float)
    chunks = 1
    while any(part.nbytes > _HEADER_LIMIT for part in np.array_split(data, chunks)):
        chunks += 1
    if chunks == 1:
        group.attrs[attribute] = data
        return
    for i, part in enumerate(np.array_split(data, chunks)):
        group.attrs[f"{attribute}{i}"] = part


def read_config(h5file, filepath):
    """The model config of an open legacy ``.h5`` file, in Keras 3's form (`upgrade_config`),
    with a ``compile_config`` made from its ``training_config`` when it has one.

    Args:
        h5file: the open ``h5py.File`` (opened by the caller, which checks that it is
            self-contained).
        filepath: its path, for messages.

    Example:
        >>> import os, tempfile, h5py, nnet
        >>> model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(2, name="d")],
        ...                         name="tiny")
        >>> path = os.path.join(tempfile.mkdtemp(), "tiny.h5")
        >>> save_model(h5py, model, path)
        >>> with h5py.File(path, "r") as f:
        ...     config = read_config(f, path)
        >>> config["class_name"], config["config"]["name"]
        ('Sequential', 'tiny')
    """
    model_config = _json_attribute(h5file, "model_config", filepath)
    if model_config is None:
        raise ValueError(
            f"No model config found in the file at {filepath}: it holds weights only. Build "
            "the model in code, then call model.load_weights(filepath)."
        )
    config = upgrade_config(model_config)
    training_config = _json_attribute(h5file, "training_config", filepath)
    if training_config is not None:
        config["compile_config"] = _compile_config(training_config)
    return config


def _json_attribute(f, name, filepath):
    value = f.attrs.get(name)
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    try:
        return json.loads(value)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"Cannot read {filepath}: its '{name}' attribute is not valid JSON ({error}). The "
            "file is corrupted or was not written by Keras."
        ) from None


def _group(h5py, parent, name, filepath):
    item = parent.get(name)
    if not isinstance(item, h5py.Group):
        raise ValueError(
            f"Cannot read {filepath}: expected a group '{name}' in '{parent.name}', found "
            f"{'nothing' if item is None else type(item).__name__}. The file is corrupted or "
            "truncated."
        )
    return item


def _read_names(group, attribute):
    """Keras's `load_attributes_from_hdf5_group`: a list, maybe split over chunks."""
    if attribute in group.attrs:
        chunks = [group.attrs[attribute]]
    else:
        chunks, i = [], 0
        while f"{attribute}{i}" in group.attrs:
            chunks.append(group.attrs[f"{attribute}{i}"])
            i += 1
    return [name.decode("utf8") if isinstance(name, bytes) else str(name)
            for chunk in chunks for name in np.atleast_1d(chunk)]



def _datasets(h5py, group, filepath):
    """``[(weight name, dataset)]`` of one layer's group, in its ``weight_names`` order."""
    pairs = []
    for name in _read_names(group, "weight_names"):
        dataset = group.get(name)
        if not isinstance(dataset, h5py.Dataset) or dataset.dtype.kind not in "biuf":
            raise ValueError(
                f"Cannot read {filepath}: the weight '{name}' listed in '{group.name}' is "
                f"{'missing' if dataset is None else 'not a numeric dataset'}. The file is "
                "corrupted or truncated."
            )
        pairs.append((name, dataset))
    return pairs


def upgrade_config(config):
    """A model or layer config from a legacy file in the form Keras 3 configs take.

    Args:
        config: ``{"class_name", "config", ...}`` as Keras 2, tf.keras or Keras 3 wrote it.

    Example:
        >>> upgrade_config({"class_name": "Sequential", "config": {"name": "s", "layers": [
        ...     {"class_name": "Dense", "config": {"units": 2, "batch_input_shape": [None, 3]}}
        ... ]}})["config"]["layers"][0]
        {'class_name': 'InputLayer', 'config': {'batch_shape': [None, 3], 'dtype': None}}
    """
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError(
            "The model config of the file is not a Keras config: expected a dict with "
            f"'class_name' and 'config'. Received: config={str(config)[:200]}"
        )
    config = dict(config)
    class_name = config["class_name"]
    inner = config["config"]
    if class_name == "Model":
        class_name = config["class_name"] = "Functional"
    if class_name == "Sequential" and isinstance(inner, list):
        inner = {"layers": inner}
    if not isinstance(inner, dict):
        return config
    inner = dict(inner)
    config["config"] = inner
    if isinstance(inner.get("axis"), list) and len(inner["axis"]) == 1:
        inner["axis"] = int(inner["axis"][0])
    if class_name == "Lambda":
        _upgrade_lambda(inner)
    if class_name == "InputLayer" and "batch_input_shape" in inner:
        inner["batch_shape"] = inner.pop("batch_input_shape")
    if isinstance(inner.get("layers"), list):
        layers = []
        for layer in inner["layers"]:
            layer = upgrade_config(layer)
            shape = layer["config"].pop("batch_input_shape", None) \
                if isinstance(layer["config"], dict) else None
            if shape is not None:
                # Keras 2 put a Sequential model's input shape on its first layer.
                layers.append({"class_name": "InputLayer", "config": {
                    "batch_shape": shape, "dtype": layer["config"].get("dtype")}})
            layers.append(layer)
        inner["layers"] = layers
    if class_name == "Functional":
        _upgrade_graph(inner)
    return config


def _upgrade_lambda(inner):
    for key in _LAMBDA_LEGACY_ARGS:
        inner.pop(key, None)
    for key in ("function", "output_shape"):
        value = inner.get(key)
        # Keras 2 stored a Python lambda as [base64 bytecode, defaults, closure].
        if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
            inner[key] = {"class_name": "__lambda__", "config": {
                "code": value[0], "defaults": value[1], "closure": value[2]}}


def _upgrade_graph(inner):
    """Keras 2's node lists to Keras 3's ``{"args", "kwargs"}`` nodes."""
    legacy = False
    for layer in inner.get("layers", []):
        nodes = layer.get("inbound_nodes") or []
        if any(isinstance(node, list) for node in nodes):
            legacy = True
            layer["inbound_nodes"] = [_upgrade_node(node) for node in nodes]
    if not legacy:
        return
    # Keras 2 listed even a single input or output; its models then took and gave one array.
    for key in ("input_layers", "output_layers"):
        ends = inner.get(key)
        if isinstance(ends, list) and len(ends) == 1 and isinstance(ends[0], list):
            inner[key] = ends[0]


def _upgrade_node(node):
    if isinstance(node, dict):
        return node
    tensors = [{"class_name": "__keras_tensor__",
                "config": {"keras_history": list(entry[:3])}} for entry in node]
    kwargs = node[-1][3] if node and len(node[-1]) > 3 else {}
    return {"args": [tensors[0] if len(tensors) == 1 else tensors], "kwargs": kwargs}


def _compile_config(training_config):
    """A ``training_config`` as the compile config that `Model.compile_from_config` takes."""
    config = dict(training_config)
    optimizer = config.pop("optimizer_config", None)
    if isinstance(optimizer, dict) and isinstance(optimizer.get("config"), dict):
        arguments = dict(optimizer["config"])
        if "lr" in arguments:
            arguments.setdefault("learning_rate", arguments.pop("lr"))
        if not arguments.get("decay"):
            arguments.pop("decay", None)
        for key in _OPTIMIZER_LEGACY_ARGS:
            arguments.pop(key, None)
        optimizer = {"class_name": optimizer["class_name"], "config": arguments}
    config["optimizer"] = optimizer
    return config


def restore_model(h5py, model, h5file, filepath):
    """Put the weights of an open legacy file into `model`, and its optimizer state too when
    `model` is compiled. Layers are matched by position, as Keras's loader does.

    Example:
        >>> import os, tempfile, h5py, nnet
        >>> model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.h5")
        >>> save_model(h5py, model, path)
        >>> twin = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(2)])
        >>> with h5py.File(path, "r") as f:
        ...     restore_model(h5py, twin, f, path)
        >>> bool((twin.weights[0].numpy() == model.weights[0].numpy()).all())
        True
    """
    saved = _SavedWeights(h5py, h5file, filepath)
    _assign(_pairs_by_order(model, saved, skip_mismatch=False))
    optimizer = model.optimizer if model.compiled else None
    if optimizer is None or not saved.optimizer:
        return
    # Keras builds the optimizer before it sets the saved variables.
    if not optimizer.built:
        optimizer.build(model.trainable_weights)
    shapes = [tuple(v.shape) for v in optimizer.variables]
    if [dataset.shape for dataset in saved.optimizer] != shapes:
        warnings.warn(
            f"Could not restore the optimizer state of {filepath}: it holds "
            f"{len(saved.optimizer)} variables that do not match the {len(shapes)} of the "
            f"optimizer '{optimizer.name}'. The model starts with a fresh optimizer.",
            stacklevel=3,
        )
        return
    optimizer.load_own_variables(
        {str(i): np.asarray(dataset[()]) for i, dataset in enumerate(saved.optimizer)})


def load_weights(h5py, model, h5file, filepath, by_name=False, skip_mismatch=False):
    """Load an open legacy ``.h5`` weights (or model) file into `model`.

    By default the layers that have weights are matched by position; with `by_name`, by name,
    and the layers that the file does not name keep their weights. Every dataset's declared
    shape is checked before any is read, and a load that fails changes no weight.

    Args:
        h5py: the h5py module.
        model: a built model.
        h5file: the open ``h5py.File``.
        filepath: its path, for messages.
        by_name: match layers by name instead of position.
        skip_mismatch: skip, with a warning, the weights whose shapes differ (and, with
            `by_name`, the layers whose weight counts differ) instead of raising.

    Example:
        >>> import os, tempfile, h5py, nnet
        >>> model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(2, name="out")], name="s")
        >>> path = os.path.join(tempfile.mkdtemp(), "model.h5")
        >>> save_model(h5py, model, path)
        >>> other = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(2, name="out"),
        ...                          nnet.layers.Dense(1, name="extra")])
        >>> with h5py.File(path, "r") as f:
        ...     load_weights(h5py, other, f, path, by_name=True)
        >>> bool((other.layers[0].kernel.numpy() == model.layers[0].kernel.numpy()).all())
        True
    """
    saved = _SavedWeights(h5py, h5file, filepath)
    pick = _pairs_by_name if by_name else _pairs_by_order
    _assign(pick(model, saved, skip_mismatch))


def _assign(pairs):
    # Everything is read before the first assignment, so a failure changes nothing.
    values = [np.asarray(dataset[()]) for _, dataset in pairs]
    for (variable, _), value in zip(pairs, values):
        variable.assign(value)


def _pairs_by_order(model, saved, skip_mismatch):
    """``(variable, value)`` for every weight, the layers with weights matched in order."""
    layers = [layer for layer in model.layers if _legacy_weights(layer)]
    names = [name for name in saved.layer_names if saved.layers[name]]
    if len(names) != len(layers):
        raise ValueError(
            f"Cannot load {saved.filepath}: the model has {len(layers)} layers with weights "
            f"({[layer.name for layer in layers]}) but the file has {len(names)} ({names}). "
            "Build the model that was saved, or load with by_name=True to match layers by name."
        )
    pairs = []
    for k, (layer, name) in enumerate(zip(layers, names)):
        label = f"layer #{k} (named {layer.name!r} in the model, {name!r} in the file)"
        pairs += _layer_pairs(saved, layer, saved.layers[name], label, skip_mismatch,
                              count_mismatch_skips=False)
    pairs += _top_level_pairs(model, saved, skip_mismatch)
    return pairs


def _pairs_by_name(model, saved, skip_mismatch):
    """``(variable, value)`` for the weights of the layers whose names the file holds."""
    index = {}
    for layer in model.layers:
        index.setdefault(layer.name, []).append(layer)
    pairs = []
    for k, name in enumerate(saved.layer_names):
        for layer in index.get(name, []):
            pairs += _layer_pairs(saved, layer, saved.layers[name],
                                  f"layer #{k} (named {name!r})", skip_mismatch,
                                  count_mismatch_skips=True)
    pairs += _top_level_pairs(model, saved, skip_mismatch)
    return pairs


def _top_level_pairs(model, saved, skip_mismatch):
    if saved.top_level is None:
        return []
    return _layer_pairs(saved, model, saved.top_level, "the model's top-level weights",
                        skip_mismatch, count_mismatch_skips=True, variables=_top_level_weights(
                            model))


def _layer_pairs(saved, layer, values, label, skip_mismatch, count_mismatch_skips,
                 variables=None):
    """``(variable, dataset)`` pairs of one layer, by the datasets' declared shapes. Keras's
    checks: a count mismatch raises (or, by name, skips); a shape mismatch raises or, with
    `skip_mismatch`, skips that weight."""
    variables = _legacy_weights(layer) if variables is None else variables
    if len(values) != len(variables):
        message = (f"{label} expects {len(variables)} weight(s) "
                   f"{[w.path for w in variables]}; {saved.filepath} holds {len(values)} "
                   f"{[name for name, _ in values]}.")
        if skip_mismatch and count_mismatch_skips:
            warnings.warn(f"Skipping loading weights for {message}", stacklevel=4)
            return []
        raise ValueError(
            f"Weight count mismatch: {message} Load the file into the model it was saved "
            "from" + (", or pass skip_mismatch=True." if count_mismatch_skips else ".")
        )
    pairs = []
    for variable, (name, dataset) in zip(variables, values):
        if tuple(variable.shape) == dataset.shape:
            pairs.append((variable, dataset))
            continue
        message = (f"{label}: weight {variable.path!r} has shape {tuple(variable.shape)} in "
                   f"the model but {name!r} has shape {dataset.shape} in {saved.filepath}.")
        if not skip_mismatch:
            raise ValueError(f"Shape mismatch in {message} Pass skip_mismatch=True to skip "
                             "the weights that do not match.")
        warnings.warn(f"Skipping loading weights for {message}", stacklevel=4)
    return pairs
