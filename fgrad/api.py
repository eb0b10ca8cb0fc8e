"""L5: the public transforms. Each is pytree and argnums plumbing around a flat core from
`fgrad.interpreters`; no derivative logic lives here."""

from __future__ import annotations

import functools
from typing import Callable, Sequence

import numpy as np

from fgrad import prims
from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.ir import ClosedJaxpr, dce_jaxpr
from fgrad.core.markers import Zero
from fgrad.core.trace import current_trace, new_trace
from fgrad.interpreters.jvp import jvp_flat
from fgrad.interpreters.partial_eval import linearize_flat
from fgrad.interpreters.staging import StagingTrace, prune_consts, trace_to_jaxpr
from fgrad.interpreters.tape import tape_available, tape_vjp_flat
from fgrad.interpreters.transpose import backward_pass
from fgrad.tree_util import (
    tree_flatten,
    tree_map,
    tree_unflatten,
    treedef_is_leaf,
)

__all__ = [
    "grad",
    "value_and_grad",
    "vjp",
    "jvp",
    "linearize",
    "linear_transpose",
    "make_jaxpr",
    "stop_gradient",
]


# ----- argument plumbing -----------------------------------------------------------------


def _normalize_argnums(argnums, nargs: int, fname: str) -> tuple[int, ...]:
    single = isinstance(argnums, (int, np.integer))
    nums = (argnums,) if single else tuple(argnums)
    if not nums:
        raise ValueError(f"{fname}: argnums must name at least one argument, got ()")
    out = []
    for a in nums:
        if not isinstance(a, (int, np.integer)):
            raise TypeError(f"{fname}: argnums must be ints or tuples of ints, got {argnums!r}")
        if not -nargs <= a < nargs:
            raise ValueError(
                f"{fname}: argnums={argnums!r} refers to argument {a}, but the function was "
                f"called with {nargs} positional argument(s)."
            )
        out.append(int(a) % nargs)
    return tuple(out)


def _split_args(args, argnums):
    """The differentiated arguments, flat, and a function that puts new values back."""
    dyn = tuple(args[i] for i in argnums)
    flat, tree = tree_flatten(dyn)

    def rebuild(flat_vals):
        new = list(args)
        for i, v in zip(argnums, tree_unflatten(tree, flat_vals)):
            new[i] = v
        return new

    return flat, tree, rebuild


def _check_diff_inputs(flat, fname: str, *, allow_int: bool = False, holomorphic: bool = False,
                       real_only: bool = False):
    """JAX's input rules. `real_only` is forward mode's (jacfwd): a complex input is allowed
    only with holomorphic=True, since a Jacobian over the complex numbers exists only then."""
    for x in flat:
        aval = get_aval(x)
        kind = aval.dtype.kind
        if holomorphic and kind != "c":
            raise TypeError(
                f"{fname} with holomorphic=True requires inputs with complex dtype, but got "
                f"{aval.dtype.name}."
            )
        if real_only and not holomorphic and kind != "f":
            raise TypeError(
                f"{fname} requires real-valued inputs (float dtype), but got {aval.dtype.name}. "
                "For holomorphic differentiation, pass holomorphic=True. For differentiating "
                "non-holomorphic functions of complex inputs, use fgrad.jvp (or jacrev) "
                "directly."
            )
        if kind not in "fc" and not allow_int:
            raise TypeError(
                f"{fname} requires real- or complex-valued inputs (float or complex dtype), but "
                f"got {aval.dtype.name}{' (a Python int)' if type(x) is int else ''}. Pass "
                "floats (e.g. 1.0 instead of 1, or x.astype(float)), or use allow_int=True / "
                "vjp for integer inputs."
            )


def check_output_dtype(aval, fname: str, *, holomorphic: bool = False) -> None:
    """JAX's output rules for reverse-mode derivatives (grad, jacrev): a complex output needs
    holomorphic=True (then grad is the complex derivative f'(z), with a cotangent of 1), and
    holomorphic=True needs complex outputs."""
    kind = aval.dtype.kind
    if holomorphic:
        if kind != "c":
            raise TypeError(
                f"{fname} with holomorphic=True requires outputs with complex dtype, but got "
                f"{aval.dtype.name}."
            )
    elif kind == "c":
        raise TypeError(
            f"{fname} requires real-valued outputs (output dtype that is a sub-dtype of "
            f"np.floating), but got {aval.dtype.name}. For holomorphic differentiation, pass "
            "holomorphic=True. For differentiating a non-holomorphic complex-valued function "
            "f(x), use fgrad.vjp with a cotangent, or differentiate fnp.real(f(x)) and "
            "fnp.imag(f(x)) separately."
        )
    elif kind != "f":
        raise TypeError(
            f"{fname} requires a floating-point output, but the function returned "
            f"{aval.dtype.name}; it has no derivative (use fgrad.vjp for integer outputs)."
        )


def _wrap_scalar(x):
    """Results are numpy arrays or numpy scalars, as numpy's own functions return them."""
    if type(x) is Zero:
        return np.zeros(x.aval.shape, x.aval.dtype)
    return x



# ----- reverse mode ------------------------------------------------------------------------


def _vjp_core(fun_flat, flat_primals):
    """Linearize, then return outputs and a pullback from output cotangents (a flat list).

    At the top level the tape (cached per-primitive linearizations) does the same job without
    tracing every operation; under an outer transform the general linearize runs."""
    if tape_available():
        res = tape_vjp_flat(fun_flat, flat_primals)
        if res is not None:
            primals_out, tape_pullback = res
            return primals_out, tape_pullback, _TapeInfo(flat_primals, primals_out)
    primals_out, lin = linearize_flat(fun_flat, flat_primals)

    def pullback(cts, consume=False):
        live = [ct for ct, z in zip(cts, lin.out_zero) if not z]
        j = lin.jaxpr
        if j.jaxpr.eqns or j.jaxpr.outvars:
            cts_lin = backward_pass(j.jaxpr, j.consts, live, consume=consume)
        else:
            cts_lin = [Zero(v.aval) for v in j.jaxpr.invars]
        it = iter(cts_lin)
        out = []
        for aval in lin.in_avals:
            if aval is None:
                out.append(None)
            else:
                out.append(next(it))
        return out

    return primals_out, pullback, lin


def _scalar_output(out):
    """grad differentiates one array; a container (or a registered pytree) is refused, never
    silently treated as a constant."""
    leaves, tree = tree_flatten(out)
    if len(leaves) != 1 or not treedef_is_leaf(tree):
        raise TypeError(
            "Gradient only defined for scalar-output functions. Output was "
            f"{type(out).__name__} {tree}; return a single scalar array (use vjp or jacrev "
            "for several outputs)."
        )
    return out


class _TapeInfo:
    """What callers of _vjp_core read from a LinearFunction, for the tape path."""

    __slots__ = ("in_avals", "out_avals", "out_zero")

    def __init__(self, primals, outs):
        self.in_avals = [
            get_aval(p).strip_weak() if get_aval(p).dtype.kind in "fc" else None for p in primals
        ]
        self.out_avals = [get_aval(o).strip_weak() for o in outs]
        self.out_zero = [False] * len(outs)


def value_and_grad(
    fun: Callable,
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    allow_int: bool = False,
) -> Callable:
    """Value and gradient of a scalar-output function, like jax.value_and_grad."""

    @functools.wraps(fun)
    def value_and_grad_f(*args, **kwargs):
        nums = _normalize_argnums(argnums, len(args), "grad")
        flat, tree, rebuild = _split_args(args, nums)
        _check_diff_inputs(flat, "grad", allow_int=allow_int, holomorphic=holomorphic)
        aux_box = []

        def flat_fun(*xs):
            out = fun(*rebuild(list(xs)), **kwargs)
            if has_aux:
                if not (isinstance(out, (tuple, list)) and len(out) == 2):
                    raise TypeError(
                        "has_aux=True requires the function to return a pair (output, aux), "
                        f"got {type(out).__name__}."
                    )
                out, aux = out
                aux_leaves, aux_tree = tree_flatten(aux)
                aux_box.append(aux_tree)
                return [_scalar_output(out)] + aux_leaves
            return [_scalar_output(out)]

        outs, pullback, lin = _vjp_core(flat_fun, flat)
        out = outs[0]
        aval = lin.out_avals[0]
        if aval.shape != ():
            raise TypeError(
                "Gradient only defined for scalar-output functions. Output had shape: "
                f"{aval.shape}. Reduce it (e.g. .sum()) or use vjp / jacrev for non-scalar outputs."
            )
        check_output_dtype(aval, "grad", holomorphic=holomorphic)
        ct = np.ones((), aval.dtype)
        # called once: the pullback may free what it has used as it goes
        cts = pullback([ct] + [Zero(a) for a in lin.out_avals[1:]], consume=True)
        grads = [
            np.zeros(np.shape(x), get_aval(x).dtype) if c is None else _wrap_scalar(c)
            for x, c in zip(flat, cts)
        ]
        g = tree_unflatten(tree, grads)
        g = g[0] if isinstance(argnums, (int, np.integer)) else g
        if has_aux:
            aux = tree_unflatten(aux_box[-1], outs[1:])
            return (out, aux), g
        return out, g

    return value_and_grad_f


def grad(
    fun: Callable,
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    allow_int: bool = False,
) -> Callable:
    """Gradient of a scalar-output function, like jax.grad."""
    vg = value_and_grad(fun, argnums, has_aux=has_aux, holomorphic=holomorphic, allow_int=allow_int)

    @functools.wraps(fun)
    def grad_f(*args, **kwargs):
        (_, aux), g = vg(*args, **kwargs) if has_aux else ((None, None), vg(*args, **kwargs)[1])
        return (g, aux) if has_aux else g

    return grad_f


def vjp(fun: Callable, *primals, has_aux: bool = False):
    """(out, vjp_fun) or (out, vjp_fun, aux): vjp_fun maps an output cotangent to a tuple of
    input cotangents."""
    flat, in_tree = tree_flatten(primals)
    box = []

    def flat_fun(*xs):
        out = fun(*tree_unflatten(in_tree, list(xs)))
        if has_aux:
            out, aux = out
            aux_leaves, aux_tree = tree_flatten(aux)
            box.append(aux_tree)
        leaves, out_tree = tree_flatten(out)
        box.insert(0, (out_tree, len(leaves)))
        return leaves + (aux_leaves if has_aux else [])

    outs, pullback, lin = _vjp_core(flat_fun, flat)
    out_tree, n_out = box[0]
    out_avals = lin.out_avals[:n_out]

    def vjp_fun(ct):
        ct_leaves, ct_tree = tree_flatten(ct)
        if ct_tree != out_tree:
            raise TypeError(
                "The cotangent passed to the vjp function must have the same tree structure as "
                f"the primal output: expected {out_tree}, got {ct_tree}."
            )
        for i, (c, a) in enumerate(zip(ct_leaves, out_avals)):
            ca = get_aval(c)
            if ca.shape != a.shape:
                raise ValueError(
                    f"The cotangent for output {i} has shape {ca.shape}, but the primal output "
                    f"has shape {a.shape}; they must match."
                )
        cts = [
            prims.convert_element_type(c, a.dtype) if get_aval(c).dtype != a.dtype else c
            for c, a in zip(ct_leaves, out_avals)
        ] + [Zero(a) for a in lin.out_avals[n_out:]]
        res = pullback(cts)
        res = [
            np.zeros(np.shape(x), get_aval(x).dtype) if c is None else _wrap_scalar(c)
            for x, c in zip(flat, res)
        ]
        return tuple(tree_unflatten(in_tree, res))

    primal_out = tree_unflatten(out_tree, outs[:n_out])
    if has_aux:
        return primal_out, vjp_fun, tree_unflatten(box[1], outs[n_out:])
    return primal_out, vjp_fun


# ----- forward mode ------------------------------------------------------------------------


def _check_tangents(primals, tangents):
    p_flat, p_tree = tree_flatten(primals)
    t_flat, t_tree = tree_flatten(tangents)
    if p_tree != t_tree:
        raise TypeError(
            f"primal and tangent arguments to jvp must have the same tree structure; got "
            f"primals {p_tree} and tangents {t_tree}."
        )
    for p, t in zip(p_flat, t_flat):
        pa, ta = get_aval(p), get_aval(t)
        if pa.shape != ta.shape:
            raise ValueError(
                f"jvp called with a tangent of shape {ta.shape} for a primal of shape {pa.shape}; "
                "each tangent must have its primal's shape."
            )
    return p_flat, p_tree, t_flat


def jvp(fun: Callable, primals, tangents, has_aux: bool = False):
    """(primals_out, tangents_out) of `fun` at `primals` along `tangents`, like jax.jvp."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            "jvp expects primals and tangents as tuples or lists of arguments, e.g. "
            "jvp(f, (x,), (v,))."
        )
    p_flat, p_tree, t_flat = _check_tangents(tuple(primals), tuple(tangents))
    t_flat = [
        Zero(get_aval(p).strip_weak()) if get_aval(p).dtype.kind not in "fc" else
        (t if get_aval(t).dtype == get_aval(p).dtype else prims.convert_element_type(
            t, get_aval(p).dtype))
        for p, t in zip(p_flat, t_flat)
    ]
    box = []

    def flat_fun(*xs):
        out = fun(*tree_unflatten(p_tree, list(xs)))
        aux = None
        if has_aux:
            out, aux = out
        leaves, tree = tree_flatten(out)
        box.append((tree, len(leaves), aux))
        return leaves

    outs, touts = jvp_flat(flat_fun, p_flat, t_flat)
    tree, n, aux = box[0]
    res = (tree_unflatten(tree, outs), tree_unflatten(tree, touts))
    return res + (aux,) if has_aux else res


def linearize(fun: Callable, *primals):
    """(primals_out, f_jvp): f_jvp evaluates the linearized function, a staged linear jaxpr."""
    flat, in_tree = tree_flatten(primals)
    box = []

    def flat_fun(*xs):
        leaves, tree = tree_flatten(fun(*tree_unflatten(in_tree, list(xs))))
        box.append(tree)
        return leaves

    outs, lin = linearize_flat(flat_fun, flat)
    out_tree = box[0]

    def f_jvp(*tangents):
        t_flat, t_tree = tree_flatten(tangents)
        if t_tree != in_tree:
            raise TypeError(f"f_jvp expects tangents structured like {in_tree}, got {t_tree}")
        live = [t for t, a in zip(t_flat, lin.in_avals) if a is not None]
        res = iter(lin.jaxpr(*live))
        out = [
            np.zeros(a.shape, a.dtype) if z else next(res)
            for a, z in zip(lin.out_avals, lin.out_zero)
        ]
        return tree_unflatten(out_tree, out)

    f_jvp.jaxpr = lin.jaxpr
    return tree_unflatten(out_tree, outs), f_jvp


def linear_transpose(fun: Callable, *primals):
    """The transpose of a linear function, traced at the shapes and dtypes of `primals`."""
    flat, in_tree = tree_flatten(primals)
    in_avals = [get_aval(x).strip_weak() for x in flat]
    trace = StagingTrace(current_trace(), eval_known=True, label="linear_transpose")
    box = []
    with new_trace(trace):
        args = [trace.new_arg(a) for a in in_avals]
        trace.inputs = tuple(args)
        out = fun(*tree_unflatten(in_tree, args))
        leaves, out_tree = tree_flatten(out)
        closed = trace.to_jaxpr(args, leaves)
    closed = prune_consts(ClosedJaxpr(dce_jaxpr(closed.jaxpr), closed.consts))
    out_avals = [get_aval(x) for x in leaves]
    box.append(out_tree)

    def transposed(*cts):
        ct = cts[0] if len(cts) == 1 else cts
        ct_flat, ct_tree = tree_flatten(ct)
        if ct_tree != out_tree:
            raise TypeError(f"cotangent structure {ct_tree} does not match output {out_tree}")
        for c, a in zip(ct_flat, out_avals):
            if get_aval(c).shape != a.shape:
                raise ValueError(f"cotangent shape {get_aval(c).shape} != output shape {a.shape}")
        res = backward_pass(closed.jaxpr, closed.consts, ct_flat)
        return tuple(tree_unflatten(in_tree, [_wrap_scalar(r) for r in res]))

    return transposed


# ----- staging and utilities ---------------------------------------------------------------


def make_jaxpr(fun: Callable, static_argnums: int | Sequence[int] = (), return_shape: bool = False):
    """A function that returns the ClosedJaxpr of `fun` at the given arguments' avals."""
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    @functools.wraps(fun)
    def make(*args, **kwargs):
        dyn_idx = [i for i in range(len(args)) if i not in static]
        flat, tree = tree_flatten(tuple(args[i] for i in dyn_idx))
        box = []

        def flat_fun(*xs):
            new = list(args)
            for i, v in zip(dyn_idx, tree_unflatten(tree, list(xs))):
                new[i] = v
            leaves, out_tree = tree_flatten(fun(*new, **kwargs))
            box.append((out_tree, leaves))
            return leaves

        closed = trace_to_jaxpr(flat_fun, [get_aval(x) for x in flat])
        if return_shape:
            avals = [ShapedArray(a.shape, a.dtype) for a in closed.out_avals]
            shapes = tree_unflatten(box[0][0], avals)
            return closed, shapes
        return closed

    return make


def stop_gradient(x):
    """x with a zero derivative under every transform (a pytree of arrays)."""

    def stop(leaf):
        aval = get_aval(leaf)
        return prims.stop_gradient(leaf) if aval.dtype.kind in "fc" else leaf

    return tree_map(stop, x)
