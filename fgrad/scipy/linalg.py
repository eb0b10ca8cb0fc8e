"""fgrad.scipy.linalg: scipy.linalg's functions on values that may be traced.

Same signatures and results as scipy (stacks of matrices included, as scipy >= 1.15 takes
them); the work is done by the primitives of fgrad/prims/linalg.py, linalg_solve.py and
matfuncs.py, and by fgrad.numpy.linalg. Where scipy reads one triangle of a symmetric input
(cholesky, eigh, solve with assume_a='sym'/'pos'), fgrad takes the symmetric part of the
matrix, as jax.numpy does: the values equal scipy's on symmetric input, and derivatives along
symmetric directions equal jax.scipy's
(`fgrad.numpy.linalg.cholesky(..., symmetrize_input=False)` reads the triangle).

Matrix functions, each a primitive with a numpy-only impl (fgrad/prims/_math_linalg.py):
- expm: scaling and squaring with Pade approximants (Higham 2005); its derivative is the
  Frechet derivative L(A, E), the top-right block of expm([[A, E], [0, A]]), itself a linear
  primitive (expm_frechet) whose transpose is L(A^T, .), so every order of derivative works.
- sqrtm: the principal square root (eigendecomposition for symmetric input, Denman-Beavers
  iteration otherwise). Its derivative solves the Sylvester equation X dX + dX X = dA
  (solve_sylvester, a primitive: Kronecker-form solve up to 1024 unknowns, eigendecomposition
  above). A real matrix with a negative real eigenvalue has no real principal root: where
  scipy returns a complex array, fgrad raises (a dtype cannot depend on values) and asks for
  complex input.
"""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.numpy import linalg as _la
from fgrad.numpy._promotion import broadcast_shapes, broadcast_to_shape, cast

__all__ = [
    "cholesky", "cho_factor", "cho_solve", "solve_triangular", "lu_factor", "lu_solve", "lu",
    "inv", "det", "solve", "solve_banded", "eigh", "svd", "qr", "expm", "expm_frechet", "sqrtm",
    "solve_sylvester", "block_diag",
]

LinAlgError = np.linalg.LinAlgError


def _shape(x):
    return get_aval(x).shape


def _dtype(x):
    return get_aval(x).dtype


def _square(name, a, complex_ok=True):
    return _la._matrix(name, a, square=True, complex_ok=complex_ok)


def _mT(x):
    return fnp.swapaxes(x, -1, -2)


def _conj(x):
    return prims.conj(x) if _dtype(x).kind == "c" else x


def _rhs(name, a, b):
    """(a, b as a stack of matrices broadcast against a, whether b was a vector)."""
    a, b = _la._common(name, a, b, complex_ok=True)
    n = _shape(a)[-1]
    vector = len(_shape(b)) == 1
    if vector:
        b = fnp.reshape(b, (_shape(b)[0], 1))
    if len(_shape(b)) < 2 or _shape(b)[-2] != n:
        raise ValueError(f"{name}: shapes of a {_shape(a)} and b {_shape(b)} are incompatible")
    batch = broadcast_shapes(_shape(a)[:-2], _shape(b)[:-2])
    return (broadcast_to_shape(a, batch + (n, n)), broadcast_to_shape(b, batch + _shape(b)[-2:]),
            vector)


def _vector_back(x, vector):
    return fnp.reshape(x, _shape(x)[:-1]) if vector else x


# ----- Cholesky ------------------------------------------------------------------------------


def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """The Cholesky factor of the symmetric part of a: U with A = U^T U (or lower L)."""
    return _la.cholesky(a, upper=not lower)


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """(c, lower): c holds the factor in its `lower` triangle and zeros in the other (scipy
    leaves whatever was there; both are ignored by cho_solve)."""
    return cholesky(a, lower=lower), bool(lower)


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """x with A x = b, A = L L^T (or U^T U) from cho_factor; reads c's triangle only."""
    c, lower = c_and_lower
    c, b, vector = _rhs("cho_solve", _square("cho_solve", c), b)
    y = prims.triangular_solve(c, b, left_side=True, lower=lower, transpose_a=not lower)
    x = prims.triangular_solve(c, y, left_side=True, lower=lower, transpose_a=lower)
    return _vector_back(x, vector)


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    """x with op(a) x = b, op given by trans (0/'N': a, 1/'T': a^T, 2/'C': a^H), reading only
    a's triangle (and not its diagonal when unit_diagonal)."""
    trans = {"N": 0, "T": 1, "C": 2}.get(trans, trans)
    if trans not in (0, 1, 2):
        raise ValueError(f"Invalid trans argument {trans!r}: use 0, 1, 2, 'N', 'T' or 'C'")
    a, b, vector = _rhs("solve_triangular", _square("solve_triangular", a), b)
    if trans == 2:
        a = _conj(a)
    x = prims.triangular_solve(a, b, left_side=True, lower=bool(lower), transpose_a=trans != 0,
                               unit_diagonal=bool(unit_diagonal))
    return _vector_back(x, vector)


# ----- LU ------------------------------------------------------------------------------------


def lu_factor(a, overwrite_a=False, check_finite=True):
    """(lu, piv) as scipy: L (unit diagonal) below, U on and above the diagonal of lu; row i
    was swapped with row piv[i] (int32, 0-based)."""
    lu_, piv, _ = prims.lu(_la._matrix("lu_factor", a, complex_ok=True))
    return lu_, piv


def _permutation_from_pivots(piv, m):
    """perm with (P A)[i] = A[perm[i]] for the row swaps piv (applied in order)."""
    batch = _shape(piv)[:-1]
    perm = fnp.broadcast_to(np.arange(m, dtype=np.int32), batch + (m,))
    rows = np.arange(m, dtype=np.int32)
    for i in range(_shape(piv)[-1]):
        p = fnp.expand_dims(piv[..., i], -1)
        at_i = fnp.take_along_axis(perm, np.full(batch + (1,), i, np.int32), -1)
        at_p = fnp.take_along_axis(perm, p, -1)
        perm = fnp.where(rows == i, at_p, fnp.where(fnp.equal(rows, p), at_i, perm))
    return perm


def _permutation_matrix(perm, dtype):
    """P with P[i, perm[i]] = 1."""
    m = _shape(perm)[-1]
    return cast(fnp.equal(fnp.expand_dims(perm, -1), np.arange(m)), dtype)


def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """x with op(A) x = b from lu_factor's (lu, piv); trans as in solve_triangular."""
    lu_, piv = lu_and_piv
    trans = {"N": 0, "T": 1, "C": 2}.get(trans, trans)
    lu_, b, vector = _rhs("lu_solve", _square("lu_solve", lu_), b)
    p = _permutation_matrix(_permutation_from_pivots(piv, _shape(lu_)[-1]), _dtype(lu_))
    if trans == 0:  # P A = L U: x = U^-1 L^-1 P b
        y = prims.triangular_solve(lu_, fnp.matmul(p, b), lower=True, unit_diagonal=True)
        x = prims.triangular_solve(lu_, y, lower=False)
    else:  # A^T = U^T L^T P: x = P^T L^-T U^-T b
        lu_ = _conj(lu_) if trans == 2 else lu_
        y = prims.triangular_solve(lu_, b, lower=False, transpose_a=True)
        y = prims.triangular_solve(lu_, y, lower=True, transpose_a=True, unit_diagonal=True)
        x = fnp.matmul(_mT(p), y)
    return _vector_back(x, vector)


def lu(a, permute_l=False, overwrite_a=False, check_finite=True, p_indices=False):
    """(p, l, u) with a = p @ l @ u; (p @ l, u) with permute_l; p as row indices (a = l[p] @ u)
    with p_indices."""
    a = _la._matrix("lu", a, complex_ok=True)
    lu_, _, perm = prims.lu(a)
    m, n = _shape(a)[-2:]
    k = min(m, n)
    eye = np.eye(m, k, dtype=_dtype(a))
    ell = fnp.add(fnp.tril(lu_[..., :, :k], -1), eye)
    u = fnp.triu(lu_[..., :k, :])
    p = _mT(_permutation_matrix(perm, _dtype(a)))
    if permute_l:
        return fnp.matmul(p, ell), u
    if p_indices:  # a = l[p] @ u: the inverse permutation of perm
        return cast(fnp.argsort(perm, axis=-1), np.int32), ell, u
    return p, ell, u


# ----- inverses, determinants, solves --------------------------------------------------------

_ASSUME = {
    None: "gen", "gen": "gen", "general": "gen", "tridiagonal": "gen", "banded": "gen",
    "sym": "sym", "symmetric": "sym", "her": "sym", "hermitian": "sym",
    "pos": "pos", "positive definite": "pos", "diagonal": "diagonal",
    "upper triangular": "upper", "lower triangular": "lower",
}


def _assumed(assume_a):
    try:
        return _ASSUME[assume_a]
    except KeyError:
        raise ValueError(f"{assume_a!r} is not a recognized matrix structure") from None


def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
          assume_a=None, transposed=False):
    """x with a x = b (a^T x = b when transposed). assume_a: 'gen' (LU), 'sym'/'her' (LU of
    the symmetric part), 'pos' (Cholesky of it), 'diagonal', 'upper/lower triangular' (that
    triangle only); 'tridiagonal' and 'banded' are solved as general matrices, which gives
    the same x when the entries outside the bands are zero."""
    kind = _assumed(assume_a)
    a = _square("solve", a)
    if transposed:
        a = _mT(a)
    if kind in ("upper", "lower"):
        return solve_triangular(a, b, lower=kind == "lower")
    if kind == "diagonal":
        a, b, vector = _rhs("solve", a, b)
        return _vector_back(fnp.divide(b, fnp.expand_dims(fnp.diagonal(a, 0, -2, -1), -1)),
                            vector)
    if kind == "pos":
        return cho_solve(cho_factor(a, lower=True), b)
    if kind == "sym":
        a = fnp.multiply(fnp.add(a, _mT(a)), 0.5)
    return _la.solve(a, b)


def solve_banded(l_and_u, ab, b, overwrite_ab=False, overwrite_b=False, check_finite=True):
    """x with a x = b for the banded a stored as scipy's ab: a[i, j] = ab[u + i - j, j] for
    -l <= j - i <= u. The bands are laid out into the dense matrix, which is solved by LU
    (O(n^3) rather than LAPACK's O(n (l + u)^2), but the same x and derivatives in ab)."""
    lower, upper = (int(k) for k in l_and_u)
    ab = _la._float_operand(ab)
    rows, n = _shape(ab)[-2:]
    if rows != lower + upper + 1:
        raise ValueError(f"invalid values for the number of lower and upper diagonals: l+u+1 "
                         f"({lower + upper + 1}) does not equal ab.shape[0] ({rows})")
    dense = None
    for k in range(-lower, upper + 1):  # a[i, i + k] = ab[upper - k, i + k]
        if abs(k) >= n:
            continue
        band = fnp.diag(ab[upper - k, max(k, 0):n + min(k, 0)], k)
        dense = band if dense is None else fnp.add(dense, band)
    if dense is None:
        dense = fnp.zeros((n, n), _dtype(ab))
    return _la.solve(dense, b)


def inv(a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
    kind = _assumed(assume_a)
    a = _square("inv", a)
    if kind == "gen":
        return _la.inv(a)
    return solve(a, np.broadcast_to(np.eye(_shape(a)[-1], dtype=_dtype(a)), _shape(a)),
                 lower=lower, assume_a=assume_a)


def det(a, overwrite_a=False, check_finite=True):
    return _la.det(a)


# ----- eigenvalues, SVD, QR ------------------------------------------------------------------


def eigh(a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
         type=1, check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    """Eigenvalues (ascending) and eigenvectors of the symmetric part of a; with b, of the
    generalized problem a v = w b v (type 1), through b = L L^T: the eigenvectors are
    normalized to v^T b v = I, as scipy's. Eigenvector signs are LAPACK's."""
    if type != 1 or subset_by_index is not None or subset_by_value is not None:
        raise NotImplementedError(
            "fgrad.scipy.linalg.eigh supports type=1 and the full spectrum only"
        )
    a = _square("eigh", a, complex_ok=False)
    if b is None:
        w, v = prims.eigh(a, lower=bool(lower))
    else:
        b = _square("eigh", b, complex_ok=False)
        a, b = _la._common("eigh", a, b)
        batch = broadcast_shapes(_shape(a)[:-2], _shape(b)[:-2])
        a = broadcast_to_shape(a, batch + _shape(a)[-2:])
        ell = prims.cholesky(broadcast_to_shape(b, batch + _shape(b)[-2:]))
        c = prims.triangular_solve(ell, a, lower=True)
        c = prims.triangular_solve(ell, c, left_side=False, lower=True, transpose_a=True)
        w, y = prims.eigh(c, lower=bool(lower))
        v = prims.triangular_solve(ell, y, lower=True, transpose_a=True)
    return w if eigvals_only else (w, v)


def svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True,
        lapack_driver="gesdd"):
    out = _la.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(out) if compute_uv else out


def qr(a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    """mode 'full' (Q square), 'economic' (reduced) or 'r' (R of the full factorization, in a
    1-tuple as scipy returns it)."""
    if pivoting:
        raise NotImplementedError("fgrad.scipy.linalg.qr does not support pivoting")
    if mode not in ("full", "economic", "r"):
        raise ValueError(f"mode argument must be 'full', 'economic' or 'r', got {mode!r}")
    q, r = _la.qr(a, mode="reduced" if mode == "economic" else "complete")
    return (r,) if mode == "r" else (q, r)


# ----- matrix functions ----------------------------------------------------------------------


def expm(A):  # noqa: N803 - scipy's name
    return prims.expm(_square("expm", A))


def expm_frechet(A, E, method=None, compute_expm=True, check_finite=True):  # noqa: N803
    """(expm(A), L(A, E)), or L(A, E) alone: the derivative of expm at A in the direction E."""
    a, e = _la._common("expm_frechet", _square("expm_frechet", A), E, complex_ok=True)
    if _shape(a) != _shape(e):
        raise ValueError(f"expm_frechet expects A and E of one shape, got {_shape(a)} and "
                         f"{_shape(e)}")
    frechet = prims.expm_frechet(a, e)
    return (prims.expm(a), frechet) if compute_expm else frechet


def sqrtm(A, disp=True, blocksize=64):  # noqa: N803 - scipy's name
    """The principal square root; real input needs no eigenvalue on the negative real axis
    (pass a complex matrix otherwise). Derivative: the Sylvester equation X dX + dX X = dA."""
    return prims.sqrtm(_square("sqrtm", A))


def solve_sylvester(a, b, q):
    """X with a X + X b = q (a (m, m), b (n, n), q (m, n))."""
    a, b, q = _la._common("solve_sylvester", a, b, q, complex_ok=True)
    for name, x in (("a", a), ("b", b)):
        if len(_shape(x)) < 2 or _shape(x)[-1] != _shape(x)[-2]:
            raise ValueError(f"solve_sylvester: {name} must be square, got {_shape(x)}")
    batch = broadcast_shapes(_shape(a)[:-2], _shape(b)[:-2], _shape(q)[:-2])
    m, n = _shape(a)[-1], _shape(b)[-1]
    if _shape(q)[-2:] != (m, n):
        raise ValueError(f"solve_sylvester: q must have shape {(m, n)}, got {_shape(q)}")
    return prims.sylvester(broadcast_to_shape(a, batch + (m, m)),
                           broadcast_to_shape(b, batch + (n, n)),
                           broadcast_to_shape(q, batch + (m, n)))


def block_diag(*arrs):
    """The blocks along the diagonal of one matrix (0-d and 1-d blocks are rows, as in
    scipy), zeros elsewhere."""
    if not arrs:
        return np.empty((1, 0))
    blocks = [fnp.atleast_2d(fnp.asarray(x)) for x in arrs]
    for x in blocks:
        if len(_shape(x)) > 2:
            raise ValueError("arguments in the following positions have dimension greater "
                             "than 2: use 2-d blocks")
    dtype = fnp.result_type(*blocks)
    widths = [_shape(x)[1] for x in blocks]
    total = sum(widths)
    rows, start = [], 0
    for x, w in zip(blocks, widths):
        h = _shape(x)[0]
        row = [fnp.zeros((h, start), dtype), cast(x, dtype),
               fnp.zeros((h, total - start - w), dtype)]
        rows.append(fnp.concatenate(row, axis=1))
        start += w
    return fnp.concatenate(rows, axis=0)
