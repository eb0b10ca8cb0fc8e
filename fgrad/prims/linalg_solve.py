"""Linear-algebra primitives of solving: triangular, general and Sylvester-equation solves, and
what the LU factorization gives (lu, det, slogdet). Stacks of matrices as in
fgrad/prims/linalg.py; sylvester has a numpy-only impl (fgrad/prims/_math_linalg.py).

Conventions:

- triangular_solve reads only the triangle it solves with (and not the diagonal when
  unit_diagonal): tangents of the other entries are dropped, as in JAX.
- det's derivative is tr(adj(A) dA) with the adjugate from the LU factors, finite also for
  matrices of rank n - 1 whose zero pivot comes last (the generic singular case).

Linear primitives (transpose rules): triangular_solve, solve and sylvester in their right-hand
side.
"""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.markers import Zero
from fgrad.core.primitive import bind
from fgrad.prims import _math_linalg
from fgrad.prims._linalg_helpers import (
    _T,
    _block,
    _check_inexact,
    _check_pair,
    _check_square,
    _concat,
    _diagonal,
    _jvp,
    _linalg_primitive,
    _linear_in_last,
    _matrix_const,
    _mm,
    _scalar_result,
    _trace,
    _tri,
)
from fgrad.prims.arith import add, add_any, convert_element_type, eq, mul, ne, neg, rem, select, sub
from fgrad.prims.base import full_like, instantiate, zero_tangent
from fgrad.prims.reduce import reduce_prod, reduce_sum
from fgrad.prims.shape import broadcast_in_dim, reshape, slice

__all__ = [
    "triangular_solve_p", "triangular_solve", "solve_p", "solve", "sylvester_p", "sylvester",
    "lu_p", "lu", "det_p", "det", "slogdet_p", "slogdet",
]


# ----- triangular_solve ----------------------------------------------------------------------

# X = op(A)^-1 B (left_side) or B op(A)^-1, op = transpose if transpose_a, A's triangle only.
# Linear in B; d_A X = -op(A)^-1 op(dA) X  (or -X op(dA) op(A)^-1)
triangular_solve_p = _linalg_primitive("triangular_solve")


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


@_jvp(triangular_solve_p)
def _triangular_solve_jvp(x, a, b, da, db, **params):
    out = Zero(get_aval(x))
    if type(da) is not Zero:
        k = -1 if params["unit_diagonal"] else 0
        dt = _tri(da, k if params["lower"] else -k, params["lower"])
        dt = _T(dt) if params["transpose_a"] else dt
        rhs = _mm(dt, x) if params["left_side"] else _mm(x, dt)
        out = neg(bind(triangular_solve_p, a, rhs, **params))
    if type(db) is not Zero:
        out = add_any(out, bind(triangular_solve_p, a, db, **params))
    return out


@_linear_in_last(triangular_solve_p, "right-hand side")
def _triangular_solve_transpose(ct, a, *, left_side, lower, transpose_a, unit_diagonal):
    return triangular_solve(a, ct, left_side=left_side, lower=lower,
                            transpose_a=not transpose_a, unit_diagonal=unit_diagonal)


def triangular_solve(a, b, *, left_side=True, lower=True, transpose_a=False,
                     unit_diagonal=False):
    return bind(triangular_solve_p, a, b, left_side=bool(left_side), lower=bool(lower),
                transpose_a=bool(transpose_a), unit_diagonal=bool(unit_diagonal))


# ----- solve ---------------------------------------------------------------------------------

# X = A^-1 B (B of shape (..., n, k)); linear in B; dX = A^-1 (dB - dA X)
solve_p = _linalg_primitive("solve")
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


@_jvp(solve_p)
def _solve_jvp(x, a, b, da, db):
    rhs = instantiate(db) if type(da) is Zero else (
        neg(_mm(da, x)) if type(db) is Zero else sub(db, _mm(da, x)))
    return solve(a, rhs)


@_linear_in_last(solve_p, "right-hand side")
def _solve_transpose(ct, a):
    return solve(_T(a), ct)


def solve(a, b):
    return bind(solve_p, a, b)


# ----- sylvester -----------------------------------------------------------------------------

# X with A X + X B = C; linear in C, with adjoint C' -> sylvester(A^T, B^T, C');
# dX = sylvester(A, B, dC - dA X - X dB)
sylvester_p = _linalg_primitive("sylvester")
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


@_jvp(sylvester_p)
def _sylvester_jvp(x, a, b, c, da, db, dc):
    rhs = Zero(get_aval(x)) if type(dc) is Zero else dc
    if type(da) is not Zero:
        rhs = add_any(rhs, neg(_mm(da, x)))
    if type(db) is not Zero:
        rhs = add_any(rhs, neg(_mm(x, db)))
    return sylvester(a, b, rhs)


@_linear_in_last(sylvester_p, "right-hand side C")
def _sylvester_transpose(ct, a, b):
    return sylvester(_T(a), _T(b), ct)


def sylvester(a, b, c):
    return bind(sylvester_p, a, b, c)


# ----- lu ------------------------------------------------------------------------------------

# P A = L U (partial pivoting). With X = L1^-1 P dA U1^-1 on the leading k x k blocks:
# dL1 = L1 stril(X), dU1 = triu(X) U1; extra rows dL2 = (P dA_2 - L2 dU1) U1^-1,
# extra columns dU2 = L1^-1 (P dA_2 - dL1 U2)
lu_p = _linalg_primitive("lu", multiple_results=True)


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


@_jvp(lu_p)
def _lu_jvp(outs, a, da):
    lu_, piv, perm = outs
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
    return [add(dl, du), zero_tangent(piv), zero_tangent(perm)]


def lu(a):
    """[lu, pivots, permutation]: see `_math_linalg.lu`."""
    return bind(lu_p, a)


# ----- det -----------------------------------------------------------------------------------

# d det(A) = tr(adj(A) dA), adj(A) from P A = L U as below (finite at rank n - 1 too)
det_p = _linalg_primitive("det")
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


@_jvp(det_p)
def _det_jvp(ans, a, da):
    return adjugate_trace(a, da)


def det(a):
    return bind(det_p, a)


# ----- slogdet -------------------------------------------------------------------------------

# (sign, log|det A|): d log|det A| = tr(A^-1 dA); the sign is piecewise constant
slogdet_p = _linalg_primitive("slogdet", multiple_results=True)
slogdet_p.def_impl(lambda a: [_scalar_result(r) for r in np.linalg.slogdet(a)])


@slogdet_p.def_abstract_eval
def _slogdet_abstract(a):
    _check_square("slogdet", a)
    _check_inexact("slogdet", a)
    out = ShapedArray(a.shape[:-2], a.dtype)
    return [out, out]


@_jvp(slogdet_p)
def _slogdet_jvp(outs, a, da):
    return [zero_tangent(outs[0]), _trace(solve(a, da))]


def slogdet(a):
    return bind(slogdet_p, a)
