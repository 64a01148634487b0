"""String identifiers to objects, and Keras's config form of objects.

Each component family has a `Registry` (`LAYERS`, `LOSSES`, ...) that its classes and functions
register into, with a decorator where they are defined. `get` accepts an instance, a class, a
callable, a string alias or a ``{"class_name", "config"}`` dict and raises an error that lists
every valid name when a string is unknown.

`serialize_keras_object` and `deserialize_keras_object` (Keras's `serialization_lib`) turn any
nested structure of objects into JSON-friendly ``{"module", "class_name", "config",
"registered_name"}`` dicts and back; custom objects are found through
`nnet.utils.object_registration`. A registry's ``module`` (``"keras.layers"``) is the public
Keras module of its built-in classes: it is written into their configs and picks the registry
when a config is read, so that classes of different kinds may share a name (``Identity``).
"""

import difflib
import functools
import importlib
import inspect

import numpy as np

from nnet.autodiff.tensor import Tensor
from nnet.naming import to_snake_case
from nnet.utils.object_registration import (
    _CUSTOM_NAMES,
    _SCOPE,
    _custom_objects,
    custom_object_scope,
    get_registered_name,
    safe_mode_scope,
)

_PLAIN_TYPES = (str, int, float, bool)
# Every Registry with a public Keras module, in creation order: serialization and
# deserialization look built-in classes up here.
_REGISTRIES = []
# Modules that registries name in `modules`: imported when a config names no known class.
_LAZY_MODULES = []


class Registry:
    """A table of names for one kind of component (``"loss"``, ``"optimizer"``, ...).

    Each built-in class or function registers itself where it is defined, with `register` as a
    decorator, so there is no list to keep in step. User subclasses are not registered: they
    are found through `register_keras_serializable` or `custom_object_scope`.

    Args:
        kind: the component kind, used in error messages.
        base: the component base class; `get` instantiates classes given by name.
        module: the public Keras module of the registered objects (``"keras.layers"``), which
            their serialized configs name.
        snake_case: a class is also found by its snake_case name (``"batch_normalization"``);
            with False by its lowercased name instead (``"adamw"``), as Keras names optimizers.
        modules: modules, above the registry's own floor, that define classes its configs may
            name (a layer's config may hold a nested model). They are imported by path when a
            config names no known class, so that loading the registry never loads them.

    Example:
        >>> losses = Registry("loss")
        >>> @losses.register(aliases=("mse",))
        ... def mean_squared_error(y_true, y_pred):
        ...     return (y_true - y_pred) ** 2
        >>> losses.get("mse") is mean_squared_error
        True
    """

    def __init__(self, kind, base=None, module=None, snake_case=True, modules=()):
        self.kind = kind
        self.base = base
        self.module = module
        self._snake_case = snake_case
        # The exact names (class or function names, aliases) win over the derived snake_case
        # names, whatever the order of registration: the class Huber and the function huber
        # both claim "huber", and the function is meant, as in Keras.
        self._exact = {}
        self._derived = {}
        self._objects = set()
        if module is not None:
            _REGISTRIES.append(self)
        _LAZY_MODULES.extend(modules)

    def register(self, obj=None, *, aliases=()):
        """Register a class or function under its name, its derived name and `aliases`.

        Used as a decorator, bare (``@LAYERS.register``) or with aliases
        (``@LOSSES.register(aliases=("mse", "MSE"))``); returns `obj` unchanged. Registering
        a second object under a name taken by another raises a ValueError.

        Args:
            obj: the class or function.
            aliases: further names that find it.
        """
        if obj is None:
            return functools.partial(self.register, aliases=aliases)
        for name in (obj.__name__, *aliases):
            self._claim(self._exact, name, obj)
        if inspect.isclass(obj):
            derived = to_snake_case(obj.__name__) if self._snake_case else obj.__name__.lower()
            self._claim(self._derived, derived, obj)
        self._objects.add(obj)
        return obj

    def _claim(self, table, name, obj):
        known = table.setdefault(name, obj)
        if known is not obj:
            raise ValueError(
                f"The {self.kind} name {name!r} is already registered for "
                f"{known.__module__}.{known.__qualname__}; cannot register "
                f"{obj.__module__}.{obj.__qualname__} under it too. Give it another name."
            )

    def _builtin(self, name):
        """The object registered as `name`, or None."""
        return self._exact.get(name) or self._derived.get(name)

    def names(self):
        """Every registered identifier, sorted."""
        return sorted({*self._exact, *self._derived})

    def lookup(self, name, argument=None):
        """The object registered as `name`; unknown names raise ValueError listing valid ones."""
        obj = self._builtin(name) or _custom_objects().get(name)
        if obj is None:
            argument = argument or self.kind
            close = difflib.get_close_matches(str(name), self.names(), n=3)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise ValueError(
                f"Unknown {self.kind} identifier: {argument}={name!r}.{hint} "
                f"Valid names are: {', '.join(self.names())}."
            )
        return obj

    def deserialize(self, config, custom_objects=None):
        """Rebuild an object from ``{"class_name": ..., "config": {...}}``.

        `custom_objects` are visible to every nested lookup, e.g. a custom initializer inside
        a layer's config. A plain string is looked up as `get` does. The class is looked up in
        the custom objects, then in this registry, then in the registry of the config's
        ``module``; a layer's ``build_config`` builds it, as `deserialize_keras_object` does.
        """
        if config is None:
            return None
        with custom_object_scope(custom_objects):
            if isinstance(config, str):
                return self.get(config)
            return _instantiate(config, self)

    def get(self, identifier, argument=None, instantiate=True):
        """Resolve `identifier` to an object of this kind.

        Strings that name a class give an instance with default arguments (when `instantiate`);
        strings that name a function give the function.
        """
        if identifier is None:
            return None
        if isinstance(identifier, dict):
            return self.deserialize(identifier)
        if isinstance(identifier, str):
            obj = self.lookup(identifier, argument)
            return obj() if instantiate and inspect.isclass(obj) else obj
        if inspect.isclass(identifier) and instantiate:
            return identifier()
        if callable(identifier) or (self.base is not None and isinstance(identifier, self.base)):
            return identifier
        raise ValueError(
            f"Could not interpret {self.kind} identifier: {argument or self.kind}={identifier!r}. "
            f"Pass a string name, a {self.kind} object or a callable."
        )


def _module_of(cls):
    # Keras writes no module for classes of a script run as __main__.
    return None if cls.__module__ == "__main__" else cls.__module__


def _public_names(cls):
    """``(module, registered_name)`` that Keras writes for an object of class `cls`.

    A registered custom class gives its module and ``"Package>Name"``; a built-in class the
    public module of its registry and None; any other class its module and its own name, which
    only custom_objects can resolve when loading.
    """
    registered = _CUSTOM_NAMES.get(cls)
    if registered:
        return _module_of(cls), registered
    for registry in _REGISTRIES:
        if cls in registry._objects:
            return registry.module, None
    return _module_of(cls), cls.__name__


def serialize_keras_object(obj):
    """Keras's JSON-friendly form of `obj`, with every nested object serialized too.

    Plain values stay; lists, tuples and dicts are walked; a function becomes
    ``{"module": "builtins", "class_name": "function", "config": <registered name>,
    "registered_name": "function"}``; an object with `get_config` becomes ``{"module",
    "class_name", "config", "registered_name"}`` plus its ``build_config`` and
    ``compile_config`` when it has them; NumPy arrays, tensors, slices and bytes get Keras's
    tagged forms. `deserialize_keras_object` undoes it.

    Args:
        obj: the object (or nested structure of objects) to serialize.

    Example:
        >>> from nnet import regularizers
        >>> serialize_keras_object({"reg": regularizers.L2(0.5), "units": (2, 3)})
        {'reg': {'module': 'keras.regularizers', 'class_name': 'L2', 'config': {'l2': 0.5}, \
'registered_name': None}, 'units': (2, 3)}
    """
    if obj is None or isinstance(obj, _PLAIN_TYPES):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(item) for item in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {
            "start": serialize_keras_object(obj.start), "stop": serialize_keras_object(obj.stop),
            "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, Tensor):
        return {"class_name": "__tensor__", "config": {
            "value": obj.numpy().tolist(), "dtype": np.dtype(obj.dtype).name}}
    if isinstance(obj, np.ndarray) and obj.ndim > 0:
        return {"class_name": "__numpy__", "config": {
            "value": obj.tolist(), "dtype": obj.dtype.name}}
    if isinstance(obj, (np.ndarray, np.generic)):
        return obj.item()
    if inspect.isfunction(obj):
        return {"module": "builtins", "class_name": "function",
                "config": get_registered_name(obj), "registered_name": "function"}
    if not hasattr(obj, "get_config"):
        raise TypeError(
            f"Cannot serialize {obj!r} (of type {type(obj).__name__}): it has no get_config(). "
            "Give its class a get_config() method that returns its constructor arguments."
        )
    config = obj.get_config()
    if not isinstance(config, dict):
        raise TypeError(
            f"The get_config() method of {obj!r} should return a dict. It returned: {config!r}"
        )
    module, registered = _public_names(type(obj))
    # A class Keras exports under another name (GroupedQueryAttention as GroupQueryAttention)
    # says so in `_keras_class_name`.
    class_name = vars(type(obj)).get("_keras_class_name", type(obj).__name__)
    serialized = {"module": module, "class_name": class_name,
                  "config": serialize_keras_object(config), "registered_name": registered}
    for key in ("build_config", "compile_config"):
        getter = getattr(obj, f"get_{key}", None)
        value = getter() if getter is not None else None
        if value is not None:
            serialized[key] = serialize_keras_object(value)
    return serialized


def serialize_object(obj):
    """A component's config form (what `initializers.serialize` & co. return): a plain
    function becomes its name, anything else as `serialize_keras_object` writes it.

    Example:
        >>> from nnet import losses
        >>> serialize_object(losses.mean_squared_error)
        'mean_squared_error'
    """
    if inspect.isfunction(obj):
        return obj.__name__
    return serialize_keras_object(obj)


def deserialize_keras_object(config, custom_objects=None, safe_mode=True):
    """Rebuild what `serialize_keras_object` wrote (by nnet or by Keras 3).

    Classes are found among the custom objects (`register_keras_serializable`, a
    `custom_object_scope`, `custom_objects`) by ``registered_name``, then by ``class_name``,
    then among the built-in classes of the config's ``module``. An object is made with its
    class's `from_config`, then built with `build_from_config` when the config holds a
    ``build_config``. The nested configs inside an object's ``config`` are left for its
    `from_config` to deserialize, as in Keras.

    Args:
        config: a serialized object or a nested structure of them.
        custom_objects: ``{name: class or function}`` for user-defined objects that are not
            registered.
        safe_mode: refuse to rebuild code saved as bytecode; inside `load_model`, its
            ``safe_mode`` applies instead.

    Example:
        >>> deserialize_keras_object({"module": "keras.regularizers", "class_name": "L2",
        ...                           "config": {"l2": 0.5}, "registered_name": None}).l2
        0.5
    """
    if _SCOPE.safe_mode is not None:
        safe_mode = _SCOPE.safe_mode
    with custom_object_scope(custom_objects), safe_mode_scope(safe_mode):
        return _deserialize(config)


def _deserialize(config):
    if isinstance(config, str):
        return _custom_objects().get(config, config)
    if config is None or isinstance(config, _PLAIN_TYPES):
        return config
    if isinstance(config, (list, tuple)):
        return [_deserialize(item) for item in config]
    if not isinstance(config, dict):
        raise TypeError(
            f"Could not parse config: {config!r}. Expected a serialized object (a dict with "
            "'class_name' and 'config'), or a list, dict or plain value holding them."
        )
    if "class_name" not in config or "config" not in config:
        return {key: _deserialize(value) for key, value in config.items()}
    class_name, inner = config["class_name"], config["config"]
    if class_name in ("__numpy__", "__tensor__"):
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__slice__":
        return slice(_deserialize(inner["start"]), _deserialize(inner["stop"]),
                     _deserialize(inner["step"]))
    return _instantiate(config, None)


def _instantiate(config, registry):
    """The object of a ``{"class_name", "config", ...}`` dict, looked up in `registry` first."""
    obj = _locate(config, registry)
    if config["class_name"] == "function" or not inspect.isclass(obj):
        return obj
    inner = config.get("config") or {}
    instance = obj.from_config(inner) if hasattr(obj, "from_config") else obj(**inner)
    build_config = config.get("build_config")
    if build_config and not instance.built:
        instance.build_from_config(build_config)
        instance.built = True
    if config.get("compile_config"):
        instance.compile_from_config(config["compile_config"])
    return instance


def _locate(config, registry):
    class_name = config["class_name"]
    function = class_name == "function"
    name = config.get("config") if function else class_name
    if not isinstance(name, str):
        raise TypeError(f"Expected a function name as the 'config' of {config!r}.")
    custom = _custom_objects()
    for key in (name,) if function else (config.get("registered_name"), name):
        if isinstance(key, str) and key in custom:
            return custom[key]
    found = _locate_builtin(config, name, registry)
    if found is None and _LAZY_MODULES:
        # Importing a module already imported is a dictionary lookup: no flag to keep.
        for module in _LAZY_MODULES:
            importlib.import_module(module)
        found = _locate_builtin(config, name, registry)
    if found is not None:
        return found
    if registry is not None:
        # Unknown everywhere: the registry's error lists the valid names of its kind.
        return registry.lookup(name)
    kind = "function" if function else "class"
    raise ValueError(
        f"Could not locate {kind} {name!r} (module={config.get('module')!r}, registered_name="
        f"{config.get('registered_name')!r}). Make sure custom classes and functions are "
        f"decorated with `@nnet.saving.register_keras_serializable()`, or pass them in "
        f"custom_objects={{{name!r}: ...}}."
    )


def _locate_builtin(config, name, registry):
    """The built-in class or function that `config` names: in `registry` first, then in the
    registries of the config's ``module``, then in all; None when none has it."""
    if registry is not None and registry._builtin(name) is not None:
        return registry._builtin(name)
    module = config.get("module")
    for pool in ([r for r in _REGISTRIES if r.module == module], _REGISTRIES):
        found = []
        for candidate in (r._builtin(name) for r in pool if r._builtin(name) is not None):
            if not any(candidate is other for other in found):
                found.append(candidate)
        # Keras looks a built-in function up by name alone, across its component modules; a
        # class found by its snake_case name (metrics.MeanSquaredError) is not that function.
        if config["class_name"] == "function":
            found = [c for c in found if not inspect.isclass(c)] or found
        if len(found) == 1 or (found and config["class_name"] == "function"):
            return found[0]
        if found:
            modules = sorted(r.module for r in pool if r._builtin(name) is not None)
            raise ValueError(
                f"Cannot tell which {config['class_name']!r} to deserialize: it names a class "
                f"in each of {modules}. Give the config a 'module' naming one of them. "
                f"Received: config={config!r}"
            )
    return None
