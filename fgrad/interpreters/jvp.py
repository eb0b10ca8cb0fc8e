"""Forward mode: the JVP trace carries (primal, tangent) pairs through every primitive.

A tangent that is known to be zero stays `Zero(aval)`; a primitive whose inputs all have zero
tangents is not differentiated at all but handed to the parent trace.
"""

from __future__ import annotations

from fgrad._util import user_frame
from fgrad.core.avals import get_aval
from fgrad.core.markers import Zero, zeros_like_aval
from fgrad.core.trace import (
    Trace,
    Tracer,
    _reset,
    _set,
    current_trace,
    find_concrete,
    new_trace,
    recording_traces,
)

__all__ = ["JVPTrace", "JVPTracer", "jvp_flat", "instantiate_zeros"]


class JVPTracer(Tracer):
    __slots__ = ("primal", "tangent")

    def __init__(self, trace: JVPTrace, primal, tangent):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    @property
    def aval(self):
        p = self.primal
        return p.aval if isinstance(p, Tracer) else get_aval(p)

    def concrete(self):
        return self.primal

    def constant_value(self):
        return find_concrete(self.primal) if type(self.tangent) is Zero else None


class JVPTrace(Trace):
    __slots__ = ("recorders",)

    def __init__(self, parent: Trace, label: str = "jvp"):
        super().__init__(parent, label)
        # the staging traces below this one, which record what the rules bind (linearize,
        # make_jaxpr of a jvp): they are told the user's line once per rule, not per equation
        self.recorders = recording_traces(parent)

    def lift(self, x):
        return JVPTracer(self, x, Zero.from_value(x))

    def process_primitive(self, prim, args, params):
        primals = []
        tangents = []
        nonzero = False
        for x in args:
            if type(x) is JVPTracer and x._trace is self:
                primals.append(x.primal)
                t = x.tangent
                tangents.append(t)
                if type(t) is not Zero:
                    nonzero = True
            else:
                if isinstance(x, Tracer) and not x._trace.alive:
                    self.check_foreign(x)
                primals.append(x)
                tangents.append(None)
        if not nonzero:
            return self.parent.process_primitive(prim, primals, params)
        tangents = [Zero.from_value(p) if t is None else t for p, t in zip(primals, tangents)]
        if prim.jvp is None:
            raise NotImplementedError(
                f"Differentiation rule for '{prim.name}' is not implemented; it has no jvp."
            )
        hinted = ()
        if self.recorders:
            hinted = [t for t in self.recorders if t.source is None]
            if hinted:
                source = user_frame()
                for t in hinted:
                    t.source = source
        token = _set(self.parent)
        try:
            out, t_out = prim.jvp(primals, tangents, **params)
        finally:
            _reset(token)
            for t in hinted:
                t.source = None
        if prim.multiple_results:
            return [
                o if type(t) is Zero else JVPTracer(self, o, t) for o, t in zip(out, t_out)
            ]
        return out if type(t_out) is Zero else JVPTracer(self, out, t_out)


def instantiate_zeros(t):
    return zeros_like_aval(t.aval) if type(t) is Zero else t


def jvp_flat(f, primals, tangents, *, instantiate: bool = True):
    """Push `tangents` through `f` at `primals`; f maps a flat list to a flat list."""
    trace = JVPTrace(current_trace())
    trace.origin = user_frame()
    with new_trace(trace):
        ins = [JVPTracer(trace, p, t) for p, t in zip(primals, tangents)]
        trace.inputs = tuple(ins)
        outs = f(*ins)
    primals_out, tangents_out = [], []
    for o in outs:
        if type(o) is JVPTracer and o._trace is trace:
            primals_out.append(o.primal)
            tangents_out.append(instantiate_zeros(o.tangent) if instantiate else o.tangent)
        else:
            primals_out.append(o)
            z = Zero.from_value(o)
            tangents_out.append(instantiate_zeros(z) if instantiate else z)
    return primals_out, tangents_out
