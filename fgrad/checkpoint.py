"""checkpoint (remat): trade compute for memory in reverse mode.

Ordinarily linearize keeps every residual the backward pass will read (for a chain of sin
layers, one cos per layer). A checkpointed function is bound as one `remat` primitive whose
partial evaluation computes the primal outputs now but saves only the function's inputs (and
what a `policy` allows); the backward pass recomputes the forward from them. Its jvp, batch
and transpose rules reuse the jaxpr transforms, so checkpoint composes with every transform.
"""

from __future__ import annotations

import functools
from typing import Callable, Sequence

from fgrad.control_flow.common import fun_name, run_concrete, stage
from fgrad.core.avals import get_aval
from fgrad.core.ir import ClosedJaxpr, Jaxpr, Var, dce_jaxpr
from fgrad.core.markers import Zero, is_undefined
from fgrad.core.primitive import Primitive, bind
from fgrad.interpreters.jaxpr_transforms import batch_jaxpr, jvp_jaxpr, partial_eval_jaxpr
from fgrad.interpreters.staging import prune_consts, trace_to_jaxpr
from fgrad.interpreters.transpose import backward_pass
from fgrad.prims.dot import dot_general_p
from fgrad.prims.shape import bdim_to_front
from fgrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["checkpoint", "remat", "remat_p", "checkpoint_policies"]


# remat(*xs) = jaxpr(*xs); differentiation recomputes jaxpr's intermediates in the backward pass
remat_p = Primitive("remat", multiple_results=True)


@remat_p.def_impl
def _remat_impl(*args, jaxpr, policy):
    return run_concrete(jaxpr, args)


@remat_p.def_abstract_eval
def _remat_abstract(*avals, jaxpr, policy):
    return list(jaxpr.out_avals)


@remat_p.def_jvp
def _remat_jvp(primals, tangents, *, jaxpr, policy):
    nz = [type(t) is not Zero for t in tangents]
    jvp_j, out_nz = jvp_jaxpr(jaxpr, nz, False)
    outs = bind(remat_p, *primals, *[t for t in tangents if type(t) is not Zero],
                jaxpr=jvp_j, policy=policy)
    n = len(out_nz)
    primals_out, it = outs[:n], iter(outs[n:])
    return primals_out, [next(it) if z else Zero.from_value(p) for p, z in zip(primals_out, out_nz)]


@remat_p.def_batch
def _remat_batch(args, dims, *, jaxpr, policy):
    size = next(get_aval(a).shape[d] for a, d in zip(args, dims) if d is not None)
    moved = [a if d is None else bdim_to_front(a, d) for a, d in zip(args, dims)]
    batched, out_b = batch_jaxpr(jaxpr, size, [d is not None for d in dims], False)
    outs = bind(remat_p, *moved, jaxpr=batched, policy=policy)
    return outs, [0 if b else None for b in out_b]


@remat_p.def_partial_eval
def _remat_partial_eval(trace, args, *, jaxpr, policy):
    """Known outputs now, plus the intermediates `policy` lets us save; the unknown outputs
    are recorded as a remat of a jaxpr that first recomputes the residuals from the known
    inputs and the saved values, then applies the unknown part. That recorded call is what
    transposition sees, so the backward pass does the recomputation."""
    uk = [not trace.is_known(a) for a in args]
    known, unknown, out_uk, n_res = partial_eval_jaxpr(jaxpr, uk)
    n_known_out = out_uk.count(False)
    kj = known.jaxpr
    known_outvars, res_vars = kj.outvars[:n_known_out], kj.outvars[n_known_out:]
    recompute, saved_vars = _recompute_jaxpr(known, res_vars, policy)
    known_now = ClosedJaxpr(dce_jaxpr(Jaxpr(kj.constvars, kj.invars, kj.eqns,
                                            list(known_outvars) + saved_vars)), known.consts)
    known_args = [a for a, u in zip(args, uk) if not u]
    unknown_args = [a for a, u in zip(args, uk) if u]
    kouts = []
    if known_now.jaxpr.outvars:
        kouts = trace.parent.process_primitive(remat_p, known_args,
                                               {"jaxpr": known_now, "policy": policy})
    known_outs, saved_vals = kouts[:n_known_out], kouts[n_known_out:]
    if not any(out_uk):
        return known_outs
    n_ks = len(known_args) + len(saved_vals)

    def tangent_fn(*xs):
        return unknown(*recompute(*xs[:n_ks]), *xs[n_ks:])

    avals = recompute.in_avals + list(unknown.in_avals[n_res:])
    tangent_j, keep = _drop_unused_inputs(trace_to_jaxpr(tangent_fn, avals), n_ks)
    all_args = [*known_args, *saved_vals, *unknown_args]
    uouts = trace.record(remat_p, [all_args[i] for i in keep],
                         {"jaxpr": tangent_j, "policy": policy})
    ki, ui = iter(known_outs), iter(uouts)
    return [next(ui) if u else next(ki) for u in out_uk]


def _drop_unused_inputs(closed: ClosedJaxpr, n_known: int) -> tuple[ClosedJaxpr, list[int]]:
    """Known inputs the recomputation never reads (e.g. an input whose only use was a saved
    product) would still be kept alive as residuals: drop them. Linear inputs stay."""
    j = closed.jaxpr
    used = {a for e in j.eqns for a in e.invars if type(a) is Var}
    used.update(a for a in j.outvars if type(a) is Var)
    keep = [i for i, v in enumerate(j.invars) if i >= n_known or v in used]
    new = Jaxpr(j.constvars, [j.invars[i] for i in keep], j.eqns, j.outvars)
    return ClosedJaxpr(new, closed.consts), keep


def _recompute_jaxpr(known: ClosedJaxpr, res_vars, policy) -> tuple[ClosedJaxpr, list[Var]]:
    """(known inputs, saved values) -> residuals, and which intermediates are saved.

    Saved are the results of single-output equations the policy accepts, where the
    recomputation reads them; every other residual is recomputed from the known inputs and
    the saved values. With no policy only the inputs are kept.
    """
    kj = known.jaxpr
    saveable: list[Var] = []
    if policy is not None:
        saveable = [e.outvars[0] for e in kj.eqns if len(e.outvars) == 1
                    and policy(e.prim, *[a.aval for a in e.invars], **e.params)]
    cut = set(saveable)
    eqns = [e for e in kj.eqns if not (len(e.outvars) == 1 and e.outvars[0] in cut)]
    rec = dce_jaxpr(Jaxpr(kj.constvars, list(kj.invars) + saveable, eqns, list(res_vars)))
    used = {a for e in rec.eqns for a in e.invars if type(a) is Var}
    used.update(a for a in rec.outvars if type(a) is Var)
    saved = [v for v in saveable if v in used]
    rec = Jaxpr(rec.constvars, list(kj.invars) + saved, rec.eqns, rec.outvars)
    return prune_consts(ClosedJaxpr(rec, known.consts)), saved


@remat_p.def_transpose
def _remat_transpose(cts, *args, jaxpr, policy):
    """Recompute the forward from the known inputs, then transpose the linear remainder:
    backward_pass evaluates the known equations first when given the known arguments."""
    cts_in = backward_pass(jaxpr.jaxpr, jaxpr.consts, list(cts), list(args))
    return [None if not is_undefined(a) or type(c) is Zero else c for a, c in zip(args, cts_in)]


class checkpoint_policies:
    """Policies for `checkpoint(policy=...)`: `policy(prim, *avals, **params) -> bool` says
    whether the result of an equation may be saved instead of recomputed."""

    @staticmethod
    def nothing_saveable(prim, *avals, **params) -> bool:
        return False

    @staticmethod
    def everything_saveable(prim, *avals, **params) -> bool:
        return True

    @staticmethod
    def dots_saveable(prim, *avals, **params) -> bool:
        """Keep matrix products (the expensive part of most layers), recompute the rest."""
        return prim is dot_general_p

    checkpoint_dots = dots_saveable


def checkpoint(fun: Callable | None = None, *, prevent_cse: bool = True,
               policy: Callable | None = None, static_argnums: int | Sequence[int] = ()):
    """`fun` with reverse mode recomputing its intermediates instead of storing them.

    Values and derivatives are unchanged; what changes is memory: the backward pass keeps only
    `fun`'s inputs (and residuals a `policy` marks saveable, see `checkpoint_policies`) and
    runs `fun`'s forward again. Usable as `@checkpoint` or `checkpoint(f, policy=...)`.
    `prevent_cse` is accepted for compatibility (fgrad does no common-subexpression
    elimination).
    """
    if fun is None:
        return functools.partial(checkpoint, prevent_cse=prevent_cse, policy=policy,
                                 static_argnums=static_argnums)
    del prevent_cse
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    name = fun_name(fun)

    @functools.wraps(fun)
    def checkpointed(*args, **kwargs):
        n = len(args)
        nums = {i % n for i in static if -n <= i < n}
        dyn = [a for i, a in enumerate(args) if i not in nums]
        flat, in_tree = tree_flatten((tuple(dyn), kwargs))

        def call(dyn_args, kw):
            it = iter(dyn_args)
            full = [args[i] if i in nums else next(it) for i in range(n)]
            return fun(*full, **kw)

        j, consts, out_tree = stage(call, in_tree, [get_aval(x) for x in flat],
                                    f"staging (checkpoint of {name})")
        outs = bind(remat_p, *consts, *flat, jaxpr=j, policy=policy)
        return tree_unflatten(out_tree, outs)

    return checkpointed


remat = checkpoint
