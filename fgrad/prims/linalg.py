"""Linear-algebra primitives on stacks of matrices (leading axes are batch axes, as in
numpy.linalg; every operand of one call has the same batch axes).

Decompositions have numpy.linalg (LAPACK) or `_math_linalg` impls; their jvps are written with
the wrappers below and the lax ones, so they differentiate again. Conventions, where a
decomposition is not unique or its input is read partly:

- cholesky and eigh are functions of the symmetric part (A + A^T) / 2 of their input (JAX's
  symmetrize_input=True): LAPACK reads one triangle, so the impl symmetrizes first and the jvp
  uses the symmetric part of the tangent. On symmetric input the values are numpy's exactly.
- eigh/svd eigen- and singular vectors are differentiated as in JAX: the tangents are those of
  numpy's normalization (unit vectors; dv orthogonal to v) and are infinite where eigenvalues
  or singular values repeat. With full_matrices=True and m != n the columns beyond min(m, n)
  span a fixed complement but their basis is arbitrary: their tangent is the smallest one that
  keeps the factor orthogonal, so functions of that complement (projectors) differentiate
  correctly, while the individual columns do not follow LAPACK's choice. JAX refuses this case.
- triangular_solve reads only the triangle it solves with (and not the diagonal when
  unit_diagonal): tangents of the other entries are dropped, as in JAX.
- eig's eigenvectors follow LAPACK's normalization (unit norm, largest entry real), and so do
  their tangents (as JAX's with enable_eigvec_derivs); eigenvalues must be distinct.
- det's derivative is tr(adj(A) dA) with the adjugate from the LU factors, finite also for
  matrices of rank n - 1 whose zero pivot comes last (the generic singular case).

Linear primitives (transpose rules): triangular_solve and solve in their right-hand side,
expm_frechet in its direction E, sylvester in its right-hand side C.
"""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.markers import UndefinedPrimal, Zero
from fgrad.core.primitive import Primitive, bind
from fgrad.prims import _math_linalg
from fgrad.prims.arith import (
    add,
    add_any,
    convert_element_type,
    div,
    eq,
    mul,
    ne,
    neg,
    rem,
    select,
    sub,
)
from fgrad.prims.base import full_like, instantiate, zero_tangent
from fgrad.prims.complex import complex, complex_dtype, conj, imag, real
from fgrad.prims.dot import dot_general
from fgrad.prims.elementwise import abs as _abs
from fgrad.prims.reduce import argmax, reduce_prod, reduce_sum
from fgrad.prims.shape import (
    bdim_to_front,
    broadcast_batch,
    broadcast_in_dim,
    concatenate,
    reshape,
    slice,
    transpose,
)

__all__ = [
    "cholesky_p", "cholesky", "triangular_solve_p", "triangular_solve", "solve_p", "solve",
    "lu_p", "lu", "det_p", "det", "slogdet_p", "slogdet", "eigh_p", "eigh", "svd_p", "svd",
    "qr_p", "qr", "expm_p", "expm", "expm_frechet_p", "expm_frechet", "sylvester_p",
    "sylvester", "sqrtm_p", "sqrtm", "eig_p", "eig", "matrix_transpose", "batch_matmul",
]


# ----- helpers: traceable matrix operations on stacks -----------------------------------------


def matrix_transpose(x):
    nd = get_aval(x).ndim
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def batch_matmul(a, b):
    """a (..., m, k) @ b (..., k, n), equal batch axes."""
    nd = get_aval(a).ndim
    batch = tuple(range(nd - 2))
    return dot_general(a, b, (((nd - 1,), (nd - 2,)), (batch, batch)))


_T = matrix_transpose
_mm = batch_matmul


def _matrix_const(x, c, dtype=None):
    """A constant matrix (or vector) broadcast over the batch axes of x, in x's dtype unless
    given (bool masks for select)."""
    aval = get_aval(x)
    c = np.asarray(c, aval.dtype if dtype is None else dtype)
    shape = aval.shape[: aval.ndim - c.ndim] + c.shape
    n = len(shape)
    return broadcast_in_dim(c, shape, tuple(range(n - c.ndim, n)))


def _tri(x, k: int, lower: bool):
    """tril(x, k) or triu(x, k) on the last two axes."""
    m, n = get_aval(x).shape[-2:]
    keep = np.tri(m, n, k, dtype=bool) if lower else ~np.tri(m, n, k - 1, dtype=bool)
    return mul(x, _matrix_const(x, keep))


def _eye_mask(x):
    m, n = get_aval(x).shape[-2:]
    return _matrix_const(x, np.eye(m, n))


def _diagonal(x):
    """(..., n, n) -> (..., n)."""
    return reduce_sum(mul(x, _eye_mask(x)), (get_aval(x).ndim - 1,))


def _trace(x):
    nd = get_aval(x).ndim
    return reduce_sum(mul(x, _eye_mask(x)), (nd - 2, nd - 1))


def _cols(x, v):
    """x[..., i, j] * v[..., j]."""
    shape = get_aval(x).shape
    nd = len(shape)
    return mul(x, broadcast_in_dim(v, shape, tuple(range(nd - 2)) + (nd - 1,)))


def _rows(x, v):
    """x[..., i, j] * v[..., i]."""
    shape = get_aval(x).shape
    nd = len(shape)
    return mul(x, broadcast_in_dim(v, shape, tuple(range(nd - 1))))


def _concat(xs, axis: int):
    """concatenate along a negative axis."""
    return concatenate(xs, get_aval(xs[0]).ndim + axis)


def _sym(x):
    return mul(add(x, _T(x)), full_like(x, 0.5))


def _block(x, rows, cols):
    """x[..., r0:r1, c0:c1]."""
    shape = get_aval(x).shape
    nb = len(shape) - 2
    return slice(x, (0,) * nb + (rows[0], cols[0]), shape[:nb] + (rows[1], cols[1]))


def _reciprocal_gaps(w):
    """F[..., i, j] = 1 / (w_j - w_i) off the diagonal, 0 on it."""
    shape = get_aval(w).shape
    nd = len(shape)
    sq = shape + shape[-1:]
    wj = broadcast_in_dim(w, sq, tuple(range(nd - 1)) + (nd,))
    wi = broadcast_in_dim(w, sq, tuple(range(nd)))
    eye = _matrix_const(wj, np.eye(shape[-1]))
    return sub(div(full_like(wj, 1.0), add(sub(wj, wi), eye)), eye)


def _safe_reciprocal(s):
    """1 / s, and 0 where s == 0."""
    zero = eq(s, full_like(s, 0.0))
    return select(zero, full_like(s, 0.0), div(full_like(s, 1.0), select(zero, full_like(s, 1.0),
                                                                        s)))


def _check_square(name, x: ShapedArray):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise TypeError(f"{name} needs square matrices (..., n, n), got {x.str_short()}")


def _check_inexact(name, *avals, kinds="f"):
    for a in avals:
        if a.dtype.kind not in kinds:
            what = "float" if kinds == "f" else "float or complex"
            raise TypeError(
                f"{name} needs {what} matrices, got {a.str_short()} (fgrad.numpy.linalg "
                "converts integer input to float64 for you)"
            )


def _check_pair(name, a: ShapedArray, b: ShapedArray):
    if a.dtype != b.dtype or a.shape[:-2] != b.shape[:-2] or b.ndim != a.ndim:
        raise TypeError(
            f"{name} needs operands of one dtype with equal batch axes, got {a.str_short()} and "
            f"{b.str_short()} (fgrad.numpy.linalg broadcasts them for you)"
        )


def _front_batch(prim):
    """numpy.linalg maps over leading axes: the batch axis goes first, and unbatched operands
    get a leading axis too (a broadcast view)."""

    def batch(args, bdims, **params):
        size = next(get_aval(a).shape[d] for a, d in zip(args, bdims) if d is not None)
        moved = [broadcast_batch(a, size) if d is None else bdim_to_front(a, d)
                 for a, d in zip(args, bdims)]
        out = bind(prim, *moved, **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)

    return batch


def _scalar_result(x):
    x = np.asarray(x)
    return x[()] if x.ndim == 0 else x


# ----- cholesky ------------------------------------------------------------------------------

# L = chol(S), S = (A + A^T) / 2;  dL = L Phi(L^-1 dS L^-T), Phi = lower triangle, diagonal halved
cholesky_p = Primitive("cholesky")


@cholesky_p.def_impl
def _cholesky_impl(a):
    a = np.asarray(a)
    return np.linalg.cholesky((a + np.swapaxes(a, -1, -2)) / 2)


@cholesky_p.def_abstract_eval
def _cholesky_abstract(a):
    _check_square("cholesky", a)
    _check_inexact("cholesky", a)
    return a.strip_weak()


@cholesky_p.def_jvp
def _cholesky_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    ell = cholesky(a)
    if type(da) is Zero:
        return ell, zero_tangent(ell)
    x = triangular_solve(ell, _sym(da), left_side=True, lower=True)
    x = triangular_solve(ell, x, left_side=False, lower=True, transpose_a=True)
    n = get_aval(a).shape[-1]
    phi = np.tri(n, n, -1) + 0.5 * np.eye(n)
    return ell, _mm(ell, mul(x, _matrix_const(x, phi)))


cholesky_p.def_batch(_front_batch(cholesky_p))


def cholesky(a):
    return bind(cholesky_p, a)


# ----- triangular_solve ----------------------------------------------------------------------

# X = op(A)^-1 B (left_side) or B op(A)^-1, op = transpose if transpose_a, A's triangle only.
# Linear in B; d_A X = -op(A)^-1 op(dA) X  (or -X op(dA) op(A)^-1)
triangular_solve_p = Primitive("triangular_solve")


def _triangle(a, lower, unit_diagonal):
    a = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
        n = a.shape[-1]
        a = a.copy()
        a[..., np.arange(n), np.arange(n)] = 1
    return a


@triangular_solve_p.def_impl
def _triangular_solve_impl(a, b, *, left_side, lower, transpose_a, unit_diagonal):
    # numpy has no triangular solver: LU of the triangle (pivoting keeps it backward stable)
    t = _triangle(np.asarray(a), lower, unit_diagonal)
    b = np.asarray(b)
    if transpose_a:
        t = np.swapaxes(t, -1, -2)
    if left_side:
        return np.linalg.solve(t, b)
    return np.swapaxes(np.linalg.solve(np.swapaxes(t, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)


@triangular_solve_p.def_abstract_eval
def _triangular_solve_abstract(a, b, *, left_side, lower, transpose_a, unit_diagonal):
    _check_square("triangular_solve", a)
    _check_inexact("triangular_solve", a, b, kinds="fc")
    _check_pair("triangular_solve", a, b)
    n = a.shape[-1]
    if b.shape[-2 if left_side else -1] != n:
        raise TypeError(
            f"triangular_solve: {a.str_short()} does not match the right-hand side "
            f"{b.str_short()} (left_side={left_side})"
        )
    return b.strip_weak()


@triangular_solve_p.def_jvp
def _triangular_solve_jvp(primals, tangents, **params):
    a, b = primals
    da, db = tangents
    x = bind(triangular_solve_p, a, b, **params)
    out = Zero(get_aval(x))
    if type(da) is not Zero:
        k = -1 if params["unit_diagonal"] else 0
        dt = _tri(da, k if params["lower"] else -k, params["lower"])
        dt = _T(dt) if params["transpose_a"] else dt
        rhs = _mm(dt, x) if params["left_side"] else _mm(x, dt)
        out = neg(bind(triangular_solve_p, a, rhs, **params))
    if type(db) is not Zero:
        out = add_any(out, bind(triangular_solve_p, a, db, **params))
    return x, out


@triangular_solve_p.def_transpose
def _triangular_solve_transpose(ct, a, b, *, left_side, lower, transpose_a, unit_diagonal):
    if type(a) is UndefinedPrimal:
        raise TypeError("triangular_solve is linear in its right-hand side only")
    if type(ct) is Zero:
        return [None, None]
    return [None, triangular_solve(a, ct, left_side=left_side, lower=lower,
                                   transpose_a=not transpose_a, unit_diagonal=unit_diagonal)]


triangular_solve_p.def_batch(_front_batch(triangular_solve_p))


def triangular_solve(a, b, *, left_side=True, lower=True, transpose_a=False,
                     unit_diagonal=False):
    return bind(triangular_solve_p, a, b, left_side=bool(left_side), lower=bool(lower),
                transpose_a=bool(transpose_a), unit_diagonal=bool(unit_diagonal))


# ----- solve ---------------------------------------------------------------------------------

# X = A^-1 B (B of shape (..., n, k)); linear in B; dX = A^-1 (dB - dA X)
solve_p = Primitive("solve")
solve_p.def_impl(lambda a, b: np.linalg.solve(a, b))


@solve_p.def_abstract_eval
def _solve_abstract(a, b):
    _check_square("solve", a)
    _check_inexact("solve", a, b, kinds="fc")
    _check_pair("solve", a, b)
    if b.shape[-2] != a.shape[-1]:
        raise TypeError(f"solve: {a.str_short()} does not match the right-hand side "
                        f"{b.str_short()}")
    return b.strip_weak()


@solve_p.def_jvp
def _solve_jvp(primals, tangents):
    a, b = primals
    da, db = tangents
    x = solve(a, b)
    if type(da) is Zero and type(db) is Zero:
        return x, zero_tangent(x)
    rhs = instantiate(db) if type(da) is Zero else (
        neg(_mm(da, x)) if type(db) is Zero else sub(db, _mm(da, x)))
    return x, solve(a, rhs)


@solve_p.def_transpose
def _solve_transpose(ct, a, b):
    if type(a) is UndefinedPrimal:
        raise TypeError("solve is linear in its right-hand side only")
    if type(ct) is Zero:
        return [None, None]
    return [None, solve(_T(a), ct)]


solve_p.def_batch(_front_batch(solve_p))


def solve(a, b):
    return bind(solve_p, a, b)


# ----- lu ------------------------------------------------------------------------------------

# P A = L U (partial pivoting). With X = L1^-1 P dA U1^-1 on the leading k x k blocks:
# dL1 = L1 stril(X), dU1 = triu(X) U1; extra rows dL2 = (P dA_2 - L2 dU1) U1^-1,
# extra columns dU2 = L1^-1 (P dA_2 - dL1 U2)
lu_p = Primitive("lu", multiple_results=True)


@lu_p.def_impl
def _lu_impl(a):
    return list(_math_linalg.lu(a))


@lu_p.def_abstract_eval
def _lu_abstract(a):
    _check_inexact("lu", a, kinds="fc")
    if a.ndim < 2:
        raise TypeError(f"lu needs matrices (..., m, n), got {a.str_short()}")
    *batch, m, n = a.shape
    batch = tuple(batch)
    return [a.strip_weak(), ShapedArray(batch + (min(m, n),), np.int32),
            ShapedArray(batch + (m,), np.int32)]


def _permutation_matrix(perm, like):
    """P with (P x)[i] = x[perm[i]], in the dtype of `like`."""
    shape = get_aval(perm).shape
    m = shape[-1]
    nd = len(shape)
    sq = shape + (m,)
    rows = broadcast_in_dim(perm, sq, tuple(range(nd)))
    cols = broadcast_in_dim(np.arange(m, dtype=np.int32), sq, (nd,))
    return convert_element_type(eq(rows, cols), get_aval(like).dtype)


def _lu_factors(lu_, m, n):
    """(L (.., m, k) unit lower, U (.., k, n) upper) from the packed factor."""
    k = min(m, n)
    ell = add(_tri(_block(lu_, (0, m), (0, k)), -1, True),
              _matrix_const(_block(lu_, (0, m), (0, k)), np.eye(m, k)))
    u = _tri(_block(lu_, (0, k), (0, n)), 0, False)
    return ell, u


@lu_p.def_jvp
def _lu_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    lu_, piv, perm = outs = lu(a)
    zeros = [zero_tangent(piv), zero_tangent(perm)]
    if type(da) is Zero:
        return outs, [zero_tangent(lu_)] + zeros
    m, n = get_aval(a).shape[-2:]
    k = min(m, n)
    ell, u = _lu_factors(lu_, m, n)
    pda = _mm(_permutation_matrix(perm, a), da)
    l1, u1 = _block(ell, (0, k), (0, k)), _block(u, (0, k), (0, k))
    x = triangular_solve(l1, _block(pda, (0, k), (0, k)), lower=True, unit_diagonal=True)
    x = triangular_solve(u1, x, left_side=False, lower=False)
    dl = _mm(l1, _tri(x, -1, True))
    du = _mm(_tri(x, 0, False), u1)
    if m > k:
        rest = sub(_block(pda, (k, m), (0, k)), _mm(_block(ell, (k, m), (0, k)), du))
        dl = _concat([dl, triangular_solve(u1, rest, left_side=False, lower=False)], -2)
    if n > k:
        rest = sub(_block(pda, (0, k), (k, n)), _mm(dl, _block(u, (0, k), (k, n))))
        du = _concat([du, triangular_solve(l1, rest, lower=True, unit_diagonal=True)], -1)
    # dl is strictly lower (m x k), du upper (k x n): pack them into one m x n tangent
    if n > k:
        dl = _concat([dl, full_like(_block(da, (0, m), (k, n)), 0.0)], -1)
    if m > k:
        du = _concat([du, full_like(_block(da, (k, m), (0, n)), 0.0)], -2)
    return outs, [add(dl, du)] + zeros


lu_p.def_batch(_front_batch(lu_p))


def lu(a):
    """[lu, pivots, permutation]: see `_math_linalg.lu`."""
    return bind(lu_p, a)


# ----- det -----------------------------------------------------------------------------------

# d det(A) = tr(adj(A) dA), adj(A) from P A = L U as below (finite at rank n - 1 too)
det_p = Primitive("det")
det_p.def_impl(lambda a: _scalar_result(np.linalg.det(a)))


@det_p.def_abstract_eval
def _det_abstract(a):
    _check_square("det", a)
    _check_inexact("det", a, kinds="fc")
    return ShapedArray(a.shape[:-2], a.dtype)


def _permutation_sign(piv, dtype):
    """(-1)^(number of row swaps), as a `dtype` array."""
    shape = get_aval(piv).shape
    steps = broadcast_in_dim(np.arange(shape[-1], dtype=np.int32), shape, (len(shape) - 1,))
    swaps = reduce_sum(convert_element_type(ne(piv, steps), np.int32), (len(shape) - 1,))
    odd = convert_element_type(rem(swaps, full_like(swaps, 2)), dtype)
    return sub(full_like(odd, 1.0), mul(full_like(odd, 2.0), odd))


def adjugate_trace(a, da):
    """tr(adj(A) dA) for square A, from A = P^T L U: adj(A) = sign(P) c U~^-1 E L^-1 P, where
    U~ is U with u_nn replaced by 1, c = prod(u_ii, i < n) and E = diag(u_nn, .., u_nn, 1).
    Nothing divides by u_nn, so matrices of rank n - 1 whose zero pivot is the last one (the
    generic case) get the adjugate too."""
    n = get_aval(a).shape[-1]
    dtype = get_aval(a).dtype
    if n == 0:
        return full_like(_trace(da), 0.0)
    lu_, piv, perm = lu(a)
    ell, u = _lu_factors(lu_, n, n)
    corner = np.zeros((n, n), bool)
    corner[-1, -1] = True
    corner = _matrix_const(u, corner, bool)
    u_tilde = select(corner, full_like(u, 1.0), u)
    d = _diagonal(u)
    nb = get_aval(d).ndim - 1
    head = slice(d, (0,) * (nb + 1), get_aval(d).shape[:-1] + (n - 1,))
    last = slice(d, (0,) * nb + (n - 1,), get_aval(d).shape)
    last = reshape(last, get_aval(last).shape[:-1])
    c = mul(reduce_prod(head, (nb,)), _permutation_sign(piv, dtype))
    y = triangular_solve(ell, _mm(_permutation_matrix(perm, a), da), lower=True,
                         unit_diagonal=True)
    z = triangular_solve(u_tilde, y, left_side=False, lower=False)
    zd = _diagonal(z)
    e = select(_matrix_const(zd, np.arange(n) == n - 1, bool), full_like(zd, 1.0),
               broadcast_in_dim(last, get_aval(zd).shape, tuple(range(nb))))
    return mul(c, reduce_sum(mul(e, zd), (nb,)))


@det_p.def_jvp
def _det_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    ans = det(a)
    if type(da) is Zero:
        return ans, zero_tangent(ans)
    return ans, adjugate_trace(a, da)


det_p.def_batch(_front_batch(det_p))


def det(a):
    return bind(det_p, a)


# ----- slogdet -------------------------------------------------------------------------------

# (sign, log|det A|): d log|det A| = tr(A^-1 dA); the sign is piecewise constant
slogdet_p = Primitive("slogdet", multiple_results=True)
slogdet_p.def_impl(lambda a: [_scalar_result(r) for r in np.linalg.slogdet(a)])


@slogdet_p.def_abstract_eval
def _slogdet_abstract(a):
    _check_square("slogdet", a)
    _check_inexact("slogdet", a)
    out = ShapedArray(a.shape[:-2], a.dtype)
    return [out, out]


@slogdet_p.def_jvp
def _slogdet_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    s, logdet = outs = slogdet(a)
    if type(da) is Zero:
        return outs, [zero_tangent(s), zero_tangent(logdet)]
    return outs, [zero_tangent(s), _trace(solve(a, da))]


slogdet_p.def_batch(_front_batch(slogdet_p))


def slogdet(a):
    return bind(slogdet_p, a)


# ----- eigh ----------------------------------------------------------------------------------

# S = (A + A^T) / 2 = V diag(w) V^T, w ascending. With C = V^T dS V:
# dw = diag(C), dV = V (F o C), F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it
eigh_p = Primitive("eigh", multiple_results=True)


@eigh_p.def_impl
def _eigh_impl(a, *, lower):
    a = np.asarray(a)
    w, v = np.linalg.eigh((a + np.swapaxes(a, -1, -2)) / 2, UPLO="L" if lower else "U")
    return [w, v]


@eigh_p.def_abstract_eval
def _eigh_abstract(a, *, lower):
    _check_square("eigh", a)
    _check_inexact("eigh", a)
    return [ShapedArray(a.shape[:-1], a.dtype), a.strip_weak()]


@eigh_p.def_jvp
def _eigh_jvp(primals, tangents, *, lower):
    (a,), (da,) = primals, tangents
    w, v = outs = eigh(a, lower=lower)
    if type(da) is Zero:
        return outs, [zero_tangent(w), zero_tangent(v)]
    c = _mm(_T(v), _mm(_sym(da), v))
    return outs, [_diagonal(c), _mm(v, mul(_reciprocal_gaps(w), c))]


eigh_p.def_batch(_front_batch(eigh_p))


def eigh(a, *, lower=True):
    """[w, v]: eigenvalues ascending, eigenvectors in the columns of v. `lower` picks the
    triangle LAPACK works from (the input is symmetrized first, so only rounding, and so the
    eigenvectors' signs, can differ between the two)."""
    return bind(eigh_p, a, lower=bool(lower))


# ----- svd -----------------------------------------------------------------------------------

# A = U diag(s) V^T, k = min(m, n). With P = U^T dA V (k x k): ds = diag(P),
# dU = U (F o (P S + S P^T)) + (I - U U^T) dA V S^-1,
# dV = V (F o (S P + P^T S)) + (I - V V^T) dA^T U S^-1,  F_ij = 1 / (s_j^2 - s_i^2), F_ii = 0
svd_p = Primitive("svd", multiple_results=True)


@svd_p.def_impl
def _svd_impl(a, *, full_matrices, compute_uv):
    if not compute_uv:
        return [np.linalg.svd(a, compute_uv=False)]
    u, s, vt = np.linalg.svd(a, full_matrices=full_matrices)
    return [s, u, vt]


@svd_p.def_abstract_eval
def _svd_abstract(a, *, full_matrices, compute_uv):
    _check_inexact("svd", a)
    if a.ndim < 2:
        raise TypeError(f"svd needs matrices (..., m, n), got {a.str_short()}")
    *batch, m, n = a.shape
    batch, k = tuple(batch), min(m, n)
    s = ShapedArray(batch + (k,), a.dtype)
    if not compute_uv:
        return [s]
    cu, rv = (m, n) if full_matrices else (k, k)
    return [s, ShapedArray(batch + (m, cu), a.dtype), ShapedArray(batch + (rv, n), a.dtype)]


def _complement_tangent(q, dq, q_perp):
    """The tangent of the columns q_perp completing q to an orthogonal matrix: the smallest
    one that keeps [q, q_perp] orthogonal, -q (dq^T q_perp)."""
    return neg(_mm(q, _mm(_T(dq), q_perp)))


@svd_p.def_jvp
def _svd_jvp(primals, tangents, *, full_matrices, compute_uv):
    (a,), (da,) = primals, tangents
    outs = svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    if type(da) is Zero:
        return outs, [zero_tangent(o) for o in outs]
    m, n = get_aval(a).shape[-2:]
    k = min(m, n)
    if compute_uv:
        s, uf, vtf = outs
    else:
        s, uf, vtf = svd(a, full_matrices=False, compute_uv=True)
    u, vt = _block(uf, (0, m), (0, k)), _block(vtf, (0, k), (0, n))
    v = _T(vt)
    p = _mm(_T(u), _mm(da, v))
    ds = _diagonal(p)
    if not compute_uv:
        return outs, [ds]
    f = _reciprocal_gaps(mul(s, s))
    ps = _cols(p, s)  # P S
    sp = _rows(p, s)  # S P
    du = _mm(u, mul(f, add(ps, _T(ps))))
    dv = _mm(v, mul(f, add(sp, _T(sp))))
    s_inv = _safe_reciprocal(s)
    if m > k:
        dav = _mm(da, v)
        du = add(du, _cols(sub(dav, _mm(u, _mm(_T(u), dav))), s_inv))
    if n > k:
        dau = _mm(_T(da), u)
        dv = add(dv, _cols(sub(dau, _mm(v, _mm(vt, dau))), s_inv))
    if full_matrices and m > k:
        du = _concat([du, _complement_tangent(u, du, _block(uf, (0, m), (k, m)))], -1)
    if full_matrices and n > k:
        v_perp = _T(_block(vtf, (k, n), (0, n)))
        dv = _concat([dv, _complement_tangent(v, dv, v_perp)], -1)
    return outs, [ds, du, _T(dv)]


svd_p.def_batch(_front_batch(svd_p))


def svd(a, *, full_matrices=True, compute_uv=True):
    """[s, u, vt] (or [s] without compute_uv), s descending."""
    return bind(svd_p, a, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))


# ----- qr ------------------------------------------------------------------------------------

# A = Q R (m >= n, reduced). With X = Q^T dA R^-1 and O = stril(X) - stril(X)^T (skew):
# dR = (X - O) R, dQ = Q (O - X) + dA R^-1. For m < n, A = [A1 A2] with A1 square:
# Q, R1 from A1 as above and dR2 = dQ^T A2 + Q^T dA2
qr_p = Primitive("qr", multiple_results=True)


@qr_p.def_impl
def _qr_impl(a, *, full_matrices):
    q, r = np.linalg.qr(a, mode="complete" if full_matrices else "reduced")
    return [q, r]


@qr_p.def_abstract_eval
def _qr_abstract(a, *, full_matrices):
    _check_inexact("qr", a)
    if a.ndim < 2:
        raise TypeError(f"qr needs matrices (..., m, n), got {a.str_short()}")
    *batch, m, n = a.shape
    batch, k = tuple(batch), min(m, n)
    c = m if full_matrices else k
    return [ShapedArray(batch + (m, c), a.dtype), ShapedArray(batch + (c, n), a.dtype)]


def _qr_tall_tangent(q, r, da):
    """(dQ, dR) for reduced Q (m x n), R (n x n), m >= n."""
    x = triangular_solve(r, _mm(_T(q), da), left_side=False, lower=False)
    low = _tri(x, -1, True)
    omega = sub(low, _T(low))
    dr = _mm(sub(x, omega), r)
    dq = add(_mm(q, sub(omega, x)), triangular_solve(r, da, left_side=False, lower=False))
    return dq, dr


@qr_p.def_jvp
def _qr_jvp(primals, tangents, *, full_matrices):
    (a,), (da,) = primals, tangents
    q, r = outs = qr(a, full_matrices=full_matrices)
    if type(da) is Zero:
        return outs, [zero_tangent(q), zero_tangent(r)]
    m, n = get_aval(a).shape[-2:]
    k = min(m, n)
    qk, rk = _block(q, (0, m), (0, k)), _block(r, (0, k), (0, k))
    dq, dr = _qr_tall_tangent(qk, rk, _block(da, (0, m), (0, k)))
    if n > k:
        dr2 = add(_mm(_T(dq), _block(a, (0, m), (k, n))), _mm(_T(qk), _block(da, (0, m), (k, n))))
        dr = _concat([dr, dr2], -1)
    if full_matrices and m > k:
        dq = _concat([dq, _complement_tangent(qk, dq, _block(q, (0, m), (k, m)))], -1)
        dr = _concat([dr, full_like(_block(r, (k, m), (0, n)), 0.0)], -2)
    return outs, [dq, dr]


qr_p.def_batch(_front_batch(qr_p))


def qr(a, *, full_matrices=False):
    return bind(qr_p, a, full_matrices=bool(full_matrices))


# ----- expm ----------------------------------------------------------------------------------

# d expm(A) = L(A, dA), the Frechet derivative (expm_frechet below)
expm_p = Primitive("expm")
expm_p.def_impl(_math_linalg.expm)


@expm_p.def_abstract_eval
def _expm_abstract(a):
    _check_square("expm", a)
    _check_inexact("expm", a, kinds="fc")
    return a.strip_weak()


@expm_p.def_jvp
def _expm_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    ans = expm(a)
    if type(da) is Zero:
        return ans, zero_tangent(ans)
    return ans, expm_frechet(a, da)


expm_p.def_batch(_front_batch(expm_p))


def expm(a):
    return bind(expm_p, a)


# L(A, E) = top-right block of expm([[A, E], [0, A]]); linear in E, with adjoint L(A^T, .).
# d_A L(A, E) = top-right block of L(B, diag(dA, dA)), B = [[A, E], [0, A]]
expm_frechet_p = Primitive("expm_frechet")


def _upper_block(a, e):
    """[[A, E], [0, A]] as a (..., 2n, 2n) array, numpy or traced."""
    if isinstance(a, np.ndarray) and isinstance(e, np.ndarray):
        zero = np.zeros_like(a)
        return np.concatenate([np.concatenate([a, e], -1), np.concatenate([zero, a], -1)], -2)
    zero = full_like(a, 0.0)
    return _concat([_concat([a, e], -1), _concat([zero, a], -1)], -2)


@expm_frechet_p.def_impl
def _expm_frechet_impl(a, e):
    a, e = np.asarray(a), np.asarray(e)
    n = a.shape[-1]
    return _math_linalg.expm(_upper_block(a, e))[..., :n, n:]


@expm_frechet_p.def_abstract_eval
def _expm_frechet_abstract(a, e):
    _check_square("expm_frechet", a)
    _check_inexact("expm_frechet", a, kinds="fc")
    if a.shape != e.shape or a.dtype != e.dtype:
        raise TypeError(f"expm_frechet needs A and E of one shape and dtype, got "
                        f"{a.str_short()} and {e.str_short()}")
    return e.strip_weak()


@expm_frechet_p.def_jvp
def _expm_frechet_jvp(primals, tangents):
    a, e = primals
    da, de = tangents
    ans = expm_frechet(a, e)
    out = Zero(get_aval(ans))
    if type(de) is not Zero:
        out = expm_frechet(a, de)
    if type(da) is not Zero:
        n = get_aval(a).shape[-1]
        zero = full_like(da, 0.0)
        direction = _concat([_concat([da, zero], -1), _concat([zero, da], -1)], -2)
        big = expm_frechet(_upper_block(a, e), direction)
        out = add_any(out, _block(big, (0, n), (n, 2 * n)))
    return ans, out


@expm_frechet_p.def_transpose
def _expm_frechet_transpose(ct, a, e):
    if type(a) is UndefinedPrimal:
        raise TypeError("expm_frechet is linear in its direction E only")
    if type(ct) is Zero:
        return [None, None]
    return [None, expm_frechet(_T(a), ct)]


expm_frechet_p.def_batch(_front_batch(expm_frechet_p))


def expm_frechet(a, e):
    return bind(expm_frechet_p, a, e)


# ----- sylvester -----------------------------------------------------------------------------

# X with A X + X B = C; linear in C, with adjoint C' -> sylvester(A^T, B^T, C');
# dX = sylvester(A, B, dC - dA X - X dB)
sylvester_p = Primitive("sylvester")
sylvester_p.def_impl(_math_linalg.sylvester)


@sylvester_p.def_abstract_eval
def _sylvester_abstract(a, b, c):
    _check_square("sylvester", a)
    _check_square("sylvester", b)
    _check_inexact("sylvester", a, b, c, kinds="fc")
    _check_pair("sylvester", a, c)
    _check_pair("sylvester", b, c)
    if c.shape[-2:] != (a.shape[-1], b.shape[-1]):
        raise TypeError(f"sylvester: A {a.str_short()}, B {b.str_short()} and C "
                        f"{c.str_short()} do not fit A X + X B = C")
    return c.strip_weak()


@sylvester_p.def_jvp
def _sylvester_jvp(primals, tangents):
    a, b, c = primals
    da, db, dc = tangents
    x = sylvester(a, b, c)
    rhs = Zero(get_aval(x)) if type(dc) is Zero else dc
    if type(da) is not Zero:
        rhs = add_any(rhs, neg(_mm(da, x)))
    if type(db) is not Zero:
        rhs = add_any(rhs, neg(_mm(x, db)))
    if type(rhs) is Zero:
        return x, rhs
    return x, sylvester(a, b, rhs)


@sylvester_p.def_transpose
def _sylvester_transpose(ct, a, b, c):
    if type(a) is UndefinedPrimal or type(b) is UndefinedPrimal:
        raise TypeError("sylvester is linear in its right-hand side C only")
    if type(ct) is Zero:
        return [None, None, None]
    return [None, None, sylvester(_T(a), _T(b), ct)]


sylvester_p.def_batch(_front_batch(sylvester_p))


def sylvester(a, b, c):
    return bind(sylvester_p, a, b, c)


# ----- sqrtm ---------------------------------------------------------------------------------

# X = A^(1/2) (principal); X dX + dX X = dA, so dX = sylvester(X, X, dA)
sqrtm_p = Primitive("sqrtm")


@sqrtm_p.def_impl
def _sqrtm_impl(a):
    try:
        return _math_linalg.sqrtm(a)
    except _math_linalg.NoRealSquareRoot as e:
        raise ValueError(
            f"sqrtm: this real matrix has the eigenvalue {float(e.args[0]):.6g} on the negative "
            "real axis, so its principal square root is complex; pass a complex matrix "
            "(a.astype(complex)) to get it."
        ) from None


@sqrtm_p.def_abstract_eval
def _sqrtm_abstract(a):
    _check_square("sqrtm", a)
    _check_inexact("sqrtm", a, kinds="fc")
    return a.strip_weak()


@sqrtm_p.def_jvp
def _sqrtm_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    x = sqrtm(a)
    if type(da) is Zero:
        return x, zero_tangent(x)
    return x, sylvester(x, x, da)


sqrtm_p.def_batch(_front_batch(sqrtm_p))


def sqrtm(a):
    return bind(sqrtm_p, a)



# ----- eig -----------------------------------------------------------------------------------

# A = V diag(w) V^-1 (complex). With P = V^-1 dA V: dw = diag(P), dV = V (F o P) + V diag(c),
# F_ij = 1 / (w_j - w_i) off the diagonal; c keeps LAPACK's normalization of each column (unit
# norm, largest-magnitude entry real): c_j = -Re(v_j^H u_j) - i Im(u_kj) / v_kj, u = V (F o P),
# k = argmax_i |v_ij|
eig_p = Primitive("eig", multiple_results=True)


@eig_p.def_impl
def _eig_impl(a):
    a = np.asarray(a)
    dtype = complex_dtype(a.dtype)
    w, v = np.linalg.eig(a)
    return [w.astype(dtype, copy=False), v.astype(dtype, copy=False)]


@eig_p.def_abstract_eval
def _eig_abstract(a):
    _check_square("eig", a)
    _check_inexact("eig", a, kinds="fc")
    dtype = complex_dtype(a.dtype)
    return [ShapedArray(a.shape[:-1], dtype), ShapedArray(a.shape, dtype)]


@eig_p.def_jvp
def _eig_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    w, v = outs = eig(a)
    if type(da) is Zero:
        return outs, [zero_tangent(w), zero_tangent(v)]
    p = solve(v, _mm(convert_element_type(da, get_aval(v).dtype), v))
    u = _mm(v, mul(_reciprocal_gaps(w), p))
    nd = get_aval(v).ndim
    biggest = argmax(_abs(v), nd - 2)
    shape = get_aval(v).shape
    rows = broadcast_in_dim(np.arange(shape[-2]), shape, (nd - 2,))
    at_biggest = eq(broadcast_in_dim(convert_element_type(biggest, np.int64), shape,
                                     tuple(range(nd - 2)) + (nd - 1,)), rows)
    zero = full_like(v, 0.0)
    v_k = reduce_sum(select(at_biggest, v, zero), (nd - 2,))
    u_k = reduce_sum(select(at_biggest, u, zero), (nd - 2,))
    re = real(reduce_sum(mul(conj(v), u), (nd - 2,)))
    c = complex(neg(re), neg(imag(div(u_k, v_k))))
    return outs, [_diagonal(p), add(u, _cols(v, c))]


eig_p.def_batch(_front_batch(eig_p))


def eig(a):
    """[w, v], complex (numpy returns real arrays when every eigenvalue is real; here the dtype
    cannot depend on values). Derivatives need distinct eigenvalues."""
    return bind(eig_p, a)
