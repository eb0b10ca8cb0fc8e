"""while_loop and fori_loop.

A while loop's trip count is a runtime value, so there is no fixed number of iterations to
store residuals for: it supports forward mode (its JVP is another while loop) and batching,
and reverse mode stops with an error. fori_loop with static bounds is a scan, which does have
reverse mode; with traced bounds it is a while loop.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from fgrad._util import FGradError, split_list
from fgrad.control_flow.common import (
    ControlFlowTypeError,
    avals_of,
    carry_fixed_point,
    check_tree_and_types,
    concrete_runner,
    fun_name,
    fun_where,
    promote_weak,
    rearrange,
    stage,
    types_str,
)
from fgrad.control_flow.scan import scan
from fgrad.core.avals import get_aval
from fgrad.core.ir import ClosedJaxpr
from fgrad.core.markers import Zero, zeros_like_aval
from fgrad.core.primitive import Primitive, bind
from fgrad.core.trace import Tracer, find_concrete
from fgrad.interpreters.jaxpr_transforms import batch_jaxpr, jvp_jaxpr, partial_eval_jaxpr
from fgrad.interpreters.staging import trace_to_jaxpr
from fgrad.prims.arith import add, add_p, convert_element_type, lt, select
from fgrad.prims.reduce import reduce_max
from fgrad.prims.shape import bdim_to_front, broadcast_batch, broadcast_in_dim
from fgrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["while_p", "while_loop", "fori_loop", "ReverseModeWhileError"]


class ReverseModeWhileError(FGradError, TypeError):
    pass


# while cond(cond_consts, carry): carry = body(body_consts, carry)
# d while = while over (carry, dcarry) with the body's JVP; the predicate reads primals only
while_p = Primitive("while", multiple_results=True)


@while_p.def_impl
def _while_impl(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cc, bc, carry = split_list(list(args), [cond_nconsts, body_nconsts])
    cond, body = concrete_runner(cond_jaxpr, cc), concrete_runner(body_jaxpr, bc)
    while cond(carry)[0]:
        carry = body(carry)
    return list(carry)


@while_p.def_abstract_eval
def _while_abstract(*avals, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    return list(avals[cond_nconsts + body_nconsts:])


def _with_ignored_inputs(closed: ClosedJaxpr, at: int, extra_avals) -> ClosedJaxpr:
    """`closed` with unused inputs of `extra_avals` inserted before input `at`."""
    avals = list(closed.in_avals)
    n = len(extra_avals)

    def f(*xs):
        return closed(*xs[:at], *xs[at + n:])

    return trace_to_jaxpr(f, avals[:at] + list(extra_avals) + avals[at:])


@while_p.def_jvp
def _while_jvp(primals, tangents, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cn, bn = cond_nconsts, body_nconsts
    nz = [type(t) is not Zero for t in tangents]
    _, b_nz, k_nz = split_list(nz, [cn, bn])
    box: dict[str, Any] = {}

    def step(k):
        j, out_nz = jvp_jaxpr(body_jaxpr, b_nz + k, k)
        box.update(j=j, k=k)
        return out_nz

    k_nz = carry_fixed_point(step, k_nz)
    if box["k"] != k_nz:
        step(k_nz)
    nk, nzb, nzk = len(k_nz), sum(b_nz), sum(k_nz)
    # body JVP: (bconsts, carry, dbconsts, dcarry) -> (carry, dcarry); reorder the inputs to
    # (bconsts, dbconsts, carry, dcarry) so the tangents of the consts are consts too.
    body = rearrange(box["j"], list(range(bn)) + list(range(bn + nk, bn + nk + nzb))
                     + list(range(bn, bn + nk)) + list(range(bn + nk + nzb, bn + nk + nzb + nzk)))
    tk_avals = [a.strip_weak() for a, f in zip(body_jaxpr.out_avals, k_nz) if f]
    cond = _with_ignored_inputs(cond_jaxpr, cn + nk, tk_avals)
    cc, bc, k = split_list(list(primals), [cn, bn])
    _, tb, tk = split_list(list(tangents), [cn, bn])
    live = lambda ts, flags: [zeros_like_aval(t.aval) if type(t) is Zero else t  # noqa: E731
                              for t, f in zip(ts, flags) if f]
    outs = bind(while_p, *cc, *bc, *live(tb, b_nz), *k, *live(tk, k_nz), cond_jaxpr=cond,
                body_jaxpr=body, cond_nconsts=cn, body_nconsts=bn + nzb)
    k_out, dk = outs[:nk], iter(outs[nk:])
    return k_out, [next(dk) if f else Zero.from_value(p) for p, f in zip(k_out, k_nz)]


@while_p.def_batch
def _while_batch(args, dims, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    """An unbatched predicate keeps one loop. A batched one runs until every member is done,
    each member's carry frozen by a select once its own predicate turns false."""
    cn, bn = cond_nconsts, body_nconsts
    size = next(get_aval(a).shape[d] for a, d in zip(args, dims) if d is not None)
    b = [d is not None for d in dims]
    c_b, bb, k_b = split_list(b, [cn, bn])
    box: dict[str, Any] = {}

    def step(k):
        _, (pred_b,) = batch_jaxpr(cond_jaxpr, size, c_b + k, False)
        if pred_b:
            k = [True] * len(k)
        j, out_b = batch_jaxpr(body_jaxpr, size, bb + k, k)
        box.update(j=j, k=k, pred_b=pred_b)
        return [True] * len(k) if pred_b else out_b

    k_b = carry_fixed_point(step, k_b)
    if box["k"] != k_b:
        step(k_b)
    body_b, pred_b = box["j"], box["pred_b"]
    cond_b = batch_jaxpr(cond_jaxpr, size, c_b + k_b, False)[0]
    moved = [a if d is None else bdim_to_front(a, d) for a, d in zip(args, dims)]
    cc, bc, k = split_list(moved, [cn, bn])
    k = [broadcast_batch(a, size) if f and d is None else a
         for a, d, f in zip(k, dims[cn + bn:], k_b)]
    out_dims = [0 if f else None for f in k_b]
    if not pred_b:
        outs = bind(while_p, *cc, *bc, *k, cond_jaxpr=cond_b, body_jaxpr=body_b,
                    cond_nconsts=cn, body_nconsts=bn)
        return outs, out_dims
    c_avals, k_avals = cond_b.in_avals[:cn], cond_b.in_avals[cn:]

    def any_cond(*xs):
        return [reduce_max(cond_b(*xs)[0], (0,))]

    def masked_body(*xs):
        ccx, bcx, kx = split_list(list(xs), [cn, bn])
        pred = cond_b(*ccx, *kx)[0]
        new = body_b(*bcx, *kx)
        return [select(broadcast_in_dim(pred, get_aval(n).shape, (0,)), n, o)
                for n, o in zip(new, kx)]

    any_j = trace_to_jaxpr(any_cond, c_avals + k_avals)
    body_j = trace_to_jaxpr(masked_body, c_avals + body_b.in_avals[:bn] + k_avals)
    outs = bind(while_p, *cc, *cc, *bc, *k, cond_jaxpr=any_j, body_jaxpr=body_j,
                cond_nconsts=cn, body_nconsts=cn + bn)
    return outs, out_dims


@while_p.def_partial_eval
def _while_partial_eval(trace, args, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    """The known carries are computed now by a loop over the known part of the body. The
    unknown ones are recorded as the whole loop, which recomputes the known carries it reads
    (there is no fixed trip count to store per-iteration residuals for)."""
    cn, bn = cond_nconsts, body_nconsts
    params = dict(cond_jaxpr=cond_jaxpr, body_jaxpr=body_jaxpr, cond_nconsts=cn,
                  body_nconsts=bn)
    uk = [not trace.is_known(a) for a in args]
    c_uk, b_uk, k_uk = split_list(uk, [cn, bn])
    box: dict[str, Any] = {}

    def step(k):
        split = partial_eval_jaxpr(body_jaxpr, b_uk + k, k)
        box.update(split=split, k=k)
        return split[2]

    k_uk = carry_fixed_point(step, k_uk)
    if box["k"] != k_uk:
        step(k_uk)
    cond_split = partial_eval_jaxpr(cond_jaxpr, c_uk + k_uk)
    if cond_split[2][0] or all(k_uk):
        return trace.record(while_p, args, params)
    known_body, _, _, _ = box["split"]
    n_known = k_uk.count(False)
    known_body = rearrange(known_body, list(range(len(known_body.in_avals))),
                           list(range(n_known)))
    known_cond = cond_split[0]
    cc, bc, k = split_list(list(args), [cn, bn])
    kcc = [a for a, u in zip(cc, c_uk) if not u]
    kbc = [a for a, u in zip(bc, b_uk) if not u]
    kk = [a for a, u in zip(k, k_uk) if not u]
    known_out = trace.parent.process_primitive(
        while_p, [*kcc, *kbc, *kk],
        dict(cond_jaxpr=known_cond, body_jaxpr=known_body, cond_nconsts=len(kcc),
             body_nconsts=len(kbc)))
    all_out = trace.record(while_p, args, params)
    ki = iter(known_out)
    return [o if u else next(ki) for o, u in zip(all_out, k_uk)]


@while_p.def_transpose
def _while_transpose(cts, *args, **params):
    raise ReverseModeWhileError(
        "Reverse-mode differentiation does not work for fgrad.lax.while_loop or "
        "fgrad.lax.fori_loop with traced (dynamic) start/stop values: the number of iterations "
        "is not known in advance, so there is nowhere to store the values the backward pass "
        "needs. Use fgrad.lax.scan, or fgrad.lax.fori_loop with static (Python int) bounds, "
        "which becomes a scan; forward mode (jvp, jacfwd) does work with while_loop."
    )


def while_loop(cond_fun: Callable, body_fun: Callable, init_val):
    """`val = body_fun(val)` while `cond_fun(val)`, as a staged loop (jax.lax.while_loop).

    `cond_fun` returns a boolean scalar; `body_fun` must return a carry of the same structure
    and types as `init_val`. Differentiable in forward mode only.
    """
    if not (callable(cond_fun) and callable(body_fun)):
        raise TypeError("while_loop's cond_fun and body_fun must be callable")
    init_flat, in_tree = tree_flatten(init_val)
    body_name, cond_name = fun_name(body_fun), fun_name(cond_fun)

    def stage_all(init_flat):
        avals = avals_of(init_flat)
        cj, cconsts, ctree = stage(cond_fun, tree_flatten((init_val,))[1], avals,
                                   f"staging (lax.while_loop cond_fun {cond_name})")
        bj, bconsts, btree = stage(body_fun, tree_flatten((init_val,))[1], avals,
                                   f"staging (lax.while_loop body_fun {body_name})")
        return avals, cj, cconsts, ctree, bj, bconsts, btree

    avals, cj, cconsts, ctree, bj, bconsts, btree = stage_all(init_flat)
    check_tree_and_types(f"while_loop body_fun {fun_where(body_fun)} output and input",
                         "input carry", in_tree, avals, "output carry", btree, bj.out_avals)
    init_flat, changed = promote_weak(init_flat, avals, bj.out_avals)
    if changed:
        avals, cj, cconsts, ctree, bj, bconsts, btree = stage_all(init_flat)
        check_tree_and_types(f"while_loop body_fun {fun_where(body_fun)} output and input",
                             "input carry", in_tree, avals, "output carry", btree, bj.out_avals)
    pred = cj.out_avals
    if ctree.num_leaves != 1 or pred[0].shape != () or pred[0].dtype.kind != "b":
        got = types_str(pred) if ctree.num_leaves else str(ctree)
        raise ControlFlowTypeError(
            f"while_loop cond_fun {fun_where(cond_fun)} must return a boolean scalar, but got "
            f"{got}."
        )
    outs = bind(while_p, *cconsts, *bconsts, *init_flat, cond_jaxpr=cj, body_jaxpr=bj,
                cond_nconsts=len(cconsts), body_nconsts=len(bconsts))
    return tree_unflatten(in_tree, outs)


def _static_int(x):
    """The Python int behind `x` when it is known now (a number or a concrete tracer)."""
    v = find_concrete(x) if isinstance(x, Tracer) else x
    if v is None:
        return None
    aval = get_aval(v)
    if aval.shape != () or aval.dtype.kind not in "iu":
        raise TypeError(f"fori_loop bounds must be integer scalars, got {aval.str_short()}")
    return int(v)


def fori_loop(lower, upper, body_fun: Callable, init_val):
    """`val = body_fun(i, val)` for i in [lower, upper), like jax.lax.fori_loop.

    With bounds known now (Python ints) this is a scan of upper - lower steps, so it is
    reverse-differentiable; with traced bounds it is a while_loop (forward mode only).
    """
    lo, hi = _static_int(lower), _static_int(upper)
    dtype = np.result_type(get_aval(lower).dtype, get_aval(upper).dtype)
    if lo is not None and hi is not None:
        # Python-int bounds give a weak int counter, as in JAX: `c * i` keeps c's float32.
        # Binding add with the Python int 1 keeps it weak (the wrapper would make 1 strong).
        weak = type(lower) is int and type(upper) is int

        def scan_body(carry, _):
            i, x = carry
            return (bind(add_p, i, 1) if weak else add(i, 1), body_fun(i, x)), None

        i0 = lo if weak else dtype.type(lo)
        (_, out), _ = scan(scan_body, (i0, init_val), None, length=max(hi - lo, 0))
        return out
    lower = convert_element_type(lower, dtype)
    upper = convert_element_type(upper, dtype)

    def cond_fun(carry):
        return lt(carry[0], carry[1])

    def body(carry):
        i, hi_, x = carry
        return add(i, 1), hi_, body_fun(i, x)

    return while_loop(cond_fun, body, (lower, upper, init_val))[2]
