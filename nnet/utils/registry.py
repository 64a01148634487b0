"""String identifiers to objects: the shared lookup behind `losses.get`, `optimizers.get`, ...

Each component module builds a `Registry` of its classes and functions; `get` accepts an
instance, a class, a callable, a string alias or a ``{"class_name", "config"}`` dict and raises an
error that lists every valid name when a string is unknown.
"""

import contextlib
import difflib
import inspect
import threading

from nnet.utils.naming import to_snake_case


class Registry:
    """A table of names for one kind of component (``"loss"``, ``"optimizer"``, ...).

    Args:
        kind: the component kind, used in error messages.
        base: the component base class; `get` instantiates classes given by name.
    """

    def __init__(self, kind, base=None):
        self.kind = kind
        self.base = base
        self._table = {}

    def register(self, obj, *aliases, snake_case=True):
        """Register a class or function under its name, its snake_case name and `aliases`.

        With ``snake_case=False`` a class gets its lowercased name instead (``"adamw"``), as
        Keras names optimizers.
        """
        names = {obj.__name__, *aliases}
        if inspect.isclass(obj):
            names.add(to_snake_case(obj.__name__) if snake_case else obj.__name__.lower())
        for name in names:
            self._table[name] = obj
        return obj

    def names(self):
        """Every registered identifier, sorted."""
        return sorted(self._table)

    def lookup(self, name, argument=None):
        """The object registered as `name`; unknown names raise ValueError listing valid ones."""
        obj = self._table.get(name) or _custom_objects().get(name)
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
        a layer's config. A plain string is looked up as `get` does.
        """
        if isinstance(config, str):
            with custom_object_scope(custom_objects):
                return self.get(config)
        with custom_object_scope(custom_objects):
            names = (config.get("registered_name"), config["class_name"])
            cls = next((_custom_objects()[n] for n in names if n in _custom_objects()), None)
            cls = cls or self.lookup(config["class_name"])
            inner = config.get("config", {})
            if inspect.isfunction(cls) or not inspect.isclass(cls):
                return cls
            return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)

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


_CUSTOM_OBJECTS = {}


class _Scope(threading.local):
    objects = {}
    safe_mode = True


_SCOPE = _Scope()


def _custom_objects():
    """Registered custom objects, and those of the innermost `custom_object_scope`."""
    return {**_CUSTOM_OBJECTS, **_SCOPE.objects} if _SCOPE.objects else _CUSTOM_OBJECTS


@contextlib.contextmanager
def custom_object_scope(custom_objects):
    """Make ``{name: object}`` resolvable by name in every lookup inside the ``with`` block.

    Example:
        >>> from nnet import initializers
        >>> class Halves(initializers.Initializer):
        ...     def __call__(self, shape, dtype=None):
        ...         return initializers.Constant(0.5)(shape, dtype)
        >>> with custom_object_scope({"Halves": Halves}):
        ...     initializers.get("Halves")((2,))
        array([0.5, 0.5], dtype=float32)
    """
    previous = _SCOPE.objects
    _SCOPE.objects = {**previous, **(custom_objects or {})}
    try:
        yield
    finally:
        _SCOPE.objects = previous


@contextlib.contextmanager
def safe_mode_scope(safe_mode):
    """Whether configs loaded inside the ``with`` block may rebuild code (Lambda bytecode)."""
    previous = _SCOPE.safe_mode
    _SCOPE.safe_mode = bool(safe_mode)
    try:
        yield
    finally:
        _SCOPE.safe_mode = previous


def in_safe_mode():
    """False only inside ``safe_mode_scope(False)``: code from a config must not run."""
    return _SCOPE.safe_mode


def register_keras_serializable(package="Custom", name=None):
    """Class decorator that makes a custom object loadable by name (``"Custom>MyLayer"``)."""

    def decorator(obj):
        registered = f"{package}>{name or obj.__name__}"
        _CUSTOM_OBJECTS[registered] = obj
        _CUSTOM_OBJECTS[obj.__name__] = obj
        obj._registered_name = registered
        return obj

    return decorator


def get_registered_name(obj):
    """The name under which `obj` was registered, or its class name."""
    cls = obj if inspect.isclass(obj) or inspect.isfunction(obj) else type(obj)
    return vars(cls).get("_registered_name") or getattr(obj, "__name__", type(obj).__name__)


def serialize_object(obj, module):
    """Keras's JSON form of a component: ``{module, class_name, config, registered_name}``.

    A plain function (e.g. an activation passed as a function) becomes its name.
    """
    if obj is None:
        return None
    if inspect.isfunction(obj):
        return obj.__name__
    # Registration belongs to the exact class, not to its subclasses.
    registered = vars(type(obj)).get("_registered_name")
    return {
        "module": None if registered else module,
        "class_name": type(obj).__name__,
        "config": obj.get_config(),
        "registered_name": registered,
    }
