"""logsumexp, softmax, log_softmax (and multigammaln, loggamma, psi): the reduction-shaped
functions of fgrad.scipy.special against scipy and jax.scipy.special, including the stability
claims: no overflow for huge inputs, -inf entries, and gradients equal to the softmax weights."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
import numpy as np
import pytest
import scipy.special as ss
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fgrad
import fgrad.numpy as fnp
import fgrad.scipy.special as fs

try:
    from fgrad.test_util import check_grads
except ImportError:  # written by another developer
    check_grads = None

warnings.filterwarnings("ignore", category=RuntimeWarning)


def _close(got, want, rtol=1e-14, atol=0.0):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


X = np.random.default_rng(0).normal(size=(3, 4, 5)) * 3
B = np.random.default_rng(1).normal(size=(3, 4, 5))


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), (0, 1, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_axes_vs_scipy(axis, keepdims):
    _close(fs.logsumexp(X, axis=axis, keepdims=keepdims),
           ss.logsumexp(X, axis=axis, keepdims=keepdims))
    got = fs.logsumexp(X, axis=axis, b=B, keepdims=keepdims, return_sign=True)
    want = ss.logsumexp(X, axis=axis, b=B, keepdims=keepdims, return_sign=True)
    # signed weights cancel: the error is relative to the largest term, not to the result
    _close(got[0], want[0], 1e-14, 1e-13)
    _close(got[1], want[1])


def test_logsumexp_b_negative_sum_is_nan_without_return_sign():
    assert np.isnan(fs.logsumexp(np.array([1.0, 2.0]), b=np.array([1.0, -1.0])))
    out, sign = fs.logsumexp(np.array([1.0, 2.0]), b=np.array([1.0, -1.0]), return_sign=True)
    _close(out, np.log(np.e**2 - np.e))
    assert sign == -1


def test_logsumexp_b_broadcasts_and_zero_weights():
    b = np.array([0.0, 1.0, 2.0, 0.0, 1.0])
    _close(fs.logsumexp(X, axis=-1, b=b), ss.logsumexp(X, axis=-1, b=b))
    # b == 0 removes an entry even when it is +inf
    x = np.array([np.inf, 1.0, 2.0])
    _close(fs.logsumexp(x, b=np.array([0.0, 1.0, 1.0])), np.log(np.e + np.e**2))


def test_logsumexp_where_vs_jax():
    where = np.random.default_rng(2).random(X.shape) > 0.3
    for axis in [None, 1, (0, 2)]:
        _close(fs.logsumexp(X, axis=axis, where=where),
               jss.logsumexp(X, axis=axis, where=where), 1e-13)


def test_logsumexp_stable_for_huge_and_minus_inf_inputs():
    big = np.array([1e308, 1e308, -1e308])
    _close(fs.logsumexp(big), 1e308)
    _close(fgrad.grad(fs.logsumexp)(big), [0.5, 0.5, 0.0])
    x = np.array([-np.inf, 0.0, np.log(3.0)])
    _close(fs.logsumexp(x), np.log(4.0))
    _close(fgrad.grad(fs.logsumexp)(x), [0.0, 0.25, 0.75])
    assert fs.logsumexp(np.array([-np.inf, -np.inf])) == -np.inf
    assert fs.logsumexp(np.zeros((0,))) == -np.inf
    _close(fs.logsumexp(np.zeros((2, 0)), axis=1), [-np.inf, -np.inf])
    assert fs.logsumexp(np.array([np.inf, 1.0])) == np.inf
    assert np.isnan(fs.logsumexp(np.array([np.nan, 1.0])))
    # float32 neither overflows nor changes dtype
    x32 = np.array([80.0, 100.0], np.float32)
    assert fs.logsumexp(x32).dtype == np.float32
    _close(fs.logsumexp(x32), np.float32(100 + np.log1p(np.exp(-20.0))), 1e-7)


def test_logsumexp_gradient_is_softmax_and_matches_jax():
    g = fgrad.grad(lambda x: fnp.sum(fs.logsumexp(x, axis=1)))(X)
    _close(g, ss.softmax(X, axis=1))
    for axis, b in [(1, np.ones_like(X)), ((0, 2), B), (None, np.abs(B))]:
        got = fgrad.grad(lambda x, b: fnp.sum(fs.logsumexp(x, axis=axis, b=b)), (0, 1))(X, b)
        want = jax.grad(lambda x, b: jnp.sum(jss.logsumexp(x, axis=axis, b=b)), (0, 1))(X, b)
        _close(got[0], want[0], 1e-13, 1e-15)
        _close(got[1], want[1], 1e-13, 1e-15)


@pytest.mark.skipif(check_grads is None, reason="fgrad.test_util is not available yet")
def test_logsumexp_softmax_check_grads_order2():
    x = X[0]
    check_grads(lambda x: fs.logsumexp(x, axis=1), (x,), order=2)
    check_grads(lambda x, b: fs.logsumexp(x, axis=0, b=b), (x, np.abs(B[0]) + 0.1), order=2)
    check_grads(lambda x: fs.softmax(x, axis=1), (x,), order=2)
    check_grads(lambda x: fs.log_softmax(x, axis=0), (x,), order=2)


def test_logsumexp_vmap_matches_loop():
    f = fgrad.vmap(lambda x, b: fs.logsumexp(x, axis=0, b=b, return_sign=True), in_axes=(1, None))
    out, sign = f(X, B[:, 0, :])
    want = [ss.logsumexp(X[:, i], axis=0, b=B[:, 0, :], return_sign=True) for i in range(4)]
    _close(out, np.stack([w[0] for w in want]))
    _close(sign, np.stack([w[1] for w in want]))


@pytest.mark.parametrize("axis", [None, 0, -1, (0, 1)])
def test_softmax_log_softmax_vs_scipy_and_jax(axis):
    _close(fs.softmax(X, axis=axis), ss.softmax(X, axis=axis))
    _close(fs.log_softmax(X, axis=axis), ss.log_softmax(X, axis=axis))
    gs = fgrad.grad(lambda x: fnp.sum(fnp.multiply(fs.softmax(x, axis=axis), B)))(X)
    gj = jax.grad(lambda x: jnp.sum(jss.softmax(x, axis=axis) * B))(X)
    _close(gs, gj, 1e-13, 1e-15)
    gs = fgrad.grad(lambda x: fnp.sum(fnp.multiply(fs.log_softmax(x, axis=axis), B)))(X)
    gj = jax.grad(lambda x: jnp.sum(jss.log_softmax(x, axis=axis) * B))(X)
    _close(gs, gj, 1e-13, 1e-15)


def test_softmax_large_inputs():
    x = np.array([1000.0, 1000.0, -np.inf])
    _close(fs.softmax(x), [0.5, 0.5, 0.0])
    _close(fs.log_softmax(x), [-np.log(2), -np.log(2), -np.inf])
    assert np.all(np.isfinite(fgrad.grad(lambda x: fs.log_softmax(x)[0])(np.array([1e300, 0.0]))))


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
                  elements=st.floats(-1e300, 1e300)), st.booleans())
def test_hypothesis_logsumexp_vs_scipy(x, keepdims):
    """Relative to the largest input: a result near 0 is a difference of O(max|x|) terms."""
    axis = x.ndim - 1
    _close(fs.logsumexp(x, axis=axis, keepdims=keepdims),
           ss.logsumexp(x, axis=axis, keepdims=keepdims), 1e-14, 1e-15 * (1 + np.abs(x).max()))
    _close(fs.softmax(x, axis=axis), ss.softmax(x, axis=axis), 1e-13, 1e-300)


@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_multigammaln_vs_scipy_and_jax(d):
    a = np.linspace((d - 1) / 2 + 0.01, 40, 50)
    _close(fs.multigammaln(a, d), ss.multigammaln(a, d), 1e-13, 1e-14)
    _close(fgrad.vmap(fgrad.grad(lambda a: fs.multigammaln(a, d)))(a),
           jax.vmap(jax.grad(lambda a: jss.multigammaln(a, d)))(a), 1e-12)
    assert fs.multigammaln(a.astype(np.float32), d).dtype == np.float32


def test_aliases_and_loggamma():
    assert fs.psi is fs.digamma
    x = np.array([-2.5, 0.5, 3.0])
    _close(fs.loggamma(x), [np.nan, ss.gammaln(0.5), ss.gammaln(3.0)])
    _close(fs.zeta(np.array([2.0, 4.0])), ss.zeta(np.array([2.0, 4.0])))
    with pytest.raises(TypeError, match="real arguments"):
        fs.erf(np.array([1j]))
    with pytest.raises(ValueError, match="positive integer"):
        fs.multigammaln(3.0, 0)
