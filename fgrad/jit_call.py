"""`jit_p`: the higher-order primitive a jitted function binds, `jit_p(*args, jaxpr=, name=)`.

Under no transform its impl runs the jaxpr compiled to Python source (interpreters/codegen.py).
Under a transform its rules transform the jaxpr itself (interpreters/jaxpr_transforms.py), so
the result is again one `jit` call on a new jaxpr and stays compiled: jvp -> jvp_jaxpr,
vmap -> batch_jaxpr, linearize -> partial_eval_jaxpr (a known call evaluated now, an unknown
call recorded), transpose -> transpose_jaxpr.

The `jaxpr` param is a `JitJaxpr`: a ClosedJaxpr that also remembers its compiled function and
the jaxprs derived from it by each transform. A jitted function that is differentiated on every
call therefore stages its jvp, split and transpose once, not once per call. Its consts are
concrete arrays only; values of enclosing transforms (tracers) are always explicit operands, so
every cached jaxpr is independent of the trace that produced it.
"""

from __future__ import annotations

from typing import Any, Callable

from fgrad.core.avals import get_aval
from fgrad.core.ir import ClosedJaxpr, Eqn, Jaxpr, Var, dce_jaxpr
from fgrad.core.markers import UndefinedPrimal, Zero, zeros_like_aval
from fgrad.core.primitive import Primitive, bind
from fgrad.core.trace import Tracer
from fgrad.interpreters.codegen import CompiledJaxpr, compile_jaxpr
from fgrad.interpreters.jaxpr_transforms import (
    batch_jaxpr,
    jvp_jaxpr,
    partial_eval_jaxpr,
    transpose_jaxpr,
)
from fgrad.prims.shape import bdim_to_front

__all__ = ["jit_p", "JitJaxpr", "as_jit_jaxpr", "hoist_tracer_consts", "compiled_of"]


class JitJaxpr(ClosedJaxpr):
    """A ClosedJaxpr with its compiled function and its transformed versions, made lazily."""

    __slots__ = ("_compiled", "_derived")

    def __init__(self, jaxpr: Jaxpr, consts: list[Any]):
        super().__init__(jaxpr, consts)
        self._compiled: CompiledJaxpr | None = None
        self._derived: dict = {}


def as_jit_jaxpr(closed: ClosedJaxpr) -> JitJaxpr:
    if type(closed) is JitJaxpr:
        return closed
    if any(isinstance(c, Tracer) for c in closed.consts):
        raise AssertionError("jit_p jaxprs hold concrete consts only; hoist tracers first")
    return JitJaxpr(closed.jaxpr, closed.consts)


def hoist_tracer_consts(closed: ClosedJaxpr) -> tuple[ClosedJaxpr, list[Any]]:
    """Turn consts that are tracers of enclosing transforms into leading inputs, so those
    transforms see them as operands of the jit call. Returns (jaxpr, tracer values)."""
    jaxpr = closed.jaxpr
    keep_v, keep_c, moved_v, moved_c = [], [], [], []
    for v, c in zip(jaxpr.constvars, closed.consts):
        if isinstance(c, Tracer):
            moved_v.append(v)
            moved_c.append(c)
        else:
            keep_v.append(v)
            keep_c.append(c)
    if not moved_v:
        return closed, []
    new = Jaxpr(keep_v, moved_v + jaxpr.invars, jaxpr.eqns, jaxpr.outvars)
    return ClosedJaxpr(new, keep_c), moved_c


def compiled_of(jaxpr: ClosedJaxpr) -> CompiledJaxpr:
    """The compiled function of a jit_p jaxpr, generated on first use; nested jit calls are
    inlined first so their intermediates are freed and fused like the outer ones."""
    if type(jaxpr) is JitJaxpr and jaxpr._compiled is not None:
        return jaxpr._compiled
    flat = inline_jit_calls(jaxpr)
    compiled = compile_jaxpr(dce_jaxpr(flat.jaxpr), flat.consts)
    if type(jaxpr) is JitJaxpr:
        jaxpr._compiled = compiled
    return compiled


def _derive(jaxpr: ClosedJaxpr, key, make: Callable[[], Any]):
    """A transformed version of `jaxpr`, made once per key and kept with the jaxpr."""
    cache = jaxpr._derived if type(jaxpr) is JitJaxpr else None
    if cache is not None:
        hit = cache.get(key)
        if hit is not None:
            return hit
    value = make()
    if cache is not None:
        cache[key] = value
    return value


jit_p = Primitive("jit", multiple_results=True)


@jit_p.def_impl
def _jit_impl(*args, jaxpr, name):
    return compiled_of(jaxpr)(*args)


@jit_p.def_abstract_eval
def _jit_abstract_eval(*avals, jaxpr, name):
    expected = jaxpr.in_avals
    if len(avals) != len(expected) or any(
        (a.shape, a.dtype) != (e.shape, e.dtype) for a, e in zip(avals, expected)
    ):
        raise TypeError(
            f"jit call of {name} got operands {[a.str_short() for a in avals]} but its jaxpr "
            f"takes {[a.str_short() for a in expected]}"
        )
    return jaxpr.out_avals


@jit_p.def_jvp
def _jit_jvp(primals, tangents, *, jaxpr, name):
    nonzeros = tuple(type(t) is not Zero for t in tangents)

    def make():
        j, out_nz = jvp_jaxpr(jaxpr, nonzeros, instantiate=False)
        return as_jit_jaxpr(j), out_nz

    jvp_j, out_nz = _derive(jaxpr, ("jvp", nonzeros), make)
    live = [t for t in tangents if type(t) is not Zero]
    outs = bind(jit_p, *primals, *live, jaxpr=jvp_j, name=name)
    out_avals = jaxpr.out_avals
    n = len(out_avals)
    it = iter(outs[n:])
    t_out = [next(it) if nz else Zero(a.strip_weak()) for a, nz in zip(out_avals, out_nz)]
    return outs[:n], t_out


@jit_p.def_batch
def _jit_batch(args, bdims, *, jaxpr, name):
    size = next(get_aval(a).shape[d] for a, d in zip(args, bdims) if d is not None)
    batched = tuple(d is not None for d in bdims)

    def make():
        j, out_b = batch_jaxpr(jaxpr, size, batched, instantiate=False)
        return as_jit_jaxpr(j), out_b

    bj, out_b = _derive(jaxpr, ("batch", size, batched), make)
    moved = [a if d is None else bdim_to_front(a, d) for a, d in zip(args, bdims)]
    outs = bind(jit_p, *moved, jaxpr=bj, name=name)
    return outs, [0 if b else None for b in out_b]


@jit_p.def_partial_eval
def _jit_partial_eval(trace, args, *, jaxpr, name):
    """Split a call whose inputs are partly unknown: the known part runs now (on the parent
    trace), the unknown part is recorded as a second jit call taking the residuals."""
    unknowns = tuple(not trace.is_known(x) for x in args)
    if all(unknowns):
        return trace.record(jit_p, args, dict(jaxpr=jaxpr, name=name))

    def make():
        known, unknown, out_unk, n_res = partial_eval_jaxpr(jaxpr, unknowns)
        return as_jit_jaxpr(known), as_jit_jaxpr(unknown), out_unk, n_res

    known, unknown, out_unk, n_res = _derive(jaxpr, ("partial_eval", unknowns), make)
    known_args = [x for x, u in zip(args, unknowns) if not u]
    known_outs = trace.parent.process_primitive(jit_p, known_args, dict(jaxpr=known, name=name))
    n_known = len(known_outs) - n_res
    residuals = known_outs[n_known:]
    unknown_args = [x for x, u in zip(args, unknowns) if u]
    unknown_outs = trace.record(
        jit_p, list(residuals) + unknown_args, dict(jaxpr=unknown, name=name)
    )
    ki, ui = iter(known_outs[:n_known]), iter(unknown_outs)
    return [next(ui) if u else next(ki) for u in out_unk]


@jit_p.def_transpose
def _jit_transpose(cts, *args, jaxpr, name):
    linear = tuple(type(a) is UndefinedPrimal for a in args)
    if all(type(c) is Zero for c in cts):
        return [None] * len(args)
    tj = _derive(jaxpr, ("transpose", linear), lambda: as_jit_jaxpr(transpose_jaxpr(jaxpr, linear)))
    nonlin = [a for a, lin in zip(args, linear) if not lin]
    cts = [zeros_like_aval(c.aval) if type(c) is Zero else c for c in cts]
    outs = iter(bind(jit_p, *nonlin, *cts, jaxpr=tj, name=name))
    return [next(outs) if lin else None for lin in linear]


def inline_jit_calls(closed: ClosedJaxpr) -> ClosedJaxpr:
    """The same computation with every nested jit call replaced by its equations."""
    jaxpr = closed.jaxpr
    if not any(e.prim is jit_p for e in jaxpr.eqns):
        return closed
    constvars, consts = list(jaxpr.constvars), list(closed.consts)
    subst: dict[Var, Any] = {}

    def read(a):
        return subst.get(a, a) if type(a) is Var else a

    eqns: list[Eqn] = []
    for eqn in jaxpr.eqns:
        ins = [read(a) for a in eqn.invars]
        if eqn.prim is not jit_p:
            eqns.append(Eqn(eqn.prim, ins, eqn.outvars, eqn.params, eqn.source))
            continue
        inner = inline_jit_calls(eqn.params["jaxpr"])
        ij = inner.jaxpr
        env: dict[Var, Any] = {}
        for v, c in zip(ij.constvars, inner.consts):
            nv = Var(v.aval)
            constvars.append(nv)
            consts.append(c)
            env[v] = nv
        env.update(zip(ij.invars, ins))

        def inner_read(a, env=env):
            return env[a] if type(a) is Var else a

        for e in ij.eqns:
            outs = [Var(v.aval) for v in e.outvars]
            env.update(zip(e.outvars, outs))
            eqns.append(Eqn(e.prim, [inner_read(a) for a in e.invars], outs, e.params, e.source))
        for v, a in zip(eqn.outvars, ij.outvars):
            subst[v] = inner_read(a)
    outvars = [read(a) for a in jaxpr.outvars]
    return ClosedJaxpr(Jaxpr(constvars, jaxpr.invars, eqns, outvars), consts)
