"""Staging: record primitives into a jaxpr instead of running them.

One trace serves two purposes. With `eval_known=False` every primitive touching the trace is
recorded (make_jaxpr, jit, control-flow bodies). With `eval_known=True` a primitive whose inputs
are all known (not this trace's tracers) is evaluated right away by the parent trace and only the
rest is recorded: that is partial evaluation, which turns a JVP into a linear jaxpr of tangent
operations plus the residuals it closes over (see partial_eval.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fgrad._util import user_frame
from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.ir import NO_PARAMS, ClosedJaxpr, Eqn, Jaxpr, Literal, Var, dce_closed_jaxpr
from fgrad.core.trace import Trace, Tracer, current_trace, new_trace

__all__ = ["StagingTrace", "StagedTracer", "trace_to_jaxpr", "make_jaxpr_flat", "inliner"]

_LITERAL_TYPES = (bool, int, float, complex, np.generic)


class StagedTracer(Tracer):
    __slots__ = ("aval", "ir_var")

    def __init__(self, trace: StagingTrace, aval: ShapedArray, var: Var):
        self._trace = trace
        self.aval = aval
        self.ir_var = var


class StagingTrace(Trace):
    __slots__ = ("eval_known", "eqns", "constvars", "consts", "_const_ids")
    records = True

    def __init__(self, parent: Trace, *, eval_known: bool = False, label: str = "staging"):
        super().__init__(parent, label)
        self.eval_known = eval_known
        self.eqns: list[Eqn] = []
        self.constvars: list[Var] = []
        self.consts: list[Any] = []
        self._const_ids: dict[int, Var] = {}

    def new_arg(self, aval: ShapedArray) -> StagedTracer:
        return StagedTracer(self, aval, Var(aval))

    def lift(self, x):
        if self.eval_known:  # known values stay concrete here
            return x
        v = self.atom(x)
        return StagedTracer(self, v.aval, v)

    def atom(self, x):
        if type(x) is StagedTracer and x._trace is self:
            return x.ir_var
        if isinstance(x, Tracer):
            self.check_foreign(x)
        elif isinstance(x, _LITERAL_TYPES):
            return Literal(x, get_aval(x))
        elif type(x) is np.ndarray and x.ndim == 0:
            return Literal(x[()], get_aval(x))
        v = self._const_ids.get(id(x))
        if v is None:
            v = Var(get_aval(x))
            self._const_ids[id(x)] = v
            self.constvars.append(v)
            self.consts.append(x)
        return v

    def process_primitive(self, prim, args, params):
        if self.eval_known:
            for x in args:
                if type(x) is StagedTracer and x._trace is self:
                    break
            else:
                return self.parent.process_primitive(prim, args, params)
            if prim.partial_eval is not None:
                return prim.partial_eval(self, args, **params)
        return self.record(prim, args, params)

    def is_known(self, x) -> bool:
        """Known values are everything but this trace's own tracers."""
        return not (type(x) is StagedTracer and x._trace is self)

    def record(self, prim, args, params):
        """Append one equation; its outputs are new tracers of this trace.

        Runs once per staged operation, so it builds little: the equation's operand and result
        lists are tuples, and an equation without parameters shares one empty mapping."""
        if len(args) == 1:
            x = args[0]
            a = x.ir_var if type(x) is StagedTracer and x._trace is self else self.atom(x)
            invars = (a,)
            avals = (a.aval,)
        elif len(args) == 2:
            x, y = args
            a = x.ir_var if type(x) is StagedTracer and x._trace is self else self.atom(x)
            b = y.ir_var if type(y) is StagedTracer and y._trace is self else self.atom(y)
            invars = (a, b)
            avals = (a.aval, b.aval)
        else:
            invars = tuple(
                [x.ir_var if type(x) is StagedTracer and x._trace is self else self.atom(x)
                 for x in args]
            )
            avals = [a.aval for a in invars]
        abstract_eval = prim.abstract_eval
        if abstract_eval is None:
            raise NotImplementedError(
                f"'{prim.name}' has no abstract_eval rule; it cannot be staged"
            )
        if params:
            out = abstract_eval(*avals, **params)
        else:
            out = abstract_eval(*avals)
            params = NO_PARAMS
        if prim.multiple_results:
            outvars = tuple(Var(a) for a in out)
            self.eqns.append(Eqn(prim, invars, outvars, params, self.source or user_frame()))
            return [StagedTracer(self, v.aval, v) for v in outvars]
        v = Var(out)
        self.eqns.append(Eqn(prim, invars, (v,), params, self.source or user_frame()))
        return StagedTracer(self, out, v)

    def to_jaxpr(self, in_tracers: list[StagedTracer], outs: list[Any]) -> ClosedJaxpr:
        outvars = [self.atom(o) for o in outs]
        jaxpr = Jaxpr(self.constvars, [t.ir_var for t in in_tracers], self.eqns, outvars)
        return ClosedJaxpr(jaxpr, self.consts)


def inliner(closed: ClosedJaxpr):
    """Generated code that records the equations of `closed` again on a recording staging
    trace, with new variables: `f(trace, source, *args) -> outputs` (tracers of the trace, or
    what the jaxpr returns unchanged: an argument, a constant, a literal's value). The jaxpr is
    already typed for avals equal to the arguments' (the caller guarantees it), so no
    abstract_eval runs and the equations share its avals, params and literals: this is how
    the tape replays a cached linearization under make_jaxpr or jit. As in codegen, the source
    holds only identifiers made here; every value lives in `ns`."""
    jaxpr = closed.jaxpr
    ns: dict[str, Any] = {
        "__builtins__": {"type": type},
        "_ST": StagedTracer,
        "_Var": Var,
        "_Eqn": Eqn,
    }
    names: dict[Any, str] = {}

    def glob(prefix: str, value) -> str:
        name = f"_{prefix}{len(ns)}"
        ns[name] = value
        return name

    def ref(a) -> str:  # an atom of the new equations
        return glob("l", a) if type(a) is Literal else names[a]

    args = [f"a{i}" for i in range(len(jaxpr.invars))]
    lines = [
        f"def _inline(_trace, _source, {', '.join(args)}):",
        "    _append = _trace.eqns.append",
    ]
    for a, v in zip(args, jaxpr.invars):
        names[v] = f"x_{a}"
        lines.append(f"    x_{a} = {a}.ir_var if type({a}) is _ST and {a}._trace is _trace "
                     f"else _trace.atom({a})")
    for i, (v, c) in enumerate(zip(jaxpr.constvars, closed.consts)):
        names[v] = f"c{i}"
        lines.append(f"    c{i} = _trace.atom({glob('c', c)})")
    for k, eqn in enumerate(jaxpr.eqns):
        outs = []
        for j, v in enumerate(eqn.outvars):
            names[v] = f"v{k}_{j}"
            outs.append(names[v])
            lines.append(f"    {names[v]} = _Var({glob('a', v.aval)})")
        ins = "".join(f"{ref(a)}, " for a in eqn.invars)
        outvars = "".join(f"{o}, " for o in outs)
        lines.append(f"    _append(_Eqn({glob('p', eqn.prim)}, ({ins}), ({outvars}), "
                     f"{glob('k', eqn.params)}, _source))")
    results = []
    inputs = dict(zip(jaxpr.invars, args))
    consts = dict(zip(jaxpr.constvars, closed.consts))
    for a in jaxpr.outvars:
        if type(a) is Literal:
            results.append(glob("l", a.val))
        elif a in inputs:
            results.append(inputs[a])
        elif a in consts:
            results.append(glob("c", consts[a]))
        else:
            results.append(f"_ST(_trace, {glob('a', a.aval)}, {names[a]})")
    lines.append(f"    return [{', '.join(results)}]")
    exec(compile("\n".join(lines) + "\n", "<fgrad.staging inline>", "exec"), ns)
    return ns["_inline"]


def trace_to_jaxpr(f, in_avals: list[ShapedArray], *, dce: bool = True) -> ClosedJaxpr:
    """Stage `f` (flat list in, flat list out) at the given avals into a closed jaxpr."""
    trace = StagingTrace(current_trace(), label="staging (make_jaxpr/jit)")
    trace.origin = user_frame()
    with new_trace(trace):
        args = [trace.new_arg(a) for a in in_avals]
        trace.inputs = tuple(args)
        outs = f(*args)
    closed = trace.to_jaxpr(args, list(outs))
    if dce:
        closed = dce_closed_jaxpr(closed)
    return closed


def prune_consts(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Drop constvars that dead-code elimination left unused."""
    jaxpr = closed.jaxpr
    constvars = set(jaxpr.constvars)  # only these are looked for: a small set, not all vars
    used = set()
    for e in jaxpr.eqns:
        for a in e.invars:
            if a in constvars:
                used.add(a)
    used.update(a for a in jaxpr.outvars if a in constvars)
    keep = [(v, c) for v, c in zip(jaxpr.constvars, closed.consts) if v in used]
    new = Jaxpr([v for v, _ in keep], jaxpr.invars, jaxpr.eqns, jaxpr.outvars)
    return ClosedJaxpr(new, [c for _, c in keep])


make_jaxpr_flat = trace_to_jaxpr
