"""The gamma distribution with shape a (density y^(a-1) e^-y / Gamma(a), y = (x - loc)/scale)."""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad.scipy import special
from fgrad.scipy.stats._util import log_of, safe, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def logpdf(x, a, loc=0, scale=1):
    y, scale, a = standardize("gamma.logpdf", x, loc, scale, a)
    inside = fnp.greater_equal(y, 0)
    ys = safe(inside, y, 1.0)
    log_probs = fnp.subtract(
        fnp.subtract(special.xlogy(fnp.subtract(a, 1), ys), ys),
        fnp.add(special.gammaln(a), fnp.log(scale)),
    )
    return fnp.where(inside, log_probs, -np.inf)


def pdf(x, a, loc=0, scale=1):
    return fnp.exp(logpdf(x, a, loc, scale))


def cdf(x, a, loc=0, scale=1):
    y, _, a = standardize("gamma.cdf", x, loc, scale, a)
    return special.gammainc(a, fnp.maximum(y, 0))


def logcdf(x, a, loc=0, scale=1):
    return log_of(cdf(x, a, loc, scale), sf(x, a, loc, scale))


def sf(x, a, loc=0, scale=1):
    y, _, a = standardize("gamma.sf", x, loc, scale, a)
    return special.gammaincc(a, fnp.maximum(y, 0))


def logsf(x, a, loc=0, scale=1):
    return log_of(sf(x, a, loc, scale), cdf(x, a, loc, scale))
