"""fgrad.numpy.linalg: numpy's values on plain arrays (hypothesis-drawn sizes 0..5 and batch
axes), derivatives against jax.numpy.linalg (x64), check_grads to second order on drawn
shapes, vmap against a loop, and the documented conventions (zero-vector norm gradient,
symmetrization, gauge-invariant functions of non-unique factors, lstsq's residuals)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from fnp_checks import assert_like_numpy, bounded, check_staged
from hypothesis import given
from hypothesis import strategies as st
from linalg_checks import (
    derivatives_vs_jax,
    distinct_sv,
    draw_rng,
    general,
    matrix_shapes,
    nonsymmetric,
    spd,
    square_shapes,
    symmetric_distinct,
    vmap_vs_loop,
    well_conditioned,
)

import fgrad
import fgrad.numpy as fnp
from fgrad.test_util import check_grads

# ----- values against numpy on drawn shapes --------------------------------------------------
# (id, f(linalg module, *arrays), operand generators, shape strategy, smallest n)

SQ, MAT = "square", "matrix"

VALUE_CASES = [
    ("inv", lambda m, a: m.inv(a), [well_conditioned], SQ),
    ("det", lambda m, a: m.det(a), [general], SQ),
    ("slogdet", lambda m, a: m.slogdet(a), [general], SQ),
    ("solve_matrix", lambda m, a, b: m.solve(a, b), [well_conditioned, general], "solve"),
    ("solve_vector", lambda m, a, b: m.solve(a, b[..., 0]), [well_conditioned, general],
     "solve1"),
    ("cholesky", lambda m, a: m.cholesky(a), [spd], SQ),
    ("cholesky_upper", lambda m, a: m.cholesky(a, upper=True), [spd], SQ),
    ("eigh", lambda m, a: m.eigh(a), [symmetric_distinct], SQ),
    ("eigh_upper", lambda m, a: m.eigh(a, UPLO="U"), [symmetric_distinct], SQ),
    ("eigvalsh", lambda m, a: m.eigvalsh(a), [symmetric_distinct], SQ),
    ("svd", lambda m, a: m.svd(a), [general], MAT),
    ("svd_thin", lambda m, a: m.svd(a, full_matrices=False), [general], MAT),
    ("svd_values", lambda m, a: m.svd(a, compute_uv=False), [general], MAT),
    ("svd_hermitian", lambda m, a: m.svd(a, hermitian=True), [symmetric_distinct], SQ),
    ("svdvals", lambda m, a: m.svdvals(a), [general], MAT),
    ("qr", lambda m, a: m.qr(a), [general], MAT),
    ("qr_complete", lambda m, a: m.qr(a, mode="complete"), [general], MAT),
    ("qr_r", lambda m, a: m.qr(a, mode="r"), [general], MAT),
    ("pinv", lambda m, a: m.pinv(a), [general], MAT),
    ("matrix_power_5", lambda m, a: m.matrix_power(a, 5), [general], SQ),
    ("matrix_power_-2", lambda m, a: m.matrix_power(a, -2), [well_conditioned], SQ),
    ("matrix_power_0", lambda m, a: m.matrix_power(a, 0), [general], SQ),
    ("matrix_rank", lambda m, a: m.matrix_rank(a), [general], MAT),
    ("norm_fro", lambda m, a: m.norm(a, axis=(-2, -1)), [general], MAT),
    ("norm_nuc", lambda m, a: m.norm(a, "nuc", axis=(-1, -2), keepdims=True), [general], "mat1"),
    ("norm_2", lambda m, a: m.norm(a, 2, axis=(-2, -1)), [general], "mat1"),
    ("norm_-2", lambda m, a: m.norm(a, -2, axis=(-2, -1)), [general], "mat1"),
    ("norm_1", lambda m, a: m.norm(a, 1, axis=(-2, -1)), [general], "mat1"),
    ("norm_-1", lambda m, a: m.norm(a, -1, axis=(-1, -2), keepdims=True), [general], "mat1"),
    ("norm_inf", lambda m, a: m.norm(a, np.inf, axis=(-2, -1)), [general], "mat1"),
    ("norm_-inf", lambda m, a: m.norm(a, -np.inf, axis=(-2, -1)), [general], "mat1"),
    ("norm_vec", lambda m, a: m.norm(a, axis=-1), [general], MAT),
    ("norm_vec_1", lambda m, a: m.norm(a, 1, axis=-2, keepdims=True), [general], MAT),
    ("norm_vec_3", lambda m, a: m.norm(a, 3, axis=-1), [general], MAT),
    ("norm_vec_inf", lambda m, a: m.norm(a, np.inf, axis=-1), [general], "mat1"),
    ("norm_vec_0", lambda m, a: m.norm(a * (a > 0), 0, axis=-1), [general], MAT),
    ("norm_all", lambda m, a: m.norm(a), [general], MAT),
    ("norm_all_keep", lambda m, a: m.norm(a, keepdims=True), [general], MAT),
    ("vector_norm", lambda m, a: m.vector_norm(a, axis=(-2, -1), ord=1), [general], MAT),
    ("matrix_norm", lambda m, a: m.matrix_norm(a, ord="nuc"), [general], "mat1"),
    ("cond", lambda m, a: m.cond(a), [well_conditioned], "sq1"),
    ("cond_1", lambda m, a: m.cond(a, 1), [well_conditioned], "sq1"),
    ("cond_fro", lambda m, a: m.cond(a, "fro"), [well_conditioned], "sq1"),
    ("eigvals", lambda m, a: m.eigvals(a), [nonsymmetric], SQ),
    ("eig", lambda m, a: m.eig(a), [nonsymmetric], SQ),
]

_SHAPES = {
    SQ: square_shapes(), MAT: matrix_shapes(), "mat1": matrix_shapes(min_n=1),
    "sq1": square_shapes(min_n=1),
}


@st.composite
def _operand_shapes(draw, kind, n_ops):
    if kind in ("solve", "solve1"):
        s = draw(square_shapes())
        if kind == "solve1":  # numpy 2: a 1-D b is one vector for every matrix
            return [s, (s[-1], 1)]
        b_batch = s[:-2][draw(st.integers(0, len(s) - 2)):]  # broadcasting batch axes
        return [s, b_batch + (s[-1], draw(st.integers(0, 3)))]
    return [draw(_SHAPES[kind])] * n_ops


def _like_numpy(got, want, **tol):
    if isinstance(want, tuple):
        assert type(got).__name__ == type(want).__name__, (type(got), type(want))
        for g, w in zip(got, want):
            _like_numpy(g, w, **tol)
        return
    if isinstance(want, (int, np.integer)) and not isinstance(want, np.ndarray):
        want = np.asarray(want)
    assert_like_numpy(got, want, **tol)


@pytest.mark.parametrize("name,f,gens,kind", VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
@bounded(8)
@given(data=st.data())
def test_values_like_numpy(name, f, gens, kind, data):
    shapes = data.draw(_operand_shapes(kind, len(gens)), label="shapes")
    rng = draw_rng(data)
    args = [g(rng, s) for g, s in zip(gens, shapes)]
    want = f(np.linalg, *args)
    got = f(fnp.linalg, *args)
    if name.startswith("eig") and not name.startswith("eigh") and name != "eigvalsh":
        # always complex here; numpy returns real arrays when every eigenvalue is real
        want = jax.tree_util.tree_map(lambda w: np.asarray(w).astype(np.complex128), want)
    _like_numpy(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,f,gens,kind", VALUE_CASES[:12], ids=[c[0] for c in
                                                                   VALUE_CASES[:12]])
def test_float32_and_staging(name, f, gens, kind):
    """float32 stays float32 (as numpy); the staged function typechecks and agrees."""
    rng = np.random.default_rng(0)
    shapes = [(2, 3, 3), (3, 2)] if kind in ("solve", "solve1") else [(2, 3, 3)] * len(gens)
    args = [g(rng, s) for g, s in zip(gens, shapes)]
    low = [a.astype(np.float32) for a in args]
    _like_numpy(f(fnp.linalg, *low), f(np.linalg, *low), rtol=2e-4, atol=2e-5)
    first = lambda *xs: jax.tree_util.tree_leaves(f(fnp.linalg, *xs))[-1]  # noqa: E731
    check_staged(first, *args)


def test_integer_input_becomes_float64():
    a = np.array([[2, 1], [1, 3]])
    for f in (lambda m: m.inv(a), lambda m: m.det(a), lambda m: m.cholesky(a),
              lambda m: m.eigh(a), lambda m: m.norm(a), lambda m: m.svd(a)):
        _like_numpy(f(fnp.linalg), f(np.linalg))


def test_errors_like_numpy():
    with pytest.raises(fnp.linalg.LinAlgError):
        fnp.linalg.inv(np.ones((2, 3)))
    with pytest.raises(fnp.linalg.LinAlgError):
        fnp.linalg.det(np.ones(3))
    with pytest.raises(np.linalg.LinAlgError):
        fnp.linalg.cholesky(-np.eye(2))
    with pytest.raises(TypeError):
        fnp.linalg.inv(np.eye(2, dtype=np.float16))
    with pytest.raises(ValueError):
        fnp.linalg.norm(np.ones(3), "fro")
    with pytest.raises(ValueError):
        fnp.linalg.norm(np.ones((2, 2, 2)), 2)
    with pytest.raises(NotImplementedError):
        fnp.linalg.qr(np.ones((2, 2)), mode="raw")


# ----- derivatives against jax ---------------------------------------------------------------
# functions of non-unique factors are made invariant (squares of vectors, sign-fixed columns)


def _re(m, x):
    return fgrad.prims.real(x) if m is fnp else jnp.real(x)


def _im(m, x):
    return fgrad.prims.imag(x) if m is fnp else jnp.imag(x)


def _sign_fixed(m, v):
    """Columns of v with their largest entry made positive real (eig's phase is LAPACK's)."""
    k = m.expand_dims(m.argmax(m.abs(v), axis=-2), -2)
    vk = m.take_along_axis(v, k, axis=-2)
    return v * m.sign(_re(m, vk))


def _eig_order(m, w):
    return m.argsort(_re(m, w) + 1e-3 * _im(m, w), axis=-1)


def _eig(m, a):
    if m is jnp:  # jax.numpy.linalg.eig does not differentiate eigenvectors by default
        return jax.lax.linalg.eig(a, compute_left_eigenvectors=False, enable_eigvec_derivs=True)
    return m.linalg.eig(a)


def _eig_sorted(m, a):
    w, v = _eig(m, a)
    order = _eig_order(m, w)
    idx = m.broadcast_to(m.expand_dims(order, -2), m.shape(v))
    return m.take_along_axis(w, order, axis=-1), _sign_fixed(m, m.take_along_axis(v, idx, -1))


def _eigvals_sorted(m, a):
    w = m.linalg.eigvals(a)
    return m.take_along_axis(w, _eig_order(m, w), axis=-1)


JAX_CASES = [
    ("inv", lambda m, a: m.linalg.inv(a), [well_conditioned], [(2, 3, 3)]),
    ("det", lambda m, a: m.linalg.det(a), [well_conditioned], [(2, 3, 3)]),
    ("slogdet", lambda m, a: m.linalg.slogdet(a)[1], [well_conditioned], [(3, 3)]),
    ("solve", lambda m, a, b: m.linalg.solve(a, b), [well_conditioned, general],
     [(2, 3, 3), (3, 2)]),
    ("solve_vec", lambda m, a, b: m.linalg.solve(a, b), [well_conditioned, general],
     [(3, 3), (3,)]),
    ("cholesky", lambda m, a: m.linalg.cholesky(a), [spd], [(2, 3, 3)]),
    ("eigh", lambda m, a: (lambda r: (r[0], r[1] ** 2))(m.linalg.eigh(a)), [symmetric_distinct],
     [(2, 3, 3)]),
    ("eigvalsh", lambda m, a: m.linalg.eigvalsh(a), [symmetric_distinct], [(4, 4)]),
    ("svd_thin", lambda m, a: (lambda r: (r[0] ** 2, r[1], r[2] ** 2))(
        m.linalg.svd(a, full_matrices=False)), [distinct_sv], [(2, 4, 3)]),
    ("svd_wide", lambda m, a: (lambda r: (r[0] ** 2, r[1], r[2] ** 2))(
        m.linalg.svd(a, full_matrices=False)), [distinct_sv], [(3, 5)]),
    ("svdvals", lambda m, a: m.linalg.svd(a, compute_uv=False), [distinct_sv], [(4, 2)]),
    ("qr", lambda m, a: m.linalg.qr(a), [distinct_sv], [(2, 4, 3)]),
    ("qr_r", lambda m, a: m.linalg.qr(a, mode="r"), [distinct_sv], [(3, 3)]),
    ("pinv", lambda m, a: m.linalg.pinv(a), [distinct_sv], [(2, 4, 3)]),
    ("lstsq", lambda m, a, b: m.linalg.lstsq(a, b)[0], [distinct_sv, general], [(5, 3), (5, 2)]),
    ("matrix_power", lambda m, a: m.linalg.matrix_power(a, 3), [general], [(2, 3, 3)]),
    ("matrix_power_neg", lambda m, a: m.linalg.matrix_power(a, -2), [well_conditioned],
     [(3, 3)]),
    ("norm_vec", lambda m, a: m.linalg.norm(a, axis=-1), [general], [(3, 4)]),
    ("norm_p", lambda m, a: m.linalg.norm(a, 3, axis=0), [general], [(3, 4)]),
    ("norm_fro", lambda m, a: m.linalg.norm(a), [general], [(3, 4)]),
    ("norm_nuc", lambda m, a: m.linalg.norm(a, "nuc"), [distinct_sv], [(3, 4)]),
    ("norm_2", lambda m, a: m.linalg.norm(a, 2), [distinct_sv], [(4, 3)]),
    ("norm_inf", lambda m, a: m.linalg.norm(a, np.inf), [general], [(3, 4)]),
    ("cond", lambda m, a: m.linalg.cond(a), [distinct_sv], [(3, 3)]),
    ("multi_dot", lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [general] * 3,
     [(3,), (3, 4), (4, 2)]),
    ("tensorsolve", lambda m, a, b: m.linalg.tensorsolve(a, b),
     [lambda r, s: well_conditioned(r, (6, 6)).reshape(s), general], [(2, 3, 6), (2, 3)]),
    ("tensorinv", lambda m, a: m.linalg.tensorinv(a, 1),
     [lambda r, s: well_conditioned(r, (4, 4)).reshape(s)], [(4, 2, 2)]),
    ("eig", _eig_sorted, [nonsymmetric], [(2, 3, 3)]),
    ("eigvals", _eigvals_sorted, [nonsymmetric], [(4, 4)]),
    ("logdet_of_inv_norm", lambda m, a: m.linalg.slogdet(a)[1] * m.linalg.norm(m.linalg.inv(a)),
     [well_conditioned], [(3, 3)]),
]


def _jax_args(gens, shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [g(rng, s) for g, s in zip(gens, shapes)]


@pytest.mark.parametrize("name,f,gens,shapes", JAX_CASES, ids=[c[0] for c in JAX_CASES])
def test_derivatives_like_jax(name, f, gens, shapes):
    args = _jax_args(gens, shapes)
    rng = np.random.default_rng(1)
    f_fgrad = lambda *xs: f(fnp, *xs)  # noqa: E731
    f_jax = lambda *xs: f(jnp, *xs)  # noqa: E731
    derivatives_vs_jax(f_fgrad, f_jax, args, rng)


HESSIAN_CASES = [
    ("logdet", lambda m, a: m.linalg.slogdet(a)[1], well_conditioned, (3, 3)),
    ("norm_of_inv", lambda m, a: m.linalg.norm(m.linalg.inv(a)), well_conditioned, (3, 3)),
    ("det", lambda m, a: m.linalg.det(a), general, (3, 3)),
    ("eigvalsh_max", lambda m, a: m.linalg.eigvalsh(a)[-1], symmetric_distinct, (3, 3)),
    ("nuclear", lambda m, a: m.linalg.norm(a, "nuc"), distinct_sv, (3, 2)),
    ("cholesky_logdet", lambda m, a: 2 * m.sum(m.log(m.diagonal(m.linalg.cholesky(a)))), spd,
     (3, 3)),
]


@pytest.mark.parametrize("name,f,gen,shape", HESSIAN_CASES, ids=[c[0] for c in HESSIAN_CASES])
def test_hessians_like_jax(name, f, gen, shape):
    a = gen(np.random.default_rng(2), shape)
    got = fgrad.hessian(lambda x: f(fnp, x))(a)
    want = jax.jit(jax.hessian(lambda x: f(jnp, x)))(jnp.asarray(a))
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-9)


# ----- check_grads on drawn shapes ------------------------------------------------------------


def _projector(m, q):
    return q @ m.swapaxes(q, -1, -2)


def _sign_invariant_svd(full):
    """Squares of the first min(m, n) singular vectors (signs are LAPACK's) and, with
    full_matrices, the projectors onto the complements (their bases are arbitrary)."""

    def f(a):
        u, s, vt = fnp.linalg.svd(a, full_matrices=full)
        k = fnp.shape(s)[-1]
        uk, vk = u[..., :, :k], fnp.swapaxes(vt[..., :k, :], -1, -2)
        out = (s, uk * uk, vk * vk)
        if full:
            out += (_projector(fnp, u[..., :, k:]),
                    _projector(fnp, fnp.swapaxes(vt[..., k:, :], -1, -2)))
        return out

    return f


def _sign_invariant_qr(mode):
    def f(a):
        q, r = fnp.linalg.qr(a, mode=mode)
        k = min(fnp.shape(a)[-2:])
        out = (q[..., :, :k] * q[..., :, :k], r * r)
        return out + (_projector(fnp, q[..., :, k:]),) if mode == "complete" else out

    return f


GRAD_CASES = [
    ("inv", lambda a: fnp.linalg.inv(a), well_conditioned, SQ),
    ("det", lambda a: fnp.linalg.det(a), well_conditioned, SQ),
    ("slogdet", lambda a: fnp.linalg.slogdet(a)[1], well_conditioned, SQ),
    ("cholesky", lambda a: fnp.linalg.cholesky(a), spd, SQ),
    ("cholesky_triangle", lambda a: fnp.linalg.cholesky(a, symmetrize_input=False), spd, SQ),
    ("eigh", lambda a: (lambda r: (r[0], r[1] * r[1]))(fnp.linalg.eigh(a)), symmetric_distinct,
     SQ),
    ("eigh_triangle", lambda a: fnp.linalg.eigh(a, UPLO="U", symmetrize_input=False)[0],
     symmetric_distinct, SQ),
    ("svd_full", _sign_invariant_svd(True), distinct_sv, MAT),
    ("svd_thin", _sign_invariant_svd(False), distinct_sv, MAT),
    ("qr_reduced", _sign_invariant_qr("reduced"), distinct_sv, MAT),
    ("qr_complete", _sign_invariant_qr("complete"), distinct_sv, MAT),
    ("pinv", lambda a: fnp.linalg.pinv(a), distinct_sv, MAT),
    ("norms", lambda a: (fnp.linalg.norm(a, axis=-1), fnp.linalg.norm(a, 1, axis=-2),
                         fnp.linalg.norm(a, 2.5, axis=-1), fnp.linalg.norm(a, axis=(-2, -1))),
     general, MAT),
    ("matrix_norms", lambda a: (fnp.linalg.norm(a, "nuc", axis=(-2, -1)),
                                fnp.linalg.norm(a, 2, axis=(-2, -1)),
                                fnp.linalg.norm(a, np.inf, axis=(-2, -1))), distinct_sv, "mat1"),
    ("eig", lambda a: _eig_sorted(fnp, a), nonsymmetric, SQ),
    ("matrix_power", lambda a: fnp.linalg.matrix_power(a, -3), well_conditioned, SQ),
]


@pytest.mark.parametrize("name,f,gen,kind", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
@bounded(4)
@given(data=st.data())
def test_check_grads_second_order(name, f, gen, kind, data):
    kind = {SQ: square_shapes(min_n=1, max_n=4, max_batch=1),
            MAT: matrix_shapes(min_n=1, max_n=4, max_batch=1),
            "mat1": matrix_shapes(min_n=1, max_n=4, max_batch=1)}[kind]
    shape = data.draw(kind, label="shape")
    a = gen(draw_rng(data), shape)
    check_grads(f, (a,), 2, atol=1e-4, rtol=1e-4)


def test_solve_and_lstsq_check_grads_in_both_operands():
    rng = np.random.default_rng(3)
    a, b = well_conditioned(rng, (2, 3, 3)), general(rng, (3, 2))
    check_grads(fnp.linalg.solve, (a, b), 2)
    a, b = distinct_sv(rng, (5, 3)), general(rng, (5, 2))
    check_grads(lambda a, b: fnp.linalg.lstsq(a, b)[0], (a, b), 2)


# ----- vmap ----------------------------------------------------------------------------------


VMAP_CASES = [
    ("inv", lambda a: fnp.linalg.inv(a), well_conditioned),
    ("det", lambda a: fnp.linalg.det(a), general),
    ("eigh", lambda a: fnp.linalg.eigh(a), symmetric_distinct),
    ("svd", lambda a: fnp.linalg.svd(a), general),
    ("qr", lambda a: fnp.linalg.qr(a), general),
    ("norm_nuc", lambda a: fnp.linalg.norm(a, "nuc"), general),
    ("pinv", lambda a: fnp.linalg.pinv(a), general),
    ("eig", lambda a: fnp.linalg.eig(a), nonsymmetric),
    ("cholesky_grad", fgrad.grad(lambda a: fnp.sum(fnp.linalg.cholesky(a) ** 2)), spd),
]


@pytest.mark.parametrize("name,f,gen", VMAP_CASES, ids=[c[0] for c in VMAP_CASES])
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_vmap_matches_loop(name, f, gen, axis):
    a = np.moveaxis(gen(np.random.default_rng(4), (2, 3, 3)), 0, axis)
    vmap_vs_loop(f, [a], (axis,))


def test_vmap_solve_with_unbatched_operand():
    rng = np.random.default_rng(5)
    a, b = well_conditioned(rng, (3, 3, 3)), general(rng, (3, 2))
    vmap_vs_loop(fnp.linalg.solve, [a, b], (0, None))
    vmap_vs_loop(fnp.linalg.solve, [a[0], np.stack([b] * 2, 2)], (None, 2))


# ----- conventions ---------------------------------------------------------------------------


def test_norm_gradient_at_zero_is_zero():
    zero = np.zeros(3)
    for f in (fnp.linalg.norm, lambda x: fnp.linalg.norm(x, 3), lambda x: fnp.linalg.norm(x, 1),
              lambda x: fnp.linalg.norm(fnp.reshape(x, (1, 3)), "fro")):
        assert np.array_equal(fgrad.grad(f)(zero), zero)
        assert np.array_equal(fgrad.hessian(f)(zero), np.zeros((3, 3)))
    # away from zero, the usual x / |x|
    x = np.array([3.0, 0.0, -4.0])
    np.testing.assert_allclose(fgrad.grad(fnp.linalg.norm)(x), x / 5)


def test_symmetrization_matches_jax():
    """The default reads the symmetric part (as jax.numpy); symmetrize_input=False the lower
    triangle (as numpy), and each is differentiated as the function it computes."""
    rng = np.random.default_rng(6)
    s = spd(rng, (3, 3))
    t = general(rng, (3, 3))  # a non-symmetric tangent
    for name in ("cholesky", "eigvalsh"):
        got = fgrad.jvp(getattr(fnp.linalg, name), (s,), (t,))[1]
        want = jax.jvp(getattr(jnp.linalg, name), (s,), (t,))[1]
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
        lower = fgrad.jvp(lambda a: getattr(fnp.linalg, name)(a, symmetrize_input=False),
                          (s,), (t,))[1]
        tl = np.tril(t) + np.tril(t, -1).T
        np.testing.assert_allclose(lower, fgrad.jvp(getattr(fnp.linalg, name), (s,), (tl,))[1],
                                   rtol=1e-10, atol=1e-12)
    nonsym = s + np.triu(t, 1)
    assert_like_numpy(fnp.linalg.cholesky(nonsym, symmetrize_input=False),
                      np.linalg.cholesky(nonsym))


def test_det_gradient_at_singular_matrix_like_jax():
    """Rank n - 1: the gradient is the (rank-one) adjugate, finite, equal to jax's."""
    rng = np.random.default_rng(7)
    a = general(rng, (4, 3)) @ general(rng, (3, 4))
    got = fgrad.grad(fnp.linalg.det)(a)
    want = jax.grad(jnp.linalg.det)(jnp.asarray(a))
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)
    assert np.linalg.matrix_rank(got) == 1


def test_pinv_derivative_at_repeated_singular_values():
    """Golub-Pereyra holds at an orthogonal matrix (all singular values 1), where the SVD's own
    derivative is singular."""
    q = np.linalg.qr(general(np.random.default_rng(8), (3, 3)))[0]
    check_grads(fnp.linalg.pinv, (q,), 2)
    t = general(np.random.default_rng(9), (3, 3))
    np.testing.assert_allclose(fgrad.jvp(fnp.linalg.pinv, (q,), (t,))[1], -q.T @ t @ q.T,
                               atol=1e-12)


def test_lstsq_residuals():
    rng = np.random.default_rng(10)
    tall, wide, b = general(rng, (5, 3)), general(rng, (2, 3)), general(rng, (5,))
    _like_numpy(fnp.linalg.lstsq(tall, b), np.linalg.lstsq(tall, b))
    _like_numpy(fnp.linalg.lstsq(wide, b[:2]), np.linalg.lstsq(wide, b[:2]))
    # traced: the residuals are always computed, as in jax
    res = fgrad.jit(lambda a, y: fnp.linalg.lstsq(a, y)[1])(wide, b[:2])
    assert res.shape == (1,) and abs(res[0]) < 1e-20
    staged = fgrad.jit(lambda a, y: fnp.linalg.lstsq(a, y))(tall, b)
    _like_numpy(staged[1], np.linalg.lstsq(tall, b)[1])
    assert int(staged[2]) == 3


def test_matrix_rank_under_jit_has_no_derivative():
    a = general(np.random.default_rng(11), (4, 2)) @ general(np.random.default_rng(12), (2, 4))
    assert int(fgrad.jit(fnp.linalg.matrix_rank)(a)) == 2
    g = fgrad.grad(lambda x: fnp.linalg.matrix_rank(x) * 1.0 + fnp.sum(x))(a)
    np.testing.assert_allclose(g, np.ones((4, 4)))


def test_full_svd_complement_is_a_subspace():
    """With full_matrices and m != n only the span of the extra columns is differentiable: its
    projector's derivative is checked; the columns' tangent keeps U orthogonal."""
    a = distinct_sv(np.random.default_rng(13), (4, 2))
    t = general(np.random.default_rng(14), (4, 2))
    u, du = fgrad.jvp(lambda x: fnp.linalg.svd(x)[0], (a,), (t,))
    np.testing.assert_allclose(du.T @ u + u.T @ du, np.zeros((4, 4)), atol=1e-12)
