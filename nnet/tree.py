"""keras.tree: walks over nested structures of lists, tuples and dicts (the one place that does).

A structure is a leaf, or a list, tuple or dict of structures. ``None`` is a leaf. Dicts are
visited in key-insertion order, so that a model's dict of outputs keeps the order it was given in.

Example:
    >>> from nnet import tree
    >>> tree.flatten({"a": 1, "b": [2, (3, 4)]})
    [1, 2, 3, 4]
    >>> tree.map_structure(lambda v: v * 10, {"a": 1, "b": [2, (3, 4)]})
    {'a': 10, 'b': [20, (30, 40)]}
    >>> tree.pack_sequence_as([0, (0, 0)], ["x", "y", "z"])
    ['x', ('y', 'z')]
"""

_NESTED = (list, tuple, dict)


def is_nested(structure):
    """Whether `structure` is a list, tuple or dict (rather than a leaf)."""
    return isinstance(structure, _NESTED)


def _children(structure):
    return structure.values() if isinstance(structure, dict) else structure


def flatten(structure):
    """The leaves of `structure`, depth first, in order."""
    if not isinstance(structure, _NESTED):
        return [structure]
    out, stack = [], [iter(_children(structure))]
    while stack:
        item = next(stack[-1], _END)
        if item is _END:
            stack.pop()
        elif isinstance(item, _NESTED):
            stack.append(iter(_children(item)))
        else:
            out.append(item)
    return out


_END = object()


def _rebuild(structure, children):
    if isinstance(structure, dict):
        return type(structure)(zip(structure.keys(), children))
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(*children)
    return type(structure)(children)


def map_structure(fn, *structures):
    """``fn`` applied to the leaves of `structures` (of the same shape), in that shape.

    Example:
        >>> from nnet import tree
        >>> tree.map_structure(lambda a, b: a + b, [1, (2, 3)], [10, (20, 30)])
        [11, (22, 33)]
    """
    first = structures[0]
    for other in structures[1:]:
        assert_same_structure(first, other)
    return _map(fn, structures)


def _map(fn, structures):
    first = structures[0]
    if not isinstance(first, _NESTED):
        return fn(*structures)
    if isinstance(first, dict):
        children = [_map(fn, [s[k] for s in structures]) for k in first]
    else:
        children = [_map(fn, items) for items in zip(*structures)]
    return _rebuild(first, children)


def pack_sequence_as(structure, flat_sequence):
    """The leaves in `flat_sequence` put back into the shape of `structure`."""
    flat_sequence = list(flat_sequence)
    count = len(flatten(structure))
    if count != len(flat_sequence):
        raise ValueError(
            f"The structure has {count} leaves but flat_sequence has {len(flat_sequence)} "
            f"entries. Pass exactly one entry per leaf. Received: structure={structure!r}"
        )
    leaves = iter(flat_sequence)
    return _map(lambda _: next(leaves), [structure])


def assert_same_structure(a, b):
    """Raise ValueError unless `a` and `b` nest the same way (leaves may differ)."""
    if isinstance(a, _NESTED) != isinstance(b, _NESTED) or (
        isinstance(a, _NESTED) and (
            isinstance(a, dict) != isinstance(b, dict)
            or len(a) != len(b)
            or (isinstance(a, dict) and set(a) != set(b)))
    ):
        raise ValueError(
            f"The two structures don't have the same nested structure. Received: a={a!r}, b={b!r}"
        )
    if isinstance(a, dict):
        for key in a:
            assert_same_structure(a[key], b[key])
    elif isinstance(a, _NESTED):
        for x, y in zip(a, b):
            assert_same_structure(x, y)


def traverse(fn, structure, top_down=True):
    """Call ``fn`` on every sub-structure and leaf; a non-None result replaces that node
    (top down: its children are then not visited)."""
    if top_down:
        result = fn(structure)
        if result is not None:
            return result
    if isinstance(structure, _NESTED):
        structure = _rebuild(structure, [traverse(fn, c, top_down) for c in _children(structure)])
    if not top_down:
        result = fn(structure)
        if result is not None:
            return result
    return structure
