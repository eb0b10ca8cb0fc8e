"""Numpy kernels for the linear-algebra primitives that numpy.linalg does not provide: LU with
partial pivoting, the matrix exponential, the Sylvester equation and the principal matrix
square root. Pure numpy, no fgrad imports. Every kernel takes stacks of matrices (leading batch
axes), as numpy.linalg's functions do.

- `lu`: right-looking Gaussian elimination with partial pivoting, the pivot being the first
  entry of largest magnitude (|re| + |im| for complex, as LAPACK's i?amax), vectorized over the
  batch: one rank-1 update per column. A zero pivot (the column is zero below the diagonal)
  leaves the column as it is, as LAPACK's getrf does.
- `expm`: scaling and squaring with the diagonal Pade approximants of degree 3, 5, 7, 9 or 13,
  the degree and the number of squarings chosen from the 1-norm (Higham, SIAM J. Matrix Anal.
  Appl. 26 (2005), Algorithm 2.3), in float64 or complex128.
- `sylvester`: A X + X B = C. Up to `KRON_MAX` unknowns as one dense solve of the Kronecker
  form (backward stable for any A and B); above it through the eigendecompositions of A and B,
  which is accurate when both are far from defective (the case of the square-root derivative
  of a symmetric matrix, where the eigenvectors are orthogonal).
- `sqrtm`: the principal square root. Hermitian input: from its eigendecomposition. Otherwise
  the scaled Denman-Beavers iteration in product form (Higham, Functions of Matrices (2008),
  eq. 6.29 with determinantal scaling), which converges quadratically when no eigenvalue lies
  on the closed negative real axis; a singular matrix falls back to the eigendecomposition.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["lu", "expm", "sylvester", "sqrtm", "KRON_MAX", "NoRealSquareRoot"]

KRON_MAX = 1024


class NoRealSquareRoot(ValueError):
    pass


def _stack(a):
    """(a viewed as (batch, m, n), the batch shape)."""
    a = np.asarray(a)
    return a.reshape((-1,) + a.shape[-2:]), a.shape[:-2]


# ----- LU ------------------------------------------------------------------------------------


def lu(a):
    """(lu, pivots, permutation) with a[perm] = L @ U: L unit lower (strictly below the diagonal
    of lu), U upper (on and above it); pivots[j] is the row swapped with row j at step j
    (LAPACK's ipiv, 0-based), both int32."""
    a = np.asarray(a)
    work, batch = _stack(a)
    work = work.copy()
    b, m, n = work.shape
    k = min(m, n)
    piv = np.zeros((b, k), np.int32)
    perm = np.tile(np.arange(m, dtype=np.int32), (b, 1))
    rows = np.arange(b)
    mag = (lambda z: np.abs(z.real) + np.abs(z.imag)) if work.dtype.kind == "c" else np.abs
    for j in range(k):
        p = j + np.argmax(mag(work[:, j:, j]), axis=1)
        piv[:, j] = p
        top = work[rows, j, :].copy()
        work[rows, j, :] = work[rows, p, :]
        work[rows, p, :] = top
        top_index = perm[rows, j].copy()
        perm[rows, j] = perm[rows, p]
        perm[rows, p] = top_index
        pivot = work[:, j, j]
        # a zero pivot means the column is zero below it: nothing to eliminate
        safe = np.where(pivot == 0, np.ones((), work.dtype), pivot)
        work[:, j + 1 :, j] /= safe[:, None]
        work[:, j + 1 :, j + 1 :] -= work[:, j + 1 :, j, None] * work[:, j, None, j + 1 :]
    return work.reshape(a.shape), piv.reshape(batch + (k,)), perm.reshape(batch + (m,))


# ----- expm ----------------------------------------------------------------------------------

_THETA = {3: 1.495585217958292e-2, 5: 2.539398330063230e-1, 7: 9.504178996162932e-1,
          9: 2.097847961257068e0, 13: 5.371920351148152e0}


def _pade_coeffs(m: int) -> list[float]:
    """b_j of the [m/m] Pade approximant of exp: (2m - j)! m! / ((2m)! j! (m - j)!)."""
    f = math.factorial
    return [f(2 * m - j) * f(m) / (f(2 * m) * f(j) * f(m - j)) for j in range(m + 1)]


_B = {m: _pade_coeffs(m) for m in _THETA}


def _pade(a, m: int):
    """r_m(a) = q_m(a)^-1 p_m(a), p_m(a) = V + U, q_m(a) = V - U (U odd, V even in a)."""
    b = _B[m]
    eye = np.eye(a.shape[-1], dtype=a.dtype)
    a2 = a @ a
    if m == 13:
        a4 = a2 @ a2
        a6 = a4 @ a2
        u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2)
                 + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
        v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2
        v = v + b[0] * eye
    else:
        powers = [eye, a2]
        for _ in range(2, m // 2 + 1):
            powers.append(powers[-1] @ a2)
        u = a @ sum(b[2 * i + 1] * p for i, p in enumerate(powers))
        v = sum(b[2 * i] * p for i, p in enumerate(powers))
    return np.linalg.solve(v - u, v + u)


def _expm_one(a):
    norm = np.abs(a).sum(axis=0).max() if a.size else 0.0
    if not np.isfinite(norm):
        return np.full_like(a, np.nan)
    for m in (3, 5, 7, 9):
        if norm <= _THETA[m]:
            return _pade(a, m)
    s = max(0, int(np.ceil(np.log2(norm / _THETA[13]))))
    x = _pade(a / 2.0**s, 13)
    for _ in range(s):
        x = x @ x
    return x


def expm(a):
    a = np.asarray(a)
    wide = np.complex128 if a.dtype.kind == "c" else np.float64
    work, _ = _stack(a.astype(wide))
    out = np.stack([_expm_one(x) for x in work]) if len(work) else work.copy()
    return out.reshape(a.shape).astype(a.dtype)


# ----- Sylvester -----------------------------------------------------------------------------


def _sylvester_one(a, b, c):
    p, q = c.shape
    if p * q <= KRON_MAX:
        # row-major vec: vec(A X) = kron(A, I) vec(X), vec(X B) = kron(I, B^T) vec(X)
        k = np.kron(a, np.eye(q)) + np.kron(np.eye(p), b.T)
        return np.linalg.solve(k, c.reshape(-1)).reshape(p, q)
    wa, va = np.linalg.eig(a)
    wb, vb = np.linalg.eig(b)
    rhs = np.linalg.solve(va, c @ vb)
    y = rhs / (wa[:, None] + wb[None, :])
    return va @ np.linalg.solve(vb.T, y.T).T


def sylvester(a, b, c):
    """X with A X + X B = C, for stacks of A (p, p), B (q, q), C (p, q)."""
    a, b, c = np.asarray(a), np.asarray(b), np.asarray(c)
    dtype = c.dtype
    wide = np.complex128 if dtype.kind == "c" else np.float64
    aw, _ = _stack(a.astype(wide))
    bw, _ = _stack(b.astype(wide))
    cw, _ = _stack(c.astype(wide))
    outs = [_sylvester_one(x, y, z) for x, y, z in zip(aw, bw, cw)]
    out = np.stack(outs) if outs else cw.copy()
    if dtype.kind != "c":
        out = out.real
    return out.reshape(c.shape).astype(dtype)


# ----- sqrtm ---------------------------------------------------------------------------------


def _sqrtm_eig(a):
    w, v = np.linalg.eig(a)
    return v @ (np.sqrt(w.astype(complex))[:, None] * np.linalg.inv(v))


def _denman_beavers(a, max_iter: int = 100):
    """The product-form DB iteration: Y -> A^(1/2), M -> I. None if it does not converge."""
    n = a.shape[-1]
    eye = np.eye(n, dtype=a.dtype)
    m, y = a.copy(), a.copy()
    tol = n * np.finfo(np.float64).eps
    for _ in range(max_iter):
        sign, logdet = np.linalg.slogdet(m)
        if sign == 0:
            return None
        mu = np.exp(-logdet / (2 * n))
        m, y = mu * mu * m, mu * y
        m_inv = np.linalg.inv(m)
        y = 0.5 * y @ (eye + m_inv)
        m = 0.5 * eye + 0.25 * (m + m_inv)
        if np.linalg.norm(m - eye, 1) <= tol:
            return y
    return None


def _sqrtm_one(a, real: bool):
    n = a.shape[-1]
    if n == 0:
        return a.copy()
    if np.array_equal(a, a.conj().T):
        w, v = np.linalg.eigh(a)
        if real and w.min() < 0:
            raise NoRealSquareRoot(w.min())
        return (v * np.sqrt(w.astype(complex))) @ v.conj().T
    w = np.linalg.eigvals(a)
    scale = max(np.abs(w).max(), np.finfo(np.float64).tiny)
    on_cut = (w.real < 0) & (np.abs(w.imag) <= 1e3 * np.finfo(np.float64).eps * scale)
    if real and on_cut.any():
        raise NoRealSquareRoot(w[on_cut][0].real)
    if not on_cut.any():
        y = _denman_beavers(a)
        if y is not None:
            return y
    return _sqrtm_eig(a)


def sqrtm(a):
    """The principal square root of each matrix of a stack. A real matrix with an eigenvalue
    on the negative real axis has no real principal root: NoRealSquareRoot."""
    a = np.asarray(a)
    real = a.dtype.kind != "c"
    wide = np.float64 if real else np.complex128
    work, _ = _stack(a.astype(wide))
    outs = [_sqrtm_one(x, real) for x in work]
    out = np.stack(outs) if outs else work.copy()
    if real:
        out = out.real
    return out.reshape(a.shape).astype(a.dtype)
