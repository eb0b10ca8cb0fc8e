"""fgrad.numpy.linalg: numpy.linalg on values that may be traced (`fnp.linalg.inv(x)`).

Every function takes stacks of matrices (leading axes are batch axes, broadcast between
operands as numpy does) and, on plain arrays, returns numpy's values. The decompositions are
primitives (fgrad/prims/linalg.py); the rest are compositions of them. Integer input becomes
float64, float16 is refused, as in numpy.

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
from fgrad.custom_derivatives import custom_jvp
from fgrad.numpy._promotion import (
    asarray_operand,
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

LinAlgError = np.linalg.LinAlgError


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


# ----- argument handling ---------------------------------------------------------------------


def _inexact_dtype(name: str, dtype, complex_ok: bool) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype == np.float16:
        raise TypeError("array type float16 is unsupported in linalg")
    if dtype.kind == "c" and not complex_ok:
        raise TypeError(
            f"fgrad.numpy.linalg.{name} is implemented for real matrices only, got {dtype.name}"
        )
    if dtype.kind not in "fc":
        raise TypeError(f"array type {dtype.name} is unsupported in linalg")
    return dtype


def _operand(x):
    x = asarray_operand(x)
    if isinstance(x, (bool, int, float, complex, np.generic)):
        x = np.asarray(x)
    return x


def _matrix(name: str, a, *, square: bool = False, complex_ok: bool = False):
    a = _operand(a)
    aval = get_aval(a)
    if aval.ndim < 2:
        raise LinAlgError(
            f"{aval.ndim}-dimensional array given. Array must be at least two-dimensional"
        )
    if square and aval.shape[-1] != aval.shape[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")
    return cast(a, _inexact_dtype(name, aval.dtype, complex_ok))


def _common(name: str, *xs, complex_ok: bool = False):
    xs = [_operand(x) for x in xs]
    dtype = _inexact_dtype(name, fnp.result_type(*xs), complex_ok)
    return [cast(x, dtype) for x in xs]


def _shape(x):
    return get_aval(x).shape


def _dtype(x):
    return get_aval(x).dtype


def _real_dtype(dtype) -> np.dtype:
    return np.finfo(dtype).dtype


def matrix_transpose(x, /):
    x = _operand(x)
    if get_aval(x).ndim < 2:
        raise ValueError("matrix_transpose needs an array of at least two dimensions")
    return fnp.swapaxes(x, -1, -2)


def _mT(x):
    return fnp.swapaxes(x, -1, -2)


def _eye_like(a):
    """The identity broadcast over a's batch axes (a free view)."""
    n = _shape(a)[-1]
    return broadcast_to_shape(np.eye(n, dtype=_dtype(a)), _shape(a))


def _from_triangle(a, lower: bool):
    """The symmetric matrix that LAPACK sees when it reads one triangle of a."""
    if lower:
        return fnp.add(fnp.tril(a), _mT(fnp.tril(a, -1)))
    return fnp.add(fnp.triu(a), _mT(fnp.triu(a, 1)))


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
        return prims.svd(a, full_matrices=False, compute_uv=False)[0]
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


# ----- norms ---------------------------------------------------------------------------------


def _abs2(x):
    if _dtype(x).kind == "c":
        return fnp.add(fnp.square(prims.real(x)), fnp.square(prims.imag(x)))
    return fnp.multiply(x, x)


def _safe_root(s, p=2):
    """s ** (1 / p) with 0 at s == 0 and a zero derivative there (not inf * 0 = nan)."""
    positive = fnp.greater(s, 0)
    safe = fnp.where(positive, s, np.ones((), _dtype(s)))
    root = fnp.sqrt(safe) if p == 2 else fnp.power(safe, 1.0 / p)
    return fnp.where(positive, root, np.zeros((), _dtype(s)))


def _abs(x):
    """|x|, with a zero derivative at 0 also for complex x."""
    return _safe_root(_abs2(x)) if _dtype(x).kind == "c" else fnp.abs(x)


def _float_operand(x):
    x = _operand(x)
    dtype = _dtype(x)
    if dtype.kind in "biu":
        return cast(x, np.float64)
    return x


def _vector_norm(x, ord, axes, keepdims):  # noqa: A002 - numpy's name
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if ord is None or ord == 2:
        return _safe_root(fnp.sum(_abs2(x), axis=axes, keepdims=keepdims))
    if ord == np.inf:
        return fnp.max(_abs(x), axis=axes, keepdims=keepdims)
    if ord == -np.inf:
        return fnp.min(_abs(x), axis=axes, keepdims=keepdims)
    if ord == 0:
        nonzero = fnp.not_equal(x, np.zeros((), _dtype(x)))
        return fnp.sum(cast(nonzero, _real_dtype(_dtype(x))), axis=axes, keepdims=keepdims)
    if ord == 1:
        return fnp.sum(_abs(x), axis=axes, keepdims=keepdims)
    p = float(ord)
    powered = fnp.power(_abs(x), np.asarray(p, _real_dtype(_dtype(x))))
    return _safe_root(fnp.sum(powered, axis=axes, keepdims=keepdims), p)


def _matrix_norm(x, ord, axes, keepdims):  # noqa: A002 - numpy's name
    row, col = axes
    if ord in (None, "fro", "f"):
        out = _safe_root(fnp.sum(_abs2(x), axis=axes))
    elif ord in ("nuc", 2, -2):
        s = svd(fnp.moveaxis(x, (row, col), (-2, -1)), compute_uv=False)
        reduce = {"nuc": fnp.sum, 2: fnp.max, -2: fnp.min}[ord]
        out = reduce(s, axis=-1)
    elif ord in (1, -1, np.inf, -np.inf):
        summed, kept = (row, col) if ord in (1, -1) else (col, row)
        sums = fnp.sum(_abs(x), axis=summed)
        kept = kept - 1 if kept > summed else kept
        out = (fnp.max if ord in (1, np.inf) else fnp.min)(sums, axis=kept)
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        out = fnp.expand_dims(out, tuple(sorted((row, col))))
    return out


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - numpy's name
    """numpy.linalg.norm: vector norms along one axis (ord None/2, 1, inf, -inf, 0, any p),
    matrix norms along two (None/'fro', 'nuc', 1, -1, 2, -2, inf, -inf). The gradient of the
    2-norm (and of 'fro' and p-norms) at a zero vector is 0, the subgradient of smallest norm;
    the second derivatives there are 0 too."""
    x = _float_operand(x)
    nd = len(_shape(x))
    if axis is None:
        if ord is None:
            out = _safe_root(fnp.sum(_abs2(fnp.ravel(x))))
            return fnp.reshape(out, (1,) * nd) if keepdims else out
        if nd == 1:
            axis = (0,)
        elif nd == 2:
            axis = (0, 1)
        else:
            raise ValueError("Improper number of dimensions to norm.")
    elif isinstance(axis, (int, np.integer)):
        axis = (int(axis),)
    axis = tuple(normalize_axis_index(operator.index(a), nd) for a in axis)
    if len(axis) == 1:
        return _vector_norm(x, ord, axis[0], keepdims)
    if len(axis) == 2:
        if axis[0] == axis[1]:
            raise ValueError("Duplicate axes given.")
        return _matrix_norm(x, ord, axis, keepdims)
    raise ValueError("Improper number of dimensions to norm.")


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):  # noqa: A002 - numpy's name
    """The norm of x as a vector along `axis` (several axes at once are flattened together;
    axis=None: all of x)."""
    x = _float_operand(x)
    nd = len(_shape(x))
    if axis is None:
        out = _vector_norm(fnp.ravel(x), ord, 0, False)
        return fnp.reshape(out, (1,) * nd) if keepdims else out
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(sorted(normalize_axis_index(a, nd) for a in axes))
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    rest = [i for i in range(nd) if i not in axes]
    moved = fnp.transpose(x, rest + list(axes))
    flat = fnp.reshape(moved, tuple(_shape(x)[i] for i in rest) + (-1,))
    out = _vector_norm(flat, ord, -1, False)
    return fnp.expand_dims(out, axes) if keepdims else out


def matrix_norm(x, /, *, keepdims=False, ord="fro"):  # noqa: A002 - numpy's name
    x = _float_operand(x)
    nd = len(_shape(x))
    if nd < 2:
        raise ValueError("matrix_norm needs an array of at least two dimensions")
    return _matrix_norm(x, ord, (nd - 2, nd - 1), keepdims)


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


# ----- pseudo-inverse and least squares ------------------------------------------------------


def _pinv_value(a, rcond):
    s, u, vt = prims.svd(a, full_matrices=False, compute_uv=True)
    if _shape(s)[-1] == 0:
        return fnp.zeros(_shape(a)[:-2] + _shape(a)[-1:] + _shape(a)[-2:-1], _dtype(a))
    cutoff = fnp.multiply(fnp.expand_dims(rcond, -1), fnp.max(s, axis=-1, keepdims=True))
    large = fnp.greater(s, cutoff)
    s_inv = fnp.where(large, fnp.divide(1.0, fnp.where(large, s, 1.0)), 0.0)
    return fnp.matmul(_mT(vt), fnp.multiply(fnp.expand_dims(s_inv, -1), _mT(u)))


_pinv = custom_jvp(_pinv_value, nondiff_argnums=(1,))


@_pinv.defjvp
def _pinv_jvp(rcond, primals, tangents):
    """Golub and Pereyra (1973): for P = pinv(A) where the rank is locally constant,
    dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P."""
    (a,), (da,) = primals, tangents
    p = _pinv(a, rcond)
    mm = fnp.matmul
    m, n = _shape(a)[-2:]
    eye_m = broadcast_to_shape(np.eye(m, dtype=_dtype(a)), _shape(a)[:-2] + (m, m))
    eye_n = broadcast_to_shape(np.eye(n, dtype=_dtype(a)), _shape(a)[:-2] + (n, n))
    dp = fnp.negative(mm(p, mm(da, p)))
    dp = fnp.add(dp, mm(mm(p, _mT(p)), mm(_mT(da), fnp.subtract(eye_m, mm(a, p)))))
    dp = fnp.add(dp, mm(fnp.subtract(eye_n, mm(p, a)), mm(_mT(da), mm(_mT(p), p))))
    return p, dp


def pinv(a, rcond=None, hermitian=False, *, rtol=np._NoValue):
    """Moore-Penrose pseudo-inverse through the SVD, singular values at most
    rcond * max(s) dropped (numpy's defaults). Its derivative (Golub-Pereyra) holds where the
    rank is constant, and needs no distinct singular values."""
    a = _matrix("pinv", a)
    if rcond is None:
        if rtol is np._NoValue:
            rcond = 1e-15
        elif rtol is None:
            rcond = builtins.max(_shape(a)[-2:]) * np.finfo(_dtype(a)).eps
        else:
            rcond = rtol
    elif rtol is not np._NoValue:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    if hermitian:
        a = fnp.multiply(fnp.add(a, _mT(a)), 0.5)
    rcond = np.broadcast_to(np.asarray(rcond, _dtype(a)), _shape(a)[:-2])
    return _pinv(a, rcond)


def lstsq(a, b, rcond=None):
    """The tuple (x, residuals, rank, s) as numpy's, x = pinv(a) b (so derivatives hold where
    the rank is constant). Residuals: numpy's on plain arrays (empty unless rank == n < m); under a
    transform always the squared residual norms, shape (K,) (as jax.numpy)."""
    a, b = _common("lstsq", a, b)
    vector = len(_shape(b)) == 1
    if len(_shape(a)) != 2 or len(_shape(b)) not in (1, 2):
        raise LinAlgError(
            f"{len(_shape(a))}-dimensional array given. Array must be two-dimensional"
        )
    if vector:
        b = fnp.reshape(b, (_shape(b)[0], 1))
    m, n = _shape(a)
    if _shape(b)[0] != m:
        raise LinAlgError("Incompatible dimensions")
    if rcond is None:
        rcond = np.finfo(_dtype(a)).eps * builtins.max(m, n)
    s = svd(a, compute_uv=False)
    if m == 0 or n == 0:
        x = fnp.zeros((n, _shape(b)[1]), _dtype(a))
    else:
        x = fnp.matmul(_pinv(a, np.asarray(rcond, _dtype(a))), b)
    if _shape(s)[0]:
        top = prims.stop_gradient(fnp.max(s))
        kept = fnp.greater(prims.stop_gradient(s), fnp.multiply(top, rcond))
        rank = cast(fnp.sum(kept), np.int32)
    else:
        rank = np.int32(0)
    traced = any(is_traced(v) for v in (a, b))
    if not traced and (int(rank) != n or m <= n):
        residuals = np.zeros((0,), _real_dtype(_dtype(a)))
    else:
        residuals = fnp.sum(_abs2(fnp.subtract(b, fnp.matmul(a, x))), axis=0)
    if vector:
        x = fnp.reshape(x, (n,))
    return x, residuals, rank, s


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
