"""The Cauchy distribution: density 1 / (pi scale (1 + y^2)), y = (x - loc) / scale."""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad.scipy.stats._util import log_of, promote, safe, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]


def logpdf(x, loc=0, scale=1):
    y, scale = standardize("cauchy.logpdf", x, loc, scale)
    return fnp.negative(fnp.add(fnp.add(float(np.log(np.pi)), fnp.log(scale)),
                                fnp.log1p(fnp.multiply(y, y))))


def pdf(x, loc=0, scale=1):
    return fnp.exp(logpdf(x, loc, scale))


def _cdf(y):
    """1/2 + arctan(y)/pi; for y < 0 as arctan(-1/y)/pi, which does not cancel in the tail."""
    neg = fnp.less(y, 0)
    yn = safe(neg, y, -1.0)
    return fnp.where(neg, fnp.true_divide(fnp.arctan(fnp.true_divide(-1, yn)), np.pi),
                     fnp.add(0.5, fnp.true_divide(fnp.arctan(y), np.pi)))


def cdf(x, loc=0, scale=1):
    return _cdf(standardize("cauchy.cdf", x, loc, scale)[0])


def logcdf(x, loc=0, scale=1):
    return log_of(cdf(x, loc, scale), sf(x, loc, scale))


def sf(x, loc=0, scale=1):
    return _cdf(fnp.negative(standardize("cauchy.sf", x, loc, scale)[0]))


def logsf(x, loc=0, scale=1):
    return log_of(sf(x, loc, scale), cdf(x, loc, scale))


def _tan_quantile(q):
    """tan(pi (q - 1/2)): directly on [1/4, 3/4], where q - 1/2 is exact; in the tails as
    -1/tan(pi q) and 1/tan(pi (1 - q)), which keep the information of small q (q - 1/2 would
    round it away). Limits -inf, inf at q = 0, 1; nan outside [0, 1]."""
    inside = fnp.logical_and(fnp.greater(q, 0), fnp.less(q, 1))
    mid = fnp.logical_and(fnp.greater_equal(q, 0.25), fnp.less_equal(q, 0.75))
    qm = safe(mid, q, 0.5)
    lo = safe(fnp.logical_and(inside, fnp.less(q, 0.25)), q, 0.1)
    hi = safe(fnp.logical_and(inside, fnp.greater(q, 0.75)), q, 0.9)
    t = fnp.where(
        mid,
        fnp.tan(fnp.multiply(np.pi, fnp.subtract(qm, 0.5))),
        fnp.where(fnp.less(q, 0.5),
                  fnp.true_divide(-1, fnp.tan(fnp.multiply(np.pi, lo))),
                  fnp.true_divide(1, fnp.tan(fnp.multiply(np.pi, fnp.subtract(1, hi))))),
    )
    edge = fnp.where(fnp.equal(q, 0), -np.inf, fnp.where(fnp.equal(q, 1), np.inf, np.nan))
    return fnp.where(inside, t, edge)


def ppf(q, loc=0, scale=1):
    q, loc, scale = promote("cauchy.ppf", q, loc, scale)
    return fnp.add(loc, fnp.multiply(scale, _tan_quantile(q)))


def isf(q, loc=0, scale=1):
    q, loc, scale = promote("cauchy.isf", q, loc, scale)
    return fnp.subtract(loc, fnp.multiply(scale, _tan_quantile(q)))
