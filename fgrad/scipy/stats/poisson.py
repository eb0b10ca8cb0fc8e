"""The Poisson distribution with mean mu, on the integers k >= loc."""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad import prims
from fgrad.scipy import special
from fgrad.scipy.stats._util import promote, safe

__all__ = ["logpmf", "pmf", "cdf"]


def logpmf(k, mu, loc=0):
    k, mu, loc = promote("poisson.logpmf", k, mu, loc)
    y = fnp.subtract(k, loc)
    inside = fnp.logical_and(fnp.greater_equal(y, 0), fnp.equal(fnp.floor(y), y))
    ys = prims.stop_gradient(safe(inside, y, 0.0))
    log_probs = fnp.subtract(fnp.subtract(special.xlogy(ys, mu), special.gammaln(fnp.add(ys, 1))),
                             mu)
    return fnp.where(inside, log_probs, -np.inf)


def pmf(k, mu, loc=0):
    return fnp.exp(logpmf(k, mu, loc))


def cdf(k, mu, loc=0):
    """P(K <= k) = Q(floor(k - loc) + 1, mu), the regularized upper incomplete gamma."""
    k, mu, loc = promote("poisson.cdf", k, mu, loc)
    y = fnp.subtract(k, loc)
    inside = fnp.greater_equal(y, 0)
    ys = prims.stop_gradient(safe(inside, y, 0.0))
    return fnp.where(inside, special.gammaincc(fnp.add(fnp.floor(ys), 1), mu), 0.0)
