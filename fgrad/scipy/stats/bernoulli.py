"""The Bernoulli distribution: P(k = 1) = p."""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad.scipy import special
from fgrad.scipy.stats._util import promote

__all__ = ["logpmf", "pmf", "cdf", "ppf"]


def logpmf(k, p, loc=0):
    k, p, loc = promote("bernoulli.logpmf", k, p, loc)
    y = fnp.subtract(k, loc)
    log_probs = fnp.add(special.xlogy(y, p), special.xlog1py(fnp.subtract(1, y), fnp.negative(p)))
    inside = fnp.logical_or(fnp.equal(y, 0), fnp.equal(y, 1))
    return fnp.where(inside, log_probs, -np.inf)


def pmf(k, p, loc=0):
    return fnp.exp(logpmf(k, p, loc))


def cdf(k, p):
    k, p = promote("bernoulli.cdf", k, p)
    out = fnp.where(fnp.less(k, 0), 0.0, fnp.where(fnp.less(k, 1), fnp.subtract(1, p), 1.0))
    return fnp.where(fnp.logical_or(fnp.less(p, 0), fnp.greater(p, 1)), np.nan, out)


def ppf(q, p):
    q, p = promote("bernoulli.ppf", q, p)
    out = fnp.where(fnp.less_equal(q, fnp.subtract(1, p)), 0.0, 1.0)
    bad = fnp.logical_or(fnp.logical_or(fnp.less(q, 0), fnp.greater(q, 1)),
                         fnp.logical_or(fnp.less(p, 0), fnp.greater(p, 1)))
    return fnp.where(bad, np.nan, out)
