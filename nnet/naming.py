"""Keras-style automatic names (snake_case of the class name plus a per-session counter), and
the name scopes that make variable paths."""

import re
import threading
from collections import defaultdict

_COUNTS = defaultdict(int)


def to_snake_case(name):
    """``"MaxPooling2D"`` -> ``"max_pooling2d"``, ``"Dense"`` -> ``"dense"``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(base):
    """``base`` the first time, then ``base_1``, ``base_2``, ... within this session."""
    count = _COUNTS[base]
    _COUNTS[base] += 1
    return base if count == 0 else f"{base}_{count}"


def get_uid(prefix=""):
    """The next number for `prefix`: 1 at the first call, then 2, 3... (``keras.backend.get_uid``).

    The automatic layer names count with the same numbers: after one ``Dense()``,
    ``get_uid("dense")`` is 2.

    Example:
        >>> get_uid("demo_prefix"), get_uid("demo_prefix")
        (1, 2)
    """
    _COUNTS[prefix] += 1
    return _COUNTS[prefix]


def reset_names():
    """Restart every automatic-name counter (what ``keras.backend.clear_session`` does)."""
    _COUNTS.clear()


class _ScopeStack(threading.local):
    def __init__(self):
        self.entries = []


_SCOPES = _ScopeStack()


class name_scope:
    """A sub-namespace for the paths of the variables created inside it (``keras.name_scope``).

    Scopes nest: a variable ``kernel`` that layer ``dense`` creates inside ``name_scope("a")``
    gets the path ``a/dense/kernel``. Models open their own scope while they build their layers,
    so a Sequential model's weights are ``model_name/layer_name/weight``, as in Keras. Entering
    the scope that is already innermost for the same `caller` adds nothing (``deduplicate``).
    The stack is per thread.

    Args:
        name: the scope's name, a string without ``"/"``.
        caller: the object that opens the scope (a layer), for the deduplication.
        deduplicate: skip re-entering a scope of the same name and caller.
        override_parent: an absolute path that replaces the enclosing scopes' path.

    Example:
        >>> with name_scope("outer"):
        ...     with name_scope("inner"):
        ...         current_path()
        'outer/inner'
    """

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or "/" in name:
            raise ValueError("Expected a string without '/' for name. Received: "
                             f"name={name!r}")
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        self.override_parent = override_parent
        self._pop_on_exit = False

    def __enter__(self):
        entries = _SCOPES.entries
        if self.deduplicate and entries and self.caller is not None and \
                entries[-1].caller is self.caller and entries[-1].name == self.name:
            return self
        entries.append(self)
        self._pop_on_exit = True
        return self

    def __exit__(self, *exc_info):
        if self._pop_on_exit:
            _SCOPES.entries.pop()
            self._pop_on_exit = False


def current_path():
    """The path of the open name scopes, ``"outer/inner"`` (``""`` outside any)."""
    parts = []
    for entry in _SCOPES.entries:
        if entry.override_parent is not None:
            parts = [p for p in entry.override_parent.split("/") if p]
        parts.append(entry.name)
    return "/".join(parts)


def scoped_path(owner, caller, name):
    """The path of variable `name` that `caller` (named `owner`) creates: the open scopes, then
    `owner` unless `caller`'s own scope is the innermost one, then `name`."""
    entries = _SCOPES.entries
    inside = entries and entries[-1].caller is caller and entries[-1].name == owner
    parts = [current_path()] if entries else []
    if not inside:
        parts.append(owner)
    return "/".join([*parts, name])
