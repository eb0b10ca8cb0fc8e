"""The multivariate normal distribution N(mean, cov): scipy.stats.multivariate_normal's logpdf
and pdf (same arguments), batched over leading axes as jax.scipy.stats's.

Shapes: x (..., n), mean (..., n) and cov (..., n, n), broadcast together; cov may also be a
scalar (isotropic) or, as in scipy, a vector (diagonal). A scalar mean makes the distribution
univariate (x holds independent points). `mean=None` is the zero vector.

allow_singular=False: log det and the Mahalanobis term from the Cholesky factor (jax's
method; a matrix that is not positive definite raises numpy's LinAlgError).
allow_singular=True: scipy's pseudo-inverse and pseudo-determinant, with its cutoff (eigenvalues
up to 1e6 eps max|eig| are zero), -inf outside the support (x - mean not in the range of cov)
and the rank in the normalization. Derivatives: through pinv (Golub-Pereyra) and
d log pdet = tr(pinv(cov) dcov), which hold where the rank does not change, so also at
repeated eigenvalues.
"""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.custom_derivatives import custom_jvp
from fgrad.numpy import linalg as _la
from fgrad.numpy._promotion import is_traced
from fgrad.scipy import linalg as _sla
from fgrad.scipy._common import promote_inexact

__all__ = ["logpdf", "pdf", "entropy"]

_LOG_2PI = float(np.log(2 * np.pi))


def _shape(x):
    return get_aval(x).shape


def _dtype(x):
    return get_aval(x).dtype


def _promote(x, mean, cov):
    """x, mean, cov as arrays of one floating dtype (their own shapes)."""
    dtype = fnp.result_type(x, mean, cov)
    if dtype.kind == "c":
        raise TypeError("multivariate_normal supports real arguments only")
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    return [fnp.asarray(a, dtype=dtype) for a in (x, mean, cov)]


def _cutoff_rcond(dtype) -> float:
    """scipy's relative cutoff for negligible eigenvalues of a covariance."""
    return (1e3 if np.dtype(dtype) == np.float32 else 1e6) * float(np.finfo(dtype).eps)


def _log_pdet_value(cov, rcond):
    s = _la.eigvalsh(cov)
    eps = fnp.multiply(fnp.max(fnp.abs(s), axis=-1, keepdims=True), rcond)
    keep = fnp.greater(s, eps)
    return fnp.sum(fnp.where(keep, fnp.log(fnp.where(keep, s, 1.0)), 0.0), axis=-1)


_log_pdet = custom_jvp(_log_pdet_value, nondiff_argnums=(1,))


@_log_pdet.defjvp
def _log_pdet_jvp(rcond, primals, tangents):
    """d log pdet(C) = tr(pinv(C) dC), for changes that keep the rank."""
    (cov,), (dcov,) = primals, tangents
    p = _la.pinv(cov, rcond=rcond, hermitian=True)
    return _log_pdet(cov, rcond), fnp.sum(fnp.multiply(p, fnp.swapaxes(dcov, -1, -2)),
                                          axis=(-2, -1))


def _full_cov_logpdf(dev, cov, allow_singular):
    n = _shape(dev)[-1]
    if not allow_singular:
        ell = _la.cholesky(cov)
        y = _sla.solve_triangular(ell, fnp.expand_dims(dev, -1), lower=True)
        maha = fnp.sum(fnp.square(y[..., 0]), axis=-1)
        log_det = fnp.multiply(2.0, fnp.sum(fnp.log(fnp.diagonal(ell, 0, -2, -1)), axis=-1))
        return fnp.multiply(-0.5, fnp.add(fnp.add(maha, log_det), n * _LOG_2PI))
    rcond = _cutoff_rcond(_dtype(cov))
    s, v = _la.eigh(prims.stop_gradient(cov))
    eps = fnp.multiply(fnp.max(fnp.abs(s), axis=-1, keepdims=True), rcond)
    if not is_traced(cov) and np.any(np.asarray(s) < -np.asarray(eps)):
        raise ValueError("The input matrix must be symmetric positive semidefinite.")
    kept = fnp.greater(s, eps)
    rank = fnp.asarray(fnp.sum(kept, axis=-1), dtype=_dtype(cov))
    p = _la.pinv(cov, rcond=rcond, hermitian=True)
    maha = fnp.sum(fnp.multiply(dev, fnp.matmul(p, fnp.expand_dims(dev, -1))[..., 0]), axis=-1)
    out = fnp.multiply(-0.5, fnp.add(fnp.add(maha, _log_pdet(cov, rcond)),
                                     fnp.multiply(rank, _LOG_2PI)))
    # outside the support: a component of x - mean along a null direction of cov
    along_null = fnp.where(fnp.expand_dims(kept, -2), 0.0, v)
    residual = _la.norm(fnp.matmul(fnp.expand_dims(prims.stop_gradient(dev), -2),
                                   along_null)[..., 0, :], axis=-1)
    return fnp.where(fnp.less(residual, fnp.multiply(1e3, eps[..., 0])), out, -np.inf)


def logpdf(x, mean=None, cov=1, allow_singular=False):
    if mean is None:
        mean = fnp.zeros(fnp.shape(cov)[-1:]) if fnp.ndim(cov) else 0.0
    x, mean, cov = _promote(x, mean, cov)
    if not _shape(mean):  # univariate: x holds independent points
        x, mean, cov = promote_inexact("multivariate_normal.logpdf", x, mean, cov)
        z = fnp.divide(fnp.square(fnp.subtract(x, mean)), cov)
        return fnp.multiply(-0.5, fnp.add(z, fnp.add(_LOG_2PI, fnp.log(cov))))
    n = _shape(mean)[-1]
    if _shape(x)[-1:] != (n,):
        raise ValueError(
            f"multivariate_normal.logpdf: x's last axis has {(_shape(x) or (None,))[-1]} "
            f"components but mean has {n}"
        )
    dev = fnp.subtract(x, mean)
    if len(_shape(cov)) <= 1:  # isotropic (scalar) or diagonal (vector) covariance
        if _shape(cov) not in ((), (n,)):
            raise ValueError("multivariate_normal.logpdf got incompatible shapes")
        cov_full = fnp.broadcast_to(cov, (n,))
        maha = fnp.sum(fnp.divide(fnp.square(dev), cov_full), axis=-1)
        log_det = fnp.sum(fnp.log(cov_full))
        return fnp.multiply(-0.5, fnp.add(fnp.add(maha, log_det), n * _LOG_2PI))
    if _shape(cov)[-2:] != (n, n):
        raise ValueError("multivariate_normal.logpdf got incompatible shapes")
    batch = np.broadcast_shapes(_shape(dev)[:-1], _shape(cov)[:-2])
    dev = fnp.broadcast_to(dev, batch + (n,))
    cov = fnp.broadcast_to(cov, batch + (n, n))
    return _full_cov_logpdf(dev, cov, allow_singular)


def pdf(x, mean=None, cov=1, allow_singular=False):
    return fnp.exp(logpdf(x, mean, cov, allow_singular))


def entropy(mean=None, cov=1):
    """0.5 (rank (log(2 pi) + 1) + log pdet(cov)), scipy's (a singular cov counts its rank
    and its pseudo-determinant). `mean` only gives the dimension of a scalar cov."""
    n = fnp.shape(mean)[-1] if mean is not None and fnp.ndim(mean) else 1
    (cov,) = _promote(0.0, 0.0, cov)[2:]
    if len(_shape(cov)) <= 1:
        cov_full = fnp.broadcast_to(cov, (n,) if not _shape(cov) else _shape(cov))
        rank = _shape(cov_full)[-1]
        log_det = fnp.sum(fnp.log(cov_full))
    else:
        rcond = _cutoff_rcond(_dtype(cov))
        s = _la.eigvalsh(prims.stop_gradient(cov))
        eps = fnp.multiply(fnp.max(fnp.abs(s), axis=-1, keepdims=True), rcond)
        rank = fnp.asarray(fnp.sum(fnp.greater(s, eps), axis=-1), dtype=_dtype(cov))
        log_det = _log_pdet(cov, rcond)
    return fnp.multiply(0.5, fnp.add(fnp.multiply(rank, _LOG_2PI + 1.0), log_det))
