"""fgrad.scipy.linalg and fgrad.scipy.stats.multivariate_normal: scipy's values (drawn sizes
and batch axes), derivatives against jax.scipy (x64) where jax has them, check_grads to second
order everywhere (expm, sqrtm and the Sylvester solver included), vmap against a loop."""

import jax.scipy.linalg as jsl
import jax.scipy.stats as jst
import numpy as np
import pytest
import scipy.linalg as sl
import scipy.stats as ss
from fnp_checks import bounded
from hypothesis import given
from hypothesis import strategies as st
from linalg_checks import (
    derivatives_vs_jax,
    distinct_sv,
    draw_rng,
    general,
    matrix_shapes,
    spd,
    square_shapes,
    symmetric_distinct,
    vmap_vs_loop,
    well_conditioned,
)

import fgrad
import fgrad.numpy as fnp
import fgrad.scipy.linalg as fsl
from fgrad.scipy.stats import multivariate_normal as mvn
from fgrad.test_util import check_grads


def _close(got, want, tol=1e-10):
    """Equal shapes, dtypes and values; scipy returns lists for batched input (and unwraps
    1-tuples), which count as the tuples fgrad returns."""
    if isinstance(want, (tuple, list)):
        assert isinstance(got, tuple) and len(got) == len(want), (type(got), len(want))
        for g, w in zip(got, want):
            _close(g, w, tol)
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def _only(r):
    """R from qr(mode='r'): a 1-tuple, except from scipy on batched input."""
    return r[0] if isinstance(r, tuple) else r


def _sign_free(v):
    return v * v


def _triangular(rng, shape):
    return well_conditioned(rng, shape)


def _expm_input(rng, shape):
    """Norms from about 0.05 to 12: every Pade degree, with and without squaring."""
    return rng.choice([0.02, 0.3, 1.0, 3.0]) * rng.standard_normal(shape)


def _sylvester_pair(rng, shape):
    return 0.5 * rng.standard_normal(shape) + 2 * np.eye(shape[-1])


def _nonsymmetric_sqrt_input(rng, shape):
    """Eigenvalues in the right half plane: a real principal square root exists."""
    return 0.4 * rng.standard_normal(shape) + 2 * np.eye(shape[-1])


# ----- values against scipy on drawn shapes --------------------------------------------------
# (id, f(module, *arrays), generators, shape kind): module is scipy.linalg or fgrad's

VALUE_CASES = [
    ("cholesky", lambda m, a: m.cholesky(a), [spd], "sq"),
    ("cholesky_lower", lambda m, a: m.cholesky(a, lower=True), [spd], "sq"),
    ("cho_solve", lambda m, a, b: m.cho_solve(m.cho_factor(a), b), [spd, general], "rhs"),
    ("cho_solve_lower", lambda m, a, b: m.cho_solve(m.cho_factor(a, lower=True), b[..., 0]),
     [spd, general], "rhs1"),
    ("solve_triangular", lambda m, a, b: m.solve_triangular(a, b), [_triangular, general], "rhs"),
    ("solve_triangular_lower_T", lambda m, a, b: m.solve_triangular(a, b, trans="T", lower=True),
     [_triangular, general], "rhs"),
    ("solve_triangular_unit", lambda m, a, b: m.solve_triangular(a, b[..., 0], trans=1,
                                                                 unit_diagonal=True),
     [_triangular, general], "rhs1"),
    ("lu_factor", lambda m, a: m.lu_factor(a), [well_conditioned], "sq"),
    ("lu_solve", lambda m, a, b: m.lu_solve(m.lu_factor(a), b), [well_conditioned, general],
     "rhs"),
    ("lu_solve_T", lambda m, a, b: m.lu_solve(m.lu_factor(a), b[..., 0], trans=1),
     [well_conditioned, general], "rhs1"),
    ("lu", lambda m, a: m.lu(a), [general], "mat"),
    ("lu_permute_l", lambda m, a: m.lu(a, permute_l=True), [general], "mat"),
    ("lu_p_indices", lambda m, a: (lambda p, l, u: (np.asarray(p, np.int64), l, u))(
        *m.lu(a, p_indices=True)), [general], "mat"),
    ("inv", lambda m, a: m.inv(a), [well_conditioned], "sq"),
    ("inv_pos", lambda m, a: m.inv(a, assume_a="pos"), [spd], "sq"),
    ("det", lambda m, a: m.det(a), [general], "sq"),
    ("solve", lambda m, a, b: m.solve(a, b), [well_conditioned, general], "rhs"),
    ("solve_vector", lambda m, a, b: m.solve(a, b[..., 0]), [well_conditioned, general], "rhs1"),
    ("solve_pos", lambda m, a, b: m.solve(a, b, assume_a="pos"), [spd, general], "rhs"),
    ("solve_sym", lambda m, a, b: m.solve(a, b, assume_a="sym"), [symmetric_distinct, general],
     "rhs"),
    ("solve_diagonal", lambda m, a, b: m.solve(a * np.eye(a.shape[-1]), b, assume_a="diagonal"),
     [well_conditioned, general], "rhs"),
    ("solve_lower", lambda m, a, b: m.solve(a, b, assume_a="lower triangular"),
     [_triangular, general], "rhs"),
    ("solve_transposed", lambda m, a, b: m.solve(a, b, transposed=True),
     [well_conditioned, general], "rhs"),
    ("eigvalsh", lambda m, a: m.eigh(a, eigvals_only=True), [symmetric_distinct], "sq"),
    ("eigh", lambda m, a: _sign_free(m.eigh(a)[1]), [symmetric_distinct], "sq"),
    ("eigh_generalized", lambda m, a, b: m.eigh(a, b, eigvals_only=True), [symmetric_distinct,
                                                                          spd], "pair"),
    ("svd", lambda m, a: m.svd(a), [general], "mat"),
    ("svd_values", lambda m, a: m.svd(a, compute_uv=False), [general], "mat"),
    ("qr", lambda m, a: m.qr(a), [general], "mat"),
    ("qr_economic", lambda m, a: m.qr(a, mode="economic"), [general], "mat"),
    ("qr_r", lambda m, a: _only(m.qr(a, mode="r")), [general], "mat"),
    ("expm", lambda m, a: m.expm(a), [_expm_input], "sq"),
    ("expm_frechet", lambda m, a, e: m.expm_frechet(a, e), [_expm_input, general], "pair"),
    ("sqrtm_spd", lambda m, a: m.sqrtm(a), [spd], "sq"),
    ("sqrtm", lambda m, a: m.sqrtm(a), [_nonsymmetric_sqrt_input], "sq"),
    ("solve_sylvester", lambda m, a, b, q: m.solve_sylvester(a, b, q),
     [_sylvester_pair, _sylvester_pair, general], "sylvester"),
]


@st.composite
def _shapes(draw, kind, n_ops):
    if kind == "mat":
        return [draw(matrix_shapes(min_n=1, max_batch=1))]
    s = draw(square_shapes(min_n=1, max_batch=1))
    n = s[-1]
    if kind == "sq":
        return [s]
    if kind == "pair":
        return [s, s]
    if kind == "rhs1":  # a 1-D b, shared by every matrix of the batch
        return [s, (n, 1)]
    if kind == "sylvester":
        m = draw(st.integers(1, 4))
        return [s[:-2] + (m, m), s, s[:-2] + (m, n)]
    return [s, s[:-2] + (n, draw(st.integers(1, 3)))]


# scipy computes these differently (its own Pade variant and Schur method), so their values
# agree to rounding relative to the result's size rather than entrywise
_LOOSE = {"expm": 1e-11, "expm_frechet": 1e-10, "sqrtm": 1e-10, "sqrtm_spd": 1e-10}


@pytest.mark.parametrize("name,f,gens,kind", VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
@bounded(6)
@given(data=st.data())
def test_values_like_scipy(name, f, gens, kind, data):
    shapes = data.draw(_shapes(kind, len(gens)), label="shapes")
    rng = draw_rng(data)
    args = [g(rng, s) for g, s in zip(gens, shapes)]
    want = f(sl, *args)
    got = f(fsl, *args)
    tol = _LOOSE.get(name, 1e-10)
    if name in _LOOSE:
        scale = max(1.0, float(np.max(np.abs(want), initial=0)))
        want, got = np.asarray(want) / scale, np.asarray(got) / scale
    _close(got, want, tol)


def test_block_diag_like_scipy():
    cases = [(), (np.float64(1.0),), ([2.0, 3.0], [[4], [5]]), (np.ones((2, 3)), np.eye(2, 1)),
             (np.zeros((0, 2)), np.ones((1, 1)))]
    for blocks in cases:
        _close(fsl.block_diag(*blocks), sl.block_diag(*blocks))


def test_sqrtm_of_real_matrix_without_real_root():
    a = np.diag([-1.0, 4.0])
    with pytest.raises(ValueError, match="negative real axis"):
        fsl.sqrtm(a)
    got = fsl.sqrtm(a.astype(complex))
    np.testing.assert_allclose(got @ got, a, atol=1e-12)
    np.testing.assert_allclose(got, sl.sqrtm(a), atol=1e-12)


# ----- derivatives against jax ---------------------------------------------------------------

def _sym(a):
    """Symmetric input: jax.scipy reads one triangle but differentiates with the full tangent,
    fgrad takes the symmetric part; they agree along symmetric directions."""
    return (a + a.swapaxes(-1, -2)) / 2


JAX_CASES = [
    ("cholesky", lambda m, a: m.cholesky(_sym(a)), [spd], [(2, 3, 3)]),
    ("cho_solve", lambda m, a, b: m.cho_solve(m.cho_factor(_sym(a), lower=True), b),
     [spd, general], [(3, 3), (3, 2)]),
    ("solve_triangular", lambda m, a, b: m.solve_triangular(a, b, trans=1, lower=True),
     [_triangular, general], [(3, 3), (3, 2)]),
    ("lu_factor", lambda m, a: m.lu_factor(a)[0], [well_conditioned], [(2, 3, 3)]),
    ("lu_solve", lambda m, a, b: m.lu_solve(m.lu_factor(a), b), [well_conditioned, general],
     [(3, 3), (3,)]),
    ("lu", lambda m, a: m.lu(a)[1:], [distinct_sv], [(4, 3)]),
    ("inv", lambda m, a: m.inv(a), [well_conditioned], [(3, 3)]),
    ("det", lambda m, a: m.det(a), [well_conditioned], [(2, 3, 3)]),
    ("solve_pos", lambda m, a, b: m.solve(_sym(a), b, assume_a="pos"), [spd, general],
     [(3, 3), (3, 2)]),
    ("eigh", lambda m, a: (lambda r: (r[0], r[1] ** 2))(m.eigh(a)), [symmetric_distinct],
     [(3, 3)]),
    ("svd", lambda m, a: (lambda r: (r[0] ** 2, r[1], r[2] ** 2))(m.svd(a, full_matrices=False)),
     [distinct_sv], [(4, 3)]),
    ("qr", lambda m, a: m.qr(a, mode="economic"), [distinct_sv], [(4, 3)]),
    ("expm", lambda m, a: m.expm(a), [lambda r, s: 2.0 * general(r, s)], [(3, 3)]),
    ("expm_frechet", lambda m, a, e: m.expm_frechet(a, e, compute_expm=False),
     [general, general], [(3, 3), (3, 3)]),
    ("block_diag", lambda m, a, b: m.block_diag(a, b), [general, general], [(2, 3), (1, 2)]),
]


@pytest.mark.parametrize("name,f,gens,shapes", JAX_CASES, ids=[c[0] for c in JAX_CASES])
def test_derivatives_like_jax(name, f, gens, shapes):
    rng = np.random.default_rng(0)
    args = [g(rng, s) for g, s in zip(gens, shapes)]
    derivatives_vs_jax(lambda *xs: f(fsl, *xs), lambda *xs: f(jsl, *xs), args,
                       np.random.default_rng(1))


# ----- check_grads on drawn shapes ------------------------------------------------------------


def _generalized_eigh(a, b):
    w, v = fsl.eigh(a, b)
    return w, v * v


GRAD_CASES = [
    ("expm", fsl.expm, [_expm_input], "sq"),
    ("expm_frechet", lambda a, e: fsl.expm_frechet(a, e), [_expm_input, general], "pair"),
    ("sqrtm_spd", fsl.sqrtm, [spd], "sq"),
    ("sqrtm", fsl.sqrtm, [_nonsymmetric_sqrt_input], "sq"),
    ("solve_sylvester", fsl.solve_sylvester, [_sylvester_pair, _sylvester_pair, general],
     "sylvester"),
    ("lu_solve_T", lambda a, b: fsl.lu_solve(fsl.lu_factor(a), b, trans=1),
     [well_conditioned, general], "rhs"),
    ("cho_solve", lambda a, b: fsl.cho_solve(fsl.cho_factor(a), b), [spd, general], "rhs"),
    ("solve_triangular", lambda a, b: fsl.solve_triangular(a, b, unit_diagonal=True),
     [_triangular, general], "rhs"),
    ("solve_sym", lambda a, b: fsl.solve(a, b, assume_a="sym"), [symmetric_distinct, general],
     "rhs"),
    ("eigh_generalized", _generalized_eigh, [symmetric_distinct, spd], "pair"),
    ("lu", lambda a: fsl.lu(a)[1:], [distinct_sv], "mat"),
]


@pytest.mark.parametrize("name,f,gens,kind", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
@bounded(3)
@given(data=st.data())
def test_check_grads_second_order(name, f, gens, kind, data):
    shapes = data.draw(_shapes(kind, len(gens)), label="shapes")
    if min(min(s) for s in shapes) == 0:
        shapes = [tuple(max(d, 1) for d in s) for s in shapes]
    rng = draw_rng(data)
    args = [g(rng, s) for g, s in zip(gens, shapes)]
    check_grads(f, args, 2, atol=1e-4, rtol=1e-4)


def test_sqrtm_derivative_solves_the_sylvester_equation():
    a = spd(np.random.default_rng(3), (4, 4))
    t = general(np.random.default_rng(4), (4, 4))
    x, dx = fgrad.jvp(fsl.sqrtm, (a,), (t,))
    np.testing.assert_allclose(x @ dx + dx @ x, t, atol=1e-12)


def test_large_sylvester_uses_eigendecomposition():
    """Above the Kronecker size limit the eigen route gives the same solution."""
    rng = np.random.default_rng(5)
    a, b = spd(rng, (40, 40)), spd(rng, (30, 30))
    q = general(rng, (40, 30))
    np.testing.assert_allclose(fsl.solve_sylvester(a, b, q), sl.solve_sylvester(a, b, q),
                               rtol=1e-8, atol=1e-10)


# ----- vmap ----------------------------------------------------------------------------------

VMAP_CASES = [
    ("expm", fsl.expm, _expm_input),
    ("sqrtm", fsl.sqrtm, spd),
    ("lu_factor", lambda a: fsl.lu_factor(a), general),
    ("lu_solve", lambda a: fsl.lu_solve(fsl.lu_factor(a), np.arange(3.0)), well_conditioned),
    ("cho_solve", lambda a: fsl.cho_solve(fsl.cho_factor(a), np.eye(3)), spd),
    ("grad_expm", fgrad.grad(lambda a: fnp.sum(fsl.expm(a) ** 2)), general),
]


@pytest.mark.parametrize("name,f,gen", VMAP_CASES, ids=[c[0] for c in VMAP_CASES])
@pytest.mark.parametrize("axis", [0, 2])
def test_vmap_matches_loop(name, f, gen, axis):
    a = np.moveaxis(gen(np.random.default_rng(6), (2, 3, 3)), 0, axis)
    vmap_vs_loop(f, [a], (axis,), tol=1e-11)


# ----- multivariate_normal -------------------------------------------------------------------


def _mvn_args(seed=0, n=3, batch=(4,)):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(batch + (n,)), rng.standard_normal(n), spd(rng, (n, n))


MVN_CASES = [
    ("full", lambda m, x, mu, c: m.logpdf(x, mu, c)),
    ("full_one_point", lambda m, x, mu, c: m.logpdf(x[0], mu, c)),
    ("pdf", lambda m, x, mu, c: m.pdf(x, mu, c)),
    ("diagonal", lambda m, x, mu, c: m.logpdf(x, mu, np.diagonal(c))),
    ("isotropic", lambda m, x, mu, c: m.logpdf(x, mu, 2.5)),
    ("univariate", lambda m, x, mu, c: m.logpdf(x[:, 0], mu[0], c[0, 0])),
    ("mean_none", lambda m, x, mu, c: m.logpdf(x, cov=c)),
    ("allow_singular_regular", lambda m, x, mu, c: m.logpdf(x, mu, c, allow_singular=True)),
]


@pytest.mark.parametrize("name,f", MVN_CASES, ids=[c[0] for c in MVN_CASES])
def test_multivariate_normal_like_scipy(name, f):
    args = _mvn_args()
    _close(np.asarray(f(mvn, *args)), np.asarray(f(ss.multivariate_normal, *args)), 1e-12)
    check_grads(lambda *xs: f(mvn, *xs), args, 2)


def test_multivariate_normal_singular_like_scipy():
    """allow_singular: pseudo-determinant, rank in the normalization, -inf off the support;
    derivatives along the support and along covariances of the same rank."""
    rng = np.random.default_rng(7)
    b = rng.standard_normal((3, 2))
    cov, mean = b @ b.T, rng.standard_normal(3)
    on = mean + rng.standard_normal((4, 2)) @ b.T
    off = on + np.array([1.0, -2.0, 0.5])
    for x in (on, off):
        _close(mvn.logpdf(x, mean, cov, allow_singular=True),
               ss.multivariate_normal.logpdf(x, mean, cov, allow_singular=True), 1e-9)
    z = rng.standard_normal((4, 2))
    check_grads(lambda z, mu: mvn.logpdf(mu + z @ b.T, mu, cov, allow_singular=True),
                (z, mean), 2)
    check_grads(lambda bb: mvn.logpdf(mean + z @ bb.T, mean, bb @ bb.T, allow_singular=True),
                (b,), 2)
    with pytest.raises(ValueError, match="positive semidefinite"):
        mvn.logpdf(on, mean, -cov - np.eye(3), allow_singular=True)


def test_multivariate_normal_like_jax_batched():
    """Batched means and covariances (jax's broadcasting), values and gradients."""
    rng = np.random.default_rng(8)
    x, mean, cov = rng.standard_normal((2, 4, 3)), rng.standard_normal((4, 3)), spd(rng, (4, 3, 3))
    derivatives_vs_jax(mvn.logpdf, jst.multivariate_normal.logpdf, [x, mean, cov], rng)


def test_multivariate_normal_vmap_and_float32():
    x, mean, cov = _mvn_args(seed=9)
    vmap_vs_loop(lambda c: mvn.logpdf(x, mean, c), [np.stack([cov, 2 * cov])], (0,))
    low = mvn.logpdf(x.astype(np.float32), mean.astype(np.float32), cov.astype(np.float32))
    assert low.dtype == np.float32
    np.testing.assert_allclose(low, mvn.logpdf(x, mean, cov), rtol=1e-5)


@pytest.mark.parametrize("l_and_u", [(1, 1), (0, 2), (2, 0), (3, 1), (0, 0)])
def test_solve_banded_like_scipy(l_and_u):
    lower, upper = l_and_u
    rng = np.random.default_rng(10)
    ab = rng.standard_normal((lower + upper + 1, 5))
    ab[upper] += 4  # a dominant diagonal
    b = rng.standard_normal((5, 2))
    _close(fsl.solve_banded(l_and_u, ab, b), sl.solve_banded(l_and_u, ab, b))
    _close(fsl.solve_banded(l_and_u, ab, b[:, 0]), sl.solve_banded(l_and_u, ab, b[:, 0]))
    check_grads(lambda ab, b: fsl.solve_banded(l_and_u, ab, b), (ab, b), 2)


def test_multivariate_normal_entropy_like_scipy():
    x, mean, cov = _mvn_args(seed=11)
    b = np.random.default_rng(12).standard_normal((3, 2))
    for args in ((mean, cov), (None, cov), (mean, 2.0), (None, 2.0), (mean, np.diagonal(cov)),
                 (None, b @ b.T)):
        _close(np.asarray(mvn.entropy(*args)), np.asarray(ss.multivariate_normal.entropy(*args)),
               1e-12)
    check_grads(lambda c: mvn.entropy(mean, c), (cov,), 2)
    check_grads(lambda bb: mvn.entropy(None, bb @ bb.T), (b,), 2)
