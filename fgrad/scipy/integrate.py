"""fgrad.scipy.integrate: `odeint`, jax.experimental.ode.odeint's solver on values that may be
traced.

The solver is the adaptive Dormand-Prince 5(4) Runge-Kutta method with Shampine's dense output
(a quartic through each accepted step, fitted to the step's end points, end slopes and a
fourth-order mid-point value), written with `fgrad.lax.while_loop` (the steps up to one output
time) inside `fgrad.lax.scan` (over the output times), so it runs under jit and vmap; under vmap
every member takes its own steps. Step-size control follows Hairer, Norsett & Wanner (Solving
ODEs I, II.4), with the same constants and initial-step heuristic as JAX, so the two take the
same steps.

Derivatives. The solve is a `custom_jvp` whose tangent is one linear operation, `odeint_tangent`:

- evaluated (jvp, jacfwd), it pushes the tangents through the solver's loops (the jvp of the
  while loop), i.e. the exact derivative of the computed solution for the accepted step sizes
  (the step-size controller is held constant: its error estimates only choose where to step);
- transposed (grad, vjp, jacrev), it runs the adjoint method: the augmented system
  (y, a = dL/dy, dL/dt0, dL/dargs) integrated backwards between output times, as in JAX's
  odeint. The backward solve is odeint again, so reverse mode can be nested.

Both are approximations of the exact sensitivities of the ODE, within the solver's tolerances;
they agree with each other and with JAX's reverse mode to that accuracy, not to rounding.
`func` may close over traced values (a parameter being differentiated): they are found by
staging `func` once and passed to the solver as extra arguments, so their derivatives are kept.
"""

from __future__ import annotations

import functools
from typing import Callable

import numpy as np

import fgrad.numpy as fnp
from fgrad import lax
from fgrad.api import vjp
from fgrad.control_flow.common import run_concrete, stage
from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.markers import Zero, is_undefined, zeros_like_aval
from fgrad.core.primitive import Primitive, bind
from fgrad.core.trace import Tracer
from fgrad.custom_derivatives import custom_jvp
from fgrad.interpreters.batching import batch_flat, move_bdim
from fgrad.interpreters.jaxpr_transforms import batch_jaxpr
from fgrad.interpreters.jvp import jvp_flat
from fgrad.interpreters.staging import trace_to_jaxpr
from fgrad.prims.reduce import reduce_sum
from fgrad.prims.shape import bdim_to_front
from fgrad.tree_util import tree_flatten, tree_leaves, tree_map, tree_unflatten

__all__ = ["odeint"]

# Dormand-Prince 5(4): stage times, the rows of the Runge-Kutta matrix, the fifth-order weights
# (also the last row: the seventh stage is f at the new point, reused as the next step's first)
# and the difference between the fifth- and fourth-order weights (the error estimate). The
# fourth-order weights are Shampine's (1986) member of the one-parameter family of embedded
# formulas, the one JAX uses (they satisfy the eight order-4 conditions).
_C = (1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_A = (
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
_B = (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0)
_B4 = (1951 / 21600, 0.0, 22642 / 50085, 451 / 720, -12231 / 42400, 649 / 6300, 1 / 60)
_E = tuple(b - b4 for b, b4 in zip(_B, _B4))
# Shampine (1986): weights of the stages giving y(t + h/2) to fourth order
_MID = (6025192743 / 30085553152 / 2, 0.0, 51252292925 / 65400821598 / 2,
        -2691868925 / 45128329728 / 2, 187940372067 / 1594534317056 / 2,
        -1776094331 / 19743644256 / 2, 11237099 / 235043384 / 2)

# step-size control: new h = h * clip(0.9 * ratio^(-1/5), 0.2 (1 once accepted), 10)
_SAFETY, _IFACTOR, _DFACTOR, _ORDER = 0.9, 10.0, 0.2, 5.0


def _weighted(h, weights, ks):
    """h * sum_j w_j k_j over the nonzero weights."""
    acc = None
    for w, k in zip(weights, ks):
        if w != 0.0:
            term = fnp.multiply(w, k)
            acc = term if acc is None else fnp.add(acc, term)
    return fnp.multiply(h, acc)


def _norm(x):
    return fnp.sqrt(fnp.sum(fnp.multiply(x, x)))


def _initial_step(f, t0, y0, f0, rtol, atol):
    """Hairer, Norsett & Wanner's starting step (order 4 in the exponent, as in JAX): h0 from
    the sizes of y0 and f0 relative to the tolerances, then limited by an estimate of the second
    derivative from one explicit Euler step."""
    scale = fnp.add(atol, fnp.multiply(fnp.abs(y0), rtol))
    d0 = _norm(fnp.true_divide(y0, scale))
    d1 = _norm(fnp.true_divide(f0, scale))
    tiny = fnp.logical_or(fnp.less(d0, 1e-5), fnp.less(d1, 1e-5))
    h0 = fnp.where(tiny, 1e-6, fnp.true_divide(fnp.multiply(0.01, d0),
                                               fnp.where(tiny, 1.0, d1)))
    y1 = fnp.add(y0, fnp.multiply(_cast(h0, y0), f0))
    f1 = f(y1, fnp.add(t0, _cast(h0, t0)))
    d2 = fnp.true_divide(_norm(fnp.true_divide(fnp.subtract(f1, f0), scale)), h0)
    dmax = fnp.maximum(d1, d2)
    flat = fnp.logical_and(fnp.less_equal(d1, 1e-15), fnp.less_equal(d2, 1e-15))
    h1 = fnp.where(flat, fnp.maximum(1e-6, fnp.multiply(h0, 1e-3)),
                   fnp.power(fnp.true_divide(0.01, fnp.where(flat, 1.0, dmax)), 1 / 5))
    return fnp.minimum(fnp.multiply(100.0, h0), h1)


def _cast(x, like):
    return fnp.asarray(x, dtype=fnp.result_type(like))


def _next_step(h, ratio):
    """The step after one with this error ratio (<= 1: accepted, and then never shrunk)."""
    floor = fnp.where(fnp.less(ratio, 1.0), 1.0, _DFACTOR)
    safe = fnp.where(fnp.equal(ratio, 0.0), 1.0, ratio)
    factor = fnp.minimum(_IFACTOR, fnp.maximum(
        fnp.multiply(fnp.power(safe, -1.0 / _ORDER), _SAFETY), floor))
    return _cast(fnp.multiply(h, fnp.where(fnp.equal(ratio, 0.0), _IFACTOR, factor)), h)


def _quartic(y0, y1, ymid, hf0, hf1):
    """Coefficients (a, b, c, d, e) of p(s) = a s^4 + b s^3 + c s^2 + d s + e on s in [0, 1]
    with p(0) = y0, p'(0) = hf0, p(1) = y1, p'(1) = hf1, p(1/2) = ymid. With
    r1 = y1 - y0 - hf0, r2 = hf1 - hf0, r3 = ymid - y0 - hf0/2 the conditions read
    a + b + c = r1, 4a + 3b + 2c = r2, a + 2b + 4c = 16 r3."""
    r1 = fnp.subtract(fnp.subtract(y1, y0), hf0)
    r2 = fnp.subtract(hf1, hf0)
    r3 = fnp.subtract(fnp.subtract(ymid, y0), fnp.multiply(0.5, hf0))
    a = fnp.add(fnp.subtract(fnp.multiply(16.0, r3), fnp.multiply(8.0, r1)),
                fnp.multiply(2.0, r2))
    b = fnp.subtract(fnp.subtract(r2, fnp.multiply(2.0, r1)), fnp.multiply(2.0, a))
    c = fnp.subtract(fnp.subtract(r1, a), b)
    return a, b, c, hf0, y0


def _horner(coeffs, s):
    acc = coeffs[0]
    for c in coeffs[1:]:
        acc = fnp.add(fnp.multiply(acc, s), c)
    return acc


def _solve(func, rtol, atol, mxstep, hmax, y0, ts, *args):
    """The solution at every time in ts (the first row is y0); y0 is a vector."""
    def f(y, t):
        return func(y, t, *args)

    t0 = ts[0]
    f0 = f(y0, t0)
    h = lax.stop_gradient(_cast(fnp.clip(_initial_step(f, t0, y0, f0, rtol, atol), 0.0, hmax),
                                t0))
    coeffs = (y0,) * 5

    def rk_step(y, fy, t, h):
        hy = _cast(h, y)
        ks = [fy]
        for c, row in zip(_C, _A):
            ks.append(f(fnp.add(y, _weighted(hy, row, ks)), fnp.add(t, fnp.multiply(h, c))))
        y1 = fnp.add(y, _weighted(hy, _B, ks))
        err = _weighted(hy, _E, ks)
        return y1, ks, err

    def advance(carry, target):
        def keep_going(state):
            i, _, _, t, h, _, _ = state
            return fnp.logical_and(fnp.logical_and(fnp.less(t, target), fnp.less(i, mxstep)),
                                   fnp.greater(h, 0.0))

        def step(state):
            i, y, fy, t, h, last_t, coeffs = state
            y1, ks, err = rk_step(y, fy, t, h)
            tol = fnp.add(atol, fnp.multiply(rtol, fnp.maximum(fnp.abs(y), fnp.abs(y1))))
            q = fnp.true_divide(err, tol)
            ratio = lax.stop_gradient(fnp.sqrt(fnp.mean(fnp.multiply(q, q))))
            hy = _cast(h, y)
            ymid = fnp.add(y, _weighted(hy, _MID, ks))
            new_coeffs = _quartic(y, y1, ymid, fnp.multiply(hy, fy), fnp.multiply(hy, ks[-1]))
            new_h = fnp.clip(_next_step(h, ratio), 0.0, hmax)
            ok = fnp.less_equal(ratio, 1.0)
            pick = lambda new, old: fnp.where(ok, new, old)  # noqa: E731
            return (fnp.add(i, 1), pick(y1, y), pick(ks[-1], fy), pick(fnp.add(t, h), t),
                    new_h, pick(t, last_t), tuple(pick(n, o) for n, o in zip(new_coeffs, coeffs)))

        y, fy, t, h, last_t, coeffs = carry
        state = lax.while_loop(keep_going, step, (np.int64(0), y, fy, t, h, last_t, coeffs))
        _, y, fy, t, h, last_t, coeffs = state
        s = fnp.true_divide(fnp.subtract(target, last_t), fnp.subtract(t, last_t))
        return (y, fy, t, h, last_t, coeffs), _horner(coeffs, _cast(s, y))

    _, ys = lax.scan(advance, (y0, f0, t0, h, t0, coeffs), ts[1:])
    return fnp.concatenate([fnp.expand_dims(y0, 0), ys], axis=0)


# ----- derivatives ----------------------------------------------------------------------------


def _inexact(x) -> bool:
    return get_aval(x).dtype.kind in "fc"


def _solve_jvp(func, opts, primals, tangents):
    """The tangent of the solution: the solver's loops differentiated in forward mode."""
    return jvp_flat(lambda *xs: [_solve(func, *opts, *xs)], list(primals), list(tangents))[1][0]


@functools.partial(custom_jvp, nondiff_argnums=(0, 1, 2, 3, 4))
def _odeint_core(func, rtol, atol, mxstep, hmax, y0, ts, *args):
    return _solve(func, rtol, atol, mxstep, hmax, y0, ts, *args)


@_odeint_core.defjvp
def _odeint_core_jvp(func, rtol, atol, mxstep, hmax, primals, tangents):
    opts = (rtol, atol, mxstep, hmax)
    ys = _odeint_core(func, *opts, *primals)
    diff = [_inexact(p) for p in primals]
    res = [ys, *primals]
    lin = [t for t, d in zip(tangents, diff) if d]
    n_res = len(res)
    avals = [get_aval(x).strip_weak() for x in res + lin]

    def forward(*xs):
        it = iter(xs[n_res:])
        ts_ = [next(it) if d else Zero(get_aval(p).strip_weak()) for p, d in zip(primals, diff)]
        ts_ = [zeros_like_aval(t.aval) if type(t) is Zero else t for t in ts_]
        return [_solve_jvp(func, opts, xs[1:n_res], ts_)]

    fwd = _Forward(lambda: trace_to_jaxpr(forward, avals), get_aval(ys).strip_weak())
    bwd = _Adjoint(func, opts, diff)
    return ys, bind(odeint_tangent_p, *res, *lin, fwd=fwd, bwd=bwd, num_res=n_res)


class _Forward:
    """The forward-mode tangent map as a jaxpr (residuals, tangents) -> tangent of ys, staged
    on first use: reverse mode only transposes the map and never needs it."""

    def __init__(self, build, out_aval: ShapedArray):
        self._build = build
        self._jaxpr = None
        self.out_aval = out_aval

    @property
    def jaxpr(self):
        if self._jaxpr is None:
            self._jaxpr = self._build()
            self._build = None
        return self._jaxpr


class _Adjoint:
    """The transpose of the solution's tangent map, by the adjoint method: given the cotangent
    g of ys, integrate (y, a, dL/dt0, dL/dargs) backwards from each output time to the previous
    one, where a = dL/dy(t) obeys da/dt = -a df/dy, and add g at each output time. The effect of
    moving an output time t_i is g_i . f(y_i, t_i). Returns the cotangents of y0, ts and the
    inexact args."""

    def __init__(self, func, opts, diff):
        self.func = func
        self.opts = opts
        self.diff = list(diff)

    def __call__(self, res, g):
        func = self.func
        rtol, atol, mxstep, hmax = self.opts
        ys, _, ts, *args = res
        which = [i for i, d in enumerate(self.diff[2:]) if d]

        def f_of(y, t, dargs):
            full = list(args)
            for i, a in zip(which, dargs):
                full[i] = a
            return func(y, t, *full)

        def aug(state, s, dargs):
            y, a, _, _ = state
            ydot, pullback = vjp(f_of, y, fnp.negative(s), dargs)
            a_y, a_t, a_args = pullback(a)
            return fnp.negative(ydot), a_y, a_t, a_args

        dargs = [args[i] for i in which]

        def back(carry, xs):
            a, t0_bar, args_bar = carry
            y_i, t_i, t_prev, g_i, g_prev = xs
            t_bar = fnp.sum(fnp.multiply(func(y_i, t_i, *args), g_i))
            t0_bar = fnp.subtract(t0_bar, t_bar)
            times = fnp.stack([fnp.negative(t_i), fnp.negative(t_prev)])
            out = odeint(aug, (y_i, a, t0_bar, args_bar), times, dargs, rtol=rtol, atol=atol,
                         mxstep=mxstep, hmax=hmax)
            _, a, t0_bar, args_bar = tree_map(lambda x: x[1], out)
            return (fnp.add(a, g_prev), t0_bar, args_bar), t_bar

        zero_t = fnp.zeros((), fnp.result_type(ts))
        init = (g[-1], zero_t, [fnp.zeros_like(x) for x in dargs])
        xs = (ys[1:], ts[1:], ts[:-1], g[1:], g[:-1])
        (a, t0_bar, args_bar), t_bars = lax.scan(back, init, xs, reverse=True)
        ts_bar = fnp.concatenate([fnp.expand_dims(t0_bar, 0), t_bars])
        out = [a, ts_bar]
        it = iter(args_bar)
        out += [next(it) for d in self.diff[2:] if d]
        return out


# odeint_tangent(*res, *tangents): the solution's tangent at the residuals (ys, y0, ts, args),
# linear in the tangents of y0, ts and the inexact args. Evaluated: the solver's forward-mode
# derivative (fwd); transposed: the adjoint method (bwd).
odeint_tangent_p = Primitive("odeint_tangent")


@odeint_tangent_p.def_impl
def _odeint_tangent_impl(*args, fwd, bwd, num_res):
    return run_concrete(fwd.jaxpr, args)[0]


@odeint_tangent_p.def_abstract_eval
def _odeint_tangent_abstract(*avals, fwd, bwd, num_res):
    return fwd.out_aval


@odeint_tangent_p.def_jvp
def _odeint_tangent_jvp(primals, tangents, *, fwd, bwd, num_res):
    params = dict(fwd=fwd, bwd=bwd, num_res=num_res)
    out = bind(odeint_tangent_p, *primals, **params)
    res_t, lin_t = tangents[:num_res], tangents[num_res:]
    if all(type(t) is Zero for t in lin_t + res_t):
        return out, Zero(fwd.out_aval)
    if all(type(t) is Zero for t in res_t):
        lin_t = [zeros_like_aval(t.aval) if type(t) is Zero else t for t in lin_t]
        return out, bind(odeint_tangent_p, *primals[:num_res], *lin_t, **params)
    # second order in the residuals: differentiate the forward-mode solver once more (a jvp
    # of while loops, so this term has no reverse mode)
    _, (t_out,) = jvp_flat(lambda *xs: fwd.jaxpr(*xs), list(primals), list(tangents))
    return out, t_out


@odeint_tangent_p.def_transpose
def _odeint_tangent_transpose(ct, *args, fwd, bwd, num_res):
    res, lin = args[:num_res], args[num_res:]
    if any(is_undefined(r) for r in res):
        raise TypeError("odeint_tangent is linear only in its tangent operands")
    if type(ct) is Zero:
        return [None] * len(args)
    cts = bwd(list(res), ct)
    return [None] * num_res + [c if is_undefined(x) else None for x, c in zip(lin, cts)]


@odeint_tangent_p.def_batch
def _odeint_tangent_batch(args, dims, *, fwd, bwd, num_res):
    size = next(get_aval(a).shape[d] for a, d in zip(args, dims) if d is not None)
    batched = [d is not None for d in dims]
    moved = [a if d is None else bdim_to_front(a, d) for a, d in zip(args, dims)]
    aval = fwd.out_aval
    fwd_b = _Forward(lambda: batch_jaxpr(fwd.jaxpr, size, batched, True)[0],
                     ShapedArray((size,) + aval.shape, aval.dtype))
    bwd_b = _BatchedAdjoint(bwd, size, batched[:num_res], batched[num_res:])
    return bind(odeint_tangent_p, *moved, fwd=fwd_b, bwd=bwd_b, num_res=num_res), 0


class _BatchedAdjoint:
    """The adjoint under vmap: residuals batched (axis 0) where flagged, cotangents always. An
    unbatched tangent operand was shared by all members: its cotangent sums theirs."""

    def __init__(self, inner, size, res_batched, lin_batched):
        self.inner = inner
        self.size = size
        self.res_batched = list(res_batched)
        self.lin_batched = list(lin_batched)

    def __call__(self, res, ct):
        n = len(res)
        dims = [0 if b else None for b in self.res_batched] + [0]
        vals, out_dims = batch_flat(lambda *xs: self.inner(list(xs[:n]), xs[n]),
                                    list(res) + [ct], dims, self.size)
        out = []
        for v, d, b in zip(vals, out_dims, self.lin_batched):
            if b:
                out.append(move_bdim(v, d, 0, self.size))
            elif d is None:
                out.append(v)
            else:
                out.append(reduce_sum(bdim_to_front(v, d), (0,)))
        return out


# ----- the public function --------------------------------------------------------------------


def _ravel(leaves, dtype):
    if not leaves:
        return fnp.zeros((0,), dtype)
    return fnp.concatenate([fnp.ravel(fnp.asarray(x, dtype=dtype)) for x in leaves])


def _unraveler(avals):
    sizes = [int(np.prod(a.shape)) for a in avals]
    offsets = np.cumsum([0] + sizes)

    def unravel(v):
        return [fnp.asarray(fnp.reshape(v[int(o):int(o) + n], a.shape), dtype=a.dtype)
                for o, n, a in zip(offsets, sizes, avals)]

    return unravel


def odeint(func: Callable, y0, t, *args, rtol=1.4e-8, atol=1.4e-8, mxstep=np.inf,
           hmax=np.inf):
    """Solve dy/dt = func(y, t, *args) from y(t[0]) = y0; return y at every time in t, like
    jax.experimental.ode.odeint.

    y0 is an array or a pytree of arrays; the result has y0's structure with a leading axis
    of length len(t). t must be floating and strictly increasing. args are arrays or pytrees of
    arrays (differentiable like y0 and t). rtol and atol bound each step's local error
    (relative to max(|y|) and absolute), mxstep the number of steps between two output times
    (the integration stops there, as in JAX), hmax the step size."""
    for leaf in tree_leaves(args):
        try:
            get_aval(leaf)
        except TypeError:
            raise TypeError(
                f"The contents of odeint *args must be arrays or scalars, but got {leaf!r}."
            ) from None
    t = fnp.asarray(t)
    if fnp.result_type(t).kind != "f":
        raise TypeError(f"t must be an array of floats, but got dtype {fnp.result_type(t)}.")
    if fnp.ndim(t) != 1:
        raise TypeError(f"t must be a 1-D array of times, but got shape {fnp.shape(t)}.")
    y_leaves, y_tree = tree_flatten(y0)
    y_leaves = [fnp.asarray(x) for x in y_leaves]
    dtype = fnp.result_type(*y_leaves) if y_leaves else np.dtype(np.float64)
    if dtype.kind == "c":
        raise TypeError("fgrad's odeint supports real states only; integrate the real and "
                        "imaginary parts as two real arrays (a pytree y0 can hold both).")
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    y_avals = [ShapedArray(fnp.shape(x), dtype) for x in y_leaves]
    unravel = _unraveler(y_avals)
    a_leaves, a_tree = tree_flatten(args)
    a_leaves = [x if isinstance(x, Tracer) else fnp.asarray(x) for x in a_leaves]
    n_args = len(a_leaves)

    def flat_func(y, tt, *a):
        out = func(tree_unflatten(y_tree, unravel(y)), tt, *tree_unflatten(a_tree, list(a)))
        leaves, tree = tree_flatten(out)
        if tree != y_tree or [fnp.shape(x) for x in leaves] != [a.shape for a in y_avals]:
            raise TypeError(
                "odeint's func must return the derivative with the structure and shapes of "
                f"y0: y0 is {y_tree} with shapes {[a.shape for a in y_avals]}, but func "
                f"returned {tree} with shapes {[fnp.shape(x) for x in leaves]}."
            )
        return _ravel(leaves, dtype)

    y0_flat = _ravel(y_leaves, dtype)
    in_avals = [get_aval(y0_flat).strip_weak(), get_aval(t[0]).strip_weak()]
    in_avals += [get_aval(x) for x in a_leaves]
    in_tree = tree_flatten(tuple(in_avals))[1]
    jaxpr, consts, _ = stage(flat_func, in_tree, in_avals, "staging (odeint func)")
    traced = [isinstance(c, Tracer) for c in consts]
    fixed = [c for c, tr in zip(consts, traced) if not tr]
    hoisted = [c for c, tr in zip(consts, traced) if tr]
    converted = _Converted(jaxpr, fixed, traced, n_args)
    ys = _odeint_core(converted, rtol, atol, mxstep, hmax, y0_flat, t, *a_leaves, *hoisted)
    n = fnp.shape(t)[0]
    out_leaves, offset = [], 0
    for a in y_avals:
        size = int(np.prod(a.shape))
        block = fnp.reshape(ys[:, offset:offset + size], (n,) + a.shape)
        out_leaves.append(fnp.asarray(block, dtype=a.dtype))
        offset += size
    return tree_unflatten(y_tree, out_leaves)


class _Converted:
    """func with its traced closed-over values as trailing arguments: the staged jaxpr called
    with the concrete constants it kept and the hoisted ones it is given."""

    def __init__(self, jaxpr, fixed, traced, n_args):
        self.jaxpr = jaxpr
        self.fixed = list(fixed)
        self.traced = list(traced)
        self.n_args = n_args

    def __call__(self, y, t, *rest):
        args, hoisted = rest[:self.n_args], iter(rest[self.n_args:])
        fixed = iter(self.fixed)
        consts = [next(hoisted) if tr else next(fixed) for tr in self.traced]
        return self.jaxpr(*consts, y, t, *args)[0]

