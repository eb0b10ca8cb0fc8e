"""Transforms of closed jaxprs into closed jaxprs, for higher-order primitives (jit, cond,
while_loop, scan, custom derivatives, checkpoint) whose parameters are jaxprs.

Each one is the ordinary interpreter run over `eval_jaxpr` under a staging trace: no
interpreter logic is written twice.
"""

from __future__ import annotations

from typing import Sequence

from fgrad.core.avals import ShapedArray
from fgrad.core.ir import ClosedJaxpr, Jaxpr, dce_jaxpr, eval_jaxpr
from fgrad.core.markers import UndefinedPrimal, Zero, zeros_like_aval
from fgrad.core.trace import current_trace, new_trace
from fgrad.interpreters.batching import batch_flat, move_bdim
from fgrad.interpreters.jvp import jvp_flat
from fgrad.interpreters.staging import StagedTracer, StagingTrace, prune_consts, trace_to_jaxpr
from fgrad.interpreters.transpose import backward_pass

__all__ = ["jvp_jaxpr", "batch_jaxpr", "partial_eval_jaxpr", "transpose_jaxpr", "as_list"]


def as_list(flag: bool | Sequence[bool], n: int) -> list[bool]:
    return [flag] * n if isinstance(flag, bool) else list(flag)


def jvp_jaxpr(
    closed: ClosedJaxpr, nonzeros: Sequence[bool], instantiate: bool | Sequence[bool]
) -> tuple[ClosedJaxpr, list[bool]]:
    """A jaxpr (primals..., tangents of the nonzero inputs...) -> (primals_out...,
    tangents of the nonzero outputs...), and which outputs have nonzero tangents."""
    in_avals = closed.in_avals
    n = len(in_avals)
    inst = as_list(instantiate, len(closed.out_avals))
    tan_avals = [a.strip_weak() for a, nz in zip(in_avals, nonzeros) if nz]
    box: list[list[bool]] = []

    def f(*args):
        it = iter(args[n:])
        tangents = [next(it) if nz else Zero(a.strip_weak()) for a, nz in zip(in_avals, nonzeros)]
        p_out, t_out = jvp_flat(lambda *xs: closed(*xs), list(args[:n]), tangents,
                                instantiate=False)
        out_nz = [type(t) is not Zero or i for t, i in zip(t_out, inst)]
        box.append(out_nz)
        t_live = [zeros_like_aval(t.aval) if type(t) is Zero else t
                  for t, nz in zip(t_out, out_nz) if nz]
        return list(p_out) + t_live

    jaxpr = trace_to_jaxpr(f, list(in_avals) + tan_avals)
    return jaxpr, box[0]


def batch_jaxpr(
    closed: ClosedJaxpr, axis_size: int, batched: Sequence[bool], instantiate: bool | Sequence[bool]
) -> tuple[ClosedJaxpr, list[bool]]:
    """A jaxpr whose batched inputs (and batched outputs) carry the batch axis first."""
    in_avals = [
        ShapedArray((axis_size,) + a.shape, a.dtype, a.weak_type) if b else a
        for a, b in zip(closed.in_avals, batched)
    ]
    inst = as_list(instantiate, len(closed.out_avals))
    box: list[list[bool]] = []

    def f(*args):
        vals, dims = batch_flat(lambda *xs: closed(*xs), list(args),
                                [0 if b else None for b in batched], axis_size)
        out_b = [d is not None or i for d, i in zip(dims, inst)]
        box.append(out_b)
        return [move_bdim(v, d, 0, axis_size) if b else v for v, d, b in zip(vals, dims, out_b)]

    jaxpr = trace_to_jaxpr(f, in_avals)
    return jaxpr, box[0]


def partial_eval_jaxpr(
    closed: ClosedJaxpr, unknowns: Sequence[bool], instantiate: bool | Sequence[bool] = False
) -> tuple[ClosedJaxpr, ClosedJaxpr, list[bool], int]:
    """Split a jaxpr by which inputs are unknown.

    Returns (known, unknown, out_unknowns, num_res): `known` maps the known inputs to the known
    outputs followed by `num_res` residuals; `unknown` maps (residuals..., unknown inputs...)
    to the unknown outputs. Known equations are staged into `known` by an outer staging trace;
    the inner, partially evaluating one records only what touches unknown inputs, and every
    known value it captures becomes a residual.
    """
    in_avals = closed.in_avals
    inst = as_list(instantiate, len(closed.out_avals))
    known_trace = StagingTrace(current_trace(), label="partial_eval (known part)")
    with new_trace(known_trace):
        known_args = [known_trace.new_arg(a) for a, u in zip(in_avals, unknowns) if not u]
        unknown_trace = StagingTrace(known_trace, eval_known=True, label="partial_eval")
        with new_trace(unknown_trace):
            unk_args = [unknown_trace.new_arg(a) for a, u in zip(in_avals, unknowns) if u]
            ki, ui = iter(known_args), iter(unk_args)
            args = [next(ui) if u else next(ki) for u in unknowns]
            outs = eval_jaxpr(closed.jaxpr, closed.consts, *args)
            out_unknowns = [not unknown_trace.is_known(o) or i for o, i in zip(outs, inst)]
            unk_closed = unknown_trace.to_jaxpr(
                unk_args, [o for o, u in zip(outs, out_unknowns) if u]
            )
        uj = unk_closed.jaxpr
        res_vars, res_vals, other_vars, other_vals = [], [], [], []
        for v, c in zip(uj.constvars, unk_closed.consts):
            if type(c) is StagedTracer and c._trace is known_trace:
                res_vars.append(v)
                res_vals.append(c)
            else:
                other_vars.append(v)
                other_vals.append(c)
        known_outs = [o for o, u in zip(outs, out_unknowns) if not u] + res_vals
        known_closed = known_trace.to_jaxpr(known_args, known_outs)
    known_closed = prune_consts(ClosedJaxpr(dce_jaxpr(known_closed.jaxpr), known_closed.consts))
    unknown = Jaxpr(other_vars, res_vars + uj.invars, uj.eqns, uj.outvars)
    unknown_closed = prune_consts(ClosedJaxpr(dce_jaxpr(unknown), other_vals))
    return known_closed, unknown_closed, out_unknowns, len(res_vals)


def transpose_jaxpr(closed: ClosedJaxpr, linear: Sequence[bool]) -> ClosedJaxpr:
    """A jaxpr (non-linear inputs..., output cotangents...) -> cotangents of the linear inputs
    (zeros where none flowed)."""
    in_avals = closed.in_avals
    nonlin_avals = [a for a, lin in zip(in_avals, linear) if not lin]
    ct_avals = [a.strip_weak() for a in closed.out_avals]
    k = len(nonlin_avals)

    def f(*args):
        it = iter(args[:k])
        prim_args = [UndefinedPrimal(a) if lin else next(it) for a, lin in zip(in_avals, linear)]
        cts = backward_pass(closed.jaxpr, closed.consts, list(args[k:]), prim_args)
        return [
            zeros_like_aval(c.aval) if type(c) is Zero else c
            for c, lin in zip(cts, linear)
            if lin
        ]

    return trace_to_jaxpr(f, nonlin_avals + ct_avals)
