"""What every higher-order primitive shares: staging a user's function into a jaxpr whose
closed-over values become explicit operands, running a body on concrete values, rearranging
a jaxpr's inputs and outputs, and the type checks whose messages name the user's functions.

Why closed-over values become operands: a body may close over a tracer of an enclosing
transform (`jvp(lambda x: cond(p, lambda: sin(x), ...))`). Left inside the jaxpr as a constant,
that tracer would be invisible to the transform's rule for the primitive, which would drop its
tangent or batch axis. As an operand it is transformed like any other input.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from fgrad._util import FGradError, user_frame
from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.ir import ClosedJaxpr, Jaxpr, Var, dce_jaxpr, eval_jaxpr
from fgrad.core.trace import EVAL_TRACE, current_trace, new_trace, set_current_trace
from fgrad.interpreters.staging import StagingTrace, prune_consts, trace_to_jaxpr
from fgrad.prims.arith import convert_element_type
from fgrad.tree_util import PyTreeDef, tree_flatten, tree_unflatten

__all__ = [
    "ControlFlowTypeError",
    "stage",
    "run_concrete",
    "concrete_runner",
    "rearrange",
    "same_type",
    "avals_of",
    "check_tree_and_types",
    "types_str",
    "fun_name",
    "fun_where",
    "promote_weak",
    "widen_inputs",
    "carry_fixed_point",
]


class ControlFlowTypeError(FGradError, TypeError):
    pass


def fun_name(f: Callable) -> str:
    return getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or repr(f)


def fun_where(f: Callable) -> str:
    """The user's function by name and where it is defined, for error messages."""
    code = getattr(getattr(f, "__wrapped__", f), "__code__", None)
    where = f" (defined at {code.co_filename}:{code.co_firstlineno})" if code else ""
    return fun_name(f) + where


def avals_of(xs: Sequence[Any]) -> list[ShapedArray]:
    return [get_aval(x) for x in xs]


def stage(
    fun: Callable, in_tree: PyTreeDef, in_avals: Sequence[ShapedArray], label: str
) -> tuple[ClosedJaxpr, list[Any], PyTreeDef]:
    """Stage `fun(*unflatten(in_tree, args))` into a jaxpr without constants.

    Returns (jaxpr, consts, out_tree): the jaxpr takes (consts..., args...); `consts` are the
    values `fun` closed over (arrays or tracers of enclosing transforms). `label` names the
    staging in errors, e.g. a Python `if` on a traced value inside a branch.
    """
    box: list[PyTreeDef] = []

    def flat_fun(*args):
        out = fun(*tree_unflatten(in_tree, list(args)))
        leaves, out_tree = tree_flatten(out)
        box.append(out_tree)
        return leaves

    trace = StagingTrace(current_trace(), label=label)
    trace.origin = user_frame()
    with new_trace(trace):
        args = [trace.new_arg(a) for a in in_avals]
        trace.inputs = tuple(args)
        outs = flat_fun(*args)
        for o in outs:
            get_aval(o)  # a non-array leaf (a string, None inside a list, ...) fails clearly
        closed = trace.to_jaxpr(args, list(outs))
    closed = prune_consts(ClosedJaxpr(dce_jaxpr(closed.jaxpr), closed.consts))
    j = closed.jaxpr
    hoisted = Jaxpr([], list(j.constvars) + list(j.invars), j.eqns, j.outvars)
    return ClosedJaxpr(hoisted, []), list(closed.consts), box[0]


def run_concrete(closed: ClosedJaxpr, args: Sequence[Any]) -> list[Any]:
    """Evaluate a body on concrete values (inside an impl): numpy only, whatever trace called
    the impl, so an impl never re-enters a transform."""
    with set_current_trace(EVAL_TRACE):
        return eval_jaxpr(closed.jaxpr, closed.consts, *args)


def concrete_runner(closed: ClosedJaxpr, fixed: Sequence[Any] = ()
                    ) -> Callable[[Sequence[Any]], list[Any]]:
    """A function of the remaining inputs evaluating `closed` on concrete values, its first
    inputs bound to `fixed`, by calling each equation's impl.

    Loop impls build it once and call it every iteration: equations that read only `fixed`
    values and constants (loop invariants, such as a constant broadcast to the carry's shape)
    run once here, and an iteration costs the other impls and a dict, not a dispatch through
    bind per equation (which would end in the same impls).
    """
    j = closed.jaxpr
    base = dict(zip(j.constvars, closed.consts))
    base.update(zip(j.invars, fixed))
    eqns = []
    for e in j.eqns:
        if all(type(a) is not Var or a in base for a in e.invars):
            out = e.prim.impl(*[base[a] if type(a) is Var else a.val for a in e.invars],
                              **e.params)
            base.update(zip(e.outvars, out if e.prim.multiple_results else [out]))
        else:
            eqns.append((e.prim.impl, e.prim.multiple_results, e.invars, e.outvars, e.params))
    invars, outvars = j.invars[len(fixed):], j.outvars

    def run(args: Sequence[Any]) -> list[Any]:
        env = dict(base)
        env.update(zip(invars, args))
        for impl, multiple, ins, outs, params in eqns:
            out = impl(*[env[a] if type(a) is Var else a.val for a in ins], **params)
            if multiple:
                env.update(zip(outs, out))
            else:
                env[outs[0]] = out
        return [env[a] if type(a) is Var else a.val for a in outvars]

    return run


def rearrange(
    closed: ClosedJaxpr,
    in_order: Sequence[int],
    out_order: Sequence[int] | None = None,
) -> ClosedJaxpr:
    """A jaxpr whose input j is input `in_order[j]` of `closed` (every input appears once) and
    whose output k is output `out_order[k]`. Built by staging a call, so no hand surgery on
    variables is needed and the result is type-correct by construction."""
    n = len(closed.in_avals)
    if sorted(in_order) != list(range(n)):
        raise ValueError(f"rearrange: {list(in_order)} is not a permutation of {n} inputs")
    avals = [closed.in_avals[i] for i in in_order]

    def f(*xs):
        old: list[Any] = [None] * n
        for j, i in enumerate(in_order):
            old[i] = xs[j]
        outs = closed(*old)
        return outs if out_order is None else [outs[k] for k in out_order]

    return trace_to_jaxpr(f, avals)


def same_type(a: ShapedArray, b: ShapedArray) -> bool:
    """Types match up to weak typing (a Python scalar and an array of its dtype agree)."""
    return a.shape == b.shape and a.dtype == b.dtype


def types_str(avals: Sequence[ShapedArray]) -> str:
    return "(" + ", ".join(a.str_short() for a in avals) + ")"


def check_tree_and_types(
    what: str,
    name_a: str,
    tree_a: PyTreeDef,
    avals_a: Sequence[ShapedArray],
    name_b: str,
    tree_b: PyTreeDef,
    avals_b: Sequence[ShapedArray],
) -> None:
    """Raise a ControlFlowTypeError naming both structures or both types when they differ."""
    if tree_a != tree_b:
        raise ControlFlowTypeError(
            f"{what} must have identical structure: {name_a} is {tree_a} but {name_b} is "
            f"{tree_b}."
        )
    for i, (a, b) in enumerate(zip(avals_a, avals_b)):
        if not same_type(a, b):
            detail = "shapes" if a.shape != b.shape else "dtypes"
            full = (f" All leaves: {types_str(avals_a)} and {types_str(avals_b)}."
                    if len(avals_a) > 1 else "")
            raise ControlFlowTypeError(
                f"{what} must have identical types, but leaf {i} of the {name_a} has type "
                f"{a.str_short()} while the {name_b} has type {b.str_short()} (the {detail} "
                f"differ).{full}"
            )


def promote_weak(vals: Sequence[Any], in_avals: Sequence[ShapedArray],
                 out_avals: Sequence[ShapedArray]) -> tuple[list[Any], bool]:
    """Loop carries that start as weak Python scalars take the strong type the body returns
    (as in JAX), so `fori_loop(0, n, body, 0.0)` with an array-valued body is well typed."""
    changed = False
    new = []
    for v, a, b in zip(vals, in_avals, out_avals):
        if a.weak_type and not b.weak_type and same_type(a, b):
            v = convert_element_type(v, b.dtype)
            changed = True
        new.append(v)
    return new, changed


def widen_inputs(closed: ClosedJaxpr, before: Sequence[ShapedArray],
                 after: Sequence[ShapedArray], at: int) -> ClosedJaxpr:
    """Insert unused inputs: `before` ahead of input 0 and `after` ahead of input `at`. Lets
    branches that closed over different values share one operand list."""
    j = closed.jaxpr
    invars = ([Var(a) for a in before] + list(j.invars[:at]) + [Var(a) for a in after]
              + list(j.invars[at:]))
    return ClosedJaxpr(Jaxpr(j.constvars, invars, j.eqns, j.outvars), closed.consts)


def carry_fixed_point(step: Callable[[list[bool]], list[bool]], start: list[bool]) -> list[bool]:
    """Grow the set of carries with a property (nonzero tangent, batched, unknown) until the
    body maps it into itself: a carry that acquires the property in one iteration has it in
    all later ones."""
    flags = list(start)
    for _ in range(len(flags) + 1):
        out = step(flags)
        new = [a or b for a, b in zip(flags, out)]
        if new == flags:
            return flags
        flags = new
    return flags
