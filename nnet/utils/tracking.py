"""Lists and dicts that tell their owner what is put into them.

A layer wraps the lists and dicts assigned to its attributes in these, so that sublayers and
variables added later (``self.blocks.append(Dense(8))``) are tracked like those assigned directly.
"""


def wrap(value, track):
    """`value` with every list and dict inside it replaced by a tracking one that calls
    ``track(item)`` for each item put into it later; `track` is also called for every leaf now."""
    if isinstance(value, TrackedList | TrackedDict):
        value._track = track
        for item in (value.values() if isinstance(value, dict) else value):
            wrap(item, track)
        return value
    if isinstance(value, list):
        return TrackedList([wrap(v, track) for v in value], track)
    if isinstance(value, dict):
        return TrackedDict({k: wrap(v, track) for k, v in value.items()}, track)
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return type(value)(wrap(v, track) for v in value)
    track(value)
    return value


class TrackedList(list):
    """A list that passes what is added to it to its owner's tracker."""

    def __init__(self, items=(), track=None):
        super().__init__(items)
        self._track = track or _ignore

    def append(self, item):
        super().append(wrap(item, self._track))

    def insert(self, index, item):
        super().insert(index, wrap(item, self._track))

    def extend(self, items):
        super().extend(wrap(item, self._track) for item in items)

    def __iadd__(self, items):
        self.extend(items)
        return self

    def __setitem__(self, index, item):
        if isinstance(index, slice):
            item = [wrap(v, self._track) for v in item]
        else:
            item = wrap(item, self._track)
        super().__setitem__(index, item)


class TrackedDict(dict):
    """A dict that passes what is stored in it to its owner's tracker."""

    def __init__(self, items=(), track=None):
        super().__init__(items)
        self._track = track or _ignore

    def __setitem__(self, key, item):
        super().__setitem__(key, wrap(item, self._track))

    def update(self, *args, **kwargs):
        for key, item in dict(*args, **kwargs).items():
            self[key] = item

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]


def _ignore(item):
    """The tracker of a container built without an owner (``type(value)(...)`` copies)."""
