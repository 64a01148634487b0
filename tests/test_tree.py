"""nnet.tree: flatten, map_structure, pack_sequence_as, assert_same_structure, traverse."""

from collections import namedtuple

import pytest

from nnet import tree

NESTED = {"a": [1, (2, 3)], "b": {"c": 4, "d": None}}


def test_flatten_visits_leaves_depth_first_in_insertion_order():
    assert tree.flatten(NESTED) == [1, 2, 3, 4, None]
    assert tree.flatten(5) == [5]
    assert tree.flatten([]) == []


def test_flatten_handles_deep_nesting_without_recursion():
    deep = 0
    for _ in range(5000):
        deep = [deep]
    assert tree.flatten(deep) == [0]


def test_map_structure_keeps_containers_and_namedtuples():
    Pair = namedtuple("Pair", "x y")
    out = tree.map_structure(lambda v: None if v is None else v * 2, [Pair(1, 2), NESTED])
    assert out == [Pair(2, 4), {"a": [2, (4, 6)], "b": {"c": 8, "d": None}}]
    assert isinstance(out[0], Pair)


def test_map_structure_over_several_structures_checks_they_match():
    assert tree.map_structure(max, [1, (5, 2)], [3, (4, 6)]) == [3, (5, 6)]
    with pytest.raises(ValueError, match="same nested structure"):
        tree.map_structure(max, [1, 2], [1, (2, 3)])
    with pytest.raises(ValueError, match="same nested structure"):
        tree.assert_same_structure({"a": 1}, {"b": 1})


def test_pack_sequence_as_is_the_inverse_of_flatten():
    assert tree.pack_sequence_as(NESTED, tree.flatten(NESTED)) == NESTED
    with pytest.raises(ValueError, match="5 leaves but flat_sequence has 2"):
        tree.pack_sequence_as(NESTED, [1, 2])


def test_traverse_replaces_where_fn_returns_a_value():
    out = tree.traverse(lambda s: "t" if isinstance(s, tuple) else None, NESTED)
    assert out == {"a": [1, "t"], "b": {"c": 4, "d": None}}
    assert tree.is_nested([]) and not tree.is_nested(3)
