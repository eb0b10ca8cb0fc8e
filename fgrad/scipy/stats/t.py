"""Student's t distribution with df degrees of freedom."""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad.scipy import special
from fgrad.scipy.stats._util import log_of, safe, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


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


def _upper_tail(u, df):
    """P(T > u) for u >= 0 (u = inf included) and finite df > 0.

    From u = 1 on, 1/2 I_w(df/2, 1/2) with w = df / (df + u^2): relative accuracy in the tail.
    Below it, where the tail is above ~0.16, 1/2 - 1/2 I_v(1/2, df/2) with v = u^2 / (df + u^2)
    (exact complement, never near 1 there). Each form sees a stand-in inside its range for the
    other's inputs, so that no nan reaches a derivative; below |u| = 1e-100, where v rounds to
    0 and the density of I_v in v (~v^-1/2) times dv/du (~u) would be inf * 0, the tail is its
    Taylor polynomial 1/2 - pdf(0) u."""
    half_df = fnp.multiply(0.5, df)
    big = fnp.greater_equal(u, 1.0)
    finite = fnp.less(u, np.inf)
    ua = safe(fnp.logical_and(big, finite), u, 2.0)
    ua2 = fnp.multiply(ua, ua)
    tail_a = fnp.multiply(0.5, special.betainc(half_df, 0.5,
                                               fnp.true_divide(df, fnp.add(df, ua2))))
    ub = safe(big, 0.5, u)
    tiny = fnp.less(ub, 1e-100)
    ubs = safe(tiny, 0.5, ub)
    ub2 = fnp.multiply(ubs, ubs)
    tail_b = fnp.subtract(0.5, fnp.multiply(0.5, special.betainc(
        0.5, half_df, fnp.true_divide(ub2, fnp.add(df, ub2)))))
    pdf0 = fnp.true_divide(fnp.exp(fnp.negative(special.betaln(half_df, 0.5))), fnp.sqrt(df))
    tail_b = fnp.where(tiny, fnp.subtract(0.5, fnp.multiply(pdf0, ub)), tail_b)
    return fnp.where(big, fnp.where(finite, tail_a, 0.0), tail_b)


def _cdf_std(y, df):
    """P(T <= y) of the standard t: the lower tail read directly for y < 0 (no cancellation),
    1 - the upper tail for y >= 0; the normal distribution for df = inf (scipy's limit)."""
    inf_df = fnp.equal(df, np.inf)
    dfs = safe(inf_df, 1.0, df)
    neg = fnp.less(y, 0)
    lower = _upper_tail(fnp.negative(safe(neg, y, -1.0)), dfs)
    upper = fnp.subtract(1.0, _upper_tail(safe(neg, 1.0, y), dfs))
    return fnp.where(inf_df, special.ndtr(y), fnp.where(neg, lower, upper))


_NOTE = """

Through the regularized incomplete beta function (fgrad.scipy.special.betainc), so it is
differentiable in x, loc and scale, to any order; like betainc in its parameters, it is not
differentiable in df (differentiating with respect to df raises)."""


def cdf(x, df, loc=0, scale=1):
    y, _, df = standardize("t.cdf", x, loc, scale, df)
    return _cdf_std(y, df)


def sf(x, df, loc=0, scale=1):
    """1 - cdf, computed as cdf(-y) (the distribution is symmetric), so the upper tail keeps
    its relative accuracy."""
    y, _, df = standardize("t.sf", x, loc, scale, df)
    return _cdf_std(fnp.negative(y), df)


def logcdf(x, df, loc=0, scale=1):
    """log(cdf), through log1p(-sf) where cdf > 1/2 so that values near 0 keep their accuracy."""
    y, _, df = standardize("t.logcdf", x, loc, scale, df)
    return log_of(_cdf_std(y, df), _cdf_std(fnp.negative(y), df))


def logsf(x, df, loc=0, scale=1):
    y, _, df = standardize("t.logsf", x, loc, scale, df)
    return log_of(_cdf_std(fnp.negative(y), df), _cdf_std(y, df))


for _f in (cdf, sf, logcdf, logsf):
    _f.__doc__ = (_f.__doc__ or f"The t distribution's {_f.__name__}.") + _NOTE
