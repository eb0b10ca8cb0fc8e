"""fgrad.scipy.special.erfcinv, rgamma, jv and iv (Bessel functions of real order): values
against scipy and mpmath (hard points: subnormal tails, poles of digamma, zeros of J, large
orders and arguments, negative non-integer orders), scipy's conventions at the edges,
derivatives against closed forms (scipy's jvp/ivp, mpmath) and JAX where it has the function
(erfinv, gamma, i0/i1), check_grads to second order, vmap against a loop, jit, float32.

Measured accuracy (test_accuracy_vs_mpmath): erfcinv within 2.3e-16 relative over [5e-324, 2);
rgamma within 3e-16; jv within 2e-15 of the envelope sqrt(J_|v|^2 + Y_|v|^2) (so ~1e-15
relative away from zeros) for |v| <= 50, x up to 3e3; iv within 6e-15 relative for v >= 0 and
within 6e-15 of |I_|v|| + |2/pi sin(v pi) K_|v|| for negative non-integer v. scipy's own error
against mpmath reaches ~2e-13 of the envelope for jv, so comparisons with scipy use 1e-12.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
import mpmath
import numpy as np
import pytest
import scipy.special as ss
from hypothesis import given
from hypothesis import strategies as st
from special_checks import assert_close

import fgrad
import fgrad.scipy.special as fs
from fgrad.test_util import check_grads

warnings.filterwarnings("ignore", category=RuntimeWarning)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
mpmath.mp.dps = 50

SQRT_PI = float(np.sqrt(np.pi))


def _vgrad(f, x, order=1):
    g = f
    for _ in range(order):
        g = fgrad.grad(g)
    return np.asarray(fgrad.vmap(g)(np.asarray(x, np.float64)))


# -- erfcinv ---------------------------------------------------------------------------------


def _mp_erfcinv(y):
    y = mpmath.mpf(float(y))
    if y == 1:
        return 0.0
    if y > 1:
        return -_mp_erfcinv(2 - y)
    if y > 0.3:
        return float(mpmath.erfinv(1 - y))
    return float(mpmath.findroot(lambda x: mpmath.log(mpmath.erfc(x)) - mpmath.log(y),
                                 mpmath.sqrt(-mpmath.log(y))))


def test_erfcinv_values_vs_scipy():
    y = np.concatenate([np.geomspace(1e-300, 1, 300), np.linspace(0, 2, 401),
                        2 - np.geomspace(1e-16, 1, 100)])
    assert_close(fs.erfcinv(y), ss.erfcinv(y), 2e-15, 0, "erfcinv")


@pytest.mark.parametrize("y", [5e-324, 1e-310, 1e-300, 1e-100, 1e-20, 1e-5, 0.3, 0.5,
                               1 - 2**-52, 1 + 2**-52, 1.5, 1.9, 2 - 2**-52, 0.86])
def test_erfcinv_vs_mpmath(y):
    want = _mp_erfcinv(y)
    got = float(fs.erfcinv(y))
    assert abs(got - want) <= 2.3e-16 * abs(want), (got, want)


def test_erfcinv_edges():
    got = fs.erfcinv(np.array([0.0, 1.0, 2.0, -0.1, 2.1, np.nan, np.inf]))
    np.testing.assert_equal(got, [np.inf, 0.0, -np.inf, np.nan, np.nan, np.nan, np.nan])
    assert fs.erfcinv(np.float32(0.3)).dtype == np.float32
    assert fs.erfcinv(1).dtype == np.float64


def _mp_erfcinv_d1(y):
    """-sqrt(pi)/2 exp(x^2) at the exact x = erfcinv(y): -sqrt(pi)/2 / (erfc'(x)
    / (-2/sqrt(pi))) = -sqrt(pi)/2 erfcx(x) / erfc(x), with erfc(x) = y."""
    y = mpmath.mpf(float(y))
    x = mpmath.findroot(lambda t: mpmath.erfc(t) - y, mpmath.mpf(float(ss.erfcinv(float(y)))))
    return float(-mpmath.sqrt(mpmath.pi) / 2 * mpmath.exp(x * x)), float(x)


def test_erfcinv_derivatives():
    y = np.concatenate([np.geomspace(1e-250, 1.9, 40), [1.0, 2 - 1e-12, 1e-300]])
    ref = np.array([_mp_erfcinv_d1(t) for t in y])
    d1, x = ref[:, 0], ref[:, 1]
    assert_close(_vgrad(fs.erfcinv, y), d1, 3e-15, 0, "erfcinv'")
    fin = np.isfinite(2 * x * d1 * d1)  # beyond y ~ 1e-150 the second derivative overflows
    assert_close(_vgrad(fs.erfcinv, y[fin], 2), (2 * x * d1 * d1)[fin], 1e-13, 1e-15,
                 "erfcinv''")
    np.testing.assert_equal(_vgrad(fs.erfcinv, [0.0, 2.0]), [-np.inf, -np.inf])
    # against JAX: erfcinv(y) = erfinv(1 - y)
    ym = np.linspace(0.05, 1.95, 39)
    want = jax.vmap(jax.grad(lambda y: jss.erfinv(1 - y)))(jnp.asarray(ym))
    assert_close(_vgrad(fs.erfcinv, ym), np.asarray(want), 1e-13, 0, "erfcinv' vs jax")
    check_grads(fs.erfcinv, (0.3,), order=2)
    check_grads(fs.erfcinv, (1.7,), order=2)


# -- rgamma ----------------------------------------------------------------------------------


def test_rgamma_values_vs_scipy():
    x = np.concatenate([np.linspace(-30, 30, 1201), np.geomspace(1e-300, 171, 200),
                        -np.geomspace(1e-300, 169, 200) - 0.25, [-170.5, -171.5, -200.5]])
    assert_close(fs.rgamma(x), ss.rgamma(x), 1e-14, 0, "rgamma")


def test_rgamma_zeros_and_edges():
    n = -np.arange(0.0, 200.0)
    assert (fs.rgamma(n) == 0).all()
    got = fs.rgamma(np.array([np.inf, -np.inf, np.nan, 1.0, 2.0, 200.0, 1e-310]))
    np.testing.assert_equal(got, [0.0, 0.0, np.nan, 1.0, 1.0, 0.0, 1e-310])
    # between the zeros below x ~ -171.6 |1/Gamma| exceeds the float64 range, signs alternate
    np.testing.assert_equal(fs.rgamma(np.array([-171.5, -172.5, -300.25])),
                            ss.rgamma(np.array([-171.5, -172.5, -300.25])))
    assert fs.rgamma(np.float32(2.5)).dtype == np.float32


@pytest.mark.parametrize("x", [0.5, 1e-310, -1e-300, 2.5, -0.3, -3.7, -169.99, 100.1, 171.5,
                               172.0, 175.3])
def test_rgamma_vs_mpmath(x):
    """Including 172 <= x < 178, where 1/Gamma is subnormal (scipy returns 0)."""
    want = float(mpmath.rgamma(mpmath.mpf(x)))
    got = float(fs.rgamma(x))
    assert abs(got - want) <= 3e-16 * abs(want) + 1e-323, (got, want)


def _mp_rgamma_diff(x, k):
    return float(mpmath.diff(mpmath.rgamma, mpmath.mpf(x), k))


def test_rgamma_derivatives_at_the_poles_of_digamma():
    """-digamma(x) rgamma(x) is inf * 0 at x = 0, -1, -2, ...; the rule gives the limit
    (-1)^n n!, and its own derivative (the second derivative) too."""
    n = np.arange(0, 12)
    got1 = _vgrad(fs.rgamma, -n.astype(float))
    np.testing.assert_allclose(got1, (-1.0) ** n * ss.factorial(n), rtol=1e-15)
    got2 = _vgrad(fs.rgamma, -n.astype(float), 2)
    want2 = [_mp_rgamma_diff(-float(k), 2) for k in n]
    np.testing.assert_allclose(got2, want2, rtol=1e-13)


def test_rgamma_derivatives_vs_mpmath_and_jax():
    x = np.concatenate([np.linspace(-8.7, 8.3, 35), [0.5, 0.4999, 1e-8, 30.0, 150.0]])
    for order in (1, 2):
        want = np.array([_mp_rgamma_diff(v, order) for v in x])
        assert_close(_vgrad(fs.rgamma, x, order), want, 5e-13, 1e-300, f"rgamma^({order})")
    xj = np.concatenate([np.linspace(0.1, 20, 40), -np.linspace(0.1, 5, 40) - 0.05])
    want = jax.vmap(jax.grad(lambda x: 1 / jss.gamma(x)))(jnp.asarray(xj))
    assert_close(_vgrad(fs.rgamma, xj), np.asarray(want), 1e-12, 1e-14, "rgamma' vs jax")
    for x0 in (-2.0, -0.5, 0.0, 0.7, 3.2):
        check_grads(fs.rgamma, (x0,), order=2)


# -- jv and iv -------------------------------------------------------------------------------

V = np.array([0, 0.3, 0.5, 1, 1.7, 2.5, 5, 10.2, 20, 33.3, 50, -0.3, -0.5, -1, -1.7, -2.5,
              -5.5, -10.2, -20.7, -33.3, -49.5, -3])
X = np.concatenate([np.geomspace(1e-6, 1e4, 150), np.linspace(0.1, 80, 300)])


def _j_envelope(v, x):
    """sqrt(J_|v|^2 + Y_|v|^2): the size of J near its zeros (and of J_-v = cos J - sin Y)."""
    with np.errstate(all="ignore"):
        return np.hypot(ss.jv(np.abs(v), x), ss.yv(np.abs(v), x))


def _i_envelope(v, x):
    """|I_|v|| + |2/pi sin(v pi) K_|v||: I_-v = I_v + 2/pi sin(v pi) K_v may cross zero."""
    with np.errstate(all="ignore"):
        k = np.where(v < 0, np.abs(2 / np.pi * np.sin(np.pi * v) * ss.kv(np.abs(v), x)), 0.0)
        return np.abs(ss.iv(np.abs(v), x)) + k


def _close(got, want, env, tol, what):
    got, want = np.broadcast_arrays(np.asarray(got, np.float64), np.asarray(want, np.float64))
    env = np.broadcast_to(env, got.shape)
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    ok = same | (np.abs(got - want) <= tol * env + 1e-300)
    if not ok.all():
        i = tuple(np.argwhere(~ok)[0])
        raise AssertionError(f"{what}: {int((~ok).sum())} mismatches, first {i}: got "
                             f"{got[i]!r}, want {want[i]!r}, envelope {env[i]!r}")


def test_jv_values_vs_scipy():
    v, x = V[:, None], X[None]
    _close(fs.jv(v, x), ss.jv(v, x), _j_envelope(v, x), 1e-12, "jv")


def test_iv_values_vs_scipy():
    v, x = V[:, None], X[None]
    want = ss.iv(v, x)
    # scipy flushes I_v(x) below ~1e-300 to 0 for large v (I_50(2e-5) ~ 1e-300)
    ok = (want > 1e-290) | (v <= 0)
    env = np.where(ok, _i_envelope(v, x), np.inf)
    _close(fs.iv(v, x), want, env, 1e-13, "iv")


def _mp_env_j(v, x):
    nu = abs(v)
    return float(mpmath.sqrt(mpmath.besselj(nu, x) ** 2 + mpmath.bessely(nu, x) ** 2))


def _mp_env_i(v, x):
    nu = abs(v)
    k = abs(2 / mpmath.pi * mpmath.sin(v * mpmath.pi) * mpmath.besselk(nu, x)) if v < 0 else 0
    return float(abs(mpmath.besseli(nu, x)) + k)


def test_accuracy_vs_mpmath():
    v_grid = [0.3, 2.5, 10.2, 33.3, 50, -0.3, -1.7, -10.2, -49.5]
    x = np.concatenate([np.geomspace(1e-4, 3e3, 12), np.linspace(0.7, 60, 14)])
    for v in v_grid:
        mv, mx = mpmath.mpf(v), [mpmath.mpf(float(t)) for t in x]
        want_j = np.array([float(mpmath.besselj(mv, t)) for t in mx])
        env_j = np.array([_mp_env_j(mv, t) for t in mx])
        _close(fs.jv(v, x), want_j, env_j, 2e-15, f"jv({v}) vs mpmath")
        xi = x[x < 700]
        want_i = np.array([float(mpmath.besseli(mv, mpmath.mpf(float(t)))) for t in xi])
        env_i = np.array([_mp_env_i(mv, mpmath.mpf(float(t))) for t in xi])
        _close(fs.iv(v, xi), want_i, env_i, 6e-15, f"iv({v}) vs mpmath")


# hard points: the double nearest a zero of J, tiny and huge x, large orders, the method
# boundaries (x = 25 and 30, x = v^2 / 4), subnormal results
HARD_J = [(0.5, 3.141592653589793), (2.5, 5.763459196894550), (-0.3, 2.0), (0.3, 1e300),
          (1.3, 1e10), (7.5, 1e5), (100, 90.0), (100, 150.0), (200, 300.0), (-100.5, 120.0),
          (-100.5, 20.0), (1000.5, 900.0), (3.5, 25.0), (3.5, 24.999999999999996),
          (10.2, 26.01), (10.2, 26.0), (60.5, 620.0), (0.5, 1e-300), (-0.5, 1e-300),
          (50, 1.0), (1e-10, 1.0), (-1e-10, 30.0)]
HARD_I = [(0.5, 700.0), (-100.5, 120.0), (-100.5, 20.0), (-60.5, 20.0), (-60.5, 300.0),
          (3.3, 30.0), (3.3, 29.999999999999996), (10.2, 26.01), (0.5, 1e-300),
          (-0.5, 1e-300), (50, 1.0), (-1.5, 1.3), (-2.7, 0.9)]


@pytest.mark.parametrize("v,x", HARD_J)
def test_jv_hard_points_vs_mpmath(v, x):
    mv, mx = mpmath.mpf(v), mpmath.mpf(x)
    want = float(mpmath.besselj(mv, mx))
    env = _mp_env_j(mv, mx) if x < 1e20 else abs(want)
    got = float(fs.jv(v, x))
    assert abs(got - want) <= 1e-14 * abs(want) + 2e-15 * env, (got, want, env)


@pytest.mark.parametrize("v,x", HARD_I)
def test_iv_hard_points_vs_mpmath(v, x):
    mv, mx = mpmath.mpf(v), mpmath.mpf(x)
    want = float(mpmath.besseli(mv, mx))
    got = float(fs.iv(v, x))
    assert abs(got - want) <= 3e-15 * _mp_env_i(mv, mx), (got, want)


def test_integer_orders_and_negative_arguments():
    n = np.array([-7, -2, -1, 0, 1, 2, 3, 8, 25])[:, None]
    x = np.concatenate([-np.geomspace(1e-3, 100, 40), np.geomspace(1e-3, 100, 40)])[None]
    _close(fs.jv(n, x), ss.jv(n, x), _j_envelope(n, np.abs(x)), 1e-12, "jv integer")
    _close(fs.jv(n, x), fs.jn(n, x), _j_envelope(n, np.abs(x)), 1e-14, "jv = jn")
    _close(fs.iv(n, x), ss.iv(n, x), np.abs(ss.iv(n, x)), 1e-13, "iv integer")
    # non-integer orders are not defined for x < 0
    assert np.isnan(fs.jv(0.5, -1.0)) and np.isnan(fs.iv(2.5, -3.0))


def test_edges():
    zero = [0.0, -0.0]
    np.testing.assert_equal(fs.jv([0.0, 0.5, 2.0, -2.0, -0.5, -1.5, -2.5], 0.0),
                            [1.0, 0.0, 0.0, 0.0, np.inf, -np.inf, np.inf])
    np.testing.assert_equal(fs.jv([0.0, 0.5, 2.0, -2.0, -0.5, -1.5, -2.5], 0.0),
                            ss.jv([0.0, 0.5, 2.0, -2.0, -0.5, -1.5, -2.5], 0.0))
    # iv at 0 follows the sign of 1 / Gamma(v + 1) (scipy's iv says +inf for v = -1.5)
    np.testing.assert_equal(fs.iv([0.0, 0.5, -2.0, -0.5, -1.5, -2.5], 0.0),
                            [1.0, 0.0, 0.0, np.inf, -np.inf, np.inf])
    np.testing.assert_equal(fs.jv(1.0, zero), [0.0, 0.0])
    # infinite arguments: the limits (scipy answers nan)
    np.testing.assert_equal(fs.jv([0.0, 0.5, 3.0, -2.5], np.inf), [0.0, 0.0, 0.0, 0.0])
    np.testing.assert_equal(fs.jv([0.0, 3.0, 0.5], -np.inf), [0.0, 0.0, np.nan])
    np.testing.assert_equal(fs.iv([0.0, 0.5, 3.0], np.inf), [np.inf, np.inf, np.inf])
    np.testing.assert_equal(fs.iv([2.0, 3.0, 0.5], -np.inf), [np.inf, -np.inf, np.nan])
    # infinite orders give 0 (scipy), nan propagates, overflow is inf
    np.testing.assert_equal(fs.jv([np.inf, -np.inf, np.nan], 1.0), [0.0, 0.0, np.nan])
    np.testing.assert_equal(fs.iv([np.inf, np.nan, 0.5], [1.0, 1.0, np.nan]),
                            [0.0, np.nan, np.nan])
    np.testing.assert_equal(fs.iv([0.5, 50.0], [720.0, 800.0]), [np.inf, np.inf])


def test_dtypes_and_broadcasting():
    assert fs.jv(np.float32(0.5), np.float32(2.0)).dtype == np.float32
    assert fs.iv(1, 2).dtype == np.float64
    assert fs.jv(np.arange(3)[:, None], np.linspace(1, 2, 4)).shape == (3, 4)
    np.testing.assert_allclose(fs.iv(np.float32(2.5), np.float32(3.0)), ss.iv(2.5, 3.0),
                               rtol=1e-6)
    with pytest.raises(TypeError, match="real"):
        fs.jv(1j, 1.0)


def test_derivatives_vs_scipy_closed_forms():
    v = np.array([0.0, 0.3, 0.5, 1.0, 2.5, 7.3, 30.0, -0.3, -1.7, -4.5])
    x = np.concatenate([np.geomspace(0.05, 200, 40), np.linspace(1, 40, 30)])
    for name, f, ref, env in (("jv", fs.jv, ss.jvp, _j_envelope), ("iv", fs.iv, ss.ivp,
                                                                   _i_envelope)):
        for vi in v:
            for order in (1, 2):
                got = _vgrad(lambda z: f(vi, z), x, order)  # noqa: B023
                want = ref(vi, x, order)
                # the derivative's own envelope: that of order v - 1 (or v - 2)
                e = np.maximum(env(vi - order, x), env(vi + order, x))
                _close(got, want, e, 1e-12, f"{name}({vi}) derivative {order}")


def test_derivatives_at_zero():
    assert fgrad.grad(lambda z: fs.iv(0.0, z))(0.0) == 0.0
    assert fgrad.grad(lambda z: fs.jv(1.0, z))(0.0) == 0.5
    assert fgrad.grad(lambda z: fs.iv(1.0, z))(0.0) == 0.5
    assert fgrad.grad(lambda z: fs.jv(2.5, z))(0.0) == 0.0
    assert fgrad.grad(lambda z: fs.jv(0.5, z))(0.0) == np.inf  # sqrt(2z/pi)'s slope
    assert fgrad.grad(fgrad.grad(lambda z: fs.jv(0.0, z)))(0.0) == -0.5


def test_derivatives_vs_jax_i0_i1():
    """(Away from 0, where JAX's i0' is 1: its abs has derivative 1 at 0.)"""
    x = np.linspace(-20, 20, 80)
    for n, jf in ((0, jss.i0), (1, jss.i1)):
        for order in (1, 2):
            g = jf
            for _ in range(order):
                g = jax.grad(g)
            want = np.asarray(jax.vmap(g)(jnp.asarray(x)))
            got = _vgrad(lambda z: fs.iv(float(n), z), x, order)  # noqa: B023
            _close(got, want, np.abs(want) + 1e-300, 1e-12, f"i{n} derivative {order}")


def test_check_grads_order_2():
    for f in (fs.jv, fs.iv):
        for v, z in ((0.5, 1.3), (2.3, 7.0), (-1.7, 2.2), (3.0, -2.5), (12.5, 30.0)):
            check_grads(lambda z: f(v, z), (z,), order=2)  # noqa: B023


def test_derivative_in_the_order_is_refused_not_zero():
    """HIPS autograd returns 0 for d/dv; a zero would be a wrong number, so fgrad refuses."""
    gz = fgrad.grad(fs.jv, argnums=1)(1.5, 2.0)
    assert gz == pytest.approx(float(ss.jvp(1.5, 2.0)), rel=1e-14)
    with pytest.raises(ValueError, match="not differentiable with respect to its .*order"):
        fgrad.grad(fs.jv, argnums=(0, 1))(1.5, 2.0)
    with pytest.raises(ValueError, match="stop_gradient"):
        fgrad.jvp(lambda v: fs.iv(v, 1.0), (2.5,), (1.0,))


def test_vmap_and_jit():
    v = np.array([0.5, -1.7, 3.0, 20.2])
    z = np.array([0.3, 4.0, 27.0, 60.0])
    for f in (fs.jv, fs.iv, lambda v, z: fgrad.grad(fs.jv, argnums=1)(v, z)):
        got = np.asarray(fgrad.vmap(f)(v, z))
        want = np.array([f(a, b) for a, b in zip(v, z)])
        np.testing.assert_array_equal(got, want)
        got = np.asarray(fgrad.vmap(f, in_axes=(None, 0))(1.5, z))
        np.testing.assert_array_equal(got, np.array([f(1.5, b) for b in z]))
        np.testing.assert_array_equal(np.asarray(fgrad.jit(fgrad.vmap(f))(v, z)), want)
    for f in (fs.erfcinv, fs.rgamma):
        x = np.array([0.1, 0.9, 1.5])
        np.testing.assert_array_equal(np.asarray(fgrad.vmap(fgrad.grad(f))(x)),
                                      [fgrad.grad(f)(t) for t in x])
        np.testing.assert_array_equal(np.asarray(fgrad.jit(f)(x)), f(x))


@given(v=st.floats(-40, 40), x=st.floats(1e-3, 150))
def test_hypothesis_values_and_recurrences(v, x):
    """Against scipy, and the recurrences C_{v-1} + C_{v+1} = (2v/x) C_v (J) and
    I_{v-1} - I_{v+1} = (2v/x) I_v tie neighbouring orders together."""
    env_j = _j_envelope(v, x)
    _close(fs.jv(v, x), ss.jv(v, x), env_j, 1e-12, "jv")
    lhs = fs.jv(v - 1, x) + fs.jv(v + 1, x)
    scale = max(_j_envelope(v - 1, x), _j_envelope(v + 1, x), 2 * abs(v) / x * env_j)
    _close(lhs, 2 * v / x * fs.jv(v, x), scale, 1e-14, "J recurrence")
    if x < 600:
        env_i = _i_envelope(v, x)
        _close(fs.iv(v, x), ss.iv(v, x), env_i, 1e-13, "iv")
        lhs = fs.iv(v - 1, x) - fs.iv(v + 1, x)
        scale = max(_i_envelope(v - 1, x), _i_envelope(v + 1, x), 2 * abs(v) / x * env_i)
        _close(lhs, 2 * v / x * fs.iv(v, x), scale, 1e-14, "I recurrence")
