"""custom_jvp and custom_vjp: functions whose derivative the user writes.

Each call binds one higher-order primitive whose params hold the function staged as a jaxpr
(so staging, batching and evaluation need nothing from the user) and the user's rule wrapped
to work on flat lists. Only differentiation reads the rule:

- `custom_jvp_call`'s jvp rule calls the user's JVP rule instead of differentiating the body.
  Reverse mode needs nothing more: linearize stages the rule's tangent computation, which is
  linear, and transposition runs it backwards.
- `custom_vjp_call`'s jvp rule runs the user's fwd for the residuals and emits the output
  tangent through `custom_lin`, a linear primitive whose transpose is the user's bwd. So
  grad/vjp use bwd, and forward mode (jvp of custom_lin evaluated on numbers) is an error, as
  in JAX.

Under vmap both rules are batched as well: the user's functions run under the ordinary
batching interpreter, with batched operands' batch axis moved to the front and unbatched ones
left alone (a weight shared by all members stays one matrix). Outputs are always batched, and
the batched bwd sums the cotangents of unbatched inputs over the members.

Limitation: the user's rules are Python callables read lazily; a rule that closes over a
tracer of a transform applied outside the custom function (rather than receiving it as an
argument) cannot be batched or differentiated with respect to it, and the call raises.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Sequence

from fgrad._util import FGradError
from fgrad.control_flow.common import fun_name, fun_where, run_concrete, stage
from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.markers import Zero, is_undefined, zeros_like_aval
from fgrad.core.primitive import Primitive, bind
from fgrad.core.trace import EVAL_TRACE, Tracer, current_trace
from fgrad.interpreters.batching import batch_flat, move_bdim
from fgrad.interpreters.jaxpr_transforms import batch_jaxpr
from fgrad.prims.arith import add, convert_element_type
from fgrad.prims.reduce import reduce_sum
from fgrad.prims.shape import bdim_to_front
from fgrad.tree_util import PyTreeDef, tree_flatten, tree_leaves, tree_map, tree_unflatten

__all__ = [
    "custom_jvp",
    "custom_vjp",
    "custom_jvp_call_p",
    "custom_vjp_call_p",
    "custom_lin_p",
    "CustomRuleError",
]


class CustomRuleError(FGradError, TypeError):
    pass


def _inexact(aval: ShapedArray) -> bool:
    return aval.dtype.kind in "fc"


def _zeros(aval: ShapedArray):
    return zeros_like_aval(aval.strip_weak())


def _front(args, dims):
    """Batched operands with their batch axis at 0; unbatched ones unchanged."""
    return [a if d is None else bdim_to_front(a, d) for a, d in zip(args, dims)]


def _dims(flags) -> list:
    return [0 if b else None for b in flags]


def _axis_size(args, dims) -> int:
    return next(get_aval(a).shape[d] for a, d in zip(args, dims) if d is not None)


def _closure_error(kind: str, name: str) -> CustomRuleError:
    return CustomRuleError(
        f"The {kind} function {name} closes over a value that is being differentiated (a "
        "tracer of an enclosing transform). Its custom rule cannot see that dependence, so "
        "the derivative would be wrong. Pass the value as an explicit argument instead."
    )


class _Eager:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class _CustomFunction:
    """What custom_jvp and custom_vjp share: argument plumbing and staging the function."""

    kind = ""

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self, obj)

    def _stage(self, args, kwargs):
        """_Eager(result) when no transform is active and no argument is traced (the
        function just runs); else (nondiff, flat args, in_tree, jaxpr, consts, out_tree)."""
        name = fun_name(self.fun)
        args = _resolve_kwargs(self.fun, args, kwargs)
        nondiff, diff = _split_nondiff(args, self.nondiff_argnums, self.kind, name)
        flat, in_tree = tree_flatten(tuple(diff))
        if current_trace() is EVAL_TRACE and not any(isinstance(x, Tracer) for x in flat):
            return _Eager(self.fun(*args))
        avals = _arg_avals(flat, self.kind, name)
        j, consts, out_tree = stage(lambda *d: self.fun(*_merge(nondiff, d)), in_tree, avals,
                                    f"staging ({self.kind} function {name})")
        return nondiff, flat, in_tree, j, consts, out_tree


# ----- custom_jvp ---------------------------------------------------------------------------

# custom_jvp_call(*consts, *xs) = call_jaxpr(*consts, *xs); d custom_jvp_call = the user's rule
custom_jvp_call_p = Primitive("custom_jvp_call", multiple_results=True)


@custom_jvp_call_p.def_impl
def _custom_jvp_call_impl(*args, call_jaxpr, jvp, num_consts):
    return run_concrete(call_jaxpr, args)


@custom_jvp_call_p.def_abstract_eval
def _custom_jvp_call_abstract(*avals, call_jaxpr, jvp, num_consts):
    return list(call_jaxpr.out_avals)


@custom_jvp_call_p.def_jvp
def _custom_jvp_call_jvp(primals, tangents, *, call_jaxpr, jvp, num_consts):
    if any(type(t) is not Zero for t in tangents[:num_consts]):
        raise _closure_error("custom_jvp", jvp.fun_name)
    xs = list(primals[num_consts:])
    ts = [_zeros(t.aval) if type(t) is Zero else t for t in tangents[num_consts:]]
    outs, t_outs = jvp(xs, ts)
    return outs, [t if _inexact(get_aval(o)) else Zero.from_value(o)
                  for o, t in zip(outs, t_outs)]


@custom_jvp_call_p.def_batch
def _custom_jvp_call_batch(args, dims, *, call_jaxpr, jvp, num_consts):
    size = _axis_size(args, dims)
    batched = [d is not None for d in dims]
    call_b, _ = batch_jaxpr(call_jaxpr, size, batched, True)
    outs = bind(custom_jvp_call_p, *_front(args, dims), call_jaxpr=call_b,
                jvp=_BatchedJVP(jvp, size, batched[num_consts:]), num_consts=num_consts)
    return outs, [0] * len(outs)


class _FlatJVP:
    """The user's JVP rule on flat lists, checking what it returns against the function."""

    def __init__(self, owner: custom_jvp, nondiff: dict, in_tree: PyTreeDef,
                 out_tree: PyTreeDef, out_avals: Sequence[ShapedArray]):
        self.owner = owner
        self.nondiff = nondiff
        self.in_tree = in_tree
        self.out_tree = out_tree
        self.out_avals = list(out_avals)
        self.__name__ = fun_name(owner.jvp)
        self.fun_name = fun_name(owner.fun)

    def __call__(self, primals: list, tangents: list):
        rule = self.owner.jvp
        p_args = tree_unflatten(self.in_tree, primals)
        t_args = tree_unflatten(self.in_tree, tangents)
        nd = [self.nondiff[i] for i in sorted(self.nondiff)]
        out = rule(*nd, tuple(p_args), tuple(t_args))
        where = f"Custom JVP rule {fun_where(rule)} for function {fun_where(self.owner.fun)}"
        p_flat = _check_primal_pair(where, "primal and tangent outputs", out, self)
        t_flat, t_tree = tree_flatten(out[1])
        if t_tree != self.out_tree:
            raise CustomRuleError(
                f"{where} must produce primal and tangent outputs with equal container "
                f"(pytree) structures, but got {self.out_tree} and {t_tree} respectively."
            )
        return p_flat, [_match_tangent(where, i, t, a)
                        for i, (t, a) in enumerate(zip(t_flat, self.out_avals))]


def _match_tangent(where: str, i: int, t, aval: ShapedArray):
    ta = get_aval(t)
    if ta.shape != aval.shape or (ta.dtype != aval.dtype and not ta.weak_type
                                  and _inexact(aval)):
        raise CustomRuleError(
            f"{where} must produce primal and tangent outputs with corresponding shapes and "
            f"dtypes, but output {i} has primal {aval.str_short()} and tangent "
            f"{ta.str_short()}. Return a tangent of the primal output's shape and dtype "
            "(sum out or broadcast the axes that differ; cast with .astype)."
        )
    if _inexact(aval) and (ta.dtype != aval.dtype or ta.weak_type):
        return convert_element_type(t, aval.dtype)
    return t


def _check_primal_pair(where: str, what: str, out, wrapper) -> list:
    """`out` must be a pair whose first element has the function's output structure and
    types; returns that element's leaves."""
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise CustomRuleError(
            f"{where} must produce a pair (list or tuple of length two) of {what}, but got "
            f"{_describe(out)}."
        )
    flat, tree = tree_flatten(out[0])
    if tree != wrapper.out_tree:
        raise CustomRuleError(
            f"{where} must produce a primal output with the same container (pytree) structure "
            f"as the function's output: {wrapper.fun_name} returns {wrapper.out_tree} but the "
            f"rule returned {tree}."
        )
    for i, (p, a) in enumerate(zip(flat, wrapper.out_avals)):
        pa = get_aval(p)
        if (pa.shape, pa.dtype) != (a.shape, a.dtype):
            raise CustomRuleError(
                f"{where} must produce primal outputs with the same shapes and dtypes as the "
                f"function: output {i} of {wrapper.fun_name} is {a.str_short()} but the rule "
                f"returned {pa.str_short()}."
            )
    return flat


def _describe(x) -> str:
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of length {len(x)}"
    return f"a value of type {type(x).__name__}"


class _BatchedJVP:
    """A JVP rule applied to batched values: primals and their tangents are batched (along
    axis 0) where `in_batched` says, and every output is batched along axis 0."""

    def __init__(self, inner, size: int, in_batched: Sequence[bool]):
        self.inner = inner
        self.size = size
        self.in_batched = list(in_batched)
        self.__name__ = inner.__name__
        self.fun_name = inner.fun_name

    def __call__(self, primals: list, tangents: list):
        n = len(primals)
        box = []

        def f(*xs):
            outs, t_outs = self.inner(list(xs[:n]), list(xs[n:]))
            box.append(len(outs))
            return list(outs) + list(t_outs)

        vals, dims = batch_flat(f, primals + tangents, _dims(self.in_batched) * 2, self.size)
        moved = [move_bdim(v, d, 0, self.size) for v, d in zip(vals, dims)]
        return moved[:box[0]], moved[box[0]:]


class custom_jvp(_CustomFunction):
    """A function with a user-defined JVP rule, like jax.custom_jvp.

        @custom_jvp
        def f(x): ...

        @f.defjvp
        def f_jvp(primals, tangents):
            (x,), (t,) = primals, tangents
            return f(x), ...

    With `nondiff_argnums`, those arguments (static values such as functions or Python
    numbers, not arrays to differentiate) are passed to the rule first:
    `f_jvp(*nondiff_args, primals, tangents)`.
    """

    kind = "custom_jvp"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        super().__init__(fun, nondiff_argnums)
        self.jvp: Callable | None = None

    def defjvp(self, jvp: Callable, symbolic_zeros: bool = False) -> Callable:
        if symbolic_zeros:
            raise NotImplementedError("custom_jvp.defjvp(symbolic_zeros=True) is not supported")
        self.jvp = jvp
        return jvp

    def defjvps(self, *jvps: Callable | None) -> None:
        """One rule per argument, `jvp_i(t_i, primal_out, *primals)`; None marks an argument
        with no derivative. The output tangent is their sum."""
        if self.nondiff_argnums:
            raise TypeError("custom_jvp.defjvps cannot be used with nondiff_argnums; use defjvp")

        def jvp(primals, tangents):
            ans = self(*primals)
            out = None
            for rule, t in zip(jvps, tangents):
                if rule is None:
                    continue
                c = rule(t, ans, *primals)
                out = c if out is None else tree_map(add, out, c)
            if out is None:
                out = tree_map(lambda a: _zeros(get_aval(a)), ans)
            return ans, out

        jvp.__name__ = jvp.__qualname__ = f"defjvps of {fun_name(self.fun)}"
        self.defjvp(jvp)

    def __call__(self, *args, **kwargs):
        if self.jvp is None:
            raise AttributeError(
                f"No JVP defined for custom_jvp function {fun_name(self.fun)} using defjvp."
            )
        staged = self._stage(args, kwargs)
        if type(staged) is _Eager:
            return staged.value
        nondiff, flat, in_tree, j, consts, out_tree = staged
        rule = _FlatJVP(self, nondiff, in_tree, out_tree, j.out_avals)
        outs = bind(custom_jvp_call_p, *consts, *flat, call_jaxpr=j, jvp=rule,
                    num_consts=len(consts))
        return tree_unflatten(out_tree, outs)


# ----- custom_vjp ---------------------------------------------------------------------------

# custom_vjp_call(*consts, *xs) = call_jaxpr(*consts, *xs); d custom_vjp_call = custom_lin
# applied to fwd's residuals and the input tangents
custom_vjp_call_p = Primitive("custom_vjp_call", multiple_results=True)


@custom_vjp_call_p.def_impl
def _custom_vjp_call_impl(*args, call_jaxpr, fwd, num_consts):
    return run_concrete(call_jaxpr, args)


@custom_vjp_call_p.def_abstract_eval
def _custom_vjp_call_abstract(*avals, call_jaxpr, fwd, num_consts):
    return list(call_jaxpr.out_avals)


@custom_vjp_call_p.def_jvp
def _custom_vjp_call_jvp(primals, tangents, *, call_jaxpr, fwd, num_consts):
    if any(type(t) is not Zero for t in tangents[:num_consts]):
        raise _closure_error("custom_vjp", fwd.fun_name)
    outs, res, bwd = fwd(list(primals[num_consts:]))
    ts = [_zeros(t.aval) if type(t) is Zero else t for t in tangents[num_consts:]]
    out_avals = tuple(get_aval(o).strip_weak() for o in outs)
    t_outs = bind(custom_lin_p, *res, *ts, num_res=len(res), bwd=bwd, out_avals=out_avals)
    return outs, [t if _inexact(a) else Zero(a) for t, a in zip(t_outs, out_avals)]


@custom_vjp_call_p.def_batch
def _custom_vjp_call_batch(args, dims, *, call_jaxpr, fwd, num_consts):
    size = _axis_size(args, dims)
    batched = [d is not None for d in dims]
    call_b, _ = batch_jaxpr(call_jaxpr, size, batched, True)
    outs = bind(custom_vjp_call_p, *_front(args, dims), call_jaxpr=call_b,
                fwd=_BatchedFwd(fwd, size, batched[num_consts:]), num_consts=num_consts)
    return outs, [0] * len(outs)


# custom_lin(*res, *ts): the linear map whose transpose is the user's bwd at the residuals
custom_lin_p = Primitive("custom_lin", multiple_results=True)


def _forward_mode_error(bwd) -> CustomRuleError:
    return CustomRuleError(
        f"can't apply forward-mode autodiff (jvp) to a custom_vjp function ({bwd.fun_name}). "
        "A custom_vjp defines reverse mode only: use grad/vjp/jacrev, or define the function "
        "with custom_jvp to support forward mode."
    )


@custom_lin_p.def_impl
def _custom_lin_impl(*args, num_res, bwd, out_avals):
    raise _forward_mode_error(bwd)


@custom_lin_p.def_jvp
def _custom_lin_jvp(primals, tangents, *, num_res, bwd, out_avals):
    raise _forward_mode_error(bwd)


@custom_lin_p.def_abstract_eval
def _custom_lin_abstract(*avals, num_res, bwd, out_avals):
    return list(out_avals)


@custom_lin_p.def_transpose
def _custom_lin_transpose(cts, *args, num_res, bwd, out_avals):
    res, lin = args[:num_res], args[num_res:]
    cts = [_zeros(a) if type(c) is Zero else c for c, a in zip(cts, out_avals)]
    cts_in = bwd(list(res), cts)
    return [None] * num_res + [c if is_undefined(x) else None for x, c in zip(lin, cts_in)]


@custom_lin_p.def_batch
def _custom_lin_batch(args, dims, *, num_res, bwd, out_avals):
    size = _axis_size(args, dims)
    avals = tuple(ShapedArray((size,) + a.shape, a.dtype) for a in out_avals)
    batched = [d is not None for d in dims]
    bwd_b = _BatchedBwd(bwd, size, batched[:num_res], [True] * len(avals), batched[num_res:])
    outs = bind(custom_lin_p, *_front(args, dims), num_res=num_res, bwd=bwd_b, out_avals=avals)
    return outs, [0] * len(outs)


class _FlatFwd:
    """The user's fwd on flat lists: returns (outputs, residuals, the matching bwd)."""

    def __init__(self, owner: custom_vjp, nondiff: dict, in_tree: PyTreeDef,
                 out_tree: PyTreeDef, out_avals, in_avals):
        self.owner = owner
        self.nondiff = nondiff
        self.in_tree = in_tree
        self.out_tree = out_tree
        self.out_avals = list(out_avals)
        self.in_avals = list(in_avals)
        self.__name__ = fun_name(owner.fwd)
        self.fun_name = fun_name(owner.fun)

    def __call__(self, primals: list):
        args = _merge(self.nondiff, tree_unflatten(self.in_tree, primals))
        out = self.owner.fwd(*args)
        where = (f"Custom VJP fwd rule {fun_where(self.owner.fwd)} for function "
                 f"{fun_where(self.owner.fun)}")
        o_flat = _check_primal_pair(
            where, "the primal output and the residuals for the backward pass", out, self)
        r_flat, r_tree = tree_flatten(out[1])
        for r in r_flat:
            try:
                get_aval(r)
            except TypeError as e:
                raise CustomRuleError(
                    f"{where} returned a residual that is not an array: {e}"
                ) from None
        return o_flat, r_flat, _FlatBwd(self, r_tree)


class _FlatBwd:
    """The user's bwd on flat lists, checking its cotangents against the primal inputs."""

    def __init__(self, fwd: _FlatFwd, res_tree: PyTreeDef):
        self.fwd = fwd
        self.res_tree = res_tree
        self.__name__ = fun_name(fwd.owner.bwd)
        self.fun_name = fwd.fun_name

    def __call__(self, res: list, cts: list) -> list:
        f = self.fwd
        nd = [f.nondiff[i] for i in sorted(f.nondiff)]
        out = f.owner.bwd(*nd, tree_unflatten(self.res_tree, res),
                          tree_unflatten(f.out_tree, cts))
        arg_trees = f.in_tree.children()
        where = (f"Custom VJP bwd rule {fun_where(f.owner.bwd)} for function "
                 f"{fun_where(f.owner.fun)}")
        if not isinstance(out, (tuple, list)) or len(out) != len(arg_trees):
            raise CustomRuleError(
                f"{where} must produce a tuple of length equal to the number of (non-"
                f"nondiff_argnums) arguments of the primal function, {len(arg_trees)}, but "
                f"got {_describe(out)}."
            )
        flat: list[Any] = []
        for k, (ct, tree) in enumerate(zip(out, arg_trees)):
            if ct is None:
                flat += [None] * tree.num_leaves
                continue
            leaves, ct_tree = tree_flatten(ct, is_leaf=lambda x: x is None)
            if len(leaves) != tree.num_leaves or (
                    ct_tree != tree and tree_flatten(ct)[1] != tree):
                raise CustomRuleError(
                    f"{where} must produce an output with the same container (pytree) "
                    f"structure as the args tuple of the primal function, but output {k} is "
                    f"{ct_tree} while argument {k} is {tree}."
                )
            flat += leaves
        return [_match_ct(where, i, c, a) for i, (c, a) in enumerate(zip(flat, f.in_avals))]


def _match_ct(where: str, i: int, ct, aval: ShapedArray):
    if ct is None or not _inexact(aval):
        return _zeros(aval)
    ca = get_aval(ct)
    if ca.shape != aval.shape:
        raise CustomRuleError(
            f"{where} must produce cotangents with the shapes of the primal inputs, but for "
            f"input leaf {i} of type {aval.str_short()} it produced {ca.str_short()}. Return "
            "one cotangent per input with that input's shape: where the input was broadcast "
            "in the forward pass, sum the cotangent over the broadcast axes "
            "(ct.sum(axis=..., keepdims=True)), or reshape it."
        )
    if ca.dtype != aval.dtype or ca.weak_type:
        if not _inexact(ca):
            raise CustomRuleError(
                f"{where} produced a cotangent of dtype {ca.dtype.name} for input leaf {i} of "
                f"type {aval.str_short()}; cotangents must be floating point."
            )
        return convert_element_type(ct, aval.dtype)
    return ct


class _BatchedFwd:
    """fwd under vmap: outputs and residuals always batched along axis 0."""

    def __init__(self, inner, size: int, in_batched: Sequence[bool]):
        self.inner = inner
        self.size = size
        self.in_batched = list(in_batched)
        self.__name__ = inner.__name__
        self.fun_name = inner.fun_name

    def __call__(self, primals: list):
        box = []

        def f(*xs):
            outs, res, bwd = self.inner(list(xs))
            box.append((len(outs), bwd))
            return list(outs) + list(res)

        vals, dims = batch_flat(f, primals, _dims(self.in_batched), self.size)
        moved = [move_bdim(v, d, 0, self.size) for v, d in zip(vals, dims)]
        n_out, bwd = box[0]
        res = moved[n_out:]
        bwd_b = _BatchedBwd(bwd, self.size, [True] * len(res), [True] * n_out, self.in_batched)
        return moved[:n_out], res, bwd_b


class _BatchedBwd:
    """bwd under vmap. A primal input that was not batched was shared by every member, so
    its cotangent is the sum of the members' cotangents."""

    def __init__(self, inner, size: int, res_batched, cts_batched, in_batched):
        self.inner = inner
        self.size = size
        self.res_batched = list(res_batched)
        self.cts_batched = list(cts_batched)
        self.in_batched = list(in_batched)
        self.__name__ = inner.__name__
        self.fun_name = inner.fun_name

    def __call__(self, res: list, cts: list) -> list:
        nr = len(res)

        def f(*xs):
            return self.inner(list(xs[:nr]), list(xs[nr:]))

        vals, dims = batch_flat(f, list(res) + list(cts),
                                _dims(self.res_batched + self.cts_batched), self.size)
        out = []
        for v, d, b in zip(vals, dims, self.in_batched):
            if b:
                out.append(move_bdim(v, d, 0, self.size))
            elif d is None:
                out.append(v)
            else:
                out.append(reduce_sum(bdim_to_front(v, d), (0,)))
        return out


class custom_vjp(_CustomFunction):
    """A function with a user-defined VJP, like jax.custom_vjp.

        @custom_vjp
        def f(x): ...
        def f_fwd(x): return f(x), residuals
        def f_bwd(residuals, g): return (cotangent_of_x,)
        f.defvjp(f_fwd, f_bwd)

    fwd takes the same arguments as f; bwd returns one cotangent per argument (None for
    zero). With `nondiff_argnums`, bwd receives those arguments first:
    `f_bwd(*nondiff_args, residuals, g)`.
    """

    kind = "custom_vjp"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        super().__init__(fun, nondiff_argnums)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None

    def defvjp(self, fwd: Callable, bwd: Callable, symbolic_zeros: bool = False) -> None:
        if symbolic_zeros:
            raise NotImplementedError("custom_vjp.defvjp(symbolic_zeros=True) is not supported")
        self.fwd = fwd
        self.bwd = bwd

    def __call__(self, *args, **kwargs):
        if self.fwd is None:
            raise AttributeError(
                f"No VJP defined for custom_vjp function {fun_name(self.fun)} using defvjp."
            )
        staged = self._stage(args, kwargs)
        if type(staged) is _Eager:
            return staged.value
        nondiff, flat, in_tree, j, consts, out_tree = staged
        fwd = _FlatFwd(self, nondiff, in_tree, out_tree, j.out_avals,
                       [get_aval(x).strip_weak() for x in flat])
        outs = bind(custom_vjp_call_p, *consts, *flat, call_jaxpr=j, fwd=fwd,
                    num_consts=len(consts))
        return tree_unflatten(out_tree, outs)


# ----- shared plumbing ----------------------------------------------------------------------


def _resolve_kwargs(fun: Callable, args: tuple, kwargs: dict) -> tuple:
    if not kwargs:
        return args
    try:
        bound = inspect.signature(fun).bind(*args, **kwargs)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{fun_name(fun)}: {e}") from None
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(
            f"keyword-only arguments {sorted(bound.kwargs)} are not supported by custom "
            f"derivative function {fun_name(fun)}; pass them positionally."
        )
    return bound.args


def _split_nondiff(args: tuple, nums: tuple, kind: str, name: str):
    n = len(args)
    nums = tuple(i % n if -n <= i < n else i for i in nums)
    for i in nums:
        if not 0 <= i < n:
            raise ValueError(
                f"{kind} function {name} has nondiff_argnums={nums} but was called with {n} "
                "positional arguments."
            )
        if any(isinstance(x, Tracer) for x in tree_leaves(args[i])):
            raise CustomRuleError(
                f"Argument {i} of {kind} function {name} is marked non-differentiable by "
                "nondiff_argnums but is a traced array. nondiff_argnums is for values that "
                "are not arrays being transformed (functions, Python numbers, static "
                "configuration); pass arrays as ordinary arguments (their derivative can be "
                "returned as zero by the rule)."
            )
    nondiff = {i: args[i] for i in nums}
    diff = [a for i, a in enumerate(args) if i not in nondiff]
    return nondiff, diff


def _merge(nondiff: dict, diff) -> list:
    diff = list(diff)
    out, it = [], iter(diff)
    for i in range(len(diff) + len(nondiff)):
        out.append(nondiff[i] if i in nondiff else next(it))
    return out


def _arg_avals(flat, kind: str, name: str) -> list[ShapedArray]:
    avals = []
    for x in flat:
        try:
            avals.append(get_aval(x))
        except TypeError as e:
            raise TypeError(
                f"{kind} function {name} was called with a non-array argument: {e} Mark "
                "non-array arguments with nondiff_argnums."
            ) from None
    return avals
