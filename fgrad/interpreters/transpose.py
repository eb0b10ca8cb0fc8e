"""Transposition: run a linear jaxpr backwards, from output cotangents to input cotangents.

Only linear primitives have a transpose rule. In a jaxpr made by linearize every variable is
either a constant (a residual, known) or linear in the inputs (undefined here), so each
equation's rule receives `UndefinedPrimal(aval)` for its linear inputs and values for the rest.
Equations are visited in reverse order in a loop (no recursion over the graph), and each
cotangent is dropped as soon as it has been consumed.
"""

from __future__ import annotations

from fgrad._util import FGradError, format_frame
from fgrad.core.ir import Jaxpr, Literal, Var
from fgrad.core.markers import UndefinedPrimal, Zero
from fgrad.core.trace import current_trace, recording_traces
from fgrad.prims.arith import add_any

__all__ = ["backward_pass", "NonLinearError"]


class NonLinearError(FGradError, TypeError):
    pass


def backward_pass(
    jaxpr: Jaxpr,
    consts: list,
    cts_out: list,
    args: list | None = None,
    *,
    consume: bool = False,
) -> list:
    """Cotangents of `jaxpr.invars` (Zero where none flowed) given cotangents of its outputs.

    By default every input is linear. `args` may instead give a value for each non-linear
    input and `UndefinedPrimal` for each linear one (control-flow and jit bodies mix both);
    equations that depend on known values only are then evaluated forward first.

    `consume=True` is for a jaxpr used once (grad's pullback): each equation is dropped from
    it once transposed, so the linear jaxpr shrinks while its transpose is being recorded and
    the peak memory of staging grad holds one of them, not both.
    """
    known = dict(zip(jaxpr.constvars, consts))
    ct_env: dict[Var, object] = {}
    eqns = jaxpr.eqns
    if args is not None:
        for v, a in zip(jaxpr.invars, args):
            if type(a) is not UndefinedPrimal:
                known[v] = a
        eqns = _eval_known_eqns(jaxpr, known)

    def accumulate(v: Var, ct) -> None:
        prev = ct_env.get(v)
        ct_env[v] = ct if prev is None else add_any(prev, ct)

    for v, ct in zip(jaxpr.outvars, cts_out):
        if type(v) is Var and type(ct) is not Zero and ct is not None and v not in known:
            accumulate(v, ct)

    # What a transpose rule records is attributed to the line of the equation it transposes
    # (as in JAX), which also spares each recorded equation a walk of the Python stack.
    hinted = [t for t in recording_traces(current_trace()) if t.source is None]
    try:
        todo = eqns if consume else list(eqns)
        while todo:
            eqn = todo.pop()
            if eqn.prim.multiple_results:
                cts = [ct_env.pop(v, None) for v in eqn.outvars]
                if all(c is None for c in cts):
                    continue
                ct = [Zero(v.aval) if c is None else c for v, c in zip(eqn.outvars, cts)]
            else:
                ct = ct_env.pop(eqn.outvars[0], None)
                if ct is None:
                    continue
            args = []
            for a in eqn.invars:
                if type(a) is Literal:
                    args.append(a.val)
                elif a in known:
                    args.append(known[a])
                else:
                    args.append(UndefinedPrimal(a.aval))
            rule = eqn.prim.transpose
            if rule is None:
                raise NonLinearError(
                    f"'{eqn.prim.name}' (at {format_frame(eqn.source)}) has no transpose rule: "
                    "the function being transposed is not linear in its input there. Only "
                    "linear functions can be transposed (linear_transpose), and vjp only "
                    "transposes the tangent part of a linearized function."
                )
            for t in hinted:
                t.source = eqn.source
            cts_in = rule(ct, *args, **eqn.params)
            for a, c in zip(eqn.invars, cts_in):
                if c is None or type(c) is Zero or type(a) is Literal or a in known:
                    continue
                accumulate(a, c)
    finally:
        for t in hinted:
            t.source = None

    out = []
    for v in jaxpr.invars:
        ct = ct_env.pop(v, None)
        out.append(Zero(v.aval) if ct is None else ct)
    return out


def _eval_known_eqns(jaxpr: Jaxpr, known: dict) -> list:
    """Run the equations whose inputs are all known; return the rest (the linear ones)."""
    from fgrad.core.primitive import bind

    linear = []
    for eqn in jaxpr.eqns:
        if all(type(a) is Literal or a in known for a in eqn.invars):
            ins = [a.val if type(a) is Literal else known[a] for a in eqn.invars]
            out = bind(eqn.prim, *ins, **eqn.params)
            outs = out if eqn.prim.multiple_results else [out]
            for v, x in zip(eqn.outvars, outs):
                known[v] = x
        else:
            linear.append(eqn)
    return linear
