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


class _MapToNone:
    def __repr__(self):
        return "keras.utils.tree.MAP_TO_NONE"


MAP_TO_NONE = _MapToNone()
"""What a `traverse` function returns to replace a node with None (None itself means "keep
the node")."""


def traverse(fn, structure, top_down=True):
    """Call ``fn`` on every sub-structure and leaf; a non-None result replaces that node
    (top down: its children are then not visited), `MAP_TO_NONE` replaces it with None.

    Example:
        >>> traverse(lambda x: MAP_TO_NONE if x == 2 else None, [1, 2, (3, 2)])
        [1, None, (3, None)]
    """
    if top_down:
        result = fn(structure)
        if result is not None:
            return None if result is MAP_TO_NONE else result
    if isinstance(structure, _NESTED):
        structure = _rebuild(structure, [traverse(fn, c, top_down) for c in _children(structure)])
    if not top_down:
        result = fn(structure)
        if result is not None:
            return None if result is MAP_TO_NONE else result
    return structure


def _keys(structure):
    return structure.keys() if isinstance(structure, dict) else range(len(structure))


def flatten_with_path(structure):
    """``(path, leaf)`` pairs, in `flatten`'s order; a path is the tuple of keys and indices
    from the top down to the leaf.

    Example:
        >>> flatten_with_path({"a": {"x": 4}, "b": [1, (2, 3)]})
        [(('a', 'x'), 4), (('b', 0), 1), (('b', 1, 0), 2), (('b', 1, 1), 3)]
    """
    if not isinstance(structure, _NESTED):
        return [((), structure)]
    return [((key, *path), leaf) for key, child in zip(_keys(structure), _children(structure))
            for path, leaf in flatten_with_path(child)]


def assert_same_paths(a, b):
    """Raise ValueError unless `a` and `b` have leaves at the same paths (their containers may
    be of different types: a list and a tuple of two leaves have the same paths).

    Example:
        >>> assert_same_paths([1, 2], (3, 4))
    """
    paths_a = {path for path, _ in flatten_with_path(a)}
    paths_b = {path for path, _ in flatten_with_path(b)}
    if paths_a != paths_b:
        raise ValueError(
            "`a` and `b` don't have the same paths.\n"
            f"Paths in `a` missing in `b`:\n{paths_a - paths_b}\n"
            f"Paths in `b` missing in `a`:\n{paths_b - paths_a}")


def lists_to_tuples(structure):
    """`structure` with every list turned into a tuple, at every depth.

    Example:
        >>> lists_to_tuples([1, [2, {"a": [3]}]])
        (1, (2, {'a': (3,)}))
    """
    def convert(node):
        if isinstance(node, list):
            return tuple(lists_to_tuples(child) for child in node)
        return None

    return traverse(convert, structure)


def _is_shape(x):
    return isinstance(x, (list, tuple)) and all(e is None or isinstance(e, int) for e in x)


def map_shape_structure(fn, structure):
    """`map_structure` for structures of shapes: a list or tuple of ints and Nones is a leaf.

    Example:
        >>> map_shape_structure(lambda s: (None, *s), {"a": (3,), "b": [(2, 4), [5]]})
        {'a': (None, 3), 'b': [(None, 2, 4), (None, 5)]}
    """
    if _is_shape(structure) or not isinstance(structure, _NESTED):
        return fn(structure)
    return _rebuild(structure, [map_shape_structure(fn, c) for c in _children(structure)])


def map_structure_up_to(shallow_structure, fn, *structures):
    """`map_structure` down to the leaves of `shallow_structure` only: there ``fn`` receives
    the sub-structures of `structures` whole.

    Example:
        >>> map_structure_up_to([0, 0], len, [[1, 2], {"a": 3}])
        [2, 1]
    """
    if not isinstance(shallow_structure, _NESTED):
        return fn(*structures)
    for structure in structures:
        if not isinstance(structure, _NESTED) or len(structure) != len(shallow_structure) or (
                isinstance(shallow_structure, dict)
                and set(_keys(structure)) != set(shallow_structure)):
            raise ValueError(
                "The structures don't match shallow_structure at this level. Received: "
                f"shallow_structure={shallow_structure!r}, structure={structure!r}")
    children = [map_structure_up_to(shallow, fn, *[s[key] for s in structures])
                for key, shallow in zip(_keys(shallow_structure), _children(shallow_structure))]
    return _rebuild(shallow_structure, children)
