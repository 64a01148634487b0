"""Custom objects: the names that user-defined classes and functions are found by when a config
is loaded (Keras's `object_registration`).

`register_keras_serializable` adds an object to the global table under ``"Package>Name"``;
a `custom_object_scope` adds names for the length of a ``with`` block; `get_registered_object`
and `get_registered_name` look them up either way. `safe_mode_scope` says, for the configs
loaded inside it, whether code saved in a config may be rebuilt.
"""

import contextlib
import inspect
import threading

# Keras's global tables: "Package>Name" -> object, and object -> "Package>Name".
_CUSTOM_OBJECTS = {}
_CUSTOM_NAMES = {}


class _Scope(threading.local):
    objects = {}
    # None outside any safe_mode_scope: then each call's own safe_mode argument applies.
    safe_mode = None


_SCOPE = _Scope()


def _custom_objects():
    """Every name a custom object is found by: the registered ``"Package>Name"`` and the bare
    class or function name of each registered object, then the innermost scope's names."""
    names = {getattr(obj, "__name__", key): obj for key, obj in _CUSTOM_OBJECTS.items()}
    return {**names, **_CUSTOM_OBJECTS, **_SCOPE.objects}


class CustomObjectScope:
    """Make ``{name: object}`` resolvable by name in every lookup inside the ``with`` block.

    `custom_object_scope` is the same class. Scopes nest: an inner scope sees the names of the
    outer ones too.

    Args:
        custom_objects: ``{name: class or function}``; None is an empty scope.

    Example:
        >>> from nnet import initializers
        >>> class Halves(initializers.Initializer):
        ...     def __call__(self, shape, dtype=None):
        ...         return initializers.Constant(0.5)(shape, dtype)
        >>> with custom_object_scope({"Halves": Halves}):
        ...     initializers.get("Halves")((2,))
        array([0.5, 0.5], dtype=float32)
    """

    def __init__(self, custom_objects):
        if custom_objects is not None and not isinstance(custom_objects, dict):
            raise TypeError(
                "Expected a dict of {name: class or function} for custom_objects. "
                f"Received: custom_objects={custom_objects!r}"
            )
        self.custom_objects = custom_objects or {}
        self.backup = None

    def __enter__(self):
        self.backup = _SCOPE.objects
        _SCOPE.objects = {**self.backup, **self.custom_objects}
        return self

    def __exit__(self, *exc_info):
        _SCOPE.objects = self.backup


custom_object_scope = CustomObjectScope


def get_custom_objects():
    """The live global dict of registered custom objects, ``{"Package>Name": object}``.

    Objects of a `custom_object_scope` are not in it. Adding an entry makes the object
    loadable by that name.

    Example:
        >>> @register_keras_serializable(package="docs")
        ... def triple(x):
        ...     return 3 * x
        >>> get_custom_objects()["docs>triple"] is triple
        True
    """
    return _CUSTOM_OBJECTS


# Set for the whole process by `enable_unsafe_deserialization`.
_UNSAFE_DESERIALIZATION = False


def enable_unsafe_deserialization():
    """Let every later load rebuild code saved in configs and files (Lambda bytecode), whatever
    their ``safe_mode`` argument, as ``keras.config.enable_unsafe_deserialization`` does. Only
    for files from a trusted source: loading such a file runs its code.

    Example:
        >>> in_safe_mode()
        True
    """
    global _UNSAFE_DESERIALIZATION
    _UNSAFE_DESERIALIZATION = True


@contextlib.contextmanager
def safe_mode_scope(safe_mode):
    """Whether configs loaded inside the ``with`` block may rebuild code (Lambda bytecode);
    never after `enable_unsafe_deserialization`."""
    previous = _SCOPE.safe_mode
    _SCOPE.safe_mode = bool(safe_mode) and not _UNSAFE_DESERIALIZATION
    try:
        yield
    finally:
        _SCOPE.safe_mode = previous


def in_safe_mode():
    """Whether code from a config must not run: False inside ``safe_mode_scope(False)`` and,
    outside any scope, after `enable_unsafe_deserialization`."""
    if _SCOPE.safe_mode is None:
        return not _UNSAFE_DESERIALIZATION
    return _SCOPE.safe_mode


def register_keras_serializable(package="Custom", name=None):
    """Decorator that makes a custom class or function loadable by name (``"Custom>MyLayer"``).

    Args:
        package: the first part of the registered name.
        name: the second part; the object's own name when None.

    Example:
        >>> from nnet import layers
        >>> @register_keras_serializable("my_package")
        ... class MyDense(layers.Dense):
        ...     pass
        >>> get_registered_object("my_package>MyDense") is MyDense
        True
        >>> get_registered_name(MyDense)
        'my_package>MyDense'
    """

    def decorator(obj):
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"Cannot register the class {obj.__name__} that does not have a get_config() "
                "method. Give it one that returns its constructor arguments."
            )
        registered = f"{package}>{obj.__name__ if name is None else name}"
        _CUSTOM_OBJECTS[registered] = obj
        _CUSTOM_NAMES[obj] = registered
        return obj

    return decorator


def get_registered_name(obj):
    """The name under which `obj` (a class or function) was registered, or its own name.

    Example:
        >>> get_registered_name(len)
        'len'
    """
    if obj in _CUSTOM_NAMES:
        return _CUSTOM_NAMES[obj]
    return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class or function registered as `name`, or None.

    Looked up in the active `custom_object_scope`, the registered objects, then
    `custom_objects` and `module_objects`.

    Args:
        name: the registered name (``"Package>Name"``) or a scope's key.
        custom_objects: a further ``{name: object}`` dict, usually the user's.
        module_objects: a further ``{name: object}`` dict, usually a library's.

    Example:
        >>> get_registered_object("no>such") is None
        True
    """
    for table in (_SCOPE.objects, _CUSTOM_OBJECTS, custom_objects or {}, module_objects or {}):
        if name in table:
            return table[name]
    return None
