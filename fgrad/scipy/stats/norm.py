"""The normal distribution N(loc, scale^2)."""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad.scipy import special
from fgrad.scipy.stats._util import promote, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]

_HALF_LOG_2PI = float(0.5 * np.log(2 * np.pi))  # a Python float: weak, keeps float32


def logpdf(x, loc=0, scale=1):
    y, scale = standardize("norm.logpdf", x, loc, scale)
    return fnp.subtract(fnp.multiply(-0.5, fnp.multiply(y, y)),
                        fnp.add(fnp.log(scale), _HALF_LOG_2PI))


def pdf(x, loc=0, scale=1):
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    return special.ndtr(standardize("norm.cdf", x, loc, scale)[0])


def logcdf(x, loc=0, scale=1):
    return special.log_ndtr(standardize("norm.logcdf", x, loc, scale)[0])


def sf(x, loc=0, scale=1):
    """1 - cdf, computed as ndtr(-y) so the upper tail keeps its relative accuracy."""
    return special.ndtr(fnp.negative(standardize("norm.sf", x, loc, scale)[0]))


def logsf(x, loc=0, scale=1):
    return special.log_ndtr(fnp.negative(standardize("norm.logsf", x, loc, scale)[0]))


def ppf(q, loc=0, scale=1):
    q, loc, scale = promote("norm.ppf", q, loc, scale)
    return fnp.add(fnp.multiply(special.ndtri(q), scale), loc)


def isf(q, loc=0, scale=1):
    """ppf(1 - q), computed as -ndtri(q) so that small q keep their accuracy."""
    q, loc, scale = promote("norm.isf", q, loc, scale)
    return fnp.subtract(loc, fnp.multiply(special.ndtri(q), scale))
