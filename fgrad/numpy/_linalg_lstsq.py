"""pinv and lstsq of fgrad.numpy.linalg: the pseudo-inverse through the SVD, differentiated by
the Golub-Pereyra formula (a custom_jvp), which holds where the rank does not change, also at
repeated singular values; lstsq is x = pinv(a) b.
"""

from __future__ import annotations

import builtins

import numpy as np

import fgrad.numpy as fnp
from fgrad import prims
from fgrad.custom_derivatives import custom_jvp
from fgrad.numpy._linalg_common import (
    LinAlgError,
    _common,
    _dtype,
    _matrix,
    _mT,
    _real_dtype,
    _shape,
    _singular_values,
)
from fgrad.numpy._linalg_norms import _abs2
from fgrad.numpy._promotion import broadcast_to_shape, cast, is_traced


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
    s = _singular_values(a)
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
