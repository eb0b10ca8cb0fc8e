"""fgrad.scipy.stats against scipy.stats (values) and jax.scipy.stats (values and gradients with
respect to the data and the parameters, x64), check_grads, and vmap against a loop."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import jax.scipy.stats as jst
import numpy as np
import pytest
import scipy.stats as sst

import fgrad
import fgrad.numpy as fnp
import fgrad.scipy.stats as fst

try:
    from fgrad.test_util import check_grads
except ImportError:  # written by another developer
    check_grads = None

warnings.filterwarnings("ignore", category=RuntimeWarning)

G = np.linspace
Q = np.concatenate([G(0, 1, 41), [1e-300, 1e-20, 1 - 1e-12]])
Q_JAX = G(0.025, 0.975, 39)  # JAX's cauchy quantiles lose small q (tan(pi (q - 1/2)))

# dist: (data grid, {parameter name: values}, the functions to compare, data name)
DISTS = {
    "norm": (G(-40, 40, 81), dict(loc=[0.0, 1.5], scale=[0.5, 2.0]),
             ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]),
    "t": (G(-20, 20, 81), dict(df=[0.5, 3.0, 30.0], loc=[0.0, 1.0], scale=[2.0]),
          ["logpdf", "pdf"]),
    "gamma": (G(-1, 60, 81), dict(a=[0.5, 2.0, 10.0], loc=[0.0, -0.5], scale=[1.0, 3.0]),
              ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
    "chi2": (G(-1, 60, 81), dict(df=[1.0, 4.0, 25.0], loc=[0.0], scale=[1.0, 2.0]),
             ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
    "beta": (G(-0.2, 1.2, 71), dict(a=[0.5, 2.0], b=[0.7, 5.0], loc=[0.1, 0.0], scale=[0.5, 1.0]),
             ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
    "expon": (G(-1, 40, 83), dict(loc=[0.0, 0.5], scale=[0.5, 2.0]),
              ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]),
    "laplace": (G(-30, 30, 81), dict(loc=[0.0, 0.5], scale=[0.5, 2.0]),
                ["logpdf", "pdf", "cdf"]),
    "logistic": (G(-30, 30, 81), dict(loc=[0.0, 0.5], scale=[0.5, 2.0]),
                 ["logpdf", "pdf", "cdf", "sf", "ppf", "isf"]),
    "uniform": (G(-1, 4, 81), dict(loc=[0.0, 0.5], scale=[0.5, 2.0]),
                ["logpdf", "pdf", "cdf", "ppf"]),
    "cauchy": (G(-50, 50, 81), dict(loc=[0.0, 0.5], scale=[0.5, 2.0]),
               ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]),
    "poisson": (np.concatenate([np.arange(-2.0, 60.0), [0.5, 3.5]]),
                dict(mu=[0.5, 3.0, 25.0], loc=[0.0, 1.0]), ["logpmf", "pmf", "cdf"]),
    "bernoulli": (np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), dict(p=[0.0, 0.3, 1.0], loc=[0.0]),
                  ["logpmf", "pmf"]),
    "geom": (np.arange(-1.0, 30.0), dict(p=[0.1, 0.7], loc=[0.0, 2.0]), ["logpmf", "pmf"]),
    "binom": (np.arange(-1.0, 25.0), dict(n=[5.0, 20.0], p=[0.1, 0.7], loc=[0.0]),
              ["logpmf", "pmf"]),
}


def _param_sets(params):
    names = list(params)
    grids = np.meshgrid(*[np.asarray(params[n]) for n in names], indexing="ij")
    return [dict(zip(names, vals)) for vals in zip(*[g.ravel() for g in grids])]


def _close(got, want, rtol, atol=1e-300):
    np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64),
                               rtol=rtol, atol=atol, equal_nan=True)


# 1e-12: densities of ~1e-280 are exp(logpdf ~ -650), which carries ~650 ulp in either library;
# scipy's incomplete gamma (gamma, chi2, poisson cdf) is good to ~1e-12; scipy's cauchy cdf
# 1/2 + arctan(y)/pi cancels in the lower tail where fgrad's does not, so there it is compared
# only where it is above 1e-3. Quantiles near 0 are compared absolutely (1e-15).
RTOL = 1e-12


@pytest.mark.parametrize("dist", sorted(DISTS))
def test_values_vs_scipy(dist):
    data, params, fns = DISTS[dist]
    for p in _param_sets(params):
        for fn in fns:
            arg = Q if fn in ("ppf", "isf") else data
            got = getattr(getattr(fst, dist), fn)(arg, **p)
            if dist == "bernoulli" and fn in ("logpmf", "pmf"):
                want = getattr(sst.bernoulli, fn)(arg, p["p"], loc=p["loc"])
            else:
                want = getattr(getattr(sst, dist), fn)(arg, **p)
            if dist == "cauchy" and fn in ("cdf", "sf", "logcdf", "logsf"):
                want = np.where(np.abs(want) < 1e-3, got, want)
            _close(got, want, RTOL, 1e-15 if fn in ("ppf", "isf") else 1e-300)


# data inside the support (where derivatives exist) for the comparison with JAX
JAX_DATA = {"gamma": G(0.5, 60, 41), "chi2": G(0.5, 60, 41), "beta": G(0.05, 0.95, 19),
            "expon": G(0.6, 40, 41), "uniform": G(0.1, 0.4, 7), "poisson": np.arange(0.0, 40),
            "bernoulli": np.array([0.0, 1.0]), "geom": np.arange(1.0, 30.0),
            "binom": np.arange(0.0, 6.0)}


@pytest.mark.parametrize("dist", sorted(DISTS))
def test_values_and_gradients_vs_jax(dist):
    """Every function of the distribution, and the gradient of its first function (logpdf or
    logpmf) with respect to the data and every float parameter, in one jitted JAX call."""
    data, params, fns = DISTS[dist]
    p = {n: v[len(v) // 2] for n, v in params.items()}
    names = list(p)
    main = fns[0]
    discrete = main == "logpmf"
    argnums = tuple(k for k in range(len(names) + 1)
                    if not (k == 0 and (discrete or dist == "uniform"))
                    and not (k > 0 and names[k - 1] in ("n", "loc") and discrete))

    def run(mod, grad, vmap, x, *vals):
        kw = dict(zip(names, vals))
        outs = [getattr(mod, fn)(Q_JAX if fn in ("ppf", "isf") else x, **kw) for fn in fns]

        def f(x, *vals):
            return getattr(mod, main)(x, **dict(zip(names, vals)))

        grads = [vmap(grad(f, k), in_axes=(0,) + (None,) * len(vals))(x, *vals)
                 for k in argnums]
        return outs, grads

    x = JAX_DATA.get(dist, data)
    vals = [np.float64(p[n]) for n in names]
    want = jax.jit(lambda x, *v: run(getattr(jst, dist), jax.grad, jax.vmap, x, *v))(x, *vals)
    got = run(getattr(fst, dist), fgrad.grad, fgrad.vmap, x, *vals)
    for fn, g, w in zip(fns, got[0], want[0]):
        # JAX's log_ndtr is good to ~2e-11 in the lower tail (see test_scipy_special)
        rtol = 5e-11 if dist == "norm" and fn.startswith("log") else 1e-12
        _close(g, w, rtol, 1e-14 if fn.startswith("log") or fn in ("ppf", "isf") else 1e-300)
    for k, g, w in zip(argnums, got[1], want[1]):
        _close(g, w, 1e-11, 1e-13)


def test_dirichlet_vs_scipy_and_jax():
    rng = np.random.default_rng(0)
    alpha = np.array([0.7, 2.0, 3.5])
    x = rng.dirichlet(alpha, size=6).T  # (K, n)
    want = np.array([sst.dirichlet.logpdf(x[:, i], alpha) for i in range(6)])
    _close(fst.dirichlet.logpdf(x, alpha), want, 1e-13)
    _close(fst.dirichlet.pdf(x, alpha), np.exp(want), 1e-13)
    _close(fst.dirichlet.logpdf(x[:-1], alpha), want, 1e-12)  # K - 1 coordinates
    _close(fst.dirichlet.logpdf(np.array([0.5, 0.6, 0.1]), alpha), -np.inf, 0)
    ga = fgrad.grad(lambda a: fnp.sum(fst.dirichlet.logpdf(x, a)))(alpha)
    ja = jax.grad(lambda a: jnp.sum(jst.dirichlet.logpdf(x, a)))(alpha)
    _close(ga, ja, 1e-12)
    gx = fgrad.grad(lambda x: fnp.sum(fst.dirichlet.logpdf(x, alpha)))(x)
    jx = jax.grad(lambda x: jnp.sum(jst.dirichlet.logpdf(x, alpha)))(x)
    _close(gx, jx, 1e-12)
    with pytest.raises(ValueError, match="coordinates"):
        fst.dirichlet.logpdf(np.ones((5, 2)) / 5, alpha)


@pytest.mark.skipif(check_grads is None, reason="fgrad.test_util is not available yet")
def test_check_grads_order2():
    x = np.array([0.3, 1.7, 4.0])
    check_grads(lambda x, m, s: fst.norm.logpdf(x, m, s), (x, 0.5, 1.5), order=2)
    check_grads(lambda x, m, s: fst.norm.logcdf(x, m, s), (x, 0.5, 1.5), order=2)
    check_grads(lambda x, a, s: fst.gamma.logpdf(x, a, 0.0, s), (x, 2.5, 1.5), order=2)
    check_grads(lambda x: fst.gamma.cdf(x, 2.5), (x,), order=2)
    check_grads(lambda x, df: fst.t.logpdf(x, df), (x, 3.0), order=2)
    check_grads(lambda y, a, b: fst.beta.logpdf(y, a, b), (x / 5, 2.0, 3.0), order=2)
    check_grads(lambda mu: fst.poisson.logpmf(np.array([0.0, 3.0, 7.0]), mu), (2.5,), order=2)
    check_grads(lambda x: fst.cauchy.logcdf(x, 0.5, 2.0), (x,), order=2)
    check_grads(lambda x: fst.logistic.logpdf(x, 0.5, 2.0), (x,), order=2)


def test_vmap_matches_loop():
    xs = np.array([[0.3, 1.7], [2.0, 5.0], [0.1, 9.0]])
    a = np.array([0.5, 2.0, 7.0])
    f = fgrad.vmap(lambda x, a: fst.gamma.logpdf(x, a, 0.0, 2.0))
    _close(f(xs, a), np.stack([fst.gamma.logpdf(xs[i], a[i], 0.0, 2.0) for i in range(3)]), 0)
    g = fgrad.vmap(fgrad.grad(lambda m: fnp.sum(fst.norm.logcdf(xs[0], m, 1.0))))
    _close(g(a), np.stack([fgrad.grad(lambda m: fnp.sum(fst.norm.logcdf(xs[0], m, 1.0)))(v)
                           for v in a]), 0)


def test_float32_and_support_edges():
    x32 = np.array([0.5, 1.0, 3.0], np.float32)
    for out in (fst.norm.logpdf(x32), fst.gamma.logpdf(x32, np.float32(2)), fst.t.pdf(x32, 3.0),
                fst.cauchy.logpdf(x32), fst.expon.logcdf(x32), fst.norm.cdf(x32, 0.5, 2.0)):
        assert out.dtype == np.float32
    assert fst.gamma.logpdf(-1.0, 2.0) == -np.inf
    assert fst.gamma.logpdf(0.0, 1.0) == 0.0  # xlogy: 0 * log 0 = 0
    assert np.isfinite(fgrad.grad(lambda x: fst.gamma.logpdf(x, 2.0))(-1.0))  # no nan leak
    assert np.isfinite(fgrad.grad(lambda x: fst.beta.logpdf(x, 2.0, 3.0))(1.5))
    _close(fst.norm.isf(1e-300), -sst.norm.ppf(1e-300), 1e-15)
