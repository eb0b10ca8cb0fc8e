"""linearize = jvp + partial evaluation.

The JVP trace runs on top of a StagingTrace with `eval_known=True`. Primal computations only
touch known values, so the staging trace hands them to its parent and they run now (the forward
pass). Tangent computations touch the staging trace's unknown tangent inputs, so they are
recorded: the result is a linear jaxpr from input tangents to output tangents whose constants are
the residuals the forward pass left behind. vjp transposes that jaxpr (transpose.py).
"""

from __future__ import annotations

from fgrad._util import user_frame
from fgrad.core.avals import tangent_dtype
from fgrad.core.ir import ClosedJaxpr, dce_jaxpr
from fgrad.core.markers import Zero
from fgrad.core.trace import current_trace, new_trace
from fgrad.interpreters.jvp import JVPTrace, JVPTracer
from fgrad.interpreters.staging import StagingTrace, prune_consts

__all__ = ["linearize_flat", "LinearFunction"]


class LinearFunction:
    """The linear map returned by linearize: a jaxpr plus which outputs are symbolically zero.

    `in_avals[i] is None` marks an input that is not differentiable (integer); `out_zero[i]`
    marks an output tangent known to be zero, absent from the jaxpr's outputs.
    """

    __slots__ = ("jaxpr", "in_avals", "out_avals", "out_zero")

    def __init__(self, jaxpr: ClosedJaxpr, in_avals, out_avals, out_zero):
        self.jaxpr = jaxpr
        self.in_avals = in_avals
        self.out_avals = out_avals
        self.out_zero = out_zero


def linearize_flat(f, primals):
    """Run `f` forward at `primals`; return (primals_out, LinearFunction)."""
    pe = StagingTrace(current_trace(), eval_known=True, label="linearize")
    jt = JVPTrace(pe, label="jvp (for grad/vjp/linearize)")
    pe.origin = jt.origin = user_frame()
    in_avals, tan_args, tracers = [], [], []
    for p in primals:
        aval = JVPTracer(jt, p, None).aval
        if tangent_dtype(aval.dtype) is None:
            in_avals.append(None)
            tracers.append(JVPTracer(jt, p, Zero(aval.strip_weak())))
        else:
            aval = aval.strip_weak()
            t = pe.new_arg(aval)
            in_avals.append(aval)
            tan_args.append(t)
            tracers.append(JVPTracer(jt, p, t))
    jt.inputs = tuple(tracers)
    with new_trace(pe):
        with new_trace(jt):
            outs = f(*tracers)
        primals_out, tangents_out, out_zero, out_avals = [], [], [], []
        for o in outs:
            if type(o) is JVPTracer and o._trace is jt:
                p, t = o.primal, o.tangent
            else:
                p, t = o, Zero.from_value(o)
            primals_out.append(p)
            out_avals.append(Zero.from_value(p).aval)
            out_zero.append(type(t) is Zero)
            if type(t) is not Zero:
                tangents_out.append(t)
        closed = pe.to_jaxpr(tan_args, tangents_out)
    closed = prune_consts(ClosedJaxpr(dce_jaxpr(closed.jaxpr), closed.consts))
    return primals_out, LinearFunction(closed, in_avals, out_avals, out_zero)
