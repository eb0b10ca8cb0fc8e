"""The exponential distribution on [loc, inf) with mean scale."""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad.scipy.stats._util import promote, safe, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def logpdf(x, loc=0, scale=1):
    y, scale = standardize("expon.logpdf", x, loc, scale)
    return fnp.where(fnp.less(y, 0), -np.inf, fnp.subtract(fnp.negative(y), fnp.log(scale)))


def pdf(x, loc=0, scale=1):
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    y = standardize("expon.cdf", x, loc, scale)[0]
    return fnp.where(fnp.less(y, 0), 0.0, fnp.negative(fnp.expm1(fnp.negative(y))))


def logcdf(x, loc=0, scale=1):
    """log(1 - e^-y): as log(-expm1(-y)) for y < log 2 and as log1p(-e^-y) beyond, each where
    it keeps relative accuracy."""
    y = standardize("expon.logcdf", x, loc, scale)[0]
    small = fnp.less(y, float(np.log(2)))
    ys = safe(fnp.logical_and(small, fnp.greater(y, 0)), y, 0.5)
    yb = safe(small, 1.0, y)
    out = fnp.where(small, fnp.log(fnp.negative(fnp.expm1(fnp.negative(ys)))),
                    fnp.log1p(fnp.negative(fnp.exp(fnp.negative(yb)))))
    return fnp.where(fnp.greater(y, 0), out, -np.inf)


def sf(x, loc=0, scale=1):
    y = standardize("expon.sf", x, loc, scale)[0]
    return fnp.where(fnp.less(y, 0), 1.0, fnp.exp(fnp.negative(y)))


def logsf(x, loc=0, scale=1):
    y = standardize("expon.logsf", x, loc, scale)[0]
    return fnp.where(fnp.less(y, 0), 0.0, fnp.negative(y))


def ppf(q, loc=0, scale=1):
    q, loc, scale = promote("expon.ppf", q, loc, scale)
    ok = fnp.logical_and(fnp.greater_equal(q, 0), fnp.less_equal(q, 1))
    qs = safe(ok, q, 0.5)
    return fnp.where(ok, fnp.add(fnp.multiply(fnp.negative(fnp.log1p(fnp.negative(qs))), scale),
                                 loc), np.nan)
