"""fgrad.scipy.special's Bessel functions (j0 j1 y0 y1 jn yn ive), log_expit, exprel, and
logsumexp's b / return_sign: values against scipy and mpmath, derivatives against scipy's
closed forms (jvp/yvp/ivp) and jax.scipy.special.bessel_jn / jax.nn.log_sigmoid /
jax.scipy.special.logsumexp, check_grads to second order, vmap, jit, float32, edge values.

Accuracy (measured against mpmath, see test_accuracy_vs_mpmath): the Bessel kernels' error is
below 2e-15 of the function's envelope min(1, sqrt(2/(pi x))) everywhere tested, so relative
error ~1e-15 except within ~1e-2 envelopes of a zero, where only the absolute bound holds (as
for scipy, whose error reaches ~5e-13 of the envelope). Tolerances against scipy are therefore
scipy's: 1e-13 relative plus 1e-12 of the envelope.
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
from special_checks import RUN_SLOW, assert_close, check_grads

import fgrad
import fgrad.scipy.special as fs

warnings.filterwarnings("ignore", category=RuntimeWarning)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
mpmath.mp.dps = 40

X = np.concatenate([np.linspace(0.01, 40, 801), np.geomspace(1e-6, 1e4, 121)])
ORDERS = np.array([-5, -2, -1, 0, 1, 2, 3, 7, 20, 60])


def envelope(x):
    return np.minimum(1.0, np.sqrt(2 / (np.pi * np.abs(x) + 1e-300)))


def close_env(got, want, x, rtol, env_tol, what):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, what
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    err = np.abs(got - want)
    ok = same | (err <= rtol * np.abs(want) + env_tol * envelope(x))
    if not ok.all():
        i = tuple(np.argwhere(~ok)[0])
        raise AssertionError(f"{what}: {int((~ok).sum())} mismatches; first at x = "
                             f"{np.broadcast_to(x, got.shape)[i]!r}: got {got[i]!r}, want "
                             f"{want[i]!r}")


@pytest.mark.parametrize("name", ["j0", "j1", "y0", "y1"])
def test_unary_values_vs_scipy(name):
    x = np.concatenate([X, -X]) if name in ("j0", "j1") else X
    close_env(getattr(fs, name)(x), getattr(ss, name)(x), x, 1e-13, 1e-12, name)


@pytest.mark.parametrize("name", ["jn", "yn"])
def test_integer_order_values_vs_scipy(name):
    n, x = ORDERS[:, None], X[None]
    got, want = getattr(fs, name)(n, x), getattr(ss, name)(n, x)
    # Y_n overflows to -inf for small x and large n in both; J_n underflows to 0
    close_env(got, want, np.broadcast_to(x, got.shape), 1e-13, 1e-12, name)
    if name == "jn":
        close_env(fs.jn(n, -x), ss.jn(n, -x), np.broadcast_to(x, got.shape), 1e-13, 1e-12,
                  "jn(n, -x)")


def test_ive_values_vs_scipy():
    n = np.array([-3, 0, 1, 2, 3, 7, 20, 100])[:, None]
    x = np.concatenate([np.linspace(-60, 60, 481), np.geomspace(1e-5, 1e6, 60)])[None]
    assert_close(fs.ive(n, x), ss.ive(n, x), 2e-12, 0, "ive")  # scipy's error at n = 100


def _mp(fn, *args):
    return float(mpmath.re(fn(*args)))


# hard points: at (the doubles nearest) zeros, tiny and huge x, large orders
HARD = [
    ("j0", 2.404825557695773), ("j0", 5.520078110286311), ("j0", 30.634606468431976),
    ("j1", 3.8317059702075125), ("j1", 1e-300), ("y0", 0.8935769662791675),
    ("y0", 3.957678419314858), ("y1", 2.197141326031017), ("y1", 1e-300),
    ("j0", 1e10), ("j0", 1e15), ("y0", 1e15), ("j1", 1e300), ("y1", 1e300),
    ("jn", (200, 150.0)), ("jn", (1000, 900.0)), ("jn", (50, 1e-3)), ("jn", (30, 1e5)),
    ("jn", (-7, -4.0)), ("yn", (60, 59.0)), ("yn", (30, 1e5)), ("yn", (2, 3.3842417671495935)),
    ("ive", (100, 80.0)), ("ive", (3, 1e6)), ("ive", (20, -7.5)),
]
MP = {"j0": lambda x: mpmath.besselj(0, x), "j1": lambda x: mpmath.besselj(1, x),
      "y0": lambda x: mpmath.bessely(0, x), "y1": lambda x: mpmath.bessely(1, x),
      "jn": mpmath.besselj, "yn": mpmath.bessely,
      "ive": lambda n, x: mpmath.besseli(n, x) * mpmath.exp(-abs(x))}


@pytest.mark.parametrize("name,args", HARD)
def test_hard_points_vs_mpmath(name, args):
    args = args if isinstance(args, tuple) else (args,)
    want = _mp(MP[name], *[mpmath.mpf(a) for a in args])
    got = float(getattr(fs, name)(*args))
    x = args[-1]
    # at a zero (rounded to double) the value is ~1e-17 and only the absolute bound applies
    assert abs(got - want) <= 1e-14 * abs(want) + 2e-16 * envelope(x), (got, want)


def test_accuracy_vs_mpmath():
    """Error relative to the envelope below 3e-15 on a grid (relative error ~1e-15 away from
    zeros) for all four functions and a few orders."""
    x = np.concatenate([np.linspace(0.05, 39.9, 97), np.geomspace(1e-4, 1e6, 23)])
    cases = [("j0", fs.j0, MP["j0"]), ("j1", fs.j1, MP["j1"]), ("y0", fs.y0, MP["y0"]),
             ("y1", fs.y1, MP["y1"]),
             ("jn5", lambda x: fs.jn(5, x), lambda x: mpmath.besselj(5, x)),
             ("yn13", lambda x: fs.yn(13, x), lambda x: mpmath.bessely(13, x))]
    for name, f, ref in cases:
        want = np.array([_mp(ref, mpmath.mpf(v)) for v in x])
        close_env(f(x), want, x, 1e-14, 3e-15, name)


def test_edge_values():
    edge = np.array([0.0, 1e-300, np.inf, -np.inf, np.nan])
    np.testing.assert_equal(fs.j0(edge), [1.0, 1.0, 0.0, 0.0, np.nan])
    np.testing.assert_equal(fs.j1(edge), [0.0, 5e-301, 0.0, 0.0, np.nan])
    np.testing.assert_equal(fs.y0(np.array([0.0, -1.0, np.inf, np.nan])),
                            [-np.inf, np.nan, 0.0, np.nan])
    np.testing.assert_equal(fs.y1(np.array([0.0, -1.0, np.inf])), [-np.inf, np.nan, 0.0])
    np.testing.assert_equal(fs.yn(3, np.array([0.0, -2.0, 1e-200])), [-np.inf, np.nan, -np.inf])
    np.testing.assert_equal(fs.jn(3, np.array([0.0, np.inf])), [0.0, 0.0])
    # orders must be integers (scipy's jn is jv there; fgrad has no jv)
    assert np.isnan(fs.jn(0.5, 1.0)) and np.isnan(fs.yn(1.5, 1.0)) and np.isnan(fs.ive(2.5, 1))
    np.testing.assert_equal(fs.ive(2, np.array([0.0, np.inf])), [0.0, 0.0])
    np.testing.assert_allclose(fs.jn(np.arange(4), 2.0), ss.jn(np.arange(4), 2.0), rtol=1e-15)


def _fd_free_derivatives(f, x, order):
    """Derivative of `order` 1 or 2 at every point (vmap of grad)."""
    g = fgrad.grad(f)
    if order == 2:
        g = fgrad.grad(g)
    return np.asarray(fgrad.vmap(g)(x))


@pytest.mark.parametrize("name,n", [("j0", 0), ("j1", 1), ("y0", 0), ("y1", 1), ("jn", 0),
                                    ("jn", 3), ("jn", -4), ("yn", 2), ("yn", 7)])
def test_derivatives_vs_scipy_closed_forms(name, n):
    f = getattr(fs, name)
    fun = f if name in ("j0", "j1", "y0", "y1") else (lambda x: f(n, x))
    ref = ss.jvp if name[0] == "j" else ss.yvp
    x = np.concatenate([np.linspace(0.05, 35, 141), [1e-3, 50.0, 300.0]])
    if name[0] == "j":
        x = np.concatenate([x, -x])
    for order in (1, 2):
        got = _fd_free_derivatives(fun, x, order)
        close_env(got, ref(n, x, order), x, 1e-12, 1e-12, f"{name}({n}) derivative {order}")


def test_ive_derivatives_vs_scipy():
    x = np.concatenate([np.linspace(-30, 30, 121), [200.0, -500.0]])
    x = x[x != 0]
    for n in (0, 1, 2, 5):
        got = _fd_free_derivatives(lambda x: fs.ive(n, x), x, 1)  # noqa: B023
        want = ss.ivp(n, x) * np.exp(-np.abs(x)) - np.sign(x) * ss.ive(n, x)
        # (I_n-1 + I_n+1)/2 - I_n cancels to ~I_n / 2x for large x, in both
        err = np.abs(got - want)
        assert (err <= 1e-13 * np.abs(want) + 1e-14 * np.abs(ss.ive(n, x))).all(), n


def test_derivatives_at_zero():
    assert fgrad.grad(fs.j1)(0.0) == 0.5 and fgrad.grad(fgrad.grad(fs.j1))(0.0) == 0.0
    assert fgrad.grad(fs.j0)(0.0) == 0.0 and fgrad.grad(fgrad.grad(fs.j0))(0.0) == -0.5
    assert fgrad.grad(lambda x: fs.jn(1, x))(0.0) == 0.5
    assert fgrad.grad(lambda x: fs.jn(2, x))(0.0) == 0.0
    assert fgrad.grad(lambda x: fs.ive(1, x))(0.0) == 0.5
    with pytest.raises(ValueError, match="integer order"):
        fgrad.grad(fs.jn)(1.0, 2.0)


def test_derivatives_vs_jax_bessel_jn():
    """jax.scipy.special.bessel_jn(x, v) gives J_0..J_v and is differentiable (x > 0)."""
    x = np.linspace(0.1, 20, 40)

    def jax_d(k, order):
        g = lambda x: jss.bessel_jn(x, v=3)[k]  # noqa: E731
        for _ in range(order):
            g = jax.grad(g)
        return np.asarray(jax.vmap(g)(jnp.asarray(x)))

    for k in range(4):
        fun = lambda x: fs.jn(k, x)  # noqa: E731, B023
        for order in ((0, 1, 2) if RUN_SLOW else (0, 1)):
            got = np.asarray(fun(x)) if order == 0 else _fd_free_derivatives(fun, x, order)
            want = jax_d(k, order)
            if order == 2:  # jax's second derivatives are wrong below x ~ 1 (-5e5 at 0.1)
                got, want = got[x > 1], want[x > 1]
            close_env(got, want, x[x > 1] if order == 2 else x, 1e-10, 1e-11,
                      f"J_{k} derivative {order}")


@pytest.mark.parametrize("name", ["j0", "j1", "y0", "y1", "jn", "yn", "ive"])
def test_check_grads(name):
    x = np.array([0.3, 1.7, 4.2, 9.0, 27.0])
    f = getattr(fs, name)
    for fun in ([f] if name in ("j0", "j1", "y0", "y1") else
                [lambda x: f(0, x), lambda x: f(3, x), lambda x: f(-2, x)]):
        check_grads(fun, (x,), order=2, modes=("fwd", "rev"))
    if name in ("j0", "j1", "jn", "ive"):
        g = f if name in ("j0", "j1") else (lambda x: f(3, x))
        check_grads(g, (-x,), order=2, modes=("fwd", "rev"))


def test_vmap_jit_float32():
    n = np.array([0.0, 1.0, 4.0])
    x = np.array([0.5, 3.0, 30.0])
    loop = np.array([fs.jn(ni, xi) for ni, xi in zip(n, x)])
    np.testing.assert_array_equal(fgrad.vmap(fs.jn)(n, x), loop)
    np.testing.assert_array_equal(fgrad.vmap(lambda xi: fs.yn(n, xi))(x),
                                  np.stack([fs.yn(n, xi) for xi in x]))
    np.testing.assert_array_equal(fgrad.jit(fs.y1)(x), fs.y1(x))
    np.testing.assert_array_equal(fgrad.jit(fgrad.vmap(fgrad.grad(fs.j0)))(x),
                                  fgrad.vmap(fgrad.grad(fs.j0))(x))
    for name in ("j0", "j1", "y0", "y1"):
        out = getattr(fs, name)(x.astype(np.float32))
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, getattr(ss, name)(x), rtol=1e-6)
    assert fs.ive(2, np.float32(1.5)).dtype == np.float32
    assert fs.jn(2, 3).dtype == np.float64  # integer x promotes, as in scipy


@given(st.floats(-1e4, 1e4, allow_nan=False, allow_subnormal=False))
def test_hypothesis_vs_scipy(x):
    xs = np.array([x])
    close_env(fs.j0(xs), ss.j0(xs), xs, 1e-13, 1e-12, "j0")
    close_env(fs.j1(xs), ss.j1(xs), xs, 1e-13, 1e-12, "j1")
    if x > 0:
        close_env(fs.y0(xs), ss.y0(xs), xs, 1e-13, 1e-12, "y0")
        close_env(fs.y1(xs), ss.y1(xs), xs, 1e-13, 1e-12, "y1")
        close_env(fs.yn(4, xs), ss.yn(4, xs), xs, 1e-13, 1e-12, "yn")
    close_env(fs.jn(5, xs), ss.jn(5, xs), xs, 1e-13, 1e-12, "jn")


# ----- log_expit, exprel ------------------------------------------------------------------


def test_log_expit():
    x = np.concatenate([np.linspace(-60, 60, 241), [0.0, -800.0, 800.0, 1e-300, -1e-300]])
    assert_close(fs.log_expit(x), ss.log_expit(x), 5e-16, 0, "log_expit")
    np.testing.assert_equal(fs.log_expit(np.array([np.inf, -np.inf, np.nan])),
                            ss.log_expit(np.array([np.inf, -np.inf, np.nan])))
    d1 = fgrad.vmap(fgrad.grad(fs.log_expit))(x)
    d2 = fgrad.vmap(fgrad.grad(fgrad.grad(fs.log_expit)))(x)
    assert_close(d1, ss.expit(-x), 1e-15, 0, "log_expit'")
    assert_close(d2, -ss.expit(x) * ss.expit(-x), 1e-14, 0, "log_expit''")
    jd = jax.vmap(jax.grad(jax.nn.log_sigmoid))(jnp.asarray(x))
    assert_close(fs.log_expit(x), jax.nn.log_sigmoid(jnp.asarray(x)), 1e-15, 0, "vs jax")
    assert_close(d1, jd, 1e-15, 1e-14, "vs jax'")  # jax's rounds to 1 sooner
    check_grads(fs.log_expit, (np.array([-30.0, -1.0, 0.0, 2.0, 40.0]),), order=2,
                modes=("fwd", "rev"))
    assert fs.log_expit(np.float32(3.0)).dtype == np.float32


def test_exprel():
    x = np.concatenate([np.linspace(-50, 50, 401), np.geomspace(1e-300, 1, 50),
                        -np.geomspace(1e-300, 1, 50), [0.0, 0.999999, 1.0, -1.0, 700.0]])
    assert_close(fs.exprel(x), ss.exprel(x), 4e-16, 0, "exprel")
    np.testing.assert_equal(fs.exprel(np.array([np.inf, -np.inf, np.nan, 710.0])),
                            ss.exprel(np.array([np.inf, -np.inf, np.nan, 710.0])))
    pts = [-20.0, -1.0, -0.999, -1e-3, 0.0, 1e-8, 0.5, 0.999, 1.0, 1.001, 3.0, 30.0]

    def ref(x, k):  # k-th derivative of (e^x - 1)/x: sum_m x^m / (m! (m + k + 1))
        if x == 0:
            return mpmath.mpf(1) / (k + 1)
        return mpmath.diff(lambda t: mpmath.expm1(t) / t, mpmath.mpf(x), k)

    for k, f in ((1, fgrad.grad(fs.exprel)), (2, fgrad.grad(fgrad.grad(fs.exprel)))):
        for p in pts:
            assert abs(float(f(p)) - float(ref(p, k))) <= 1e-14 * abs(float(ref(p, k))), (k, p)
    check_grads(fs.exprel, (np.array([-3.0, -0.5, 0.0, 0.7, 1.0, 4.0]),), order=2,
                modes=("fwd", "rev"))


# ----- logsumexp: b and return_sign ---------------------------------------------------------

A = np.array([[1.0, 2.0, 3.0, -1.0], [0.5, -1.0, 2.0, 40.0], [700.0, 700.0, 1.0, 2.0]])
B = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 1.0, -1.0, 1e-3], [1.0, -3.0, 2.0, 0.0]])


@pytest.mark.parametrize("axis,keepdims", [(None, False), (1, False), (0, True), ((0, 1), False)])
def test_logsumexp_b_and_sign_vs_scipy(axis, keepdims):
    for b in (B, -np.abs(B), np.abs(B), B[0]):
        got = fs.logsumexp(A, axis=axis, b=b, keepdims=keepdims, return_sign=True)
        want = ss.logsumexp(A, axis=axis, b=b, keepdims=keepdims, return_sign=True)
        # mixed signs cancel: both are accurate to ~1e-16 absolute in the sum's log
        assert_close(got[0], want[0], 1e-15, 1e-15, "logsumexp")
        np.testing.assert_array_equal(got[1], want[1])
        assert_close(fs.logsumexp(A, axis=axis, b=b, keepdims=keepdims),
                     ss.logsumexp(A, axis=axis, b=b, keepdims=keepdims), 1e-15, 1e-15,
                     "no sign")
    # a sum that cancels exactly: log 0 = -inf with sign 0
    np.testing.assert_equal(fs.logsumexp(np.array([1.0, 1.0]), b=np.array([1.0, -1.0]),
                                         return_sign=True), (-np.inf, 0.0))


def test_logsumexp_b_and_sign_gradients_vs_jax():
    def loss(lse, np_):
        return lambda a, b: np_.sum(lse(a, axis=1, b=b, return_sign=True)[0] * np_.arange(1, 4))

    got = fgrad.grad(loss(fs.logsumexp, fgrad.numpy), argnums=(0, 1))(A, B)
    want = jax.grad(loss(jss.logsumexp, jnp), argnums=(0, 1))(jnp.asarray(A), jnp.asarray(B))
    for g, w in zip(got, want):
        assert_close(g, w, 1e-14, 1e-300, "logsumexp gradient")
    check_grads(lambda a, b: fs.logsumexp(a, axis=1, b=b, return_sign=True)[0],
                (A[:2, :3], B[:2, 1:]), order=2, modes=("fwd", "rev"))
