"""The uniform distribution on [loc, loc + scale]."""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad.scipy.stats._util import promote, standardize

__all__ = ["logpdf", "pdf", "cdf", "ppf"]


def logpdf(x, loc=0, scale=1):
    y, scale = standardize("uniform.logpdf", x, loc, scale)
    inside = fnp.logical_and(fnp.greater_equal(y, 0), fnp.less_equal(y, 1))
    return fnp.where(inside, fnp.negative(fnp.log(scale)), -np.inf)


def pdf(x, loc=0, scale=1):
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    return fnp.clip(standardize("uniform.cdf", x, loc, scale)[0], 0, 1)


def ppf(q, loc=0, scale=1):
    q, loc, scale = promote("uniform.ppf", q, loc, scale)
    ok = fnp.logical_and(fnp.greater_equal(q, 0), fnp.less_equal(q, 1))
    return fnp.where(ok, fnp.add(loc, fnp.multiply(q, scale)), np.nan)
