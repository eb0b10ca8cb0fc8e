"""fgrad.numpy.linalg: numpy.linalg on values that may be traced (`fnp.linalg.inv(x)`).

Every function takes stacks of matrices (leading axes are batch axes, broadcast between
operands as numpy does) and, on plain arrays, returns numpy's values. The decompositions are
primitives (fgrad/prims/linalg.py, linalg_solve.py); the rest are compositions of them.
Integer input becomes float64, float16 is refused, as in numpy. This module holds the
user-facing functions; the norms are in _linalg_norms.py, pinv and lstsq in _linalg_lstsq.py,
the argument handling all of them share in _linalg_common.py.

Conventions, where numpy's function is not differentiable everywhere or its result is not
unique (documented again on each function):

- cholesky, eigh and eigvalsh take the symmetric part (A + A^T) / 2 of their input, as
  jax.numpy does (`symmetrize_input=True`); `symmetrize_input=False` reads the lower triangle
  (or UPLO's) as numpy does, and differentiates that function instead.
- eigenvectors and singular vectors are numpy's (LAPACK's) choice: signs (phases) are free and
  LAPACK may flip them between nearby matrices, so only sign-invariant functions of them are
  smooth; their derivatives need distinct eigenvalues / singular values.
- eig and eigvals always return complex arrays (numpy returns real ones when every eigenvalue
  happens to be real; a traced value's dtype cannot depend on its numbers).
- norm: the 2-norm (and 'fro', and p-norms) of a zero vector has gradient 0, the subgradient
  of smallest norm, where the formula x / |x| would give nan; second derivatives there are 0.
- pinv (and lstsq, built on it) differentiate by the Golub-Pereyra formula, which holds where
  the rank does not change, also at repeated singular values.
- lstsq under a transform returns the residuals always (shape (K,)), as jax.numpy does: numpy
  returns an empty array when the rank is deficient or m <= n, which a traced rank cannot tell.
- matrix_rank and the rank of lstsq carry no derivative.
Complex matrices are supported by solve, inv, det, eig, eigvals, matrix_power and multi_dot;
the factorizations (cholesky, eigh, svd, qr) are implemented for real matrices.
"""

from __future__ import annotations

import builtins
import operator
from typing import NamedTuple

import numpy as np

import fgrad.numpy as fnp
from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.numpy._linalg_common import (
    LinAlgError,
    _common,
    _dtype,
    _eye_like,
    _float_operand,
    _matrix,
    _mT,
    _operand,
    _shape,
    _singular_values,
)
from fgrad.numpy._linalg_lstsq import lstsq, pinv
from fgrad.numpy._linalg_norms import matrix_norm, norm, vector_norm
from fgrad.numpy._promotion import (
    broadcast_shapes,
    broadcast_to_shape,
    cast,
    is_traced,
    normalize_axis_index,
)

__all__ = [
    "LinAlgError", "EighResult", "EigResult", "SlogdetResult", "SVDResult", "QRResult",
    "inv", "det", "slogdet", "solve", "cholesky", "eigh", "eigvalsh", "eig",
    "eigvals", "svd", "svdvals", "qr", "norm", "vector_norm", "matrix_norm", "pinv",
    "matrix_power", "lstsq", "multi_dot", "matrix_rank", "cond", "tensorsolve", "tensorinv",
    "matrix_transpose", "matmul", "tensordot", "outer", "diagonal", "trace", "cross", "vecdot",
]


class EighResult(NamedTuple):
    eigenvalues: object
    eigenvectors: object


class EigResult(NamedTuple):
    eigenvalues: object
    eigenvectors: object


class SlogdetResult(NamedTuple):
    sign: object
    logabsdet: object


class SVDResult(NamedTuple):
    U: object
    S: object
    Vh: object


class QRResult(NamedTuple):
    Q: object
    R: object


# ----- inverses, determinants, solves --------------------------------------------------------


def inv(a):
    a = _matrix("inv", a, square=True, complex_ok=True)
    return prims.solve(a, _eye_like(a))


def det(a):
    """d det(A) = tr(adj(A) dA), finite also at singular matrices of rank n - 1."""
    return prims.det(_matrix("det", a, square=True, complex_ok=True))


def slogdet(a):
    return SlogdetResult(*prims.slogdet(_matrix("slogdet", a, square=True)))


def solve(a, b):
    """numpy 2's rule: b is a vector (M,) only when it is 1-D, else a stack (..., M, K)."""
    a = _matrix("solve", a, square=True, complex_ok=True)
    a, b = _common("solve", a, b, complex_ok=True)
    n = _shape(a)[-1]
    b_shape = _shape(b)
    vector = len(b_shape) == 1
    if len(b_shape) == 0:
        raise ValueError("solve: b must be at least one-dimensional")
    if (b_shape[0] if vector else b_shape[-2]) != n:
        raise ValueError(
            f"solve: Input operand 1 has a mismatch in its core dimension 0 (size "
            f"{b_shape[0] if vector else b_shape[-2]} is different from {n})"
        )
    if vector:
        b = fnp.reshape(b, (n, 1))
    batch = broadcast_shapes(_shape(a)[:-2], _shape(b)[:-2])
    a = broadcast_to_shape(a, batch + (n, n))
    b = broadcast_to_shape(b, batch + _shape(b)[-2:])
    x = prims.solve(a, b)
    return fnp.reshape(x, batch + (n,)) if vector else x


def tensorsolve(a, b, axes=None):
    a, b = _common("tensorsolve", a, b, complex_ok=True)
    an = len(_shape(a))
    if axes is not None:
        order = list(range(an))
        for k in axes:
            order.remove(normalize_axis_index(k, an))
            order.append(normalize_axis_index(k, an))
        a = fnp.transpose(a, order)
    shape = _shape(a)[-(an - len(_shape(b))):]
    size = int(np.prod(shape, dtype=np.int64))
    if int(np.prod(_shape(a), dtype=np.int64)) != size * size:
        raise LinAlgError(
            "Input arrays must satisfy the requirement prod(a.shape[b.ndim:]) == "
            "prod(a.shape[:b.ndim])"
        )
    x = solve(fnp.reshape(a, (size, size)), fnp.ravel(b))
    return fnp.reshape(x, shape)


def tensorinv(a, ind=2):
    a = _operand(a)
    shape = _shape(a)
    if ind <= 0:
        raise ValueError("Invalid ind argument.")
    inv_shape = shape[ind:] + shape[:ind]
    size = int(np.prod(shape[ind:], dtype=np.int64))
    return fnp.reshape(inv(fnp.reshape(a, (size, -1))), inv_shape)


# ----- factorizations ------------------------------------------------------------------------


def _from_triangle(a, lower: bool):
    """The symmetric matrix that LAPACK sees when it reads one triangle of a."""
    if lower:
        return fnp.add(fnp.tril(a), _mT(fnp.tril(a, -1)))
    return fnp.add(fnp.triu(a), _mT(fnp.triu(a, 1)))


def cholesky(a, /, *, upper=False, symmetrize_input=True):
    """L with A = L L^T (or U = L^T with upper=True). By default the factor of the symmetric
    part (A + A^T) / 2, as jax.numpy (equal to numpy's on symmetric input);
    symmetrize_input=False reads the lower triangle only, as numpy does."""
    a = _matrix("cholesky", a, square=True)
    if not symmetrize_input:
        a = _from_triangle(a, True)
    ell = prims.cholesky(a)
    return _mT(ell) if upper else ell


def eigh(a, UPLO="L", symmetrize_input=True):  # noqa: N803 - numpy's name
    """Eigenvalues (ascending) and eigenvectors of the symmetric part of a (by default, as
    jax.numpy; symmetrize_input=False reads the UPLO triangle, as numpy). Eigenvector signs
    are LAPACK's; their derivatives need distinct eigenvalues."""
    a = _symmetric_input("eigh", a, UPLO, symmetrize_input)
    return EighResult(*prims.eigh(a, lower=UPLO == "L"))


def eigvalsh(a, UPLO="L", symmetrize_input=True):  # noqa: N803 - numpy's name
    a = _symmetric_input("eigvalsh", a, UPLO, symmetrize_input)
    return prims.eigh(a, lower=UPLO == "L")[0]


def _symmetric_input(name, a, uplo, symmetrize_input):
    if uplo not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    a = _matrix(name, a, square=True)
    return a if symmetrize_input else _from_triangle(a, uplo == "L")


def eig(a):
    """Complex eigenvalues and eigenvectors (unit columns, largest entry real, as LAPACK
    gives them), always of complex dtype. Derivatives need distinct eigenvalues."""
    return EigResult(*prims.eig(_matrix("eig", a, square=True, complex_ok=True)))


def eigvals(a):
    return prims.eig(_matrix("eigvals", a, square=True, complex_ok=True))[0]


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """(U, S, Vh) with S descending, or S alone. With full_matrices=True and m != n, the
    columns beyond min(m, n) are differentiated as a subspace (their tangent is the smallest
    that keeps the factor orthogonal); hermitian=True uses eigh, as numpy does."""
    a = _matrix("svd", a)
    if hermitian:
        return _svd_hermitian(a, compute_uv)
    if not compute_uv:
        return _singular_values(a)
    s, u, vt = prims.svd(a, full_matrices=bool(full_matrices), compute_uv=True)
    return SVDResult(u, s, vt)


def _svd_hermitian(a, compute_uv):
    if _shape(a)[-1] != _shape(a)[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")
    w, v = prims.eigh(a)
    order = fnp.flip(fnp.argsort(fnp.abs(w), axis=-1), axis=-1)
    s = fnp.take_along_axis(fnp.abs(w), order, axis=-1)
    if not compute_uv:
        return s
    signs = fnp.take_along_axis(fnp.sign(w), order, axis=-1)
    u = fnp.take_along_axis(v, fnp.broadcast_to(fnp.expand_dims(order, -2), _shape(v)), axis=-1)
    return SVDResult(u, s, _mT(fnp.multiply(u, fnp.expand_dims(signs, -2))))


def svdvals(x, /):
    return svd(x, compute_uv=False)


def qr(a, mode="reduced"):
    """mode 'reduced' (Q, R), 'complete' (square Q) or 'r' (R only). Complete Q of a tall
    matrix: the columns beyond n are differentiated as a subspace (see svd)."""
    if mode == "raw":
        raise NotImplementedError(
            "fgrad.numpy.linalg.qr does not support mode='raw' (LAPACK's Householder form); "
            "use 'reduced', 'complete' or 'r'"
        )
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"Unrecognized mode '{mode}'")
    a = _matrix("qr", a)
    q, r = prims.qr(a, full_matrices=mode == "complete")
    return r if mode == "r" else QRResult(q, r)


# ----- condition number and rank -------------------------------------------------------------


def cond(x, p=None):
    """Condition number: s_max / s_min for p None/2 (s_min / s_max for -2), else
    norm(x, p) * norm(inv(x), p)."""
    x = _matrix("cond", x)
    if int(np.prod(_shape(x)[-2:])) == 0:
        raise LinAlgError("cond is not defined on empty arrays")
    if p is None or p in (2, -2):
        s = svd(x, compute_uv=False)
        big, small = fnp.max(s, axis=-1), fnp.min(s, axis=-1)
        num, den = (small, big) if p == -2 else (big, small)
        # a singular matrix has condition number inf (numpy's, without its warning)
        zero = fnp.equal(den, 0)
        return fnp.where(zero, np.inf, fnp.divide(num, fnp.where(zero, 1.0, den)))
    return fnp.multiply(norm(x, p, axis=(-2, -1)), norm(inv(x), p, axis=(-2, -1)))


def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):  # noqa: N803 - numpy's name
    """The number of singular values above the tolerance: an integer, no derivative."""
    if rtol is not None and tol is not None:
        raise ValueError("`tol` and `rtol` can't be both set.")
    a = _float_operand(A)
    if len(_shape(a)) < 2:
        nonzero = fnp.any(fnp.not_equal(a, 0))
        return cast(nonzero, np.int64) if is_traced(a) else int(nonzero)
    s = prims.stop_gradient(svd(a, compute_uv=False, hermitian=hermitian))
    if tol is None:
        if rtol is None:
            rtol = builtins.max(_shape(a)[-2:]) * np.finfo(_dtype(s)).eps
        else:
            rtol = fnp.expand_dims(fnp.asarray(rtol), -1)
        top = fnp.max(s, axis=-1, keepdims=True) if _shape(s)[-1] else fnp.zeros(
            _shape(s)[:-1] + (1,), _dtype(s))
        tol = fnp.multiply(top, rtol)
    else:
        tol = fnp.expand_dims(fnp.asarray(tol), -1)
    return fnp.sum(cast(fnp.greater(s, tol), np.int64), axis=-1)


# ----- products ------------------------------------------------------------------------------


def matrix_power(a, n):
    """a ** n by repeated squaring (n a Python int; negative n inverts first)."""
    a = _operand(a)
    if len(_shape(a)) < 2 or _shape(a)[-1] != _shape(a)[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")
    try:
        n = operator.index(n)
    except TypeError as e:
        raise TypeError("exponent must be an integer") from e
    if n == 0:
        return fnp.asarray(np.broadcast_to(np.eye(_shape(a)[-1], dtype=_dtype(a)), _shape(a)))
    if n < 0:
        a, n = inv(a), -n
    result, square = None, a
    while n:
        if n & 1:
            result = square if result is None else fnp.matmul(result, square)
        n >>= 1
        if n:
            square = fnp.matmul(square, square)
    return result


def _chain_order(dims):
    """Optimal parenthesization of a matrix chain (dims[i] x dims[i + 1] matrices): split[i][j]
    is where the product of matrices i..j splits."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(arrays, *, out=None):
    """The product of a chain of matrices in the order with fewest multiplications (a 1-D
    first or last operand is a row or column vector, as in numpy)."""
    if out is not None:
        raise NotImplementedError("fgrad.numpy.linalg.multi_dot does not write into out=")
    arrays = [_operand(x) for x in arrays]
    if len(arrays) < 2:
        raise ValueError("Expecting at least two arrays.")
    if len(arrays) == 2:
        return fnp.dot(arrays[0], arrays[1])
    first_1d, last_1d = len(_shape(arrays[0])) == 1, len(_shape(arrays[-1])) == 1
    if first_1d:
        arrays[0] = fnp.reshape(arrays[0], (1, -1))
    if last_1d:
        arrays[-1] = fnp.reshape(arrays[-1], (-1, 1))
    for x in arrays:
        if len(_shape(x)) != 2:
            raise LinAlgError(
                f"{len(_shape(x))}-dimensional array given. Array must be two-dimensional"
            )
    split = _chain_order([_shape(x)[0] for x in arrays] + [_shape(arrays[-1])[1]])

    def product(i, j):
        if i == j:
            return arrays[i]
        k = split[i][j]
        return fnp.dot(product(i, k), product(k + 1, j))

    result = product(0, len(arrays) - 1)
    if first_1d and last_1d:
        return fnp.reshape(result, ())
    if first_1d or last_1d:
        return fnp.ravel(result)
    return result


def matrix_transpose(x, /):
    x = _operand(x)
    if get_aval(x).ndim < 2:
        raise ValueError("matrix_transpose needs an array of at least two dimensions")
    return fnp.swapaxes(x, -1, -2)


def matmul(x1, x2, /):
    return fnp.matmul(x1, x2)


def tensordot(x1, x2, /, *, axes=2):
    return fnp.tensordot(x1, x2, axes=axes)


def outer(x1, x2, /):
    if len(_shape(_operand(x1))) != 1 or len(_shape(_operand(x2))) != 1:
        raise ValueError("Input arrays must be one-dimensional")
    return fnp.outer(x1, x2)


def diagonal(x, /, *, offset=0):
    return fnp.diagonal(x, offset, -2, -1)


def trace(x, /, *, offset=0, dtype=None):
    return fnp.trace(x, offset, -2, -1, dtype=dtype)


def cross(x1, x2, /, *, axis=-1):
    return fnp.cross(x1, x2, axis=axis)


def vecdot(x1, x2, /, *, axis=-1):
    """sum(x1 * x2) along `axis` (real operands: no conjugation)."""
    return fnp.sum(fnp.multiply(x1, x2), axis=axis)
