"""Pytrees: nested containers whose leaves transforms operate on, mirroring ``jax.tree_util``.

Every transform flattens its arguments on each call, so flattening is on the hot path. A treedef
is therefore stored as a flat, pre-order tuple of node records rather than as a tree of objects:
equality and hashing become single C-level tuple operations (cheap cache keys), and flattening,
unflattening and printing are loops over an explicit stack, so arbitrarily deep trees never hit
Python's recursion limit.
"""

from __future__ import annotations

import collections
import functools
import operator
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

__all__ = [
    "PyTreeDef",
    "all_leaves",
    "register_pytree_node",
    "register_pytree_node_class",
    "tree_all",
    "tree_flatten",
    "tree_leaves",
    "tree_map",
    "tree_reduce",
    "tree_structure",
    "tree_unflatten",
    "treedef_is_leaf",
]

_NoneType = type(None)

# One node of a treedef: (node type, number of children, aux data). A leaf has node type None so
# that it can never be confused with a real container type.
_Node = tuple[type | None, int, Any]
_LEAF: _Node = (None, 0, None)
_NONE_NODE: _Node = (_NoneType, 0, None)


class _NodeKind(NamedTuple):
    """How a registered container type is taken apart and put back together."""

    flatten: Callable[[Any], tuple[Iterable[Any], Any]]
    unflatten: Callable[[Any, tuple[Any, ...]], Any]


# tuple, list, dict and None are handled inline in the hot loops; they are registered only so
# that re-registering them is rejected like any other duplicate.
_registry: dict[type, _NodeKind] = {}

# Node types whose aux data is always hashable (dict keys), so it can take part in the hash.
# defaultdict is left out: its aux also holds the default_factory, which need not be hashable.
_HASHABLE_AUX: frozenset[type] = frozenset({dict, collections.OrderedDict})


# Types already seen to be leaves, so that typical leaves (arrays, floats) skip the chain of
# container checks. Registering a type evicts it; the cap bounds what dynamically created classes
# can pin in memory.
_leaf_types: set[type] = {int, float, complex, bool, str, bytes}
_MAX_LEAF_TYPES = 1024


def _sorted_keys(d: dict) -> list:
    try:
        return sorted(d)
    except TypeError as e:
        # Sorting is what makes dicts with equal keys map to equal treedefs; without it there is
        # no canonical leaf order, so refuse rather than silently depend on insertion order.
        raise ValueError(f"pytree dict keys must be mutually sortable, got {list(d)!r}") from e


class PyTreeDef:
    """The shape of a pytree with its leaves taken out; equal shapes compare and hash equal."""

    __slots__ = ("_hash", "_nodes", "_num_leaves")

    def __init__(self, nodes: tuple[_Node, ...], num_leaves: int) -> None:
        self._nodes = nodes
        self._num_leaves = num_leaves
        self._hash: int | None = None

    @property
    def num_leaves(self) -> int:
        return self._num_leaves

    @property
    def num_nodes(self) -> int:
        return len(self._nodes)

    def unflatten(self, leaves: Iterable[Any]) -> Any:
        return tree_unflatten(self, leaves)

    def children(self) -> list[PyTreeDef]:
        """Treedefs of the root's immediate subtrees, for code that walks one level at a time."""
        nodes = self._nodes
        out = []
        start = 1
        for _ in range(nodes[0][1]):
            # A pre-order subtree ends once every announced child has been consumed.
            end, pending = start, 1
            while pending:
                pending += nodes[end][1] - 1
                end += 1
            sub = nodes[start:end]
            out.append(PyTreeDef(sub, sum(1 for node in sub if node[0] is None)))
            start = end
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PyTreeDef):
            return NotImplemented
        return self is other or self._nodes == other._nodes

    def __hash__(self) -> int:
        # Custom aux data may be unhashable, so it is left out; equal treedefs still hash equal.
        if self._hash is None:
            self._hash = hash(
                tuple((t, n, aux if t in _HASHABLE_AUX else None) for t, n, aux in self._nodes)
            )
        return self._hash

    def __repr__(self) -> str:
        return f"PyTreeDef({_fold(self, ['*'] * self._num_leaves, _format_node)})"


def _format_node(node: _Node, children: list[str]) -> str:
    t, _, aux = node
    if t is tuple:
        return f"({children[0]},)" if len(children) == 1 else f"({', '.join(children)})"
    if t is list:
        return f"[{', '.join(children)}]"
    if t is dict:
        return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(aux, children)) + "}"
    if t is _NoneType:
        return "None"
    label = f"namedtuple[{t.__name__}]" if t not in _registry else f"{t.__name__}[{aux}]"
    return f"CustomNode({label}, [{', '.join(children)}])"


def _build_node(node: _Node, children: list[Any]) -> Any:
    t, _, aux = node
    if t is tuple:
        return tuple(children)
    if t is list:
        return children
    if t is dict:
        return dict(zip(aux, children))
    if t is _NoneType:
        return None
    kind = _registry.get(t)
    if kind is None:  # namedtuples are detected structurally, never registered
        return t(*children)
    return kind.unflatten(aux, tuple(children))


def _fold(treedef: PyTreeDef, leaves: list[Any], combine: Callable[[_Node, list], Any]) -> Any:
    """Rebuild bottom-up without recursion by walking the pre-order records backwards."""
    stack: list[Any] = []
    push = stack.append
    i = len(leaves)
    for node in reversed(treedef._nodes):
        n = node[1]
        if node[0] is None:
            i -= 1
            push(leaves[i])
        elif n:
            children = stack[-n:]
            del stack[-n:]
            children.reverse()
            push(combine(node, children))
        else:
            push(combine(node, []))
    return stack[0]


def tree_flatten(
    tree: Any, is_leaf: Callable[[Any], bool] | None = None
) -> tuple[list[Any], PyTreeDef]:
    """Split a pytree into its leaves (left to right, dict keys sorted) and its structure."""
    leaves: list[Any] = []
    nodes: list[_Node] = []
    add_leaf = leaves.append
    add_node = nodes.append
    stack = [tree]
    pop = stack.pop
    extend = stack.extend
    leaf_types = _leaf_types
    while stack:
        x = pop()
        t = type(x)
        if t in leaf_types or (is_leaf is not None and is_leaf(x)):
            add_leaf(x)
            add_node(_LEAF)
        elif t is tuple or t is list:
            add_node((t, len(x), None))
            extend(reversed(x))
        elif t is dict:
            keys = _sorted_keys(x)
            add_node((dict, len(keys), tuple(keys)))
            keys.reverse()
            extend(map(x.__getitem__, keys))
        elif x is None:
            add_node(_NONE_NODE)
        else:
            kind = _registry.get(t)
            if kind is not None:
                children, aux = kind.flatten(x)
                children = tuple(children)
                add_node((t, len(children), aux))
                extend(reversed(children))
            elif issubclass(t, tuple) and hasattr(t, "_fields"):
                add_node((t, len(x), None))
                extend(reversed(x))
            else:
                add_leaf(x)
                add_node(_LEAF)
                if len(leaf_types) < _MAX_LEAF_TYPES:
                    leaf_types.add(t)
    return leaves, PyTreeDef(tuple(nodes), len(leaves))


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> Any:
    """Rebuild a pytree of ``treedef``'s shape around new leaves."""
    if not isinstance(treedef, PyTreeDef):  # catches the easy slip of swapped arguments
        raise TypeError(f"tree_unflatten expects a PyTreeDef first, got {type(treedef).__name__}")
    if not isinstance(leaves, (list, tuple)):
        leaves = list(leaves)
    if len(leaves) != treedef._num_leaves:
        raise ValueError(
            f"tree_unflatten: {treedef} expected {treedef._num_leaves} leaves, got {len(leaves)}"
        )
    return _fold(treedef, leaves, _build_node)


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list[Any]:
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> PyTreeDef:
    return tree_flatten(tree, is_leaf)[1]


def tree_map(
    f: Callable[..., Any],
    tree: Any,
    *rest: Any,
    is_leaf: Callable[[Any], bool] | None = None,
) -> Any:
    """Apply ``f`` leaf-wise across trees that share one structure.

    Unlike JAX, the extra trees must match the first exactly rather than merely having it as a
    prefix: a strict check catches mismatched arguments early, at the cost of broadcasting.
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    if not rest:
        return _fold(treedef, list(map(f, leaves)), _build_node)
    columns = [leaves]
    for i, other in enumerate(rest, 1):
        other_leaves, other_def = tree_flatten(other, is_leaf)
        if other_def != treedef:
            raise ValueError(
                f"tree_map: tree {i} has structure {other_def}, "
                f"which differs from the first tree's structure {treedef}"
            )
        columns.append(other_leaves)
    return _fold(treedef, list(map(f, *columns)), _build_node)


_NO_INITIALIZER = object()


def tree_reduce(
    f: Callable[[Any, Any], Any],
    tree: Any,
    initializer: Any = _NO_INITIALIZER,
    is_leaf: Callable[[Any], bool] | None = None,
) -> Any:
    leaves = tree_flatten(tree, is_leaf)[0]
    if initializer is _NO_INITIALIZER:
        return functools.reduce(f, leaves)
    return functools.reduce(f, leaves, initializer)


def tree_all(tree: Any, *, is_leaf: Callable[[Any], bool] | None = None) -> bool:
    return all(tree_flatten(tree, is_leaf)[0])


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    # Like JAX, a childless container such as None or () counts: it has no inner structure.
    return len(treedef._nodes) == 1


def all_leaves(iterable: Iterable[Any], is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Whether every item would be a leaf on its own, e.g. to validate an already-flat list."""
    return all(tree_flatten(x, is_leaf)[1]._nodes == (_LEAF,) for x in iterable)


def register_pytree_node(
    nodetype: type,
    flatten_func: Callable[[Any], tuple[Iterable[Any], Any]],
    unflatten_func: Callable[[Any, tuple[Any, ...]], Any],
) -> None:
    """Make ``nodetype`` a container: ``flatten_func(x) -> (children, aux_data)`` and
    ``unflatten_func(aux_data, children) -> x``. ``aux_data`` should support ``==``."""
    if nodetype in _registry:
        raise ValueError(f"pytree node type {nodetype!r} is already registered")
    _registry[nodetype] = _NodeKind(flatten_func, unflatten_func)
    _leaf_types.discard(nodetype)


def register_pytree_node_class(cls: type) -> type:
    """Class decorator: the class flattens itself with ``tree_flatten`` / ``tree_unflatten``."""
    register_pytree_node(cls, operator.methodcaller("tree_flatten"), cls.tree_unflatten)
    return cls


def _flatten_ordered_dict(d: collections.OrderedDict) -> tuple[list, tuple]:
    return list(d.values()), tuple(d)


def _unflatten_ordered_dict(keys: tuple, children: tuple) -> collections.OrderedDict:
    return collections.OrderedDict(zip(keys, children))


def _flatten_defaultdict(d: collections.defaultdict) -> tuple[list, tuple]:
    keys = _sorted_keys(d)
    return [d[k] for k in keys], (d.default_factory, tuple(keys))


def _unflatten_defaultdict(aux: tuple[Any, tuple], children: tuple) -> collections.defaultdict:
    factory, keys = aux
    return collections.defaultdict(factory, zip(keys, children))


def _reject(*args: Any) -> Any:
    raise AssertionError("built-in pytree nodes are handled inline")


for _t in (tuple, list, dict, _NoneType):
    register_pytree_node(_t, _reject, _reject)
register_pytree_node(collections.OrderedDict, _flatten_ordered_dict, _unflatten_ordered_dict)
register_pytree_node(collections.defaultdict, _flatten_defaultdict, _unflatten_defaultdict)
