"""fgrad.scipy.stats.t's cdf, sf, logcdf and logsf: values against scipy.stats.t and mpmath
(deep tails, df from 0.5 to inf), their derivatives against the density (scipy's and
jax.scipy.stats.t's pdf: JAX has no t.cdf), check_grads to second order in x, loc and scale, the
refusal to differentiate in df, vmap against a loop, jit, float32 and the edges."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import jax.scipy.stats as jst
import mpmath
import numpy as np
import pytest
import scipy.stats as sst
from hypothesis import given
from hypothesis import strategies as st

import fgrad
import fgrad.scipy.stats as fst
from fgrad.test_util import check_grads

warnings.filterwarnings("ignore", category=RuntimeWarning)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
mpmath.mp.dps = 50

X = np.concatenate([-np.geomspace(1e-3, 1e6, 40), [0.0, 1e-120, -1e-120], np.linspace(-5, 5, 41),
                    np.geomspace(1e-3, 1e6, 40)])
DFS = [0.5, 1.0, 2.5, 5.0, 30.0, 100.0, 1000.0, np.inf]
FUNCS = ["cdf", "sf", "logcdf", "logsf"]


def _close(got, want, rtol, what, atol=0.0):
    got, want = np.broadcast_arrays(np.asarray(got, np.float64), np.asarray(want, np.float64))
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    ok = same | (np.abs(got - want) <= rtol * np.abs(want) + atol + 1e-300)
    if not ok.all():
        i = tuple(np.argwhere(~ok)[0])
        raise AssertionError(f"{what}: {int((~ok).sum())} mismatches, first {i}: got "
                             f"{got[i]!r}, want {want[i]!r}")


@pytest.mark.parametrize("name", FUNCS)
def test_values_vs_scipy(name):
    for df in DFS:
        # the betainc kernel's prefactor is formed in log space (~1e-16 |log| relative error);
        # at df = inf, scipy's normal tail is the less accurate one (5e-14 at x = -25)
        rtol = 2e-13 if df <= 1000 else 1e-12
        _close(getattr(fst.t, name)(X, df), getattr(sst.t, name)(X, df), rtol, f"{name} {df}")
    x, df = np.linspace(-6, 9, 31)[:, None, None], np.array([0.7, 4.0, 60.0])[:, None]
    loc, scale = np.array([-1.0, 0.5, 3.0]), 2.5
    _close(getattr(fst.t, name)(x, df, loc, scale), getattr(sst.t, name)(x, df, loc, scale),
           2e-13, f"{name} broadcast")


def _mp_cdf(x, df):
    x, df = mpmath.mpf(float(x)), mpmath.mpf(float(df))
    tail = mpmath.betainc(df / 2, mpmath.mpf(1) / 2, 0, df / (df + x * x), regularized=True) / 2
    return tail if x < 0 else 1 - tail


@pytest.mark.parametrize("x,df", [(-1e6, 5.0), (-1e10, 0.5), (-40.0, 30.0), (-3.0, 2.0),
                                  (-1e-8, 3.0), (0.3, 7.0), (1e-30, 1.0), (-1.0, 1.0),
                                  (-0.999999, 1.0), (-25.0, 12.0)])
def test_tails_vs_mpmath(x, df):
    want = _mp_cdf(x, df)
    assert abs(float(fst.t.cdf(x, df)) - float(want)) <= 1e-13 * abs(float(want))
    assert abs(float(fst.t.logcdf(x, df)) - float(mpmath.log(want))) <= 1e-13 * abs(
        float(mpmath.log(want)))
    # the upper tail by symmetry, and log(1 - tiny) near 0 keeps its relative accuracy
    assert fst.t.sf(-x, df) == fst.t.cdf(x, df)
    want_log_sf = float(mpmath.log(1 - want))
    assert abs(float(fst.t.logsf(x, df)) - want_log_sf) <= 1e-13 * abs(want_log_sf) + 1e-300


def test_edges_and_dtypes():
    np.testing.assert_equal(fst.t.cdf(np.array([-np.inf, np.inf]), 3.0), [0.0, 1.0])
    np.testing.assert_equal(fst.t.logcdf(np.array([-np.inf, np.inf]), 3.0), [-np.inf, 0.0])
    np.testing.assert_equal(fst.t.sf(np.array([-np.inf, np.inf]), 3.0), [1.0, 0.0])
    assert fst.t.cdf(0.0, 3.0) == 0.5 and fst.t.cdf(1.0, 3.0, loc=1.0) == 0.5
    assert np.isnan(fst.t.cdf(np.nan, 3.0))
    # df = inf is the normal distribution (scipy's limit)
    x = np.linspace(-30, 30, 61)
    np.testing.assert_array_equal(fst.t.cdf(x, np.inf), fst.norm.cdf(x))
    _close(fst.t.cdf(x, np.inf), sst.norm.cdf(x), 1e-12, "df = inf")
    x32 = np.linspace(-3, 3, 7, dtype=np.float32)
    for name in FUNCS:
        out = getattr(fst.t, name)(x32, np.float32(4.0))
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, getattr(sst.t, name)(x32, 4.0), rtol=1e-5, atol=1e-6)


def _vgrad(f, x, order=1, argnum=0):
    g = f
    for _ in range(order):
        g = fgrad.grad(g, argnums=argnum)
    return np.asarray(fgrad.vmap(g)(np.asarray(x, np.float64)))


@pytest.mark.parametrize("df", [0.5, 1.0, 3.0, 30.0])
def test_derivative_is_the_density(df):
    """d cdf / dx = pdf (scipy's and JAX's), including x = loc exactly and |x - loc| < 1e-100
    (where the incomplete beta's own derivative would be inf * 0), and at the switch |y| = 1;
    the second derivative against jax.grad of JAX's pdf."""
    x = np.concatenate([np.linspace(-30, 30, 121), [0.0, 1e-150, -1e-150, 1.0, -1.0, 1e4]])
    got = _vgrad(lambda x: fst.t.cdf(x, df), x)  # noqa: B023
    _close(got, sst.t.pdf(x, df), 1e-12, "cdf' vs scipy pdf")
    want = np.asarray(jax.vmap(lambda x: jst.t.pdf(x, df))(jnp.asarray(x)))  # noqa: B023
    _close(got, want, 1e-12, "cdf' vs jax pdf")
    _close(_vgrad(lambda x: fst.t.sf(x, df), x), -want, 1e-12, "sf' vs jax pdf")  # noqa: B023
    got2 = _vgrad(lambda x: fst.t.cdf(x, df), x, 2)  # noqa: B023
    want2 = np.asarray(jax.vmap(jax.grad(lambda x: jst.t.pdf(x, df)))(jnp.asarray(x)))  # noqa: B023
    _close(got2, want2, 1e-11, "cdf'' vs jax pdf'", atol=1e-16)
    # log forms: pdf / cdf and -pdf / sf
    _close(_vgrad(lambda x: fst.t.logcdf(x, df), x), sst.t.pdf(x, df) / sst.t.cdf(x, df),  # noqa: B023
           1e-12, "logcdf'")
    _close(_vgrad(lambda x: fst.t.logsf(x, df), x), -sst.t.pdf(x, df) / sst.t.sf(x, df),  # noqa: B023
           1e-12, "logsf'")


def test_derivatives_in_loc_and_scale():
    x, df, loc, scale = 1.7, 4.0, -0.4, 1.9
    y = (x - loc) / scale
    pdf = sst.t.pdf(y, df)
    gx, gl, gs = fgrad.grad(fst.t.cdf, argnums=(0, 2, 3))(x, df, loc, scale)
    np.testing.assert_allclose([gx, gl, gs], [pdf / scale, -pdf / scale, -y * pdf / scale],
                               rtol=1e-13)
    for f in (fst.t.cdf, fst.t.logcdf, fst.t.sf, fst.t.logsf):
        check_grads(lambda x, loc, scale: f(x, 4.0, loc, scale), (x, loc, scale), order=2)  # noqa: B023
    check_grads(lambda x: fst.t.logcdf(x, 0.8), (-3.0,), order=2)
    check_grads(lambda x: fst.t.cdf(x, 25.0), (0.2,), order=2)


def test_not_differentiable_in_df():
    with pytest.raises(ValueError, match="not differentiable"):
        fgrad.grad(fst.t.cdf, argnums=1)(0.3, 3.0)
    # the parameter may still be traced, just not differentiated
    out = fgrad.vmap(fst.t.cdf, in_axes=(None, 0))(0.3, np.array([1.0, 3.0, 50.0]))
    np.testing.assert_allclose(np.asarray(out), sst.t.cdf(0.3, [1.0, 3.0, 50.0]), rtol=1e-14)


def test_vmap_and_jit():
    x = np.array([-40.0, -2.0, 0.0, 0.5, 3.0])
    df = np.array([0.5, 2.0, 5.0, 40.0, np.inf])
    for name in FUNCS:
        f = getattr(fst.t, name)
        want = np.array([f(a, b) for a, b in zip(x, df)])
        np.testing.assert_array_equal(np.asarray(fgrad.vmap(f)(x, df)), want)
        np.testing.assert_array_equal(np.asarray(fgrad.jit(f)(x, df)), f(x, df))
        g = fgrad.grad(f)
        np.testing.assert_array_equal(np.asarray(fgrad.vmap(g)(x, df)),
                                      np.array([g(a, b) for a, b in zip(x, df)]))


@given(x=st.floats(-1e4, 1e4), df=st.floats(0.3, 300.0), loc=st.floats(-5, 5),
       scale=st.floats(0.1, 10.0))
def test_hypothesis_vs_scipy(x, df, loc, scale):
    for name in FUNCS:
        _close(getattr(fst.t, name)(x, df, loc, scale), getattr(sst.t, name)(x, df, loc, scale),
               2e-12, name, atol=1e-15)
