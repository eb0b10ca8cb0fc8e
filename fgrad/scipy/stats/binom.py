"""The binomial distribution: n trials with success probability p."""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad.scipy import special
from fgrad.scipy.stats._util import promote, safe

__all__ = ["logpmf", "pmf"]


def logpmf(k, n, p, loc=0):
    k, n, p, loc = promote("binom.logpmf", k, n, p, loc)
    y = fnp.subtract(k, loc)
    inside = fnp.logical_and(fnp.greater_equal(y, 0), fnp.less_equal(y, n))
    ys = safe(inside, y, 0.0)
    comb = fnp.subtract(special.gammaln(fnp.add(n, 1)),
                        fnp.add(special.gammaln(fnp.add(ys, 1)),
                                special.gammaln(fnp.add(fnp.subtract(n, ys), 1))))
    log_linear = fnp.add(special.xlogy(ys, p),
                         special.xlog1py(fnp.subtract(n, ys), fnp.negative(p)))
    return fnp.where(inside, fnp.add(comb, log_linear), -np.inf)


def pmf(k, n, p, loc=0):
    return fnp.exp(logpmf(k, n, p, loc))
