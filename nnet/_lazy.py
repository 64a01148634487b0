"""Lazy loading of a package's submodules and names (PEP 562), so that `import nnet` is cheap.

A package lists what it exports and where each name is defined; nothing is imported until an
attribute is first read, and then only the module that defines it. This module imports nothing
from nnet, so that every package, `nnet` itself included, can use it.
"""

import importlib
import sys


def lazy_exports(package, submodules=(), attributes=None):
    """The module-level ``__getattr__`` and ``__dir__`` of a package that loads on first use.

    A name read for the first time is imported (a submodule) or taken from the module that
    defines it, then stored in the package, so later reads are plain attribute lookups.

    Args:
        package: the package's ``__name__``.
        submodules: names of submodules exported as attributes (``"layers"`` for
            ``nnet.layers``).
        attributes: ``{name: module}``, the absolute name of the module defining each
            exported name.

    Returns:
        ``(__getattr__, __dir__)``, to be assigned at the package's top level.

    Example:
        >>> import types
        >>> sys.modules["demo"] = types.ModuleType("demo")
        >>> getattr_, dir_ = lazy_exports("demo", attributes={"dumps": "json"})
        >>> getattr_("dumps")([1])
        '[1]'
        >>> "dumps" in dir_(), "dumps" in vars(sys.modules.pop("demo"))
        (True, True)
    """
    attributes = dict(attributes or {})
    namespace = vars(sys.modules[package])

    def __getattr__(name):
        if name in submodules:
            value = importlib.import_module(f"{package}.{name}")
        elif name in attributes:
            value = getattr(importlib.import_module(attributes[name]), name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    def __dir__():
        return sorted({*namespace, *submodules, *attributes})

    return __getattr__, __dir__
