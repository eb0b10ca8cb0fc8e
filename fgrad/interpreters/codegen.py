"""Code generation: a jaxpr becomes the source text of one straight-line Python function,
compiled with `compile()`, whose body is one statement per equation calling the primitive's impl.

Why generate source instead of interpreting: an interpreter pays a dict lookup, a list build
and a `bind` per equation on every call; generated code pays one CPython call per equation and
keeps intermediates in fast locals, so a jitted function runs at the speed of the same numpy
calls written by hand.

Safety: the text contains only identifiers made here (`a`, `b`, ... for variables and `_f3`,
`_k3`, `_l3`, `_c3`, `_s3` for impls, params, literals, constants, shapes and indices), the
keyword `out` and the ndarray attributes `T`, `reshape` and `transpose`. Everything else,
including every value and every name that could come from a user, lives in the namespace dict
given to `exec`, never in the source, so nothing a user passes can inject code.

Rewrites, each exact (the same floating-point operations in the same order as the impls):
- a `broadcast_in_dim` whose result only feeds ufunc equations is dropped or replaced by a
  reshape view, and numpy's native broadcasting does the rest (no strided temporary);
- a ufunc whose operand is a dead temporary that nothing else can see (produced by a ufunc or
  a matmul, only ever read by ufuncs) writes its result into it with `out=`;
- a 2-D `dot_general` with one contracting axis is `np.matmul` on (transposed) views;
- reshape, squeeze, expand_dims, transpose and slice are ndarray methods or indexing.
Every intermediate is released at its last use: an operand that dies in an equation hands its
variable name to the result (rebinding frees it, with no extra statement), the rest are `del`ed.
"""

from __future__ import annotations

import itertools
import keyword
import linecache
import re
import weakref
from typing import Any, Callable

import numpy as np

from fgrad._util import format_frame
from fgrad.core.ir import Eqn, Jaxpr, Literal, Var
from fgrad.prims.dot import dot_general_p
from fgrad.prims.shape import (
    broadcast_in_dim_p,
    expand_dims_p,
    reshape_p,
    slice_p,
    squeeze_p,
    transpose_p,
)

__all__ = ["CompiledJaxpr", "compile_jaxpr"]

_FN_NAME = "_fgrad_jitted"


def _letters(i: int) -> str:
    """Variable names a, b, ..., z, aa, ab, ... (keywords get a trailing underscore)."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(97 + r) + s
    return s + "_" if keyword.iskeyword(s) or keyword.issoftkeyword(s) else s


def _is_ufunc_eqn(eqn: Eqn) -> bool:
    impl = eqn.prim.impl
    return (
        type(impl) is np.ufunc
        and not eqn.params
        and not eqn.prim.multiple_results
        and impl.nout == 1
        and impl.nin == len(eqn.invars)
    )


def _matmul_form(eqn: Eqn) -> tuple[bool, bool] | None:
    """(transpose lhs, transpose rhs) when this dot_general is a plain 2-D matrix product."""
    if eqn.prim is not dot_general_p or len(eqn.invars) != 2:
        return None
    lhs, rhs = eqn.invars
    if type(lhs) is not Var or type(rhs) is not Var or lhs.aval.ndim != 2 or rhs.aval.ndim != 2:
        return None
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    if lb or rb or len(lc) != 1:
        return None
    return lc[0] == 0, rc[0] == 1


def _view_form(eqn: Eqn):
    """Shape primitives as ndarray methods or indexing with prebuilt arguments: the same
    views as their impls, without a Python wrapper and a numpy function dispatch per call
    (np.reshape costs ~10x x.reshape). Only for operands of rank >= 1, which are ndarrays at
    run time (a 0-d value may be a Python or numpy scalar)."""
    prim = eqn.prim
    x = eqn.invars[0] if eqn.invars else None
    if type(x) is not Var or not x.aval.shape:
        return None
    if prim is reshape_p or prim is squeeze_p or prim is expand_dims_p:
        return ("reshape", eqn.outvars[0].aval.shape)
    if prim is transpose_p:
        perm = eqn.params["permutation"]
        return ("T", None) if perm == (1, 0) else ("transpose", perm)
    if prim is slice_p:
        p = eqn.params
        strides = p["strides"] or (1,) * x.aval.ndim
        index = tuple(
            slice(a, b, st) for a, b, st in zip(p["start_indices"], p["limit_indices"], strides)
        )
        return ("index", index)
    return None


def _broadcast_runtime_shape(eqn: Eqn) -> tuple[int, ...]:
    """The shape numpy needs to broadcast this operand itself: size-1 axes inserted where
    broadcast_in_dim adds axes, leading ones dropped."""
    shape, dims = eqn.params["shape"], eqn.params["broadcast_dimensions"]
    in_shape = eqn.invars[0].aval.shape
    expanded = [1] * len(shape)
    for i, d in enumerate(dims):
        expanded[d] = in_shape[i]
    k = 0
    while k < len(expanded) and expanded[k] == 1:
        k += 1
    return tuple(expanded[k:])


class _Plan:
    """Static analysis of one jaxpr: uses, last uses, which broadcasts fuse, which temporaries
    may be overwritten."""

    def __init__(self, jaxpr: Jaxpr):
        eqns = jaxpr.eqns
        n = len(eqns)
        self.last_use: dict[Var, int] = {}
        uses: dict[Var, list[int]] = {}
        for i, eqn in enumerate(eqns):
            for a in eqn.invars:
                if type(a) is Var:
                    self.last_use[a] = i
                    uses.setdefault(a, []).append(i)
        outs = {v for v in jaxpr.outvars if type(v) is Var}
        for v in outs:
            self.last_use[v] = n
        ufunc = [_is_ufunc_eqn(e) for e in eqns]
        self.ufunc = ufunc
        self.matmul = [_matmul_form(e) for e in eqns]
        self.view = [_view_form(e) for e in eqns]

        def only_ufunc_uses(v: Var) -> bool:
            return v not in outs and all(ufunc[j] for j in uses.get(v, ()))

        # Broadcasts that numpy can do implicitly: candidates first, then drop any whose
        # implicit broadcast would not reproduce a consumer's output shape (e.g. two scalar
        # broadcasts meeting in one add), until nothing changes.
        runtime: dict[Var, tuple[int, ...]] = {}
        for e in eqns:
            if e.prim is broadcast_in_dim_p and only_ufunc_uses(e.outvars[0]):
                runtime[e.outvars[0]] = _broadcast_runtime_shape(e)
        changed = True
        while changed and runtime:
            changed = False
            for i, e in enumerate(eqns):
                if not ufunc[i]:
                    continue
                shapes = [runtime.get(a, a.aval.shape) if type(a) is Var else () for a in e.invars]
                if np.broadcast_shapes(*shapes) != e.outvars[0].aval.shape:
                    for a in e.invars:
                        if type(a) is Var and runtime.pop(a, None) is not None:
                            changed = True
        self.fused = runtime

        # Temporaries whose buffer is ours alone: fresh results of ufuncs or matmuls, never
        # read by anything that could keep a view of them.
        reusable: set[Var] = set()
        for i, e in enumerate(eqns):
            if (ufunc[i] or self.matmul[i] is not None) and e.outvars[0].aval.ndim:
                v = e.outvars[0]
                if only_ufunc_uses(v):
                    reusable.add(v)
        # ufunc equation -> the dying temporary it writes its result into
        self.inplace: dict[int, Var] = {}
        for i, e in enumerate(eqns):
            out = e.outvars[0] if ufunc[i] else None
            if out is None or not out.aval.ndim:
                continue
            for a in e.invars:
                if (
                    type(a) is Var
                    and a in reusable
                    and self.last_use[a] == i
                    and a.aval.dtype == out.aval.dtype
                    and a.aval.shape == out.aval.shape
                ):
                    self.inplace[i] = a
                    break


class CompiledJaxpr:
    """A jaxpr compiled to a Python function: call it with the jaxpr's inputs (flat), get the
    list of its outputs. `source` is the generated text."""

    __slots__ = ("fn", "source", "filename", "_line_eqn", "__weakref__")

    def __init__(self, fn, source: str, filename: str, line_eqn: dict[int, Eqn]):
        self.fn = fn
        self.source = source
        self.filename = filename
        self._line_eqn = line_eqn

    def __call__(self, *args):
        try:
            return self.fn(*args)
        except Exception as e:
            self.annotate(e)
            raise

    def annotated_source(self) -> str:
        """The source with each statement's primitive as a trailing comment, for reading
        only: what is compiled and run is `source`, which names no primitive."""
        lines = self.source.splitlines()
        for lineno, eqn in self._line_eqn.items():
            lines[lineno - 1] += f"  # {_SAFE.sub('?', eqn.prim.name)}"
        return "\n".join(lines) + "\n"

    def annotate(self, exc: BaseException) -> None:
        """Point an error raised inside generated code at the equation and the user's line."""
        tb = exc.__traceback__
        eqn = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self.filename:
                eqn = self._line_eqn.get(tb.tb_lineno)
            tb = tb.tb_next
        if eqn is not None and hasattr(exc, "add_note"):
            exc.add_note(
                f"(raised by jitted equation '{eqn.prim.name}' staged at "
                f"{format_frame(eqn.source)}; see fgrad.jit(f).lower(*args).source())"
            )


_filenames = itertools.count(1)
_SAFE = re.compile(r"[^A-Za-z0-9_]")


def compile_jaxpr(
    jaxpr: Jaxpr,
    consts: list[Any],
    *,
    head: Callable[[list[str]], list[str]] | None = None,
    tail: Callable[[list[str]], list[str]] | None = None,
    namespace: dict[str, Any] | None = None,
) -> CompiledJaxpr:
    """Generate, compile and load the Python function of `jaxpr` closed over `consts`.

    A caller may wrap its own bookkeeping around the body, in the same function: `head(names
    of the inputs) -> lines` replaces the `def` line (it defines `_fgrad_jitted` and binds
    those names), `tail(expressions of the outputs) -> lines` replaces `return [...]`, and
    `namespace` holds the values they refer to, under names that start with `_tape_` (no
    generated name does). The eager tape fuses its per-operation steps into an entry's code
    this way, saving a call and a list per operation."""
    plan = _Plan(jaxpr)
    last_use = plan.last_use
    ns: dict[str, Any] = {"__builtins__": {}, **(namespace or {})}
    lines: list[str] = []
    line_eqn: dict[int, Eqn] = {}
    names: dict[Var, str] = {}
    impl_names: dict[int, str] = {}
    free: list[str] = []  # names of dead variables, reused so that no `del` is needed
    borrowed: set[Var] = set()  # variables read under another variable's name
    count = 0

    def fresh() -> str:
        nonlocal count
        count += 1
        return _letters(count - 1)

    def glob(prefix: str, value) -> str:
        name = f"_{prefix}{len(ns)}"
        ns[name] = value
        return name

    def ref(a) -> str:
        if type(a) is Literal:
            return glob("l", a.val)
        return names[a]

    for v in jaxpr.constvars + jaxpr.invars:
        names[v] = fresh()
    params = set(jaxpr.constvars) | set(jaxpr.invars)
    arg_names = [names[v] for v in jaxpr.invars]
    if head is None:
        lines.append(f"def {_FN_NAME}({', '.join(arg_names)}):")
    else:
        lines.extend(head(arg_names))
    for v, c in zip(jaxpr.constvars, consts):
        lines.append(f"    {names[v]} = {glob('c', c)}")

    for i, eqn in enumerate(jaxpr.eqns):
        out = eqn.outvars[0] if eqn.outvars else None
        if out in plan.fused:
            x = eqn.invars[0]
            if type(x) is Literal:
                # a broadcast scalar constant: consumers read the global directly
                names[out] = glob("l", np.asarray(x.val, dtype=out.aval.dtype))
                continue
            if plan.fused[out] == x.aval.shape and last_use[x] >= last_use[out] > i:
                # numpy broadcasts the operand as it is: consumers read it by its own name
                names[out] = names[x]
                borrowed.add(out)
                continue
        # An operand that dies here hands its name to the result: rebinding the name frees
        # the operand exactly when a `del` would, and the source stays one line per equation.
        dying_vars = [
            a
            for a in dict.fromkeys(eqn.invars)
            if type(a) is Var
            and last_use[a] == i
            and a not in borrowed
            and not names[a].startswith("_")
        ]
        dying = [names[a] for a in dying_vars]
        target = plan.inplace.get(i)
        if target is not None:  # the result lives in the target's buffer: give it its name
            dying.remove(names[target])
            dying.append(names[target])
        else:
            dying.reverse()
        outs = []
        for v in eqn.outvars:
            name = dying.pop() if dying else free.pop() if free else fresh()
            outs.append(name)
        stmt = _emit(eqn, i, plan, outs, ref, glob, impl_names)
        for v, name in zip(eqn.outvars, outs):
            names[v] = name
        if stmt is not None:
            lines.append("    " + stmt)
            line_eqn[len(lines)] = eqn
        dead = dying + [names[v] for v in eqn.outvars if v not in last_use]
        # arguments and constants stay referenced by the caller and the namespace anyway
        kept = {names[a] for a in dying_vars if a in params}
        to_del = [n for n in dead if n not in kept]
        if to_del:
            lines.append(f"    del {', '.join(to_del)}")
        free.extend(dead)
    outs = [ref(a) for a in jaxpr.outvars]
    if tail is None:
        lines.append(f"    return [{', '.join(outs)}]")
    else:
        lines.extend(tail(outs))
    source = "\n".join(lines) + "\n"

    filename = f"<fgrad.jit generated #{next(_filenames)}>"
    exec(compile(source, filename, "exec"), ns)
    compiled = CompiledJaxpr(ns[_FN_NAME], source, filename, line_eqn)
    _register_source(compiled, source, filename)
    return compiled


def _emit(eqn: Eqn, i: int, plan: _Plan, outs: list[str], ref, glob, impl_names) -> str | None:
    """One statement for one equation."""
    out = eqn.outvars[0] if eqn.outvars else None
    if out is not None and out in plan.fused:
        x = eqn.invars[0]
        shape = plan.fused[out]
        if shape == x.aval.shape:
            return None if outs[0] == ref(x) else f"{outs[0]} = {ref(x)}"
        return f"{outs[0]} = {ref(x)}.reshape({glob('s', shape)})"  # rank >= 1: an ndarray

    mm = plan.matmul[i]
    if mm is not None:
        lhs, rhs = (ref(a) + (".T" if t else "") for a, t in zip(eqn.invars, mm))
        return f"{outs[0]} = {_impl_name(np.matmul, glob, impl_names)}({lhs}, {rhs})"

    view = plan.view[i]
    if view is not None:
        kind, arg = view
        x = ref(eqn.invars[0])
        if kind == "T":
            return f"{outs[0]} = {x}.T"
        if kind == "index":
            return f"{outs[0]} = {x}[{glob('s', arg)}]"
        return f"{outs[0]} = {x}.{kind}({glob('s', arg)})"

    impl = eqn.prim.impl
    if impl is None:
        raise NotImplementedError(f"'{eqn.prim.name}' has no impl; it cannot be compiled by jit")
    args = [ref(a) for a in eqn.invars]
    target = plan.inplace.get(i)
    if target is not None:
        args.append(f"out={ref(target)}")
    if eqn.params:
        args.append(f"**{glob('k', eqn.params)}")
    call = f"{_impl_name(impl, glob, impl_names)}({', '.join(args)})"
    if not eqn.prim.multiple_results:
        return f"{outs[0]} = {call}"
    if not outs:
        return call
    return f"{', '.join(outs)}, = {call}"


def _impl_name(impl, glob, impl_names: dict[int, str]) -> str:
    name = impl_names.get(id(impl))
    if name is None:
        name = impl_names[id(impl)] = glob("f", impl)
    return name


def _register_source(compiled: CompiledJaxpr, source: str, filename: str) -> None:
    """Let tracebacks show the generated lines; forget them when the function is freed."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    weakref.finalize(compiled, linecache.cache.pop, filename, None)
