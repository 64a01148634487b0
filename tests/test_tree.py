"""nnet.tree: flatten, map_structure, pack_sequence_as, assert_same_structure, traverse."""

import os
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


def test_new_tree_functions_as_keras():
    os.environ["KERAS_BACKEND"] = "torch"
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    from nnet import tree as ours

    theirs = keras.tree
    # Keras orders dict keys; these dicts are written in sorted order, which nnet keeps.
    structure = {"a": {"x": 4}, "b": [1, (2, 3)]}
    assert ours.flatten_with_path(structure) == theirs.flatten_with_path(structure)
    assert ours.lists_to_tuples([1, [2, {"a": [3]}]]) == theirs.lists_to_tuples(
        [1, [2, {"a": [3]}]])
    shapes = {"a": (None, 3), "b": [(2,), [4, 5]], "c": None}
    assert ours.map_shape_structure(lambda s: s and len(s), shapes) == \
        theirs.map_shape_structure(lambda s: s and len(s), shapes)
    assert ours.map_structure_up_to([0, 0], len, [[1, 2], {"a": 3}]) == \
        theirs.map_structure_up_to([0, 0], len, [[1, 2], {"a": 3}])
    assert ours.map_structure_up_to({"p": 0, "q": [0, 0]}, lambda a, b: a + b,
                                    {"p": 1, "q": [2, 3]}, {"p": 10, "q": [20, 30]}) == \
        theirs.map_structure_up_to({"p": 0, "q": [0, 0]}, lambda a, b: a + b,
                                   {"p": 1, "q": [2, 3]}, {"p": 10, "q": [20, 30]})

    def drop_twos(lib):
        return lambda x: lib.MAP_TO_NONE if x == 2 else None

    assert ours.traverse(drop_twos(ours), [1, 2, (3, 2)]) == theirs.traverse(
        drop_twos(theirs), [1, 2, (3, 2)])
    ours.assert_same_paths([1, 2], (3, 4))
    for lib in (ours, theirs):
        with pytest.raises(ValueError, match="don't have the same paths") as error:
            lib.assert_same_paths({"a": 1}, {"b": 1})
        assert "{('a',)}" in str(error.value) and "{('b',)}" in str(error.value)
    with pytest.raises(ValueError, match="shallow_structure"):
        ours.map_structure_up_to([0, 0], len, [[1, 2]])
