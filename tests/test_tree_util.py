"""fgrad.tree_util checked against jax.tree_util, which defines the behaviour users expect."""

from __future__ import annotations

import ast
import collections
import pathlib
import sys

import jax.tree_util as jtu
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fgrad.tree_util as tu
from fgrad.tree_util import (
    PyTreeDef,
    all_leaves,
    register_pytree_node,
    register_pytree_node_class,
    tree_all,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_reduce,
    tree_structure,
    tree_unflatten,
    treedef_is_leaf,
)

Pair = collections.namedtuple("Pair", "x y")
Empty = collections.namedtuple("Empty", "")


class Box:
    """A custom node with aux data, registered identically with fgrad and with jax."""

    def __init__(self, label: str, a: object, b: object) -> None:
        self.label, self.a, self.b = label, a, b


def _box_flatten(box: Box) -> tuple[list, str]:
    return [box.a, box.b], box.label


def _box_unflatten(label: str, children: tuple) -> Box:
    return Box(label, *children)


register_pytree_node(Box, _box_flatten, _box_unflatten)
jtu.register_pytree_node(Box, _box_flatten, _box_unflatten)


# --- helpers ---------------------------------------------------------------------------------


def same_tree(a: object, b: object) -> bool:
    """Strict structural equality: types and key order matter and leaves compare by identity,
    since ``==`` would accept a dict for an OrderedDict and trip over arrays or NaN.
    Iterative so that it also works on the deep trees."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, (tuple, list)):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y))
        elif isinstance(x, dict):
            if list(x) != list(y):
                return False
            if isinstance(x, collections.defaultdict) and x.default_factory != y.default_factory:
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif isinstance(x, Box):
            if x.label != y.label:
                return False
            stack.extend([(x.a, y.a), (x.b, y.b)])
        elif x is not y:
            return False
    return True


def same_tree_mod_key_order(a: object, b: object) -> bool:
    """Like ``same_tree`` but dicts compare as sets of keys, since flattening sorts them."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if type(x) is not type(y):
            return False
        if type(x) in (dict, collections.defaultdict):
            if set(x) != set(y):
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif type(x) is collections.OrderedDict:
            if list(x) != list(y):
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif isinstance(x, (tuple, list)):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y))
        elif isinstance(x, Box):
            stack.extend([(x.a, y.a), (x.b, y.b)])
        elif x is not y:
            return False
    return True


def ids(xs: list) -> list[int]:
    return [id(x) for x in xs]


# --- strategies --------------------------------------------------------------------------------

leaf_st = st.one_of(
    st.integers(),
    st.floats(),
    st.text(max_size=3),
    st.builds(object),
    st.builds(np.zeros, st.integers(0, 3)),
)
key_st = st.text(max_size=3)


def _containers(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.lists(children, max_size=4).map(tuple),
        st.lists(children, max_size=4),
        st.dictionaries(key_st, children, max_size=4),
        st.builds(Pair, children, children),
        st.just(Empty()),
        st.lists(st.tuples(key_st, children), max_size=4, unique_by=lambda kv: kv[0]).map(
            collections.OrderedDict
        ),
        st.builds(
            collections.defaultdict,
            st.sampled_from([list, int, None]),
            st.dictionaries(key_st, children, max_size=3),
        ),
        st.builds(Box, st.sampled_from(["p", "q"]), children, children),
    )


tree_st = st.recursive(st.one_of(leaf_st, st.none()), _containers, max_leaves=25)
hyp = settings(max_examples=300, deadline=None)
# Hypothesis describes nested builds() draws with reprs that grow quadratically; only noise here.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")


# --- property tests against jax ----------------------------------------------------------------


@hyp
@given(tree_st)
def test_flatten_matches_jax(tree):
    leaves, treedef = tree_flatten(tree)
    jleaves, jdef = jtu.tree_flatten(tree)
    assert ids(leaves) == ids(jleaves)
    assert treedef.num_leaves == jdef.num_leaves == len(leaves)
    assert treedef.num_nodes == jdef.num_nodes
    assert repr(treedef) == repr(jdef)
    assert treedef_is_leaf(treedef) == jtu.treedef_is_leaf(jdef)
    assert [repr(c) for c in treedef.children()] == [repr(c) for c in jdef.children()]
    assert [c.num_leaves for c in treedef.children()] == [c.num_leaves for c in jdef.children()]
    assert ids(tree_leaves(tree)) == ids(jleaves)
    assert tree_structure(tree) == treedef


@hyp
@given(tree_st)
def test_round_trip(tree):
    leaves, treedef = tree_flatten(tree)
    rebuilt = tree_unflatten(treedef, leaves)
    assert same_tree_mod_key_order(rebuilt, tree)
    # Rebuilding must give exactly what jax gives, including sorted dict key order.
    assert same_tree(rebuilt, jtu.tree_unflatten(jtu.tree_structure(tree), leaves))
    assert same_tree(treedef.unflatten(iter(leaves)), rebuilt)
    assert tree_flatten(rebuilt)[1] == treedef


@hyp
@given(tree_st, tree_st)
def test_equality_and_hash_match_jax(t1, t2):
    d1, d2 = tree_structure(t1), tree_structure(t2)
    assert (d1 == d2) == (jtu.tree_structure(t1) == jtu.tree_structure(t2))
    assert (d1 != d2) is not (d1 == d2)
    if d1 == d2:
        assert hash(d1) == hash(d2)
    assert d1 == tree_structure(t1) and hash(d1) == hash(tree_structure(t1))


@hyp
@given(tree_st)
def test_tree_map_matches_jax(tree):
    def f(*xs):
        return xs

    mapped = tree_map(lambda x: [x], tree)
    assert same_tree(mapped, jtu.tree_map(lambda x: [x], tree))
    leaves, treedef = tree_flatten(tree)
    other = tree_unflatten(treedef, [object() for _ in leaves])
    assert same_tree(tree_map(f, tree, other, tree), jtu.tree_map(f, tree, other, tree))


@hyp
@given(st.lists(st.one_of(leaf_st, st.none(), st.lists(leaf_st, max_size=2)), max_size=5))
def test_all_leaves_matches_jax(items):
    assert all_leaves(items) == jtu.all_leaves(items)


# --- examples ----------------------------------------------------------------------------------


def test_readme_example_and_repr():
    leaves, treedef = tree_flatten((1, {"b": 2, "a": [3, None]}))
    assert leaves == [1, 3, 2]
    assert repr(treedef) == "PyTreeDef((*, {'a': [*, None], 'b': *}))"
    assert repr(tree_structure((1, {"a": 2}))) == "PyTreeDef((*, {'a': *}))"
    assert repr(tree_structure((1,))) == "PyTreeDef((*,))"
    assert repr(tree_structure(5)) == "PyTreeDef(*)"


def test_none_is_an_empty_node_not_a_leaf():
    leaves, treedef = tree_flatten(None)
    assert leaves == [] and treedef.num_nodes == 1 and treedef.num_leaves == 0
    assert tree_leaves([1, None, 2]) == [1, 2]
    assert tree_unflatten(tree_structure([1, None]), [5]) == [5, None]
    assert tree_leaves([1, None], is_leaf=lambda x: x is None) == [1, None]
    assert tree_map(lambda x: x + 1, {"a": None, "b": 1}) == {"a": None, "b": 2}


def test_dict_keys_sorted_and_rebuilt_sorted():
    leaves, treedef = tree_flatten({"b": 1, "a": 2, "c": 3})
    assert leaves == [2, 1, 3]
    assert list(tree_unflatten(treedef, [1, 2, 3])) == ["a", "b", "c"]
    assert tree_structure({"b": 1, "a": 2}) == tree_structure({"a": 0, "b": 0})
    assert tree_leaves({2: "x", 1: "y"}) == ["y", "x"]


def test_unsortable_dict_keys():
    with pytest.raises(ValueError, match="sortable"):
        tree_flatten({1: "a", "b": 2})


def test_ordered_dict_keeps_order_and_defaultdict_keeps_factory():
    od = collections.OrderedDict([("b", 1), ("a", 2)])
    leaves, treedef = tree_flatten(od)
    assert leaves == [1, 2]
    rebuilt = tree_unflatten(treedef, ["x", "y"])
    assert type(rebuilt) is collections.OrderedDict and list(rebuilt.items()) == [
        ("b", "x"),
        ("a", "y"),
    ]
    assert treedef != tree_structure({"b": 1, "a": 2})
    assert treedef != tree_structure(collections.OrderedDict([("a", 1), ("b", 2)]))

    dd = collections.defaultdict(list, {"b": 1, "a": 2})
    leaves, treedef = tree_flatten(dd)
    assert leaves == [2, 1]
    rebuilt = tree_unflatten(treedef, [0, 0])
    assert type(rebuilt) is collections.defaultdict and rebuilt.default_factory is list
    assert rebuilt["missing"] == []
    assert treedef != tree_structure(collections.defaultdict(int, {"b": 1, "a": 2}))


def test_namedtuples_are_nodes_distinct_from_tuples():
    leaves, treedef = tree_flatten(Pair(1, (2, 3)))
    assert leaves == [1, 2, 3]
    assert repr(treedef) == "PyTreeDef(CustomNode(namedtuple[Pair], [*, (*, *)]))"
    assert tree_unflatten(treedef, "abc") == Pair("a", ("b", "c"))
    assert type(tree_unflatten(treedef, "abc")) is Pair
    assert treedef != tree_structure((1, (2, 3)))


def test_container_subclasses_are_leaves_like_jax():
    class MyList(list):
        pass

    class MyTuple(tuple):
        pass

    class MyDict(dict):
        pass

    for obj in (MyList([1, 2]), MyTuple((1, 2)), MyDict(a=1)):
        assert tree_leaves(obj) == [obj] == jtu.tree_leaves(obj)


def test_tree_map_multiple_trees_and_is_leaf():
    a = {"w": 1, "b": (2, 3)}
    b = {"w": 10, "b": (20, 30)}
    assert tree_map(lambda x, y: x + y, a, b) == {"w": 11, "b": (22, 33)}
    assert tree_map(len, ([1, 2], [3]), is_leaf=lambda x: isinstance(x, list)) == (2, 1)
    assert tree_map(lambda x, y: (x, y), [None, 1], [None, 2], is_leaf=lambda x: x is None) == [
        (None, None),
        (1, 2),
    ]


@pytest.mark.parametrize(
    "first, other",
    [
        ((1, 2), [1, 2]),
        ({"a": 1}, {"b": 1}),
        ((1, 2), (1, 2, 3)),
        ((1, 2), (1, (2, 3))),  # jax accepts this (prefix semantics); fgrad is deliberately strict
        (Pair(1, 2), (1, 2)),
    ],
)
def test_tree_map_structure_mismatch_names_both(first, other):
    with pytest.raises(ValueError) as info:
        tree_map(lambda x, y: x, first, other)
    message = str(info.value)
    assert repr(tree_structure(first)) in message
    assert repr(tree_structure(other)) in message


def test_unflatten_wrong_leaf_count():
    treedef = tree_structure((1, 2))
    with pytest.raises(ValueError, match="expected 2 leaves, got 1"):
        tree_unflatten(treedef, [1])
    with pytest.raises(ValueError, match="expected 2 leaves, got 3"):
        treedef.unflatten([1, 2, 3])
    with pytest.raises(TypeError, match="PyTreeDef"):
        tree_unflatten([1, 2], treedef)  # type: ignore[arg-type]


def test_register_custom_node_and_duplicate_rejected():
    class Point:
        def __init__(self, x, y):
            self.x, self.y = x, y

    register_pytree_node(Point, lambda p: ((p.x, p.y), "meta"), lambda aux, ch: Point(*ch))
    leaves, treedef = tree_flatten([Point(1, {"k": 2})])
    assert leaves == [1, 2]
    assert repr(treedef) == "PyTreeDef([CustomNode(Point[meta], [*, {'k': *}])])"
    p = tree_map(lambda v: v * 10, Point(1, 2))
    assert (type(p), p.x, p.y) == (Point, 10, 20)
    with pytest.raises(ValueError, match="already registered"):
        register_pytree_node(Point, lambda p: ((), None), lambda aux, ch: Point(0, 0))
    for builtin in (tuple, list, dict, type(None), collections.OrderedDict):
        with pytest.raises(ValueError, match="already registered"):
            register_pytree_node(builtin, lambda x: ((), None), lambda aux, ch: None)


def test_custom_aux_data_participates_in_equality():
    assert tree_structure(Box("p", 1, 2)) == tree_structure(Box("p", 3, 4))
    assert tree_structure(Box("p", 1, 2)) != tree_structure(Box("q", 1, 2))


def test_register_pytree_node_class():
    @register_pytree_node_class
    class Scaled:
        def __init__(self, value, scale):
            self.value, self.scale = value, scale

        def tree_flatten(self):
            return (self.value,), self.scale

        @classmethod
        def tree_unflatten(cls, aux, children):
            return cls(children[0], aux)

    out = tree_map(lambda v: v + 1, [Scaled(1, "s")])
    assert type(out[0]) is Scaled and (out[0].value, out[0].scale) == (2, "s")
    with pytest.raises(ValueError, match="already registered"):
        register_pytree_node_class(Scaled)


def test_registering_a_type_already_seen_as_leaf():
    # Flattening caches leaf types for speed; registration must invalidate that.
    class Late:
        def __init__(self, v):
            self.v = v

    obj = Late(7)
    assert tree_leaves([obj]) == [obj]
    register_pytree_node(Late, lambda x: ((x.v,), None), lambda aux, ch: Late(*ch))
    assert tree_leaves([obj]) == [7]


def test_unhashable_aux_data_still_hashes():
    class Tagged:
        def __init__(self, v):
            self.v = v

    register_pytree_node(Tagged, lambda x: ((x.v,), ["unhashable"]), lambda aux, ch: Tagged(*ch))
    d1, d2 = tree_structure(Tagged(1)), tree_structure(Tagged(2))
    assert d1 == d2 and hash(d1) == hash(d2)


def test_treedef_as_cache_key():
    cache = {tree_structure({"a": 1, "b": (2, 3)}): "hit"}
    assert cache[tree_structure({"b": (0, 0), "a": 0})] == "hit"
    assert tree_structure({"a": 1, "b": (2, 3)}) != tree_structure({"a": 1, "c": (2, 3)})
    assert tree_structure([1]) != tree_structure((1,))
    assert tree_structure([1]) != [1]


def test_leaf_and_empty_treedefs():
    for tree in (5, None, (), [], {}, Empty()):
        leaves, treedef = tree_flatten(tree)
        assert treedef_is_leaf(treedef)
        assert same_tree(tree_unflatten(treedef, leaves), tree)
    assert not treedef_is_leaf(tree_structure(((),)))
    assert tree_unflatten(tree_structure(5), ["new"]) == "new"
    assert all_leaves([1, "a", np.zeros(2)])
    assert not all_leaves([1, None])
    assert all_leaves([1, None], is_leaf=lambda x: x is None)


def test_reduce_and_all():
    assert tree_reduce(lambda a, b: a + b, [1, (2, {"x": 3})]) == 6
    assert tree_reduce(lambda a, b: a + b, [], 0) == 0
    total = tree_reduce(
        lambda a, b: a + len(b), ([1], [2, 3]), 10, is_leaf=lambda x: isinstance(x, list)
    )
    assert total == 13
    with pytest.raises(TypeError):
        tree_reduce(lambda a, b: a + b, [])
    assert tree_all([True, (1, None)]) and tree_all([])
    assert not tree_all({"a": True, "b": 0})


def test_deep_nesting_beyond_recursion_limit():
    depth = max(5000, 2 * sys.getrecursionlimit())
    tree: object = "bottom"
    for i in range(depth):
        tree = [i, tree] if i % 2 else ({"k": tree},)
    leaves, treedef = tree_flatten(tree)
    assert len(leaves) == depth // 2 + 1 and leaves[-1] == "bottom"
    assert treedef.num_nodes == 2 * depth + 1
    rebuilt = tree_unflatten(treedef, leaves)
    assert same_tree(rebuilt, tree)
    assert treedef == tree_structure(rebuilt) and hash(treedef) == hash(tree_structure(rebuilt))
    assert repr(treedef).startswith("PyTreeDef([*, ({'k': [*, ")
    assert tree_map(lambda x, y: y, tree, rebuilt) is not None
    assert len(treedef.children()) == 2


def test_module_is_the_bottom_layer():
    source = pathlib.Path(tu.__file__).read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import"
            imported.add(node.module.split(".")[0])
    assert imported <= sys.stdlib_module_names | {"__future__"}
    assert sorted(tu.__all__) == tu.__all__
    for name in tu.__all__:
        assert hasattr(tu, name)
    assert isinstance(tree_structure(1), PyTreeDef)
