"""Student's t distribution with df degrees of freedom."""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad.scipy import special
from fgrad.scipy.stats._util import standardize

__all__ = ["logpdf", "pdf"]


def logpdf(x, df, loc=0, scale=1):
    y, scale, df = standardize("t.logpdf", x, loc, scale, df)
    half = fnp.multiply(0.5, df)
    norm = fnp.add(
        fnp.subtract(special.gammaln(half), special.gammaln(fnp.add(half, 0.5))),
        fnp.add(fnp.multiply(0.5, fnp.log(fnp.multiply(df, np.pi))), fnp.log(scale)),
    )
    kernel = fnp.multiply(fnp.add(half, 0.5), fnp.log1p(fnp.true_divide(fnp.multiply(y, y), df)))
    return fnp.negative(fnp.add(norm, kernel))


def pdf(x, df, loc=0, scale=1):
    return fnp.exp(logpdf(x, df, loc, scale))
