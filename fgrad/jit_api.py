"""L5: `fgrad.jit`. Stage a function once per abstract signature, cache the jaxpr, and run it as
generated straight-line numpy code (see jit_call.py and interpreters/codegen.py).

(The module is not called `jit.py` because `fgrad.jit` is the function: a submodule of the same
name would be shadowed by it and `import fgrad.jit` would be ambiguous.)

The cache key of a call is (the pytree structure of the dynamic arguments, each leaf's shape,
dtype and weak type, the static arguments' values). Calls with positional array arguments only
take a fast path that builds the key from `(shape, dtype)` tuples without any pytree work,
because the key is computed on every call and is the whole overhead of a cache hit.

Cache misses are explainable, because a silent re-trace on every call is the classic way a
jitted program ends up slower than the plain one:
    jitted.cache_info()              hits, misses, size and the reason of every re-trace
    jitted.explain_cache_miss(*args) whether these arguments hit, and if not what differs
    logging.getLogger("fgrad.jit")   logs each re-trace's reason at DEBUG level
"""

from __future__ import annotations

import functools
import inspect
import logging
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from fgrad.core.avals import get_aval
from fgrad.core.primitive import bind
from fgrad.core.trace import EVAL_TRACE, Trace, _current
from fgrad.interpreters.codegen import CompiledJaxpr
from fgrad.interpreters.staging import trace_to_jaxpr
from fgrad.jit_call import as_jit_jaxpr, compiled_of, hoist_tracer_consts, jit_p
from fgrad.tree_util import PyTreeDef, tree_flatten, tree_structure, tree_unflatten

__all__ = ["jit", "JittedFunction", "Lowered", "JitCacheInfo", "DisableJitTrace"]

logger = logging.getLogger("fgrad.jit")

_F64, _I64, _C128, _BOOL = (np.dtype(t) for t in (np.float64, np.int64, np.complex128, np.bool_))
# Python scalars are weakly typed: their key says so, and differs from a numpy scalar's.
_SCALAR_KEYS = {
    float: ((), _F64, True),
    int: ((), _I64, True),
    complex: ((), _C128, True),
    bool: ((), _BOOL),
}
_ndarray = np.ndarray


class DisableJitTrace(Trace):
    """Made current by `fgrad.disable_jit()`: jitted functions called while it is on the trace
    chain run their Python function. A trace rather than a flag, so it is scoped like every
    other transform (per thread, per `with` block)."""

    __slots__ = ()

    def __init__(self, parent: Trace):
        super().__init__(parent, "disable_jit")

    def process_primitive(self, prim, args, params):
        return self.parent.process_primitive(prim, args, params)


def _jit_disabled() -> bool:
    t = _current.get()
    while t is not None:
        if type(t) is DisableJitTrace:
            return True
        t = t.parent
    return False


class JitCacheInfo(NamedTuple):
    hits: int
    misses: int
    currsize: int
    retraces: list[str]


class _Entry:
    """One cached signature: its jaxpr, how to rebuild outputs, and the compiled function."""

    __slots__ = ("jaxpr", "name", "unflatten", "out_tree", "fn", "compiled", "extra")

    def __init__(self, jaxpr, name: str, out_tree: PyTreeDef, extra: list):
        self.jaxpr = jaxpr
        self.name = name
        self.out_tree = out_tree
        single = out_tree.num_leaves == 1 and out_tree.num_nodes == 1
        self.unflatten = _first if single else functools.partial(tree_unflatten, out_tree)
        self.fn = None
        self.compiled: CompiledJaxpr | None = None
        self.extra = extra  # tracers of enclosing transforms, passed before the arguments

    def run(self, leaves):
        fn = self.fn
        if fn is None:
            self.compiled = compiled_of(self.jaxpr)
            fn = self.fn = self.compiled.fn
        try:
            outs = fn(*leaves)
        except Exception as e:
            self.compiled.annotate(e)
            raise
        return self.unflatten(outs)

    def bind(self, leaves):
        outs = bind(jit_p, *self.extra, *leaves, jaxpr=self.jaxpr, name=self.name)
        return self.unflatten(outs)


def _first(outs):
    return outs[0]


class _Signature:
    """What a call looked like, kept per miss so that the next miss can say what changed."""

    __slots__ = ("arg_trees", "leaves", "statics")

    def __init__(self, arg_trees: dict, leaves: list, statics: dict):
        self.arg_trees = arg_trees  # label -> treedef of each dynamic argument
        self.leaves = leaves  # [(label, key)]
        self.statics = statics  # label -> value


class JittedFunction:
    """`fun` compiled per abstract signature. Call it like `fun`; see the module docstring for
    the cache and `lower(*args)` for the staged jaxpr and the generated source."""

    def __init__(self, fun: Callable, static_argnums: tuple[int, ...], static_argnames):
        functools.update_wrapper(self, fun)
        self._fun = fun
        self._name = str(getattr(fun, "__name__", "fun"))
        self._static_nums, self._static_names, self._arg_names = _static_spec(
            fun, static_argnums, static_argnames
        )
        self._simple = not self._static_nums and not self._static_names
        self._cache: dict = {}
        self._hits = 0
        self._misses = 0
        self._retraces: list[str] = []
        self._seen: list[_Signature] = []

    def __repr__(self) -> str:
        return f"<fgrad.jit of {self._name}>"

    def __get__(self, obj, objtype=None):
        """As a method, `self` is the first argument (make it static, or a pytree of arrays)."""
        return self if obj is None else functools.partial(self, obj)

    def __call__(self, *args, **kwargs):
        if _current.get() is not EVAL_TRACE and _jit_disabled():
            return self._fun(*args, **kwargs)
        if self._simple and not kwargs:
            key = []
            for x in args:
                if type(x) is _ndarray:
                    key.append((x.shape, x.dtype))
                else:
                    k = _SCALAR_KEYS.get(type(x))
                    if k is None:
                        break
                    key.append(k)
            else:
                entry = self._cache.get(tuple(key))
                if entry is not None:
                    self._hits += 1
                    if _current.get() is EVAL_TRACE:
                        return entry.run(args)
                    return entry.bind(args)
        entry, leaves = self._lookup(args, kwargs)
        if _current.get() is EVAL_TRACE and not entry.extra:
            return entry.run(leaves)
        return entry.bind(leaves)

    # ----- the general path: pytrees, statics, tracers, misses --------------------------

    def _split(self, args, kwargs):
        """(key, leaves, in_tree, static positional, static keyword, dynamic positional,
        dynamic keyword) of a call: one flatten, one tuple of (shape, dtype) keys."""
        nums = self._static_nums
        if nums:
            static_pos = [(i, a) for i, a in enumerate(args) if i in nums]
            dyn_args = [(i, a) for i, a in enumerate(args) if i not in nums]
        else:
            static_pos, dyn_args = [], list(enumerate(args))
        static_kw, dyn_kw = [], {}
        if kwargs:
            names = self._static_names
            for k in sorted(kwargs):
                if k in names:
                    static_kw.append((k, kwargs[k]))
                else:
                    dyn_kw[k] = kwargs[k]
        dyn = tuple(a for _, a in dyn_args)
        leaves, in_tree = tree_flatten((dyn, dyn_kw))
        try:
            keys = tuple(
                [(x.shape, x.dtype) if type(x) is _ndarray else _leaf_key(x) for x in leaves]
            )
        except TypeError:
            raise self._bad_leaf_error(dyn_args, dyn_kw, leaves) from None
        n = len(dyn)
        if static_pos or static_kw or dyn_kw or in_tree.num_nodes != n + 3 or len(leaves) != n:
            # the type too: 1, 1.0 and True are equal and hash alike but may trace differently
            statics = tuple((i, type(v), v) for i, v in static_pos + static_kw)
            key: Any = (in_tree, keys, statics)
        else:
            key = keys  # the same key as the fast path in __call__
        return key, leaves, in_tree, static_pos, static_kw, dyn_args, dyn_kw

    def _get(self, key, static_pos, static_kw):
        """The cache entry for `key`; hashing it is where an unhashable static shows up."""
        try:
            return self._cache.get(key)
        except TypeError:
            pass
        for label, v in [(self._label(i), a) for i, a in static_pos] + [
            (f"'{k}'", v) for k, v in static_kw
        ]:
            try:
                hash(v)
            except TypeError:
                raise TypeError(
                    f"jit of {self._name}: static argument {label} has unhashable type "
                    f"{type(v).__name__}. Static arguments are part of the cache key, so they "
                    "must be hashable (and compare by value): pass a tuple instead of a list, a "
                    "frozen object, or make it a dynamic (array) argument."
                ) from None
        raise TypeError(f"jit of {self._name}: the arguments cannot form a cache key")

    def _lookup(self, args, kwargs):
        key, leaves, in_tree, static_pos, static_kw, dyn_args, dyn_kw = self._split(args, kwargs)
        entry = self._get(key, static_pos, static_kw)
        if entry is not None:
            self._hits += 1
            return entry, leaves
        sig = self._signature(dyn_args, dyn_kw, leaves, key, static_pos, static_kw)
        reason = self._explain(sig)
        entry = self._stage(leaves, in_tree, static_pos, static_kw)
        self._misses += 1
        if entry.extra:
            reason += (
                "; not cached: the function closes over values of an enclosing transform "
                "(they are passed to the jit call as extra operands)"
            )
        else:
            self._cache[key] = entry
            self._seen.append(sig)
        self._retraces.append(reason)
        logger.debug("fgrad.jit(%s) traced (%s)", self._name, reason)
        return entry, leaves

    def _stage(self, leaves, in_tree, static_pos, static_kw) -> _Entry:
        fun = self._fun
        box = []

        def flat_fun(*xs):
            dyn, dyn_kw = tree_unflatten(in_tree, list(xs))
            full = list(dyn)
            for i, v in static_pos:
                full.insert(i, v)
            out = fun(*full, **dyn_kw, **dict(static_kw))
            out_leaves, out_tree = tree_flatten(out)
            box.append(out_tree)
            return out_leaves

        closed = trace_to_jaxpr(flat_fun, [get_aval(x) for x in leaves])
        closed, extra = hoist_tracer_consts(closed)
        return _Entry(as_jit_jaxpr(closed), self._name, box[0], extra)

    # ----- explanations -----------------------------------------------------------------

    def _label(self, i: int) -> str:
        names = self._arg_names
        return f"'{names[i]}'" if i < len(names) else f"args[{i}]"

    def _signature(self, dyn_args, dyn_kw, leaves, key, static_pos, static_kw) -> _Signature:
        arg_trees, labels = {}, []
        for i, a in dyn_args:
            label = self._label(i)
            arg_trees[label] = tree_structure(a)
            labels += _leaf_paths(a, label)
        for k in sorted(dyn_kw):
            label = f"'{k}'"
            arg_trees[label] = tree_structure(dyn_kw[k])
            labels += _leaf_paths(dyn_kw[k], label)
        keys = [_leaf_key(x) for x in leaves]
        statics = {self._label(i): v for i, v in static_pos}
        statics.update((f"'{k}'", v) for k, v in static_kw)
        return _Signature(arg_trees, list(zip(labels, keys)), statics)

    def _explain(self, sig: _Signature) -> str:
        if not self._seen:
            return "first call"
        diffs = min((_diff(old, sig) for old in self._seen), key=len)
        return "; ".join(diffs[:8]) + (" ..." if len(diffs) > 8 else "")

    def explain_cache_miss(self, *args, **kwargs) -> str:
        """Would calling with these arguments reuse a cached trace? If not, say what differs
        from the closest signature seen so far (argument, shape, dtype or static value)."""
        key, leaves, _, static_pos, static_kw, dyn_args, dyn_kw = self._split(args, kwargs)
        if self._get(key, static_pos, static_kw) is not None:
            return f"cache hit: fgrad.jit({self._name}) reuses an existing trace"
        sig = self._signature(dyn_args, dyn_kw, leaves, key, static_pos, static_kw)
        why = self._explain(sig)
        if why == "first call":
            return f"cache miss: fgrad.jit({self._name}) has not traced anything yet"
        return f"cache miss: fgrad.jit({self._name}) would trace again because {why}"

    def cache_info(self) -> JitCacheInfo:
        return JitCacheInfo(self._hits, self._misses, len(self._cache), list(self._retraces))

    def clear_cache(self) -> None:
        self._cache.clear()
        self._seen.clear()

    def _bad_leaf_error(self, dyn_args, dyn_kw, leaves) -> TypeError:
        labels = []
        for i, a in dyn_args:
            labels += _leaf_paths(a, self._label(i))
        for k in sorted(dyn_kw):
            labels += _leaf_paths(dyn_kw[k], f"'{k}'")
        for label, x in zip(labels, leaves):
            try:
                _leaf_key(x)
            except TypeError:
                return TypeError(
                    f"jit of {self._name}: argument {label} is a {type(x).__name__}, which is "
                    "not an array. Pass arrays or Python numbers (or pytrees of them), or mark "
                    "the argument static with static_argnums / static_argnames."
                )
        return TypeError(f"jit of {self._name}: an argument is not an array")

    # ----- inspection -------------------------------------------------------------------

    def lower(self, *args, **kwargs) -> Lowered:
        """Stage (or fetch from the cache) for these arguments without running anything."""
        entry, _ = self._lookup(args, kwargs)
        return Lowered(entry)


class Lowered:
    """The staged form of one signature: `as_text()` is the jaxpr, `source()` the generated
    Python, `compile()` the compiled function (flat arguments in, list of outputs out)."""

    def __init__(self, entry: _Entry):
        self._entry = entry
        self.jaxpr = entry.jaxpr
        self.out_tree = entry.out_tree

    def as_text(self, *, source_info: bool = False) -> str:
        return self.jaxpr.pretty_print(source_info=source_info)

    def compile(self) -> CompiledJaxpr:
        return compiled_of(self.jaxpr)

    def source(self, *, annotated: bool = False) -> str:
        """The generated Python. With annotated=True each line also names its primitive in a
        comment (a reading aid; the compiled text never contains names)."""
        compiled = self.compile()
        return compiled.annotated_source() if annotated else compiled.source

    def __str__(self) -> str:
        return self.as_text()


def jit(
    fun: Callable | None = None,
    *,
    static_argnums: int | Sequence[int] = (),
    static_argnames: str | Sequence[str] = (),
    donate_argnums: Any = None,
    donate_argnames: Any = None,
):
    """Compile `fun` per abstract signature, like jax.jit. Static arguments are passed to
    `fun` as Python values and are part of the cache key (so they must be hashable); every
    other argument is traced by shape and dtype. Donation is accepted and ignored: numpy
    buffers are freed by reference counting. Usable as `@jit` or `jit(static_argnums=...)`.

    The result has `lower(*args).as_text()` (the jaxpr), `lower(*args).source()` (the generated
    Python), `cache_info()` and `explain_cache_miss(*args)` (why a call re-traces)."""
    del donate_argnums, donate_argnames
    if fun is None:
        return functools.partial(
            jit, static_argnums=static_argnums, static_argnames=static_argnames
        )
    if not callable(fun):
        raise TypeError(f"jit expects a callable, got {type(fun).__name__}")
    nums = (static_argnums,) if isinstance(static_argnums, (int, np.integer)) else static_argnums
    names = (static_argnames,) if isinstance(static_argnames, str) else static_argnames
    return JittedFunction(fun, tuple(int(i) for i in nums), tuple(names))


# ----- helpers ------------------------------------------------------------------------------


def _leaf_key(x):
    t = type(x)
    if t is _ndarray:
        return (x.shape, x.dtype)
    k = _SCALAR_KEYS.get(t)
    if k is not None:
        return k
    aval = get_aval(x)
    return (aval.shape, aval.dtype, True) if aval.weak_type else (aval.shape, aval.dtype)


def _static_spec(fun, static_argnums, static_argnames):
    """Static positions and names, each completed from the other through the signature (an
    argument declared static by position is static when passed by keyword, and vice versa)."""
    nums, names = set(static_argnums), set(static_argnames)
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        params = []
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in params if p.kind in kinds]
    has_varargs = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params)
    normalized = set()
    for i in nums:
        if i < 0:
            if has_varargs or not positional:
                raise ValueError(f"jit: negative static_argnums {i} needs a function without *args")
            i += len(positional)
        normalized.add(i)
        if i < len(positional) and positional[i].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            names.add(positional[i].name)
    for i, p in enumerate(positional):
        if p.name in names:
            normalized.add(i)
    return frozenset(normalized), frozenset(names), [p.name for p in positional]


def _leaf_paths(x, prefix: str) -> list[str]:
    """Readable paths of the leaves of `x`, in tree_flatten's order."""
    t = type(x)
    if t is tuple or t is list:
        return [p for i, c in enumerate(x) for p in _leaf_paths(c, f"{prefix}[{i}]")]
    if t is dict:
        return [p for k in sorted(x) for p in _leaf_paths(x[k], f"{prefix}[{k!r}]")]
    if x is None:
        return []
    leaves = tree_flatten(x)[0]
    if len(leaves) == 1 and leaves[0] is x:
        return [prefix]
    return [f"{prefix}<leaf {j}>" for j in range(len(leaves))]


def _describe_key(k) -> str:
    shape, dtype = k[0], k[1]
    weak = " (weak: a Python scalar)" if len(k) == 3 else ""
    return f"{dtype.name}{list(shape)}{weak}"


def _diff(old: _Signature, new: _Signature) -> list[str]:
    out = []
    if list(old.arg_trees) != list(new.arg_trees):
        out.append(
            f"the dynamic arguments are {', '.join(new.arg_trees) or 'none'} (before: "
            f"{', '.join(old.arg_trees) or 'none'})"
        )
    else:
        for label, tree in new.arg_trees.items():
            if old.arg_trees[label] != tree:
                out.append(
                    f"argument {label} changed structure from {old.arg_trees[label]} to {tree}"
                )
    if not out:
        for (label, k_old), (_, k_new) in zip(old.leaves, new.leaves):
            if k_old != k_new:
                what = []
                if k_old[0] != k_new[0]:
                    what.append(f"shape {k_old[0]} -> {k_new[0]}")
                if k_old[1] != k_new[1]:
                    what.append(f"dtype {k_old[1].name} -> {k_new[1].name}")
                if len(k_old) != len(k_new):
                    what.append(
                        "weak type (Python scalar) -> strong (array)"
                        if len(k_old) == 3
                        else "strong (array) -> weak type (Python scalar)"
                    )
                out.append(f"argument {label}: {', '.join(what)}")
    for label in sorted(set(old.statics) | set(new.statics)):
        if label not in old.statics or label not in new.statics:
            change = "added" if label in new.statics else "removed"
            out.append(f"static argument {label} was {change}")
            continue
        a, b = old.statics[label], new.statics[label]
        try:
            same = type(a) is type(b) and bool(a == b) and hash(a) == hash(b)
        except Exception:
            same = False
        if not same:
            out.append(f"static argument {label} changed: {_short(a)} -> {_short(b)}")
    return out or ["an equal signature was evicted by clear_cache()"]


def _short(v) -> str:
    try:
        text = repr(v)
    except Exception:
        text = f"<{type(v).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."
