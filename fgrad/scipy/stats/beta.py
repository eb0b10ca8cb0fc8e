"""The beta distribution on [loc, loc + scale]."""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad.scipy import special
from fgrad.scipy.stats._util import log_of, safe, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def logpdf(x, a, b, loc=0, scale=1):
    y, scale, a, b = standardize("beta.logpdf", x, loc, scale, a, b)
    inside = fnp.logical_and(fnp.greater_equal(y, 0), fnp.less_equal(y, 1))
    ys = safe(inside, y, 0.5)
    log_linear = fnp.add(special.xlogy(fnp.subtract(a, 1), ys),
                         special.xlog1py(fnp.subtract(b, 1), fnp.negative(ys)))
    log_probs = fnp.subtract(log_linear, fnp.add(special.betaln(a, b), fnp.log(scale)))
    return fnp.where(inside, log_probs, -np.inf)


def pdf(x, a, b, loc=0, scale=1):
    return fnp.exp(logpdf(x, a, b, loc, scale))


def cdf(x, a, b, loc=0, scale=1):
    y, _, a, b = standardize("beta.cdf", x, loc, scale, a, b)
    return special.betainc(a, b, fnp.clip(y, 0, 1))


def logcdf(x, a, b, loc=0, scale=1):
    return log_of(cdf(x, a, b, loc, scale), sf(x, a, b, loc, scale))


def sf(x, a, b, loc=0, scale=1):
    """I_{1-y}(b, a): the upper tail computed directly, not as 1 - cdf."""
    y, _, a, b = standardize("beta.sf", x, loc, scale, a, b)
    return special.betainc(b, a, fnp.subtract(1, fnp.clip(y, 0, 1)))


def logsf(x, a, b, loc=0, scale=1):
    return log_of(sf(x, a, b, loc, scale), cdf(x, a, b, loc, scale))
