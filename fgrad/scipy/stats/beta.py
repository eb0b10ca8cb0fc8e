"""The beta distribution on [loc, loc + scale]. (cdf/sf need the incomplete beta function,
which fgrad.scipy.special does not have yet.)"""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad.scipy import special
from fgrad.scipy.stats._util import safe, standardize

__all__ = ["logpdf", "pdf"]


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
