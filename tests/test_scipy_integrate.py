"""fgrad.scipy.integrate.odeint against jax.experimental.ode.odeint (x64) and
scipy.integrate.odeint: values, reverse-mode gradients (adjoint method) in y0, t, args and
closed-over values, forward mode, vmap over initial conditions, jit, nesting.

fgrad takes the same steps as JAX (same method, constants and controller), so values and
reverse-mode gradients agree to rounding (~1e-13). Forward mode differentiates the solver's
loops instead, which agrees with the adjoint to the solver's tolerance (~1e-7 here), not to
rounding. JAX compiles each new call for a second or so: the problems are tiny and shared.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.integrate as si
from jax.experimental.ode import odeint as jax_odeint
from special_checks import RUN_SLOW

import fgrad
import fgrad.numpy as fnp
from fgrad.scipy.integrate import odeint
from fgrad.test_util import check_grads

TS = np.linspace(0.0, 3.0, 4)
Y0 = np.array([1.0, 0.0])


def pendulum(np_):
    def f(y, t, a, c):
        return np_.stack([y[1], -a * np_.sin(y[0]) - c * y[1] + 0.2 * np_.cos(t)])

    return f


f_pend, j_pend = pendulum(fnp), pendulum(jnp)


def close(got, want, rtol, atol=0.0):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=rtol, atol=atol)


G = np.arange(1.0, 9.0).reshape(4, 2) / 8


def test_values_and_reverse_mode_match_jax():
    """One JAX compilation for values and the vjp in y0, t and both args."""
    args = (Y0, TS, 2.0, 0.1)
    ys, pullback = fgrad.vjp(lambda *a: odeint(f_pend, *a), *args)
    want, jax_pullback = jax.vjp(lambda *a: jax_odeint(j_pend, *a), *map(jnp.asarray, args))
    close(ys, want, 1e-12, 1e-13)
    for got, w in zip(pullback(G), jax_pullback(jnp.asarray(G))):
        close(got, w, 1e-10, 1e-12)
    assert ys.shape == (4, 2) and ys.dtype == np.float64
    close(ys[0], Y0, 0)


def test_values_match_scipy():
    for a in (0.5, 2.0):
        ys = odeint(f_pend, Y0, TS, a, 0.1)
        ref = si.odeint(lambda y, t: np.asarray(f_pend(y, t, a, 0.1)), Y0, TS, rtol=1e-12,
                        atol=1e-12)
        close(ys, ref, 0, 2e-7)
    ys = odeint(f_pend, Y0, TS, 2.0, 0.1, rtol=1e-12, atol=1e-12)
    close(ys, ref, 0, 1e-10)


def test_pytree_state_and_args():
    def f(y, t, p):
        return {"x": y["v"], "v": -p["k"] * y["x"] - p["c"] * y["v"]}

    def flat(y, t, k, c):
        return fnp.concatenate([y[2:], -k * y[:2] - c * y[2:]])

    y0 = {"x": np.array([1.0, 2.0]), "v": np.array([[0.0, 0.5]])[0]}
    p = {"k": 2.0, "c": np.array(0.3)}
    ys = odeint(f, y0, TS, p)
    assert set(ys) == {"x", "v"} and ys["x"].shape == (4, 2)
    ref = odeint(flat, np.concatenate([y0["x"], y0["v"]]), TS, 2.0, 0.3)
    close(ys["x"], ref[:, :2], 1e-15)
    close(ys["v"], ref[:, 2:], 1e-15)
    g = fgrad.grad(lambda p: fnp.sum(odeint(f, y0, TS, p)["x"]))(p)
    g_ref = fgrad.grad(lambda k, c: fnp.sum(odeint(flat, np.concatenate([y0["x"], y0["v"]]),
                                                    TS, k, c)[:, :2]), argnums=(0, 1))(2.0, 0.3)
    close(g["k"], g_ref[0], 1e-13)
    close(g["c"], g_ref[1], 1e-13)
    if RUN_SLOW:
        want = jax_odeint(f, {k: jnp.asarray(v) for k, v in y0.items()}, jnp.asarray(TS), p)
        for k in ys:
            close(ys[k], want[k], 1e-12, 1e-13)


def test_hmax_and_mxstep():
    f = lambda y, t: -2.0 * y + fnp.sin(3 * t)  # noqa: E731
    y0, ts = np.array([1.0, -0.5]), np.array([0.0, 0.7, 2.0])
    full = odeint(f, y0, ts)
    close(odeint(f, y0, ts, hmax=0.05), full, 0, 1e-7)
    assert not np.allclose(odeint(f, y0, ts, mxstep=3), full, rtol=1e-3)
    close(odeint(f, y0, ts, mxstep=40), full, 0)
    if RUN_SLOW:
        # mxstep=3 stops short of t = 2, and both extrapolate the last step's quartic (as JAX
        # does), which magnifies rounding differences
        jf = lambda y, t: -2.0 * y + jnp.sin(3 * t)  # noqa: E731
        for kw, tol in ((dict(hmax=0.05), 1e-12), (dict(mxstep=3), 1e-8),
                        (dict(rtol=1e-4, atol=1e-6), 1e-12)):
            close(odeint(f, y0, ts, **kw),
                  jax_odeint(jf, jnp.asarray(y0), jnp.asarray(ts), **kw), tol, 1e-13)


def test_closed_over_parameter_gets_its_gradient():
    """A parameter func closes over has the gradient it has as an explicit argument."""
    y0, ts = np.array([1.0, 2.0]), np.array([0.0, 0.5, 1.5])
    closed = fgrad.value_and_grad(
        lambda k: fnp.sum(odeint(lambda y, t: -k * y * y, y0, ts) ** 2))(0.7)
    explicit = fgrad.value_and_grad(
        lambda k: fnp.sum(odeint(lambda y, t, k: -k * y * y, y0, ts, k) ** 2))(0.7)
    close(closed[0], explicit[0], 0)
    close(closed[1], explicit[1], 0)
    fwd = fgrad.jvp(lambda k: fnp.sum(odeint(lambda y, t: -k * y * y, y0, ts) ** 2), (0.7,),
                    (1.0,))[1]
    close(fwd, explicit[1], 1e-6)
    if RUN_SLOW:
        want = jax.value_and_grad(lambda k: jnp.sum(jax_odeint(
            lambda y, t: -k * y * y, jnp.asarray(y0), jnp.asarray(ts)) ** 2))(0.7)
        close(closed[0], want[0], 1e-12)
        close(closed[1], want[1], 1e-10)


def test_forward_mode_agrees_with_adjoint_to_tolerance():
    loss = lambda y0, ts, a, c: fnp.sum(odeint(f_pend, y0, ts, a, c) ** 2)  # noqa: E731
    args = (Y0, TS, 2.0, 0.1)
    rng = np.random.default_rng(0)
    v = (rng.normal(size=2), rng.normal(size=4) * 0.1, 0.3, -0.2)
    _, t_out = fgrad.jvp(loss, args, v)
    g = fgrad.grad(loss, argnums=(0, 1, 2, 3))(*args)
    want = sum(float(np.sum(np.asarray(gi) * np.asarray(vi))) for gi, vi in zip(g, v))
    close(t_out, want, 1e-6)
    jac = fgrad.jacfwd(lambda y0: odeint(f_pend, y0, TS, 2.0, 0.1))(Y0)
    jac_rev = fgrad.jacrev(lambda y0: odeint(f_pend, y0, TS, 2.0, 0.1))(Y0)
    assert jac.shape == (4, 2, 2)
    close(jac, jac_rev, 1e-6, 1e-7)


def test_check_grads_small_problem():
    f = lambda y, t, a: -a * y + fnp.sin(t) * y[::-1]  # noqa: E731
    g = lambda y0, ts, a: odeint(f, y0, ts, a, rtol=1e-10, atol=1e-10)  # noqa: E731
    args = (np.array([1.0, 2.0]), np.array([0.0, 0.4, 1.0]), 1.3)
    check_grads(g, args, order=1, modes=("rev",), atol=1e-6, rtol=1e-6)
    check_grads(g, args, order=1, modes=("fwd",), atol=1e-6, rtol=1e-6)


def test_vmap_over_initial_conditions():
    f = lambda y, t, a: -a * y + fnp.sin(t) * y[::-1]  # noqa: E731
    y0s = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]])
    got = fgrad.vmap(lambda y0: odeint(f, y0, TS, 1.3))(y0s)
    loop = np.stack([np.asarray(odeint(f, y0, TS, 1.3)) for y0 in y0s])
    close(got, loop, 1e-14, 1e-15)  # each member takes its own steps
    # batched gradients, both orders of vmap and grad
    loss = lambda y0, a: fnp.sum(odeint(f, y0, TS, a) ** 2)  # noqa: E731
    per = fgrad.vmap(fgrad.grad(loss, argnums=(0, 1)), in_axes=(0, None))(y0s, 1.3)
    for i, y0 in enumerate(y0s):
        one = fgrad.grad(loss, argnums=(0, 1))(y0, 1.3)
        close(per[0][i], one[0], 1e-12, 1e-14)
        close(per[1][i], one[1], 1e-12, 1e-14)
    total = fgrad.grad(lambda a: fnp.sum(fgrad.vmap(lambda y0: loss(y0, a))(y0s)))(1.3)
    close(total, np.sum(np.asarray(per[1])), 1e-12)
    if RUN_SLOW:
        jf = lambda y, t, a: -a * y + jnp.sin(t) * y[::-1]  # noqa: E731
        close(got, jax.vmap(lambda y0: jax_odeint(jf, y0, jnp.asarray(TS), 1.3))(y0s), 1e-12,
              1e-13)


def test_jit_matches_eager():
    f = lambda y, t, a: -a * y + fnp.sin(t)  # noqa: E731
    loss = lambda y0, a: fnp.sum(odeint(f, y0, TS, a) ** 2)  # noqa: E731
    y0 = np.array([1.0, 2.0])
    close(fgrad.jit(lambda y0, a: odeint(f, y0, TS, a))(y0, 1.3), odeint(f, y0, TS, 1.3), 1e-14)
    close(fgrad.jit(fgrad.grad(loss, argnums=1))(y0, 1.3), fgrad.grad(loss, argnums=1)(y0, 1.3),
          1e-13)
    jaxpr = fgrad.make_jaxpr(lambda y0: odeint(f, y0, TS, 1.3))(y0)
    assert "custom_jvp_call" in str(jaxpr)


def test_second_order():
    f = lambda y, t, a: -a * y * y + fnp.cos(t)  # noqa: E731
    loss = lambda a: fnp.sum(odeint(f, np.array([1.0, 0.5]), TS, a))  # noqa: E731
    rev_rev = fgrad.grad(fgrad.grad(loss))(0.8)
    fwd_rev = fgrad.jacfwd(fgrad.grad(loss))(0.8)
    fwd_fwd = fgrad.jvp(lambda a: fgrad.jvp(loss, (a,), (1.0,))[1], (0.8,), (1.0,))[1]
    close(fwd_rev, rev_rev, 1e-6)
    close(fwd_fwd, rev_rev, 1e-5)
    if RUN_SLOW:
        jf = lambda y, t, a: -a * y * y + jnp.cos(t)  # noqa: E731
        jl = lambda a: jnp.sum(jax_odeint(jf, jnp.array([1.0, 0.5]), jnp.asarray(TS), a))  # noqa: E731
        close(rev_rev, jax.grad(jax.grad(jl))(0.8), 1e-9)


def test_integer_args_and_float32():
    f = lambda y, t, n, a: -a * y * n  # noqa: E731
    ys = odeint(f, np.array([1.0]), np.array([0.0, 1.0]), 2, 0.5)
    close(ys[-1], np.exp(-1.0), 1e-7)
    g = fgrad.grad(lambda a: odeint(f, np.array([1.0]), np.array([0.0, 1.0]), 2, a)[-1, 0])(0.5)
    close(g, -2 * np.exp(-1.0), 1e-6)
    y32 = odeint(lambda y, t: -y, np.array([1.0], np.float32), np.array([0.0, 1.0], np.float32),
                 rtol=1e-5, atol=1e-5)
    assert y32.dtype == np.float32
    close(y32[-1], np.exp(-1.0), 1e-4)


def test_errors():
    f = lambda y, t: -y  # noqa: E731
    with pytest.raises(TypeError, match="t must be an array of floats"):
        odeint(f, np.array([1.0]), np.array([0, 1]))
    with pytest.raises(TypeError, match="structure and shapes of y0"):
        odeint(lambda y, t: fnp.concatenate([y, y]), np.array([1.0]), TS)
    with pytest.raises(TypeError, match="real states"):
        odeint(f, np.array([1.0 + 1j]), TS)
    with pytest.raises(TypeError, match="must be arrays or scalars"):
        odeint(lambda y, t, s: -y, np.array([1.0]), TS, "a string")


def test_closed_form_gradients_without_args():
    # y' = -y cos t: y(t1) = y0 exp(sin t0 - sin t1)
    f = lambda y, t: -y * fnp.cos(t)  # noqa: E731
    ts = np.array([0.2, 0.5, 1.0])
    y0 = np.array([1.0, 2.0])
    gy, gt = fgrad.grad(lambda y0, ts: fnp.sum(odeint(f, y0, ts)[-1]), argnums=(0, 1))(y0, ts)
    decay = np.exp(np.sin(0.2) - np.sin(1.0))
    close(gy, [decay, decay], 1e-7)
    close(gt, [3 * decay * np.cos(0.2), 0.0, -3 * decay * np.cos(1.0)], 1e-7, 1e-12)
    one = odeint(f, y0, ts[:1])
    assert one.shape == (1, 2)
    close(fgrad.grad(lambda y0: fnp.sum(odeint(f, y0, ts[:1])))(y0), [1.0, 1.0], 0)
    close(odeint(f, 1.0, ts), np.exp(np.sin(0.2) - np.sin(ts)), 1e-7)  # 0-d state
