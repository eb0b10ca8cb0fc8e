"""The logistic distribution: cdf expit((x - loc) / scale)."""

from __future__ import annotations

import fgrad.numpy as fnp
from fgrad.scipy import special
from fgrad.scipy.stats._util import promote, standardize

__all__ = ["logpdf", "pdf", "cdf", "sf", "ppf", "isf"]


def logpdf(x, loc=0, scale=1):
    """-|y| - 2 log1p(exp(-|y|)) - log(scale): symmetric, so exp never overflows."""
    y, scale = standardize("logistic.logpdf", x, loc, scale)
    a = fnp.abs(y)
    return fnp.subtract(fnp.subtract(fnp.negative(a),
                                     fnp.multiply(2, fnp.log1p(fnp.exp(fnp.negative(a))))),
                        fnp.log(scale))


def pdf(x, loc=0, scale=1):
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    return special.expit(standardize("logistic.cdf", x, loc, scale)[0])


def sf(x, loc=0, scale=1):
    return special.expit(fnp.negative(standardize("logistic.sf", x, loc, scale)[0]))


def ppf(q, loc=0, scale=1):
    q, loc, scale = promote("logistic.ppf", q, loc, scale)
    return fnp.add(fnp.multiply(special.logit(q), scale), loc)


def isf(q, loc=0, scale=1):
    q, loc, scale = promote("logistic.isf", q, loc, scale)
    return fnp.subtract(loc, fnp.multiply(special.logit(q), scale))
