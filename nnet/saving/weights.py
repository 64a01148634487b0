"""Weights files: Keras's ``.weights.h5`` layout (needs h5py) and nnet's ``.weights.npz``.

``.weights.h5`` follows Keras 3 (`saving_lib`, H5IOStore): each layer writes its own state into
the group ``<path>/vars`` through its `save_own_variables(store)` and reads it back through
`load_own_variables(store)`; Layer's default writes its own trainable, then non-trainable
variables as the datasets ``0, 1, ...``. Each ``vars`` group has the attribute ``name`` = the
layer's name. The path of a layer is built by a walk over the model: Sequential and Functional
models first list ``layers`` (named by the snake_case class, uniquified by position:
``layers/dense``, ``layers/dense_1``, never by the layer's own name), then every object visits its
sublayer attributes in sorted order (private ones last): ``layers/lstm/cell/vars/0``. Loading
walks the model the same way, so files move between Keras and nnet.

A compiled model's file also holds its optimizer's state under ``optimizer/vars`` (iterations,
learning rate, then the slots in Keras's order), as Keras's does; loading it into a compiled model
restores it, so training resumes where it stopped.

``.weights.npz`` is nnet's own format, readable with NumPy alone: one array per entry of
``model.weights``, in order, under keys ``000_dense/kernel``, ``001_dense/bias``, ...

Legacy ``.h5``/``.hdf5`` weights and model files (Keras 2, tf.keras) load too, by layer order or
by layer name (`nnet.saving.legacy_h5`).

Writes are atomic (a temporary file in the same directory, then `os.replace`), so a failed save
never leaves a partial file. A load that fails puts every weight back as it was, and loading never
runs code from the file (``allow_pickle=False``).

An HDF5 file is read only when it is self-contained and its sizes are what the model expects, as
Keras's H5IOStore checks: a soft or external link, a dataset stored in other files (external
storage) or mapped from them (a virtual dataset) is refused before anything is read, and a
dataset's declared shape and type are checked against the variable it fills before its data is
read, so a small file cannot make the loader allocate more than the model holds.
"""

import os
import warnings
import zipfile

import numpy as np

from nnet.autodiff.symbolic import Operation
from nnet.backend import to_numpy
from nnet.layers.layer import Layer
from nnet.models import Functional, Model, Sequential
from nnet.naming import to_snake_case
from nnet.optimizers.optimizer import Optimizer
from nnet.saving import legacy_h5
from nnet.saving.h5_store import H5Store, create_h5, open_h5, weight_name
from nnet.saving.load_error import loading
from nnet.training.trainer import Trainer
from nnet.utils.file_utils import atomic_target
from nnet.utils.io_utils import print_msg

SUFFIXES = (".weights.h5", ".weights.npz")
# The walk skips these classes' own attributes, as Keras skips those of a bare Layer.
_BASE_CLASSES = (Operation, Layer, Model, Sequential, Functional, Trainer)


def save_weights(model, filepath, overwrite=True):
    """Write the weights of `model` to `filepath` (``.weights.h5`` or ``.weights.npz``).

    Args:
        model: any object with ``weights`` (a list of Variables); for ``.weights.h5`` the layer
            structure is read from ``model.layers`` and each layer's sublayers.
        filepath: the file; its suffix picks the format.
        overwrite: when False and the file exists, ask on the console before replacing it.

    Example:
        >>> import os, tempfile
        >>> from nnet.autodiff import Variable
        >>> class Model:
        ...     weights = [Variable([[1.0, 2.0]], name="kernel")]
        >>> path = os.path.join(tempfile.mkdtemp(), "m.weights.npz")
        >>> save_weights(Model(), path)
        >>> model = Model()
        >>> model.weights[0].assign([[0.0, 0.0]])
        >>> load_weights(model, path)
        >>> model.weights[0].numpy()
        array([[1., 2.]], dtype=float32)
    """
    filepath = os.fspath(filepath)
    h5 = _format_of(filepath) == "h5"
    h5py = _import_h5py(filepath) if h5 else None
    if not overwrite and os.path.exists(filepath) and not _ask_to_proceed_with_overwrite(filepath):
        return
    with atomic_target(filepath) as temporary:
        if h5:
            write_h5(h5py, model, temporary, compiled_optimizer(model))
        else:
            _write_npz(model, temporary)


def load_weights(model, filepath, skip_mismatch=False, by_name=False):
    """Load weights written by `save_weights` (or by Keras's ``save_weights``) into `model`.

    Args:
        model: the model to fill; its weights must already exist (the model is built).
        filepath: a ``.weights.h5`` or ``.weights.npz`` file, or a legacy ``.h5``/``.hdf5``
            weights or model file (Keras 2, tf.keras, Keras 3's ``model.save("x.h5")``).
        skip_mismatch: skip, with a warning, the layers (h5) or weights (npz, legacy h5) whose
            count or shapes differ, instead of raising.
        by_name: legacy ``.h5`` files only: match layers by name instead of by position.

    Example:
        >>> import os, tempfile
        >>> from nnet.autodiff import Variable
        >>> class Model:
        ...     weights = [Variable([1.0, 2.0], name="bias")]
        >>> path = os.path.join(tempfile.mkdtemp(), "m.weights.npz")
        >>> save_weights(Model(), path)
        >>> class Bigger:
        ...     weights = [Variable([1.0, 2.0, 3.0], name="bias")]
        >>> load_weights(Bigger(), path)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        nnet.saving.load_error.LoadError: Cannot load ...: weight 0 'bias' (saved as 'bias') has ...
    """
    filepath = os.fspath(filepath)
    legacy = legacy_h5.is_legacy_h5(filepath)
    if by_name and not legacy:
        raise ValueError(
            "by_name=True only applies to legacy `.h5`/`.hdf5` files: other formats match "
            f"weights by the model's structure. Received: filepath={filepath}"
        )
    h5 = legacy or _format_of(filepath) == "h5"
    h5py = _import_h5py(filepath) if h5 else None
    if not os.path.isfile(filepath):
        raise FileNotFoundError(
            f"No weights file at filepath={filepath!r}. Check the path, or save the weights "
            "first with model.save_weights(filepath)."
        )
    with loading(filepath, model):
        if legacy:
            with open_h5(h5py, filepath) as f:
                legacy_h5.load_weights(h5py, model, f, filepath, by_name=by_name,
                                       skip_mismatch=skip_mismatch)
        elif h5:
            with open_h5(h5py, filepath) as f:
                load_layers(f, model, filepath, skip_mismatch)
                load_optimizer(f, model, filepath, skip_mismatch)
        else:
            for variable, value in _read_npz(model, filepath, skip_mismatch):
                variable.assign(value)


def _format_of(filepath):
    if filepath.endswith(".weights.h5"):
        return "h5"
    if filepath.endswith(".weights.npz"):
        return "npz"
    raise ValueError(
        f"The filename must end in one of {list(SUFFIXES)} (`.weights.h5` is the Keras format, "
        f"`.weights.npz` nnet's NumPy-only format). Received: filepath={filepath}"
    )


def _import_h5py(filepath):
    try:
        import h5py
    except ImportError:
        raise ImportError(
            f"Writing or reading {filepath} (the Keras `.weights.h5` format) needs h5py: "
            "`pip install h5py`, or use a `.weights.npz` path, which needs only NumPy."
        ) from None
    return h5py


def _ask_to_proceed_with_overwrite(filepath):
    """Keras's console prompt before overwriting a file; True means go on."""
    answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
    while answer not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    if answer == "n":
        return False
    print_msg("[TIP] Next time specify overwrite=True!")
    return True


def _shape_error(filepath, what, expected, received):
    return ValueError(
        f"Cannot load {filepath}: {what} has shape {tuple(expected)} in the model but "
        f"{tuple(received)} in the file. Build the model with the shapes the file was saved "
        "from, or pass skip_mismatch=True to skip the mismatching weights."
    )


def _write_npz(model, path):
    arrays = {
        f"{i:03d}_{getattr(w, 'path', None) or w.name}": to_numpy(w.data)
        for i, w in enumerate(model.weights)
    }
    # A file object, because np.savez would append ".npz" to a name that lacks it.
    with open(path, "xb") as f:
        np.savez(f, **arrays)


def _read_npz(model, filepath, skip_mismatch):
    headers = _npz_headers(filepath)
    try:
        keys = sorted(headers, key=lambda key: int(key.split("_", 1)[0]))
    except ValueError:
        raise ValueError(
            f"{filepath} is not an nnet weights file: its arrays are named {list(headers)[:5]}, "
            "not '000_<weight path>'. Save it with model.save_weights(...)."
        ) from None
    saved = [(key.split("_", 1)[-1], key) for key in keys]
    weights = model.weights
    if len(saved) != len(weights):
        first = len(min(saved, weights, key=len))
        missing = (
            f"the model's weight {first} {weight_name(weights[first])!r} has no value in it"
            if len(weights) > len(saved) else f"its array {first} {saved[first][0]!r} is extra"
        )
        message = (
            f"{filepath} holds {len(saved)} weights but the model has {len(weights)}: {missing}."
        )
        if not skip_mismatch:
            raise ValueError(
                f"Cannot load {message} Build the same model that was saved, or pass "
                "skip_mismatch=True to load the weights that match in order."
            )
        warnings.warn(f"Skipping weights in load_weights: {message}", stacklevel=3)
    matching = []
    for i, (variable, (name, key)) in enumerate(zip(weights, saved)):
        shape, dtype = headers[key]
        if shape == tuple(variable.shape) and dtype.kind in "biuf":
            matching.append((variable, key))
            continue
        what = f"weight {i} {weight_name(variable)!r} (saved as {name!r})"
        if not skip_mismatch:
            raise _shape_error(filepath, what, variable.shape, shape)
        warnings.warn(
            f"Skipping {what} in load_weights: shape {tuple(variable.shape)} in the model, "
            f"{shape} in {filepath}.",
            stacklevel=3,
        )
    # Only arrays whose declared shape fits the model are read, so a small file cannot make
    # nnet allocate what its headers claim.
    with np.load(filepath, allow_pickle=False) as data:
        return [(variable, data[key]) for variable, key in matching]


def _npz_headers(filepath):
    """``{array name: (shape, dtype)}`` of a ``.npz`` file, read from the array headers alone."""
    headers = {}
    try:
        with zipfile.ZipFile(filepath) as archive:
            for member in archive.namelist():
                with archive.open(member) as f:
                    version = np.lib.format.read_magic(f)
                    read = {(1, 0): np.lib.format.read_array_header_1_0,
                            (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                    if read is None:
                        raise ValueError(f"array {member!r} has .npy format version {version}")
                    shape, _, dtype = read(f)
                if np.dtype(dtype).hasobject:
                    raise ValueError(
                        f"array {member!r} holds Python objects, which only unpickling "
                        "(allow_pickle) could read, and unpickling can run code: nnet never does"
                    )
                headers[member.removesuffix(".npy")] = (tuple(shape), np.dtype(dtype))
    except (zipfile.BadZipFile, ValueError) as error:
        raise ValueError(
            f"Cannot load {filepath}: it is not a readable .npz weights file ({error}). Save the "
            "weights again with model.save_weights(...)."
        ) from None
    return headers


def _is_layer(obj):
    return hasattr(obj, "_layers") and hasattr(obj, "weights")


def _walk_key(name):
    """Keras's attribute order: sorted, private names last."""
    return f"~{name}" if name.startswith("_") else name


def _unique_name(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _properties(obj):
    """The values of the properties a layer class adds to the base classes (``query_dense``)."""
    cls = type(obj)
    base = set()
    for klass in cls.__mro__:
        if klass in _BASE_CLASSES:
            base.update(vars(klass))
    values = {}
    for name in dir(cls):
        if name in base or not isinstance(getattr(cls, name, None), property):
            continue
        try:
            values[name] = getattr(obj, name)
        except Exception:  # As in Keras's walk: an unreadable property holds no layer.
            continue
    return values


def _children(obj):
    """The ``(attribute, layer or container of layers)`` pairs that Keras's walk visits."""
    tracked = {id(layer) for layer in getattr(obj, "_layers", ())}
    attributes = _properties(obj)
    attributes.update(getattr(obj, "__dict__", {}))
    attributes.pop("_layers", None)
    layers = getattr(obj, "layers", None)
    if isinstance(layers, (list, tuple)):
        # Sequential and Functional list their layers first; other models sort it by name.
        if isinstance(obj, (Sequential, Functional)):
            attributes.pop("layers", None)
            yield "layers", layers
        else:
            attributes.setdefault("layers", layers)
    for name in sorted(attributes, key=_walk_key):
        value = attributes[name]
        if isinstance(value, dict):
            value = list(value.values())
        if _is_layer(value):
            if id(value) in tracked or not tracked:
                yield name, value
        elif isinstance(value, (list, tuple)) and any(_is_layer(item) for item in value):
            if name == "layers" or not tracked or any(id(item) in tracked for item in value):
                yield name, value
    # Sublayers reachable through no attribute still need a home in the file.
    leftovers = [layer for layer in getattr(obj, "_layers", ()) if layer.weights]
    if leftovers:
        yield "_layers", leftovers


def _walk(obj, path, visited, out):
    """Append ``(path, object)`` for `obj` and its sublayers, in Keras's order."""
    if id(obj) in visited:
        return
    visited.add(id(obj))
    out.append((path, obj))
    for name, child in _children(obj):
        child_path = f"{path}/{name}" if path else name
        if _is_layer(child):
            _walk(child, child_path, visited, out)
            continue
        used = {}
        for item in child:
            if _is_layer(item):
                item_name = _unique_name(to_snake_case(type(item).__name__), used)
                _walk(item, f"{child_path}/{item_name}", visited, out)


def _h5_layout(model):
    """Every ``(path, layer)`` of `model`, in Keras's walk order; a layer's state lives in the
    group ``<path>/vars``."""
    out = []
    _walk(model, "", set(), out)
    return out


def _default_hook_variables(owner):
    """What `owner`'s default `load_own_variables` reads under ``"0"``, ``"1"``, ...; None
    when its class overrides the hook, whose keys then mean what it says."""
    hook = type(owner).load_own_variables
    if hook is Layer.load_own_variables:
        return [*owner._trainable_variables, *owner._non_trainable_variables]
    if hook is Optimizer.load_own_variables:
        return owner.variables
    return None


def write_h5(h5py, model, target, optimizer=None):
    """Write each layer's variables (then `optimizer`'s, when given) to a new HDF5 file."""
    with create_h5(h5py, target) as f:
        for layer_path, layer in _h5_layout(model):
            if hasattr(layer, "save_own_variables"):
                layer.save_own_variables(H5Store(f, layer_path, getattr(layer, "name", None)))
        if optimizer is not None:
            optimizer.save_own_variables(H5Store(f, "optimizer", optimizer.name))


def load_layers(h5file, model, filepath, skip_mismatch):
    """Give each layer its part of an open weights file through `load_own_variables`.

    A layer that cannot load raises or, with `skip_mismatch`, is skipped with a warning.
    """
    for layer_path, layer in _h5_layout(model):
        if not hasattr(layer, "load_own_variables"):
            continue
        store = H5Store(h5file, layer_path, expected=_default_hook_variables(layer))
        try:
            layer.load_own_variables(store)
        except Exception as error:
            label = f"layer {getattr(layer, 'name', type(layer).__name__)!r}"
            if skip_mismatch:
                warnings.warn(f"Skipping {label} (at '{store.path}') in load_weights: "
                              f"{error}", stacklevel=3)
                continue
            raise ValueError(
                f"Cannot load {filepath}: {label} (at '{store.path}'): {error} Pass "
                "skip_mismatch=True to skip the layers that do not match."
            ) from error


def compiled_optimizer(model):
    """The optimizer whose state a file of `model` holds: a compiled model's, else None."""
    return model.optimizer if getattr(model, "compiled", False) else None


def load_optimizer(h5file, model, filepath, skip_mismatch):
    """Restore the compiled optimizer's state from the file's ``optimizer`` group, if any.

    A file from an uncompiled model has none, and an uncompiled model reads none.
    """
    optimizer = compiled_optimizer(model)
    if optimizer is None or h5file.get("optimizer/vars") is None:
        return
    # Keras builds the optimizer at compile time; building it only when the file holds
    # slots keeps a never-trained optimizer unbuilt, without a count-mismatch warning.
    if not optimizer.built and len(H5Store(h5file, "optimizer")) > len(optimizer.variables):
        optimizer.build(model.trainable_weights)
    store = H5Store(h5file, "optimizer", expected=_default_hook_variables(optimizer))
    try:
        optimizer.load_own_variables(store)
    except ValueError as error:
        label = f"optimizer {optimizer.name!r} (at '{store.path}')"
        if skip_mismatch:
            warnings.warn(f"Skipping {label} in load_weights: {error}", stacklevel=3)
            return
        raise ValueError(f"Cannot load {filepath}: {label}: {error}") from error
