"""The native Keras model format: a ``.keras`` file (Keras 3's `saving_lib`).

A ``.keras`` file is an uncompressed ZIP archive (``ZIP_STORED``) with three members:

* ``metadata.json``: ``{"keras_version": "3.15.1", "date_saved": "2026-11-26@21:11:49"}`` plus
  ``"nnet_version"``, which Keras ignores;
* ``config.json``: the model's ``{module, class_name, config, registered_name, build_config,
  compile_config}``; the compile config holds the serialized optimizer, the losses and metrics
  (strings stay strings, objects become ``{module, class_name, config, registered_name}`` and
  functions ``{"module": "builtins", "class_name": "function", "config": <name>}``),
  ``loss_weights``, ``run_eagerly``, ``steps_per_execution`` and ``jit_compile``;
* ``model.weights.h5``: each layer's state as its `save_own_variables` writes it, in Keras's H5
  layout (`nnet.saving.weights`), and the optimizer's variables under ``optimizer/vars/<i>``
  (iterations, learning rate, then the slots in Keras's order).

A path ending in ``.h5``/``.hdf5`` picks the legacy HDF5 format instead (`nnet.saving.legacy_h5`),
in both directions.

Files move both ways between nnet and Keras 3. Saving is atomic (a temporary file in the same
directory, then `os.replace`). Loading parses JSON and reads HDF5 datasets only: it never runs
code from the file (a Lambda saved as bytecode needs ``safe_mode=False``).
"""

import datetime
import inspect
import io
import json
import os
import warnings
import zipfile

import numpy as np

from nnet import __version__
from nnet import losses as losses_module
from nnet import metrics as metrics_module
from nnet import optimizers as optimizers_module
from nnet.models.functional import Functional
from nnet.saving import legacy_h5
from nnet.saving.assets import MAX_ASSET_BYTES, asset_members, is_asset, load_assets
from nnet.saving.h5_store import open_h5
from nnet.saving.load_error import LoadError, loading
from nnet.saving.weights import (
    _ask_to_proceed_with_overwrite,
    compiled_optimizer,
    load_layers,
    load_optimizer,
    write_h5,
)
from nnet.utils.file_utils import atomic_target
from nnet.utils.object_registration import (
    _custom_objects,
    custom_object_scope,
    get_registered_name,
    safe_mode_scope,
)
from nnet.utils.registry import deserialize_keras_object, serialize_keras_object

KERAS_VERSION = "3.15.1"
CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"
# config.json is read whole into memory and parsed: a real one is kilobytes, rarely megabytes.
# (Keras bounds it only as a ZIP bomb, over 4 GiB and over 100x its stored size.)
MAX_CONFIG_BYTES = 64 << 20
# The weights member may be as large as the model, but a member that declares more than this
# floor may expand at most 100x its stored size (Keras's ratio; Keras writes members uncompressed).
_BOMB_FLOOR_BYTES = 64 << 20
_BOMB_MAX_EXPANSION = 100


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Save `model` (architecture, weights, compile arguments, optimizer state) as ``.keras``.

    Args:
        model: the model to save.
        filepath: a path ending in ``.keras``; with ``zipped=False``, a directory path without
            that suffix, which receives the three members as plain files. A path ending in
            ``.h5`` or ``.hdf5`` writes the legacy HDF5 format that Keras 3 also loads.
        overwrite: when False and `filepath` exists, ask on the console before replacing it.
        zipped: True (the default, None) writes the ZIP archive; False writes a directory.
        **kwargs: `include_optimizer` (default True): whether a legacy ``.h5`` file holds the
            compile arguments and optimizer state (``.keras`` always holds them). Anything
            else raises.

    Example:
        >>> import os, tempfile, numpy as np, nnet
        >>> from nnet.saving import load_model
        >>> model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(2)])
        >>> model.compile(optimizer="adam", loss="mse")
        >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
        >>> save_model(model, path)
        >>> restored = load_model(path)
        >>> x = np.ones((1, 3), "float32")
        >>> bool((restored.predict(x, verbose=0) == model.predict(x, verbose=0)).all())
        True
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    if kwargs:
        raise ValueError(
            f"The following argument(s) are not supported: {list(kwargs)}. save_model takes "
            "filepath, overwrite, zipped and include_optimizer."
        )
    filepath = os.fspath(filepath)
    zipped = True if zipped is None else zipped
    _check_save_path(filepath, zipped)
    h5py = _import_h5py(filepath)
    if not model.built:
        warnings.warn(
            "You are saving a model that has not yet been built. It might not contain any "
            "weights yet. Consider building the model first by calling it on some data.",
            stacklevel=2,
        )
    if not overwrite and os.path.exists(filepath) and not _ask_to_proceed_with_overwrite(filepath):
        return
    if legacy_h5.is_legacy_h5(filepath):
        legacy_h5.save_model(h5py, model, filepath, include_optimizer=include_optimizer)
        return
    # Everything is serialized before the disk is touched: a model that cannot be saved
    # leaves no file behind.
    members = {
        METADATA_FILENAME: _metadata_json().encode(),
        CONFIG_FILENAME: json.dumps(serialize_model(model), default=_json_default).encode(),
        WEIGHTS_FILENAME: _weights_h5(h5py, model),
        **asset_members(model),
    }
    with atomic_target(filepath) as temporary:
        if zipped:
            with zipfile.ZipFile(temporary, "x", compression=zipfile.ZIP_STORED) as archive:
                for name, data in members.items():
                    archive.writestr(name, data)
        else:
            os.mkdir(temporary)
            for name, data in members.items():
                os.makedirs(os.path.dirname(os.path.join(temporary, name)), exist_ok=True)
                with open(os.path.join(temporary, name), "xb") as f:
                    f.write(data)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with `save_model` (by nnet or by Keras 3).

    The model is rebuilt from ``config.json``, its weights are read from ``model.weights.h5``
    and, when `compile` is True and the file was saved from a compiled model, it is compiled
    with the saved arguments and its optimizer state restored, so training resumes where it
    stopped.

    A legacy ``.h5``/``.hdf5`` file (Keras 2, tf.keras, or Keras 3's ``model.save("x.h5")``)
    is read by `nnet.saving.legacy_h5`, with the same checks.

    Args:
        filepath: a ``.keras`` file, a directory saved with ``zipped=False``, or a legacy
            ``.h5``/``.hdf5`` file.
        custom_objects: ``{name: class or function}`` for user-defined layers, models, losses,
            metrics or functions that are not registered with `register_keras_serializable`.
        compile: compile the loaded model with the saved compile arguments.
        safe_mode: refuse to rebuild Lambda functions saved as Python bytecode, which would
            run code from the file. Pass False only for files you trust.

    Example:
        >>> import os, tempfile, nnet
        >>> model = nnet.Sequential([nnet.Input((4,)), nnet.layers.Dense(1)], name="tiny")
        >>> path = os.path.join(tempfile.mkdtemp(), "tiny.keras")
        >>> model.save(path)
        >>> restored = load_model(path, compile=False)
        >>> restored.name, restored.count_params()
        ('tiny', 5)
    """
    filepath = os.fspath(filepath)
    if legacy_h5.is_legacy_h5(filepath):
        return _load_legacy_h5(filepath, custom_objects, compile, safe_mode)
    h5py = _import_h5py(filepath)
    with loading(filepath):
        config_json, weights, assets = _read_members(filepath)
        config = _parse_config(config_json, filepath)
        model = _model_from_config(config, custom_objects, compile, safe_mode)
        _load_state(h5py, model, _NamedBuffer(weights, f"{filepath}/{WEIGHTS_FILENAME}"))
        load_assets(model, assets)
    return model


def _parse_config(data, filepath):
    """config.json's bytes as a model config (a JSON object), or a `LoadError` saying why not."""
    try:
        config = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise LoadError(f"Cannot load {filepath}: its {CONFIG_FILENAME} is not UTF-8 text. "
                        "The file is damaged or not a .keras file.") from None
    except json.JSONDecodeError as error:
        raise LoadError(f"Cannot load {filepath}: its {CONFIG_FILENAME} is not valid JSON "
                        f"({error}). The file is damaged or not a .keras file.") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise LoadError(
            f"Cannot load {filepath}: its {CONFIG_FILENAME} holds a {type(config).__name__}, "
            "not a model config (a JSON object with a class_name). The file is damaged or not "
            "a .keras file."
        )
    return config


def _load_legacy_h5(filepath, custom_objects, compile, safe_mode):
    if not os.path.isfile(filepath):
        raise LoadError(
            f"File not found: filepath={filepath}. Please ensure the file is an accessible "
            "`.h5` file."
        )
    h5py = _import_h5py(filepath)
    with loading(filepath), open_h5(h5py, filepath) as f:
        config = legacy_h5.read_config(f, filepath)
        model = _model_from_config(config, custom_objects, compile, safe_mode)
        legacy_h5.restore_model(h5py, model, f, filepath)
    return model


def model_from_json(json_string, custom_objects=None):
    """A new model (fresh weights) from the architecture that `Model.to_json` wrote.

    Example:
        >>> import nnet
        >>> model = nnet.Sequential([nnet.Input((4,)), nnet.layers.Dense(2)])
        >>> model_from_json(model.to_json()).count_params()
        10
    """
    return _model_from_config(json.loads(json_string), custom_objects, compile=False,
                              safe_mode=True)


def _model_from_config(config, custom_objects, compile, safe_mode):
    # Compiling is left out of the deserialization so that a failure only warns.
    config = dict(config)
    saved_compile_config = config.pop("compile_config", None)
    with custom_object_scope(custom_objects), safe_mode_scope(safe_mode):
        model = deserialize_keras_object(config)
        if compile and saved_compile_config:
            _compile_while_loading(model, saved_compile_config)
    return model


def model_to_json(model, **kwargs):
    """`serialize_model` as a JSON string; what `Model.to_json` returns."""
    return json.dumps(serialize_model(model), default=_json_default, **kwargs)


def serialize_model(model):
    """The ``config.json`` content for `model`: Keras's envelope plus build and compile configs.

    Args:
        model: a Sequential, Functional or (registered) subclassed model.

    Example:
        >>> import nnet
        >>> model = nnet.Sequential([nnet.Input((4,)), nnet.layers.Dense(1)])
        >>> config = serialize_model(model)
        >>> config["class_name"], config["build_config"], config["compile_config"]
        ('Sequential', {'input_shape': (None, 4)}, {})
    """
    config = serialize_keras_object(model)
    if type(model) is Functional:
        # Keras names the model class it does not export by the class name.
        config["registered_name"] = "Functional"
    return config


def _check_save_path(filepath, zipped):
    if legacy_h5.is_legacy_h5(filepath):
        return
    if zipped and not filepath.endswith(".keras"):
        raise ValueError(
            "Invalid filepath extension for saving. Please add a `.keras` extension for the "
            "native Keras format, or pass zipped=False to save into a directory. "
            f"Received: filepath={filepath}"
        )
    if not zipped and filepath.endswith(".keras"):
        raise ValueError(
            "When using `zipped=False`, the `filepath` argument should not end in `.keras`. "
            f"Received: filepath={filepath}"
        )


def _import_h5py(filepath):
    try:
        import h5py
    except ImportError:
        raise ImportError(
            f"Saving or loading {filepath} (the `.keras` format, whose weights are HDF5, or the "
            "legacy `.h5` format) needs "
            "h5py: `pip install h5py`. Without it, model.save_weights('model.weights.npz') "
            "saves the weights with NumPy alone."
        ) from None
    return h5py


def _metadata_json():
    return json.dumps({
        "keras_version": KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        "nnet_version": __version__,
    })


def _json_default(value):
    # NumPy scalars and arrays that slipped into a config are written as plain JSON values.
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(
        f"Cannot write {value!r} (of type {type(value).__name__}) to config.json. Configs may "
        "hold only JSON values and serialized objects: give the object a get_config()."
    )


def _weights_h5(h5py, model):
    """The bytes of ``model.weights.h5``: the layers' variables, then the optimizer's."""
    buffer = io.BytesIO()
    write_h5(h5py, model, buffer, compiled_optimizer(model))
    return buffer.getvalue()


def compile_config(model):
    """compile()'s arguments in Keras's JSON form: objects serialized, names kept."""
    given = model._compile_config
    jit_compile = given["jit_compile"]
    return {
        "optimizer": optimizers_module.serialize(model.optimizer),
        "loss": _serialize_tree(given["loss"], "loss"),
        "loss_weights": given["loss_weights"],
        "metrics": _serialize_tree(given["metrics"], "metrics"),
        "weighted_metrics": _serialize_tree(given["weighted_metrics"], "weighted_metrics"),
        "run_eagerly": given["run_eagerly"],
        "steps_per_execution": given["steps_per_execution"],
        # Keras stores the resolved flag; nnet never compiles, which is what "auto" resolves to
        # on backends without XLA.
        "jit_compile": False if jit_compile == "auto" else jit_compile,
    }


def _serialize_tree(value, argument):
    """Losses or metrics as given to compile: strings stay, objects and functions serialize."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_serialize_tree(v, argument) for v in value]
    if isinstance(value, dict):
        return {k: _serialize_tree(v, argument) for k, v in value.items()}
    if inspect.isfunction(value):
        name = get_registered_name(value)
        if name == "<lambda>":
            warnings.warn(
                f"The model was compiled with a lambda in {argument}=, which cannot be saved "
                "by name: the loaded model will not be compiled. Use a named function "
                "decorated with @register_keras_serializable() instead.",
                stacklevel=4,
            )
        return {"module": "builtins", "class_name": "function", "config": name,
                "registered_name": "function"}
    if isinstance(value, losses_module.Loss):
        return losses_module.serialize(value)
    if not hasattr(value, "get_config"):
        raise TypeError(
            f"Cannot save the compile config: {argument}= holds {value!r}, which has no "
            "get_config(). Pass a string name, a Loss or Metric object, or a named function."
        )
    return metrics_module.serialize(value)


def _read_members(filepath):
    """``(config.json text, model.weights.h5 bytes)`` of a ``.keras`` file or directory."""
    if filepath.endswith(".keras") and zipfile.is_zipfile(filepath):
        with zipfile.ZipFile(filepath) as archive:
            names = set(archive.namelist())
            _check_members(filepath, names)
            config_info = archive.getinfo(CONFIG_FILENAME)
            weights_info = archive.getinfo(WEIGHTS_FILENAME)
            config_limit = _config_limit(filepath, config_info.file_size)
            weights_limit = _weights_limit(filepath, weights_info)
            with archive.open(config_info) as f:
                config_json = _read_bounded(f, config_limit, filepath, CONFIG_FILENAME)
            with archive.open(weights_info) as f:
                weights = _read_bounded(f, weights_limit, filepath, WEIGHTS_FILENAME)
            assets = {}
            for name in filter(is_asset, sorted(names)):
                with archive.open(name) as f:
                    assets[name] = _read_bounded(f, MAX_ASSET_BYTES, filepath, name)
            return config_json, weights, assets
    if os.path.isdir(filepath) and os.path.isfile(os.path.join(filepath, CONFIG_FILENAME)):
        _check_members(filepath, set(os.listdir(filepath)))
        config_path = os.path.join(filepath, CONFIG_FILENAME)
        limit = _config_limit(filepath, os.path.getsize(config_path))
        with open(config_path, "rb") as f:
            config_json = _read_bounded(f, limit, filepath, CONFIG_FILENAME)
        assets = {}
        for directory, _, files in os.walk(os.path.join(filepath, "assets")):
            for file in files:
                path = os.path.join(directory, file)
                name = os.path.relpath(path, filepath).replace(os.sep, "/")
                with open(path, "rb") as f:
                    assets[name] = _read_bounded(f, MAX_ASSET_BYTES, filepath, name)
        with open(os.path.join(filepath, WEIGHTS_FILENAME), "rb") as f:
            return config_json, f.read(), assets
    if filepath.endswith(".keras") and os.path.isfile(filepath):
        raise LoadError(
            f"Cannot load {filepath}: it is not a readable zip archive, so it is truncated, "
            "damaged or not a .keras file."
        )
    if filepath.endswith(".keras"):
        raise LoadError(
            f"File not found: filepath={filepath}. Please ensure the file is an accessible "
            "`.keras` zip file."
        )
    raise ValueError(
        f"File format not supported: filepath={filepath}. nnet loads `.keras` files and "
        "directories saved with zipped=False."
    )


def _check_members(filepath, names):
    if CONFIG_FILENAME not in names:
        raise ValueError(f"{filepath} is not a Keras model: it has no {CONFIG_FILENAME}.")
    if WEIGHTS_FILENAME not in names:
        npz = " Its model.weights.npz holds pickled objects, which could run code: resave " \
              "it with Keras's default weights_format='h5'." if "model.weights.npz" in names \
            else ""
        raise ValueError(f"Expected a {WEIGHTS_FILENAME} file in {filepath}.{npz}")


def _config_limit(filepath, size):
    """`MAX_CONFIG_BYTES`, once the declared `size` of config.json is checked against it."""
    if size > MAX_CONFIG_BYTES:
        raise ValueError(_too_large(filepath, CONFIG_FILENAME, size, MAX_CONFIG_BYTES))
    return MAX_CONFIG_BYTES


def _weights_limit(filepath, info):
    """The most bytes the weights member may expand to: its declared size, unless that is a
    ZIP bomb's."""
    limit = max(_BOMB_FLOOR_BYTES, _BOMB_MAX_EXPANSION * info.compress_size)
    if info.file_size > limit:
        raise ValueError(
            f"Refusing to read {filepath}: its member {WEIGHTS_FILENAME!r} declares "
            f"{info.file_size} bytes but stores {info.compress_size}, over "
            f"{_BOMB_MAX_EXPANSION}x, the mark of a ZIP bomb. Keras writes this member "
            "uncompressed: re-save the model with model.save()."
        )
    return info.file_size


def _read_bounded(f, limit, filepath, name):
    """All of `f`, refused once it runs past `limit` bytes whatever its header declared."""
    data = f.read(limit + 1)
    if len(data) > limit:
        raise ValueError(_too_large(filepath, name, f"over {limit}", limit))
    return data


def _too_large(filepath, name, size, limit):
    return (
        f"Refusing to read {filepath}: its {name!r} holds {size} bytes, over the {limit}-byte "
        f"limit for it. A genuine {name} is far smaller: re-save the model with model.save(), "
        "or check that the file is the one you meant."
    )


def compile_from_config(model, config):
    """Compile `model` with the arguments of a compile config (`compile_config`'s form)."""
    optimizer = config.get("optimizer", "rmsprop")
    model.compile(
        optimizer=optimizers_module.deserialize(optimizer)
        if isinstance(optimizer, dict) else optimizer,
        loss=_deserialize_tree(config.get("loss"), losses_module),
        loss_weights=config.get("loss_weights"),
        metrics=_deserialize_tree(config.get("metrics"), metrics_module),
        weighted_metrics=_deserialize_tree(config.get("weighted_metrics"), metrics_module),
        run_eagerly=config.get("run_eagerly", False),
        steps_per_execution=config.get("steps_per_execution", 1),
        jit_compile=config.get("jit_compile", "auto"),
    )


def _compile_while_loading(model, config):
    try:
        compile_from_config(model, config)
    except (ValueError, TypeError, KeyError) as error:
        warnings.warn(
            "compile() was not called as part of model loading because the saved compile "
            f"config could not be restored ({error}). Call model.compile(...) after loading.",
            stacklevel=4,
        )


def _deserialize_tree(value, module):
    """Undo `_serialize_tree`: custom functions are looked up, built-in ones stay names.

    It runs inside the load's custom-object scope; compile() resolves the names it returns.
    """
    if isinstance(value, list):
        return [_deserialize_tree(v, module) for v in value]
    if not isinstance(value, dict):
        return value
    if "class_name" not in value:
        return {k: _deserialize_tree(v, module) for k, v in value.items()}
    if value["class_name"] == "function":
        name = value["config"]
        found = _custom_objects().get(name)
        # A built-in function name is what compile() resolves from a string anyway.
        return found if found is not None else name
    if "losses" in (value.get("module") or ""):
        module = losses_module
    return module.deserialize(value)


class _NamedBuffer(io.BytesIO):
    """In-memory ``model.weights.h5`` that error messages name by its place in the archive."""

    def __init__(self, data, name):
        super().__init__(data)
        self._name = name

    def __str__(self):
        return self._name


def _load_state(h5py, model, weights):
    with open_h5(h5py, weights) as f:
        load_layers(f, model, weights, skip_mismatch=False)
        load_optimizer(f, model, weights, skip_mismatch=False)
