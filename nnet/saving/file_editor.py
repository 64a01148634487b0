"""`KerasFileEditor`: inspect and edit the weights inside a ``.keras`` or ``.weights.h5`` file.

The weights are read into a tree of dicts, as Keras's editor shows them: each object of the file
(``layers``, ``layers/dense``, ``optimizer``, ...) is a dict of its own arrays (``"0"``,
``"1"``, ...) and of its sub-objects. Edits change the tree; `save` writes it as a
``.weights.h5`` file that `load_weights` (nnet's or Keras's) reads.

Reading goes through the same checks as loading a model: links and datasets stored outside the
file are refused, and a dataset that declares far more bytes than the file stores is refused
before it is read. Saving is atomic (a temporary file, then a rename).
"""

import collections
import json
import os
import zipfile

import numpy as np

from nnet.saving.h5_store import H5Store, create_h5, open_h5
from nnet.saving.keras_format import (
    MAX_CONFIG_BYTES,
    METADATA_FILENAME,
    WEIGHTS_FILENAME,
    _import_h5py,
    _NamedBuffer,
    _read_bounded,
    _read_members,
)
from nnet.saving.load_error import LoadError
from nnet.saving.weights import _h5_layout, compiled_optimizer
from nnet.utils.file_utils import atomic_target


class _Object(collections.OrderedDict):
    """One object of the file: its arrays and sub-objects, and its group's attributes (the
    ``name`` of the layer it was saved from), which follow it when it is renamed."""

    def __init__(self, attrs=None):
        super().__init__()
        self.attrs = dict(attrs or {})


class KerasFileEditor:
    """Inspect, edit and resave the weights of a ``.keras`` or ``.weights.h5`` file.

    Useful to adapt a saved file after a change to the model's architecture.

    Attributes:
        weights_dict: the tree of weights: ``{"layers": {"dense": {"0": array, "1": array}}}``.
        object_metadata: ``{"/layers/dense": {"name": "dense"}, ...}``: the attributes stored
            with each object when the file was read.
        config, metadata: a ``.keras`` file's ``config.json`` and ``metadata.json`` (None for a
            weights file).

    Args:
        filepath: a ``.keras`` or ``.weights.h5`` file.

    Example:
        >>> import os, tempfile, numpy as np, nnet
        >>> model = nnet.Sequential([nnet.Input((3,)), nnet.layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.weights.h5")
        >>> model.save_weights(path)
        >>> editor = KerasFileEditor(path)  # doctest: +ELLIPSIS
        Keras model file '...model.weights.h5'
        >>> editor.add_weights("dense", {"1": np.ones(2, "float32")})
        >>> editor.save(path)
        >>> model.load_weights(path)
        >>> model.layers[0].bias.numpy()
        array([1., 1.], dtype=float32)
    """

    def __init__(self, filepath):
        self.filepath = os.fspath(filepath)
        self.metadata = None
        self.config = None
        h5py = _import_h5py(self.filepath)
        if self.filepath.endswith(".keras"):
            config_json, weights, _ = _read_members(self.filepath)
            self.config = json.loads(config_json)
            self.metadata = _read_metadata(self.filepath)
            source = _NamedBuffer(weights, f"{self.filepath}/{WEIGHTS_FILENAME}")
        elif self.filepath.endswith(".weights.h5"):
            source = self.filepath
        else:
            raise ValueError(
                "Invalid filename: expected a `.keras` `.weights.h5` extension. "
                f"Received: filepath={self.filepath}"
            )
        with open_h5(h5py, source) as f:
            self.object_metadata = {}
            self.weights_dict = self._read_object(f, "", None)
        print(f"Keras model file '{self.filepath}'")
        if self.metadata is not None:
            print(f"Saved with Keras {self.metadata.get('keras_version')} - date: "
                  f"{self.metadata.get('date_saved')}")

    def _read_object(self, group, path, attrs):
        """The object stored in `group` (at `path` in the file): the arrays of its ``vars``
        group and, recursively, its sub-objects that hold any array."""
        node = _Object(attrs)
        if attrs:
            self.object_metadata[path] = dict(attrs)
        vars_group = group.get("vars")
        if vars_group is not None:
            if not hasattr(vars_group, "keys"):
                raise ValueError(
                    f"Cannot read {self.filepath}: its entry '{path}/vars' is a dataset where "
                    "a group of weights should be. The file is damaged or not a weights file."
                )
            store = H5Store(group.file, path.lstrip("/"))
            for key in store.keys():
                node[key] = store[key]
        for key in group.keys():
            child = group[key]
            if key == "vars" or not hasattr(child, "keys"):
                continue
            inner = child.get("vars")
            sub = self._read_object(child, f"{path}/{key}",
                                    dict(inner.attrs) if inner is not None else None)
            if sub:
                node[key] = sub
        return node

    def summary(self):
        """Print the tree of objects and weights, with each array's shape and dtype."""
        print("Weights structure")
        for line in _tree_lines(self.weights_dict, prefix="  ", first=True):
            print(line)

    def weights_summary(self):
        """The same as `summary`."""
        self.summary()

    def compare(self, reference_model):
        """Check the file's weights against those of `reference_model`, object by object.

        Prints every object or weight that is in one and not the other, and every shape that
        differs.

        Args:
            reference_model: the model the file should load into.

        Returns:
            ``{"status": "success" or "error", "error_count": ..., "match_count": ...}``: the
            number of mismatches and of weights present in both with the same shape.
        """
        print("Running comparison")
        reference = _weight_spec(reference_model)
        checked = set()
        errors, matches = _compare(self.weights_dict, reference, "", "saved file",
                                   "reference model", checked)
        errors += _compare(reference, self.weights_dict, "", "reference model", "saved file",
                           checked)[0]
        print("─────────────────────")
        if errors == 0:
            print("Comparison successful: saved file is compatible with the reference model")
            print(f"    Found {matches} matching weight{'' if matches == 1 else 's'}")
        else:
            print(f"Found {errors} error{'' if errors == 1 else 's'}: saved file is not "
                  "compatible with the reference model")
        return {"status": "success" if errors == 0 else "error", "error_count": errors,
                "match_count": matches}

    def _edit_object(self, edit_fn, source_name, target_name=None):
        """Apply ``edit_fn(parent, source_name=..., target_name=...)`` to the object that
        `source_name` names: a path (``"layers/dense"``) or a name found once in the tree."""
        if target_name is not None and "/" in target_name:
            raise ValueError(
                "Argument `target_name` should be a leaf name, not a full path name. "
                f"Received: target_name='{target_name}'"
            )
        if "/" in source_name:
            *parents, leaf = source_name.split("/")
            parent = self.weights_dict
            for element in parents:
                if not isinstance(parent.get(element), dict):
                    raise ValueError(f"Path '{source_name}' not found in model.")
                parent = parent[element]
            if leaf not in parent:
                raise ValueError(f"Path '{source_name}' not found in model.")
            edit_fn(parent, source_name=leaf, target_name=target_name)
            return
        parents = list(_parents_of(self.weights_dict, source_name))
        if len(parents) > 1:
            raise ValueError(
                f"Name '{source_name}' occurs more than once in the model; try passing a "
                "complete path"
            )
        if not parents:
            raise ValueError(
                f"Source name '{source_name}' does not appear in the model. Use "
                "`editor.weights_summary()` to list all objects."
            )
        edit_fn(parents[0], source_name=source_name, target_name=target_name)

    def rename_object(self, object_name, new_name):
        """Rename the object `object_name` (a path or a unique name) to `new_name` (a leaf)."""

        def rename_fn(parent, source_name, target_name):
            parent[target_name] = parent.pop(source_name)

        self._edit_object(rename_fn, object_name, new_name)

    def delete_object(self, object_name):
        """Delete the object `object_name` (a path or a unique name) with all its weights."""

        def delete_fn(parent, source_name, target_name=None):
            parent.pop(source_name)

        self._edit_object(delete_fn, object_name)

    def add_object(self, object_path, weights):
        """Add an object at `object_path` (``"layers/dense_3"``) holding `weights`.

        Args:
            object_path: the new object's path; every part but the last must exist.
            weights: ``{"0": array, "1": array, ...}``.
        """
        _check_weights(weights)
        *parents, leaf = object_path.split("/")
        parent = self.weights_dict
        for element in parents:
            if not isinstance(parent.get(element), dict):
                raise ValueError(f"Path '{'/'.join(parents)}' not found in model.")
            parent = parent[element]
        parent[leaf] = weights

    def delete_weight(self, object_name, weight_name):
        """Delete the weight `weight_name` (``"1"``) of the object `object_name`."""

        def delete_weight_fn(parent, source_name, target_name=None):
            if weight_name not in parent[source_name]:
                raise ValueError(
                    f"Weight {weight_name} not found in object {object_name}. Weights found: "
                    f"{list(parent[source_name].keys())}"
                )
            parent[source_name].pop(weight_name)

        self._edit_object(delete_weight_fn, object_name)

    def add_weights(self, object_name, weights):
        """Add (or replace) the weights ``{"0": array, ...}`` of the object `object_name`."""
        _check_weights(weights)

        def add_weight_fn(parent, source_name, target_name=None):
            parent[source_name].update(weights)

        self._edit_object(add_weight_fn, object_name)

    def save(self, filepath):
        """Write the edited weights to `filepath`, a ``.weights.h5`` file, atomically."""
        filepath = os.fspath(filepath)
        if not filepath.endswith(".weights.h5"):
            raise ValueError(
                "Invalid `filepath` argument: expected a `.weights.h5` extension. "
                f"Received: filepath={filepath}"
            )
        h5py = _import_h5py(filepath)
        with atomic_target(filepath) as temporary, create_h5(h5py, temporary) as f:
            _write_object(f, self.weights_dict, "")

    def resave_weights(self, filepath):
        """The same as `save`."""
        self.save(filepath)


def _read_metadata(filepath):
    with zipfile.ZipFile(filepath) as archive:
        if METADATA_FILENAME not in archive.namelist():
            return None
        with archive.open(METADATA_FILENAME) as f:
            data = _read_bounded(f, MAX_CONFIG_BYTES, filepath, METADATA_FILENAME)
    try:
        metadata = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LoadError(f"Cannot read {filepath}: its {METADATA_FILENAME} is not JSON "
                        f"({error}). The file is damaged or not a .keras file.") from None
    return metadata if isinstance(metadata, dict) else None


def _check_weights(weights):
    if not isinstance(weights, dict):
        raise ValueError(
            "Argument `weights` should be a dict where keys are weight names (usually '0', "
            "'1', etc.) and values are NumPy arrays. "
            f"Received: type(weights)={type(weights)}"
        )


def _parents_of(tree, name):
    """Every dict in `tree` that holds an entry `name`."""
    if name in tree:
        yield tree
    for value in tree.values():
        if isinstance(value, dict):
            yield from _parents_of(value, name)


def _write_object(h5file, node, path):
    """Write `node`'s arrays into ``<path>/vars`` (with its attributes) and its sub-objects
    under ``<path>/<key>``; objects with nothing in them are left out."""
    arrays = {k: v for k, v in node.items() if not isinstance(v, dict)}
    if arrays:
        store = H5Store(h5file, path, getattr(node, "attrs", {}).get("name"))
        for key, value in arrays.items():
            store[key] = np.asarray(value)
    for key, value in node.items():
        if isinstance(value, dict) and value:
            _write_object(h5file, value, f"{path}/{key}" if path else key)


def _weight_spec(model):
    """The tree of weight shapes that `model` writes, in the file's layout."""
    spec = {}
    owners = _h5_layout(model)
    optimizer = compiled_optimizer(model)
    if optimizer is not None:
        owners.append(("optimizer", optimizer))
    for path, owner in owners:
        if not hasattr(owner, "save_own_variables"):
            continue
        store = {}
        owner.save_own_variables(store)
        if not store:
            continue
        node = spec
        for element in filter(None, path.split("/")):
            node = node.setdefault(element, {})
        node.update({key: tuple(store[key].shape) for key in sorted(store)})
    return spec


def _compare(target, reference, path, target_name, reference_name, checked):
    """``(mismatches, matching weights)`` of `reference` against `target`, printing each
    mismatch once (`checked` holds the paths already reported)."""
    errors = matches = 0
    for key, value in reference.items():
        inner = f"{path}/{key}"
        if inner in checked:
            continue
        if key not in target:
            errors += 1
            checked.add(inner)
            if isinstance(value, dict):
                print(f"...Object {inner} present in {reference_name}, missing from "
                      f"{target_name}")
                print(f"    In {reference_name}, {inner} contains the following keys: "
                      f"{list(value.keys())}")
            else:
                print(f"...Weight {inner} present in {reference_name}, missing from "
                      f"{target_name}")
        elif isinstance(value, dict):
            sub_errors, sub_matches = _compare(target[key], value, inner, target_name,
                                               reference_name, checked)
            errors += sub_errors
            matches += sub_matches
        elif _shape(target[key]) != _shape(value):
            errors += 1
            checked.add(inner)
            print(f"...Weight shape mismatch for {inner}\n    In {reference_name}: "
                  f"shape={_shape(value)}\n    In {target_name}: shape={_shape(target[key])}")
        else:
            matches += 1
    return errors, matches


def _shape(value):
    return tuple(value) if isinstance(value, tuple) else tuple(np.shape(value))


def _tree_lines(node, prefix, first=False):
    """The lines of Keras's tree view of `node`: ``> layers``, ``├─ dense ('dense')``, ..."""
    items = list(node.items())
    for index, (key, value) in enumerate(items):
        last = index == len(items) - 1
        connector = "> " if first and index == 0 else ("└─ " if last else "├─ ")
        if isinstance(value, dict):
            name = getattr(value, "attrs", {}).get("name")
            yield f"{prefix}{connector}{key}" + (f" ('{name}')" if name is not None else "")
            yield from _tree_lines(value, prefix + ("    " if last else "│   "))
        else:
            array = np.asarray(value)
            yield f"{prefix}{connector}{key}: shape={array.shape}, dtype={array.dtype}"
