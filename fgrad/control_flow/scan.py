"""scan: a loop of static length that threads a carry and maps over leading axes.

The body is one staged jaxpr with inputs (consts, carry, xs) and outputs (carry, ys). Reverse
mode works because the trip count is static: linearize runs the known half of the body as a
scan that also stacks each iteration's residuals, records the unknown half as a scan reading
them, and transposition runs that second scan backwards.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from fgrad._util import split_list
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
)
from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.ir import Var
from fgrad.core.markers import Zero, is_undefined, zeros_like_aval
from fgrad.core.primitive import Primitive, bind
from fgrad.interpreters.jaxpr_transforms import (
    batch_jaxpr,
    jvp_jaxpr,
    partial_eval_jaxpr,
    transpose_jaxpr,
)
from fgrad.interpreters.staging import trace_to_jaxpr
from fgrad.prims.arith import add_any
from fgrad.prims.shape import bdim_to_front, broadcast_batch, moveaxis
from fgrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["scan_p", "scan", "map"]


def _stacked(a: ShapedArray, length: int) -> ShapedArray:
    return ShapedArray((length,) + a.shape, a.dtype, a.weak_type)


def _unstacked(a: ShapedArray) -> ShapedArray:
    return ShapedArray(a.shape[1:], a.dtype, a.weak_type)


# scan: carry, ys[i] = body(consts, carry, xs[i]) for i = 0..length-1 (or backwards)
# d scan = scan of the body's JVP, tangents carried and stacked beside their primals
scan_p = Primitive("scan", multiple_results=True)


@scan_p.def_impl
def _scan_impl(*args, jaxpr, num_consts, num_carry, length, reverse):
    consts, carry, xs = split_list(list(args), [num_consts, num_carry])
    y_avals = jaxpr.out_avals[num_carry:]
    ys = [np.empty((length,) + a.shape, a.dtype) for a in y_avals]
    body = concrete_runner(jaxpr, consts)
    for step in range(length):
        i = length - 1 - step if reverse else step
        outs = body([*carry, *[x[i] for x in xs]])
        carry = outs[:num_carry]
        for y, o in zip(ys, outs[num_carry:]):
            y[i] = o
    return list(carry) + ys


@scan_p.def_abstract_eval
def _scan_abstract(*avals, jaxpr, num_consts, num_carry, length, reverse):
    for a in avals[num_consts + num_carry:]:
        if not a.shape or a.shape[0] != length:
            raise TypeError(f"scan of length {length} got a scanned operand {a.str_short()}")
    carry = list(avals[num_consts:num_consts + num_carry])
    return carry + [_stacked(a, length) for a in jaxpr.out_avals[num_carry:]]


@scan_p.def_jvp
def _scan_jvp(primals, tangents, *, jaxpr, num_consts, num_carry, length, reverse):
    nc, nk = num_consts, num_carry
    ny = len(jaxpr.out_avals) - nk
    nz = [type(t) is not Zero for t in tangents]
    c_nz, k_nz, x_nz = split_list(nz, [nc, nk])
    box: dict[str, Any] = {}

    def step(k):
        j, out_nz = jvp_jaxpr(jaxpr, c_nz + k + x_nz, k + [False] * ny)
        box.update(j=j, out_nz=out_nz, k=k)
        return out_nz[:nk]

    k_nz = carry_fixed_point(step, k_nz)
    if box["k"] != k_nz:
        step(k_nz)
    jvp_j, out_nz = box["j"], box["out_nz"]
    y_nz = out_nz[nk:]
    n_in = nc + nk + len(x_nz)
    # jvp_j: (consts, carry, xs, dconsts, dcarry, dxs) -> (carry, ys, dcarry, dys); reorder
    # to the scan layout (consts, dconsts, carry, dcarry, xs, dxs) -> (carry, dcarry, ys, dys).
    nzc, nzk, nzx = sum(c_nz), sum(k_nz), sum(x_nz)
    t0 = n_in
    in_order = (list(range(nc)) + list(range(t0, t0 + nzc))
                + list(range(nc, nc + nk)) + list(range(t0 + nzc, t0 + nzc + nzk))
                + list(range(nc + nk, n_in)) + list(range(t0 + nzc + nzk, t0 + nzc + nzk + nzx)))
    n_yt = sum(y_nz)
    out_order = (list(range(nk)) + list(range(nk + ny, nk + ny + nzk))
                 + list(range(nk, nk + ny)) + list(range(nk + ny + nzk, nk + ny + nzk + n_yt)))
    body = rearrange(jvp_j, in_order, out_order)
    c, k, x = split_list(list(primals), [nc, nk])
    tc, tk, tx = split_list(list(tangents), [nc, nk])
    live = lambda ts, flags: [zeros_like_aval(t.aval) if type(t) is Zero else t  # noqa: E731
                              for t, f in zip(ts, flags) if f]
    args = [*c, *live(tc, c_nz), *k, *live(tk, k_nz), *x, *live(tx, x_nz)]
    outs = bind(scan_p, *args, jaxpr=body, num_consts=nc + nzc, num_carry=nk + nzk,
                length=length, reverse=reverse)
    k_out, dk_out, y_out, dy_out = split_list(outs, [nk, nzk, ny])
    dk, dy = iter(dk_out), iter(dy_out)
    primals_out = k_out + y_out
    t_out = [next(dk) if f else Zero.from_value(p) for p, f in zip(k_out, k_nz)]
    t_out += [next(dy) if f else Zero.from_value(p) for p, f in zip(y_out, y_nz)]
    return primals_out, t_out


@scan_p.def_batch
def _scan_batch(args, dims, *, jaxpr, num_consts, num_carry, length, reverse):
    nc, nk = num_consts, num_carry
    ny = len(jaxpr.out_avals) - nk
    size = next(get_aval(a).shape[d] for a, d in zip(args, dims) if d is not None)
    b = [d is not None for d in dims]
    c_b, k_b, x_b = split_list(b, [nc, nk])
    box: dict[str, Any] = {}

    def step(k):
        j, out_b = batch_jaxpr(jaxpr, size, c_b + k + x_b, k + [False] * ny)
        box.update(j=j, out_b=out_b, k=k)
        return out_b[:nk]

    k_b = carry_fixed_point(step, k_b)
    if box["k"] != k_b:
        step(k_b)
    body, out_b = box["j"], box["out_b"]
    c, k, x = split_list(list(args), [nc, nk])
    cd, kd, xd = split_list(list(dims), [nc, nk])
    c = [a if d is None else bdim_to_front(a, d) for a, d in zip(c, cd)]
    k = [broadcast_batch(a, size) if d is None and f else a if d is None else bdim_to_front(a, d)
         for a, d, f in zip(k, kd, k_b)]
    # Scanned operands keep the scan axis first and put the batch axis second, so that each
    # slice the body sees is batched along axis 0.
    x = [a if d is None else moveaxis(a, d, 1) for a, d in zip(x, xd)]
    outs = bind(scan_p, *c, *k, *x, jaxpr=body, num_consts=nc, num_carry=nk, length=length,
                reverse=reverse)
    return outs, [0 if f else None for f in k_b] + [1 if f else None for f in out_b[nk:]]


@scan_p.def_partial_eval
def _scan_partial_eval(trace, args, *, jaxpr, num_consts, num_carry, length, reverse):
    """Known part now, as a scan that also stacks the residuals of every iteration; unknown
    part recorded as a scan over them. Residuals that are known consts or known scanned
    operands themselves are passed through instead of being stacked again."""
    nc, nk = num_consts, num_carry
    ny = len(jaxpr.out_avals) - nk
    uk = [not trace.is_known(a) for a in args]
    c_uk, k_uk, x_uk = split_list(uk, [nc, nk])
    box: dict[str, Any] = {}

    def step(k):
        split = partial_eval_jaxpr(jaxpr, c_uk + k + x_uk, k + [False] * ny)
        box.update(split=split, k=k)
        return split[2][:nk]

    k_uk = carry_fixed_point(step, k_uk)
    if box["k"] != k_uk:
        step(k_uk)
    known, unknown, out_uk, n_res = box["split"]
    c, k, x = split_list(list(args), [nc, nk])
    kc = [a for a, u in zip(c, c_uk) if not u]
    kk = [a for a, u in zip(k, k_uk) if not u]
    kx = [a for a, u in zip(x, x_uk) if not u]
    n_known_out = out_uk.count(False)
    n_kk = len(kk)

    # Classify residuals by what the known body returns for them.
    kin = known.jaxpr.invars
    pos = {v: i for i, v in enumerate(kin)}
    res_vars = known.jaxpr.outvars[n_known_out:]
    kinds = []
    for v in res_vars:
        i = pos.get(v) if type(v) is Var else None
        if i is not None and i < len(kc):
            kinds.append(("const", i))
        elif i is not None and i >= len(kc) + n_kk:
            kinds.append(("xs", i - len(kc) - n_kk))
        else:
            kinds.append(("stack", None))
    stacked_idx = [r for r, (kind, _) in enumerate(kinds) if kind == "stack"]
    known_body = rearrange(known, list(range(len(kin))),
                           list(range(n_known_out)) + [n_known_out + r for r in stacked_idx])
    kouts = []
    if n_known_out or stacked_idx:
        kouts = trace.parent.process_primitive(
            scan_p, [*kc, *kk, *kx],
            dict(jaxpr=known_body, num_consts=len(kc), num_carry=n_kk, length=length,
                 reverse=reverse))
    k_carry_out, k_ys, stacked = split_list(kouts, [out_uk[:nk].count(False),
                                                    out_uk[nk:].count(False)])
    const_res = [kc[i] for kind, i in kinds if kind == "const"]
    xs_res = [kx[i] for kind, i in kinds if kind == "xs"]
    # The unknown body takes (residuals, unknown consts, unknown carry, unknown xs); give it
    # the scan layout (const residuals, unknown consts | unknown carry | stacked residuals,
    # scanned residuals, unknown xs).
    order_of = {"const": [], "stack": [], "xs": []}
    for r, (kind, _) in enumerate(kinds):
        order_of[kind].append(r)
    n_uc, n_uk = sum(c_uk), sum(k_uk)
    n_ux = sum(x_uk)
    u0 = n_res
    in_order = (order_of["const"] + list(range(u0, u0 + n_uc)) + list(range(u0 + n_uc,
                u0 + n_uc + n_uk)) + order_of["stack"] + order_of["xs"]
                + list(range(u0 + n_uc + n_uk, u0 + n_uc + n_uk + n_ux)))
    unknown_body = rearrange(unknown, in_order)
    uc = [a for a, u in zip(c, c_uk) if u]
    ukk = [a for a, u in zip(k, k_uk) if u]
    ux = [a for a, u in zip(x, x_uk) if u]
    if not any(out_uk):
        return k_carry_out + k_ys
    uouts = trace.record(
        scan_p, [*const_res, *uc, *ukk, *stacked, *xs_res, *ux],
        dict(jaxpr=unknown_body, num_consts=len(const_res) + n_uc, num_carry=n_uk,
             length=length, reverse=reverse))
    ki, ui = iter(k_carry_out + k_ys), iter(uouts)
    return [next(ui) if u else next(ki) for u in out_uk]


@scan_p.def_transpose
def _scan_transpose(cts, *args, jaxpr, num_consts, num_carry, length, reverse):
    """Run the transposed body backwards. Carries are linear (in a linearized scan every
    unknown carry is a tangent); consts and scanned operands are linear where undefined, and
    the cotangents of linear consts accumulate in an extra carry."""
    nc, nk = num_consts, num_carry
    c, k, x = split_list(list(args), [nc, nk])
    c_lin = [is_undefined(a) for a in c]
    x_lin = [is_undefined(a) for a in x]
    for a in k:
        if not is_undefined(a) and get_aval(a).dtype.kind not in "fc":
            raise TypeError("scan transpose: a non-float carry cannot be linear")
    lin = c_lin + [True] * nk + x_lin
    body_t = transpose_jaxpr(jaxpr, lin)
    res_c = [a for a, f in zip(c, c_lin) if not f]
    res_x = [a for a, f in zip(x, x_lin) if not f]
    lc_avals = [a.aval.strip_weak() for a, f in zip(c, c_lin) if f]
    ct_k, ct_y = cts[:nk], cts[nk:]
    ct_k = [zeros_like_aval(ct.aval) if type(ct) is Zero else ct for ct in ct_k]
    ct_y = [zeros_like_aval(ct.aval) if type(ct) is Zero else ct for ct in ct_y]
    n_rc, n_lc, n_rx = len(res_c), len(lc_avals), len(res_x)

    def body(*xs):
        rc, acc, ck, rx, cy = split_list(list(xs), [n_rc, n_lc, nk, n_rx])
        d_c, d_k, d_x = split_list(body_t(*rc, *rx, *ck, *cy), [n_lc, nk])
        return [add_any(a, d) for a, d in zip(acc, d_c)] + d_k + d_x

    avals = ([get_aval(a) for a in res_c] + lc_avals
             + [get_aval(ct) for ct in ct_k]
             + [_unstacked(get_aval(a)) for a in res_x]
             + [_unstacked(get_aval(ct)) for ct in ct_y])
    body_j = trace_to_jaxpr(body, avals)
    acc0 = [zeros_like_aval(a) for a in lc_avals]
    outs = bind(scan_p, *res_c, *acc0, *ct_k, *res_x, *ct_y, jaxpr=body_j,
                num_consts=n_rc, num_carry=n_lc + nk, length=length, reverse=not reverse)
    ct_c, ct_init, ct_x = split_list(outs, [n_lc, nk])
    ic, ix = iter(ct_c), iter(ct_x)
    return ([next(ic) if f else None for f in c_lin]
            + [ct if is_undefined(a) else None for a, ct in zip(k, ct_init)]
            + [next(ix) if f else None for f in x_lin])


def scan(f: Callable, init, xs=None, length: int | None = None, reverse: bool = False,
         unroll: int = 1):
    """Loop `carry, y = f(carry, x)` over the leading axis of `xs`, like jax.lax.scan.

    Returns (final carry, stacked ys). `xs` may be any pytree (or None with `length` given);
    the carry must keep its structure and types. With `reverse=True` the loop runs from the
    last slice to the first and ys are stored at their slices' positions. `unroll` is
    accepted for compatibility and does not change the result.
    """
    if not callable(f):
        raise TypeError(f"scan's f must be callable, got {type(f).__name__}")
    del unroll
    x_flat, x_tree = tree_flatten(xs)
    x_avals = avals_of(x_flat)
    lengths = {a.shape[0] for a in x_avals if a.shape}
    for a in x_avals:
        if not a.shape:
            raise ValueError(
                f"scan got a value of shape () to scan over, {a.str_short()}; every leaf of xs "
                "needs a leading axis."
            )
    if length is not None:
        length = int(length)
        if lengths and lengths != {length}:
            raise ValueError(
                f"scan got length argument {length} which disagrees with leading axis sizes "
                f"{sorted(lengths)}."
            )
    elif len(lengths) > 1:
        raise ValueError(
            "scan got values with different leading axis sizes: "
            f"{', '.join(str(a.shape[0]) for a in x_avals)}."
        )
    elif not lengths:
        raise ValueError("scan got no values to scan over and `length` not provided.")
    else:
        length = lengths.pop()
    init_flat, init_tree = tree_flatten(init)
    name = fun_name(f)

    in_tree = tree_flatten((init, xs))[1]

    def staged_body(init_flat):
        init_avals = avals_of(init_flat)
        j, consts, out_tree = stage(f, in_tree,
                                    init_avals + [_unstacked(a) for a in x_avals],
                                    f"staging (lax.scan body {name})")
        return j, consts, out_tree, init_avals

    def check(j, out_tree, init_avals):
        carry_tree, y_tree, n_carry_out = _split_out_tree(out_tree, fun_where(f))
        check_tree_and_types(f"scan body {fun_where(f)} carry output and input",
                             "input carry", init_tree, init_avals, "output carry", carry_tree,
                             j.out_avals[:n_carry_out])
        return carry_tree, y_tree

    j, consts, out_tree, init_avals = staged_body(init_flat)
    carry_tree, y_tree = check(j, out_tree, init_avals)
    init_flat, changed = promote_weak(init_flat, init_avals, j.out_avals[:len(init_flat)])
    if changed:
        j, consts, out_tree, init_avals = staged_body(init_flat)
        carry_tree, y_tree = check(j, out_tree, init_avals)
    outs = bind(scan_p, *consts, *init_flat, *x_flat, jaxpr=j, num_consts=len(consts),
                num_carry=len(init_flat), length=length, reverse=bool(reverse))
    nk = len(init_flat)
    return tree_unflatten(carry_tree, outs[:nk]), tree_unflatten(y_tree, outs[nk:])


def _split_out_tree(out_tree, name):
    node = tree_unflatten(out_tree, [0] * out_tree.num_leaves)
    if not (isinstance(node, (tuple, list)) and len(node) == 2):
        raise ControlFlowTypeError(
            f"scan body {name} must return a pair (carry, y), got {out_tree}."
        )
    carry_tree, y_tree = out_tree.children()
    return carry_tree, y_tree, carry_tree.num_leaves


def map(f: Callable, xs):
    """`f` applied to every slice of `xs` along its leading axis, results stacked (lax.map)."""
    _, ys = scan(lambda c, x: (c, f(x)), None, xs)
    return ys

