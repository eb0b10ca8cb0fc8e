"""The chi-squared distribution: gamma with shape df/2 and scale 2 (times `scale`)."""

from __future__ import annotations

import fgrad.numpy as fnp
from fgrad.scipy.stats import gamma
from fgrad.scipy.stats._util import promote

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def _as_gamma(name, x, df, loc, scale):
    x, df, loc, scale = promote(name, x, df, loc, scale)
    return x, fnp.multiply(0.5, df), loc, fnp.multiply(2, scale)


def logpdf(x, df, loc=0, scale=1):
    return gamma.logpdf(*_as_gamma("chi2.logpdf", x, df, loc, scale))


def pdf(x, df, loc=0, scale=1):
    return gamma.pdf(*_as_gamma("chi2.pdf", x, df, loc, scale))


def cdf(x, df, loc=0, scale=1):
    return gamma.cdf(*_as_gamma("chi2.cdf", x, df, loc, scale))


def logcdf(x, df, loc=0, scale=1):
    return gamma.logcdf(*_as_gamma("chi2.logcdf", x, df, loc, scale))


def sf(x, df, loc=0, scale=1):
    return gamma.sf(*_as_gamma("chi2.sf", x, df, loc, scale))


def logsf(x, df, loc=0, scale=1):
    return gamma.logsf(*_as_gamma("chi2.logsf", x, df, loc, scale))
