"""The Dirichlet distribution on the simplex, concentration alpha (a vector of length K)."""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad.scipy import special
from fgrad.scipy._common import promote_inexact

__all__ = ["logpdf", "pdf"]


def _is_simplex(x):
    return fnp.logical_and(fnp.greater_equal(fnp.min(x, axis=0), 0),
                           fnp.less(fnp.abs(fnp.subtract(fnp.sum(x, axis=0), 1)), 1e-6))


def logpdf(x, alpha):
    """x has shape (K, ...) (or (K - 1, ...): the last coordinate is then 1 - sum), alpha
    shape (K,). Points off the simplex have log-density -inf, as in JAX."""
    dtype = fnp.result_type(x, alpha)
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
    x, alpha = fnp.asarray(x, dtype=dtype), fnp.asarray(alpha, dtype=dtype)
    if fnp.ndim(alpha) != 1:
        raise ValueError(f"dirichlet.logpdf needs a 1-d alpha, got shape {fnp.shape(alpha)}")
    k = fnp.shape(alpha)[0]
    if fnp.shape(x)[0] not in (k, k - 1):
        raise ValueError(
            f"dirichlet.logpdf: x has {fnp.shape(x)[0]} coordinates along axis 0 but alpha has "
            f"{k}; give K or K - 1 coordinates"
        )
    if fnp.shape(x)[0] == k - 1:
        x = fnp.concatenate([x, fnp.subtract(1, fnp.sum(x, axis=0, keepdims=True))], axis=0)
    normalize = fnp.subtract(fnp.sum(special.gammaln(alpha)), special.gammaln(fnp.sum(alpha)))
    a = fnp.reshape(alpha, (k,) + (1,) * (fnp.ndim(x) - 1))
    a, x = promote_inexact("dirichlet.logpdf", a, x)
    log_probs = fnp.subtract(fnp.sum(special.xlogy(fnp.subtract(a, 1), x), axis=0), normalize)
    return fnp.where(_is_simplex(x), log_probs, -np.inf)


def pdf(x, alpha):
    return fnp.exp(logpdf(x, alpha))
