"""cond and switch: choose one of several staged branches by an integer index.

Both branches are staged (so their output types can be checked against each other and every
transform sees the whole choice), and the index stays a runtime value: under jit or vmap it
need not be known. Under vmap a batched index makes every member choose separately, so all
branches run and a select picks per member, as in JAX.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from fgrad.control_flow.common import (
    avals_of,
    check_tree_and_types,
    fun_name,
    fun_where,
    run_concrete,
    stage,
    widen_inputs,
)
from fgrad.core.avals import get_aval
from fgrad.core.ir import ClosedJaxpr
from fgrad.core.markers import Zero, is_undefined, zeros_like_aval
from fgrad.core.primitive import Primitive, bind
from fgrad.core.trace import Tracer
from fgrad.interpreters.jaxpr_transforms import (
    batch_jaxpr,
    jvp_jaxpr,
    partial_eval_jaxpr,
    transpose_jaxpr,
)
from fgrad.interpreters.staging import trace_to_jaxpr
from fgrad.prims.arith import convert_element_type, ge, max, min, ne, select
from fgrad.prims.shape import bdim_to_front, broadcast_in_dim
from fgrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["cond_p", "cond", "switch"]

_I32 = np.dtype(np.int32)


def _clamp(i: int, n: int) -> int:
    return 0 if i < 0 else n - 1 if i >= n else i


def _union(flags: Sequence[Sequence[bool]]) -> list[bool]:
    return [any(col) for col in zip(*flags)]


# cond(i, *xs) = branches[clamp(i)](*xs)
# d cond(i, *xs) = cond(i, *xs, *dxs) over the branches' JVPs (i is an integer: no tangent)
cond_p = Primitive("cond", multiple_results=True)


@cond_p.def_impl
def _cond_impl(index, *args, branches):
    return run_concrete(branches[_clamp(int(index), len(branches))], args)


@cond_p.def_abstract_eval
def _cond_abstract(index, *avals, branches):
    if index.shape != () or index.dtype.kind not in "iu":
        raise TypeError(f"cond index must be an integer scalar, got {index.str_short()}")
    return list(branches[0].out_avals)


@cond_p.def_jvp
def _cond_jvp(primals, tangents, *, branches):
    index, args = primals[0], primals[1:]
    nz = [type(t) is not Zero for t in tangents[1:]]
    first = [jvp_jaxpr(b, nz, False) for b in branches]
    out_nz = _union([o for _, o in first])
    new = [j if o == out_nz else jvp_jaxpr(b, nz, out_nz)[0] for b, (j, o) in zip(branches, first)]
    live = [t for t in tangents[1:] if type(t) is not Zero]
    outs = bind(cond_p, index, *args, *live, branches=tuple(new))
    n = len(out_nz)
    primals_out, it = outs[:n], iter(outs[n:])
    return primals_out, [next(it) if z else Zero.from_value(p) for p, z in zip(primals_out, out_nz)]


@cond_p.def_batch
def _cond_batch(args, dims, *, branches):
    size = next(get_aval(a).shape[d] for a, d in zip(args, dims) if d is not None)
    ops = [a if d is None else bdim_to_front(a, d) for a, d in zip(args[1:], dims[1:])]
    ops_b = [d is not None for d in dims[1:]]
    n_out = len(branches[0].out_avals)
    if dims[0] is not None:
        # Each member picks its own branch: run them all, then select per member.
        index = bdim_to_front(args[0], dims[0])
        per_branch = [batch_jaxpr(b, size, ops_b, True)[0](*ops) for b in branches]
        return _select_n(index, per_branch), [0] * n_out
    first = [batch_jaxpr(b, size, ops_b, False) for b in branches]
    out_b = _union([o for _, o in first])
    new = [j if o == out_b else batch_jaxpr(b, size, ops_b, out_b)[0]
           for b, (j, o) in zip(branches, first)]
    outs = bind(cond_p, args[0], *ops, branches=tuple(new))
    return outs, [0 if b else None for b in out_b]


def _select_n(index, per_branch: list[list[Any]]) -> list[Any]:
    """outs[k] = per_branch[index[m]][k] for each member m; index is clamped by construction,
    and out-of-range values pick the nearest branch as the unbatched impl does."""
    result = list(per_branch[0])
    for i, outs in enumerate(per_branch[1:], start=1):
        pick = ge(index, i)
        for k, o in enumerate(outs):
            shape = get_aval(o).shape
            result[k] = select(broadcast_in_dim(pick, shape, (0,)), o, result[k])
    return result


@cond_p.def_partial_eval
def _cond_partial_eval(trace, args, *, branches):
    """Known operands run the known halves of the branches now; the unknown halves are
    recorded, reading the residuals the chosen known half produced. Every known half emits
    the residuals of every branch (zeros for the branches not taken) so that all branches of
    each call have one output type."""
    index, ops = args[0], args[1:]
    if not trace.is_known(index):
        return trace.record(cond_p, args, {"branches": branches})
    uk = [not trace.is_known(a) for a in ops]
    splits = [partial_eval_jaxpr(b, uk) for b in branches]
    out_uk = _union([s[2] for s in splits])
    splits = [s if s[2] == out_uk else partial_eval_jaxpr(b, uk, out_uk)
              for b, s in zip(branches, splits)]
    n_known = out_uk.count(False)
    res_avals = [s[0].out_avals[n_known:] for s in splits]
    known_br = [_emit_all_residuals(s[0], n_known, res_avals, i) for i, s in enumerate(splits)]
    unknown_br = [_read_own_residuals(s[1], res_avals, i) for i, s in enumerate(splits)]
    known_ops = [a for a, u in zip(ops, uk) if not u]
    kouts = trace.parent.process_primitive(cond_p, [index, *known_ops],
                                           {"branches": tuple(known_br)})
    known_outs, res = kouts[:n_known], kouts[n_known:]
    uouts = trace.record(cond_p, [index, *res, *[a for a, u in zip(ops, uk) if u]],
                         {"branches": tuple(unknown_br)})
    ki, ui = iter(known_outs), iter(uouts)
    return [next(ui) if u else next(ki) for u in out_uk]


def _emit_all_residuals(known: ClosedJaxpr, n_known: int, res_avals, i: int) -> ClosedJaxpr:
    def f(*xs):
        outs = known(*xs)
        res = []
        for j, avals in enumerate(res_avals):
            res += outs[n_known:] if j == i else [zeros_like_aval(a) for a in avals]
        return outs[:n_known] + res

    return trace_to_jaxpr(f, known.in_avals)


def _read_own_residuals(unknown: ClosedJaxpr, res_avals, i: int) -> ClosedJaxpr:
    start = sum(len(a) for a in res_avals[:i])
    n_all = sum(len(a) for a in res_avals)
    n_own = len(res_avals[i])
    all_avals = [a for avals in res_avals for a in avals]

    def f(*xs):
        return unknown(*xs[start:start + n_own], *xs[n_all:])

    return trace_to_jaxpr(f, all_avals + unknown.in_avals[n_own:])


@cond_p.def_transpose
def _cond_transpose(cts, index, *args, branches):
    if is_undefined(index):
        raise TypeError("cond is not linear in its index")
    linear = [is_undefined(a) for a in args]
    cts = [zeros_like_aval(c.aval) if type(c) is Zero else c for c in cts]
    transposed = tuple(transpose_jaxpr(b, linear) for b in branches)
    nonlin = [a for a, lin in zip(args, linear) if not lin]
    outs = iter(bind(cond_p, index, *nonlin, *cts, branches=transposed))
    return [None] + [next(outs) if lin else None for lin in linear]


def switch(index, branches: Sequence[Callable], *operands):
    """Apply `branches[index](*operands)`, the index clamped to the valid range as in JAX.

    Every branch is staged with the operands' types and must return the same structure and
    types; the operands may be any pytree.
    """
    branches = tuple(branches)
    if not branches:
        raise ValueError("switch needs at least one branch, got an empty sequence")
    for b in branches:
        if not callable(b):
            raise TypeError(f"switch branches must be callable, got {type(b).__name__}")
    aval = get_aval(index)
    if aval.shape != ():
        raise TypeError(f"switch index must be a scalar, got an array of shape {aval.shape}")
    if aval.dtype.kind not in "iu":
        raise TypeError(
            f"switch index must be an integer, got {aval.dtype.name}; convert it with "
            ".astype(int) (for a boolean predicate use fgrad.lax.cond)."
        )
    if len(branches) == 1:
        return branches[0](*operands)
    n = len(branches)
    if isinstance(index, Tracer):
        index = max(min(convert_element_type(index, _I32), n - 1), 0)
    else:
        index = np.int32(_clamp(int(index), n))
    names = [f"branch {i} {fun_where(b)}" for i, b in enumerate(branches)]
    return _bind_cond(index, branches, names, operands)


def cond(pred, true_fun: Callable, false_fun: Callable, *operands):
    """`true_fun(*operands)` if `pred` else `false_fun(*operands)`, as a staged choice.

    Unlike a Python `if`, this works when `pred` is traced (under jit, vmap, grad). Both
    functions must return the same structure and types. Under vmap with a batched `pred` both
    run and a select picks per member.
    """
    if not (callable(true_fun) and callable(false_fun)):
        raise TypeError("cond's true_fun and false_fun must be callable")
    aval = get_aval(pred)
    if aval.shape != ():
        raise TypeError(
            f"cond's pred must be a scalar, got an array of shape {aval.shape}. For an "
            "elementwise choice use fnp.where(pred, x, y)."
        )
    if aval.dtype.kind not in "biuf":
        raise TypeError(f"cond's pred must be boolean or a number, got {aval.dtype.name}")
    if isinstance(pred, Tracer):
        if aval.dtype.kind != "b":
            pred = ne(pred, 0)
        index = convert_element_type(pred, _I32)
    else:
        index = np.int32(1 if bool(pred) else 0)
    names = [f"false_fun {fun_where(false_fun)}", f"true_fun {fun_where(true_fun)}"]
    return _bind_cond(index, (false_fun, true_fun), names, operands, ref=1)


def _bind_cond(index, branches, names, operands, ref: int = 0):
    """Stage every branch, check each against branch `ref` (true_fun for cond), bind."""
    flat, in_tree = tree_flatten(operands)
    avals = avals_of(flat)
    staged = [stage(b, in_tree, avals, f"staging (lax.cond branch {fun_name(b)})")
              for b in branches]
    jr, _, tree_r = staged[ref]
    for i, (j, _, tree) in enumerate(staged):
        if i != ref:
            check_tree_and_types("cond branch outputs", f"output of {names[ref]}", tree_r,
                                 jr.out_avals, f"output of {names[i]}", tree, j.out_avals)
    jaxprs = _join_weak_outputs([j for j, _, _ in staged])
    const_avals = [[get_aval(c) for c in consts] for _, consts, _ in staged]
    widened = tuple(
        widen_inputs(j, [a for cs in const_avals[:i] for a in cs],
                     [a for cs in const_avals[i + 1:] for a in cs], len(const_avals[i]))
        for i, j in enumerate(jaxprs)
    )
    consts = [c for _, cs, _ in staged for c in cs]
    outs = bind(cond_p, index, *consts, *flat, branches=widened)
    return tree_unflatten(tree_r, outs)


def _join_weak_outputs(jaxprs: list[ClosedJaxpr]) -> list[ClosedJaxpr]:
    """Where one branch returns a weak Python scalar and another a strong array of the same
    dtype, make both strong, so the cond has a single output type."""
    n_out = len(jaxprs[0].out_avals)
    weak = [[j.out_avals[k].weak_type for j in jaxprs] for k in range(n_out)]
    mixed = [any(w) and not all(w) for w in weak]
    if not any(mixed):
        return jaxprs

    def strengthen(j: ClosedJaxpr) -> ClosedJaxpr:
        def f(*xs):
            outs = j(*xs)
            return [convert_element_type(o, get_aval(o).dtype) if m else o
                    for o, m in zip(outs, mixed)]

        return trace_to_jaxpr(f, j.in_avals)

    return [strengthen(j) for j in jaxprs]

