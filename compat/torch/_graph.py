"""Graph nodes: what a tensor's `grad_fn` is, and where each node's gradient comes from.

A `Node` stores a pure function `fn` of its input arrays (written with fgrad.lax / fgrad.numpy),
its static arguments, the edges to the nodes of its inputs, and the input values its backward
needs. It stores no derivative: its backward is `fgrad.vjp(fn, *inputs)` applied to the output
cotangent. That vjp is staged once per (fn, static arguments, input shapes and dtypes, which
inputs need a gradient) into a jaxpr and cached; evaluating the jaxpr costs one `bind` per
equation. The staged jaxpr also tells which input values the backward reads, so a node keeps
exactly those, as torch keeps its "saved tensors" (`(x + 1).sum()` keeps nothing and can be
backpropagated twice; `(x * 2).sum()` keeps the 2 and cannot).

Saved values are protected from in-place writes by copy-on-write: every tensor storage has a
`Storage` record with its version counter and weak references to the saved slots that hold
its buffer; an in-place write first gives those slots a private copy. The version counter then
only serves torch's error for tensors torch itself would have saved.
"""

from __future__ import annotations

import sys
import weakref
from collections import OrderedDict

import numpy as np

import fgrad
from fgrad.extend import EVAL_TRACE, compile_jaxpr, current_trace, eval_jaxpr

__all__ = [
    "Node",
    "AccumulateGrad",
    "Saved",
    "Storage",
    "user_frame",
    "format_frame",
    "tensor_type_name",
    "vjp_entry",
]

_COMPAT_DIR = __file__.rsplit("/", 2)[0]
_FGRAD_DIR = fgrad.__file__.rsplit("/", 1)[0]


def user_frame(depth: int = 2):
    """(file, line, function) of the innermost caller outside compat and fgrad.

    Nodes and in-place writes record it so errors can name the user's lines, which torch only
    does in anomaly mode.
    """
    f = sys._getframe(depth)
    while f is not None:
        name = f.f_code.co_filename
        if not (name.startswith(_COMPAT_DIR) or name.startswith(_FGRAD_DIR)) or "/tests/" in name:
            return (name, f.f_lineno, f.f_code.co_name)
        f = f.f_back
    return None


def format_frame(src) -> str:
    if src is None:
        return "<unknown location>"
    return f"{src[0]}:{src[1]} (in {src[2]})"


def torch_error(message: str, note: str) -> RuntimeError:
    """torch's exact message (str(e) is what torch prints), with compat's account of where it
    happened and how to fix it as an exception note, which tracebacks show below it."""
    e = RuntimeError(message)
    e.add_note("[compat] " + note)
    return e


_TYPE_NAMES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "int16": "ShortTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
    "complex64": "ComplexFloatTensor",
    "complex128": "ComplexDoubleTensor",
}


def tensor_type_name(np_dtype) -> str:
    return "torch." + _TYPE_NAMES.get(np.dtype(np_dtype).name, "Tensor")


class Storage:
    """The shared state of a buffer and every alias of it (views, `detach()`): the version
    counter, the line of the last in-place write, and the saved slots to copy before a write."""

    __slots__ = ("version", "slots", "write_src")

    def __init__(self):
        self.version = 0
        self.slots = None
        self.write_src = None

    def protect(self, slot: Saved) -> None:
        if self.slots is None:
            self.slots = []
        elif len(self.slots) > 64:
            self.slots = [r for r in self.slots if r() is not None and r().data is not None]
        self.slots.append(weakref.ref(slot))

    def before_write(self, src) -> None:
        """Give every live saved slot of this storage its own copy, then count the write."""
        if self.slots:
            for ref in self.slots:
                s = ref()
                if s is not None and s.data is not None and type(s.data) is np.ndarray:
                    s.data = s.data.copy()
            self.slots = None
        self.version += 1
        self.write_src = src


class Saved:
    """One input value kept for backward, plus the edge it had when saved (for create_graph,
    where the value is used again as a tensor of the graph)."""

    __slots__ = ("data", "edge", "__weakref__")

    def __init__(self, data, edge):
        self.data = data
        self.edge = edge


class _VjpEntry:
    """A staged backward: `jaxpr(*inputs, *cotangents) -> grads of the inputs in diff`."""

    __slots__ = ("jaxpr", "consts", "needed", "needs_any", "compiled")

    def __init__(self, closed, needed):
        self.jaxpr = None if closed is None else closed.jaxpr
        self.consts = None if closed is None else closed.consts
        self.needed = needed
        self.needs_any = any(needed)
        self.compiled = None  # generated numpy code, built on the first plain-array backward


_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 4096


def vjp_entry(fn, static, in_avals, diff, out_avals, multi) -> _VjpEntry:
    """The staged backward of `fn` for these avals; memoised (no semantic state: a pure
    function of its key, bounded in size)."""
    key = (fn, static, in_avals, diff, multi)
    e = _CACHE.get(key)
    if e is not None:
        return e
    e = _stage(fn, dict(static), in_avals, diff, out_avals, multi)
    _CACHE[key] = e
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return e


def _partial(fn, static, xs, diff):
    def f(*d):
        full = list(xs)
        for i, v in zip(diff, d):
            full[i] = v
        return fn(*full, **static)

    return f


def _stage(fn, static, in_avals, diff, out_avals, multi) -> _VjpEntry:
    n = len(in_avals)

    def bwd(*args):
        xs, cts = args[:n], args[n:]
        _, pull = fgrad.vjp(_partial(fn, static, xs, diff), *[xs[i] for i in diff])
        return list(pull(tuple(cts) if multi else cts[0]))

    dummies = [np.zeros(s, d) for s, d in in_avals] + [np.zeros(s, d) for s, d in out_avals]
    try:
        closed = fgrad.make_jaxpr(bwd)(*dummies)
    except Exception:
        # A function that needs concrete values cannot be staged; its backward then runs the
        # vjp afresh each time and keeps every input.
        return _VjpEntry(None, (True,) * n)
    used = set()
    for eqn in closed.jaxpr.eqns:
        used.update(id(v) for v in eqn.invars)
    used.update(id(v) for v in closed.jaxpr.outvars)
    needed = tuple(id(v) in used for v in closed.jaxpr.invars[:n])
    return _VjpEntry(closed, needed)


def run_vjp(entry: _VjpEntry, fn, static, diff, multi, inputs, cts) -> list:
    """Input grads (for the positions in diff) from output cotangents. Values are arrays, or
    Tensors under create_graph (the caller has made the tape trace current)."""
    if entry.jaxpr is not None:
        if current_trace() is EVAL_TRACE and all(type(v) is np.ndarray for v in cts):
            # plain arrays, no transform: the staged backward runs as generated numpy code
            if entry.compiled is None:
                entry.compiled = compile_jaxpr(entry.jaxpr, entry.consts).fn
            return entry.compiled(*inputs, *cts)
        return eval_jaxpr(entry.jaxpr, entry.consts, *inputs, *cts)
    _, pull = fgrad.vjp(_partial(fn, dict(static), inputs, diff), *[inputs[i] for i in diff])
    return list(pull(tuple(cts) if multi else cts[0]))


class _HookSlots:
    """Hook registration shared by graph nodes and the edges into leaves."""

    __slots__ = ()

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) after this node ran; may return new grad_inputs."""
        if self.post_hooks is None:
            self.post_hooks = []
        self.post_hooks.append(fn)
        return _RemovableHandle(self.post_hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) before this node runs; may return new grad_outputs."""
        if self.pre_hooks is None:
            self.pre_hooks = []
        self.pre_hooks.append(fn)
        return _RemovableHandle(self.pre_hooks, fn)


class Node(_HookSlots):
    """A backward function of the graph (torch's `grad_fn`)."""

    __slots__ = (
        "_name",
        "fn",
        "static",
        "edges",
        "shown",
        "diff",
        "slots",
        "entry",
        "out_avals",
        "multi",
        "checks",
        "source",
        "freed",
        "tensor_pre_hooks",
        "retain_hooks",
        "pre_hooks",
        "post_hooks",
        "metadata",
        "__weakref__",
    )

    def __init__(self, name, fn, static, edges, diff, slots, entry, out_avals, multi, source):
        self._name = name
        self.fn = fn
        self.static = static
        self.edges = edges
        self.shown = ()
        self.diff = diff
        self.slots = slots
        self.entry = entry
        self.out_avals = out_avals
        self.multi = multi
        self.checks = None
        self.source = source
        self.freed = None
        self.tensor_pre_hooks = None
        self.retain_hooks = None
        self.pre_hooks = None
        self.post_hooks = None
        self.metadata = {}

    def name(self) -> str:
        return "torch::autograd::CopySlices" if self._name == "CopySlices" else self._name

    def __repr__(self) -> str:
        return f"<{self._name} object at {id(self):#x}>"

    @property
    def next_functions(self):
        edges = self.edges
        return tuple(
            (None, 0) if edges[i] is None else edges[i] for i in self.shown
        )

    def free(self, src) -> None:
        for s in self.slots:
            if s is not None:
                s.data = None
        self.freed = src or ("<backward>", 0, "?")


class AccumulateGrad(_HookSlots):
    """The edge into a leaf: its backward adds the incoming grad to `leaf.grad`."""

    __slots__ = ("variable", "pre_hooks", "post_hooks", "metadata", "__weakref__")
    _name = "AccumulateGrad"
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable
        self.pre_hooks = None
        self.post_hooks = None
        self.metadata = {}

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


class _RemovableHandle:
    """What register_hook returns: `.remove()` takes the hook out again."""

    __slots__ = ("_list", "_fn")

    def __init__(self, lst, fn):
        self._list = lst
        self._fn = fn

    def remove(self) -> None:
        try:
            self._list.remove(self._fn)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


RemovableHandle = _RemovableHandle
