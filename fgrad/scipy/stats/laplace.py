"""The Laplace distribution: density exp(-|x - loc| / scale) / (2 scale)."""

from __future__ import annotations

import fgrad.numpy as fnp
from fgrad.scipy.stats._util import standardize

__all__ = ["logpdf", "pdf", "cdf"]


def logpdf(x, loc=0, scale=1):
    y, scale = standardize("laplace.logpdf", x, loc, scale)
    return fnp.subtract(fnp.negative(fnp.abs(y)), fnp.log(fnp.multiply(2, scale)))


def pdf(x, loc=0, scale=1):
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    y = standardize("laplace.cdf", x, loc, scale)[0]
    half_tail = fnp.multiply(0.5, fnp.exp(fnp.negative(fnp.abs(y))))
    return fnp.where(fnp.less(y, 0), half_tail, fnp.subtract(1, half_tail))

