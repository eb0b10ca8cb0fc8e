"""Linear-algebra primitives on stacks of matrices (leading axes are batch axes, as in
numpy.linalg; every operand of one call has the same batch axes): the factorizations and
decompositions cholesky, eigh, svd, qr and eig. Solves (triangular, general, Sylvester), lu
and determinants are in fgrad/prims/linalg_solve.py, matrix functions (expm, expm_frechet,
sqrtm) in fgrad/prims/matfuncs.py, the helpers all three share (traceable matrix operations,
operand checks, the jvp, transpose and batching rule shapes) in fgrad/prims/_linalg_helpers.py.

Decompositions have numpy.linalg (LAPACK) impls; their jvps are written with the helpers and
the lax wrappers, so they differentiate again. Conventions, where a decomposition is not
unique or its input is read partly:

- cholesky and eigh are functions of the symmetric part (A + A^T) / 2 of their input (JAX's
  symmetrize_input=True): LAPACK reads one triangle, so the impl symmetrizes first and the jvp
  uses the symmetric part of the tangent. On symmetric input the values are numpy's exactly.
- eigh/svd eigen- and singular vectors are differentiated as in JAX: the tangents are those of
  numpy's normalization (unit vectors; dv orthogonal to v) and are infinite where eigenvalues
  or singular values repeat. With full_matrices=True and m != n the columns beyond min(m, n)
  span a fixed complement but their basis is arbitrary: their tangent is the smallest one that
  keeps the factor orthogonal, so functions of that complement (projectors) differentiate
  correctly, while the individual columns do not follow LAPACK's choice. JAX refuses this case.
- eig's eigenvectors follow LAPACK's normalization (unit norm, largest entry real), and so do
  their tangents (as JAX's with enable_eigvec_derivs); eigenvalues must be distinct.
"""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.primitive import bind
from fgrad.prims._linalg_helpers import (
    _T,
    _block,
    _check_inexact,
    _check_square,
    _cols,
    _concat,
    _diagonal,
    _jvp,
    _linalg_primitive,
    _matrix_const,
    _mm,
    _reciprocal_gaps,
    _rows,
    _safe_reciprocal,
    _square_abstract,
    _sym,
    _tri,
)
from fgrad.prims.arith import add, convert_element_type, div, eq, mul, neg, select, sub
from fgrad.prims.base import full_like
from fgrad.prims.complex import complex, complex_dtype, conj, imag, real
from fgrad.prims.elementwise import abs as _abs
from fgrad.prims.linalg_solve import solve, triangular_solve
from fgrad.prims.reduce import argmax, reduce_sum
from fgrad.prims.shape import broadcast_in_dim

__all__ = [
    "cholesky_p", "cholesky", "eigh_p", "eigh", "svd_p", "svd", "qr_p", "qr", "eig_p", "eig",
]


# ----- cholesky ------------------------------------------------------------------------------

# L = chol(S), S = (A + A^T) / 2;  dL = L Phi(L^-1 dS L^-T), Phi = lower triangle, diagonal halved
cholesky_p = _linalg_primitive("cholesky")


@cholesky_p.def_impl
def _cholesky_impl(a):
    a = np.asarray(a)
    return np.linalg.cholesky((a + np.swapaxes(a, -1, -2)) / 2)


cholesky_p.def_abstract_eval(_square_abstract("cholesky"))


@_jvp(cholesky_p)
def _cholesky_jvp(ell, a, da):
    x = triangular_solve(ell, _sym(da), left_side=True, lower=True)
    x = triangular_solve(ell, x, left_side=False, lower=True, transpose_a=True)
    n = get_aval(a).shape[-1]
    phi = np.tri(n, n, -1) + 0.5 * np.eye(n)
    return _mm(ell, mul(x, _matrix_const(x, phi)))


def cholesky(a):
    return bind(cholesky_p, a)


# ----- eigh ----------------------------------------------------------------------------------

# S = (A + A^T) / 2 = V diag(w) V^T, w ascending. With C = V^T dS V:
# dw = diag(C), dV = V (F o C), F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it
eigh_p = _linalg_primitive("eigh", multiple_results=True)


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


@_jvp(eigh_p)
def _eigh_jvp(outs, a, da, *, lower):
    w, v = outs
    c = _mm(_T(v), _mm(_sym(da), v))
    return [_diagonal(c), _mm(v, mul(_reciprocal_gaps(w), c))]


def eigh(a, *, lower=True):
    """[w, v]: eigenvalues ascending, eigenvectors in the columns of v. `lower` picks the
    triangle LAPACK works from (the input is symmetrized first, so only rounding, and so the
    eigenvectors' signs, can differ between the two)."""
    return bind(eigh_p, a, lower=bool(lower))


# ----- svd -----------------------------------------------------------------------------------

# A = U diag(s) V^T, k = min(m, n). With P = U^T dA V (k x k): ds = diag(P),
# dU = U (F o (P S + S P^T)) + (I - U U^T) dA V S^-1,
# dV = V (F o (S P + P^T S)) + (I - V V^T) dA^T U S^-1,  F_ij = 1 / (s_j^2 - s_i^2), F_ii = 0
svd_p = _linalg_primitive("svd", multiple_results=True)


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


@_jvp(svd_p)
def _svd_jvp(outs, a, da, *, full_matrices, compute_uv):
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
        return [ds]
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
    return [ds, du, _T(dv)]


def svd(a, *, full_matrices=True, compute_uv=True):
    """[s, u, vt] (or [s] without compute_uv), s descending."""
    return bind(svd_p, a, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))


# ----- qr ------------------------------------------------------------------------------------

# A = Q R (m >= n, reduced). With X = Q^T dA R^-1 and O = stril(X) - stril(X)^T (skew):
# dR = (X - O) R, dQ = Q (O - X) + dA R^-1. For m < n, A = [A1 A2] with A1 square:
# Q, R1 from A1 as above and dR2 = dQ^T A2 + Q^T dA2
qr_p = _linalg_primitive("qr", multiple_results=True)


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


@_jvp(qr_p)
def _qr_jvp(outs, a, da, *, full_matrices):
    q, r = outs
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
    return [dq, dr]


def qr(a, *, full_matrices=False):
    return bind(qr_p, a, full_matrices=bool(full_matrices))


# ----- eig -----------------------------------------------------------------------------------

# A = V diag(w) V^-1 (complex). With P = V^-1 dA V: dw = diag(P), dV = V (F o P) + V diag(c),
# F_ij = 1 / (w_j - w_i) off the diagonal; c keeps LAPACK's normalization of each column (unit
# norm, largest-magnitude entry real): c_j = -Re(v_j^H u_j) - i Im(u_kj) / v_kj, u = V (F o P),
# k = argmax_i |v_ij|
eig_p = _linalg_primitive("eig", multiple_results=True)


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


@_jvp(eig_p)
def _eig_jvp(outs, a, da):
    w, v = outs
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
    return [_diagonal(p), add(u, _cols(v, c))]


def eig(a):
    """[w, v], complex (numpy returns real arrays when every eigenvalue is real; here the dtype
    cannot depend on values). Derivatives need distinct eigenvalues."""
    return bind(eig_p, a)
