"""The geometric distribution: P(k) = (1 - p)^(k-1) p for integers k >= 1 (+ loc)."""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad.scipy import special
from fgrad.scipy.stats._util import promote

__all__ = ["logpmf", "pmf"]


def logpmf(k, p, loc=0):
    k, p, loc = promote("geom.logpmf", k, p, loc)
    y = fnp.subtract(k, loc)
    log_probs = fnp.add(special.xlog1py(fnp.subtract(y, 1), fnp.negative(p)), fnp.log(p))
    return fnp.where(fnp.less_equal(y, 0), -np.inf, log_probs)


def pmf(k, p, loc=0):
    return fnp.exp(logpmf(k, p, loc))
