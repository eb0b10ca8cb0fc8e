"""Shared argument handling for the distributions."""

from __future__ import annotations

import fgrad.numpy as fnp
from fgrad.scipy._common import promote_inexact

__all__ = ["promote", "standardize", "safe", "log_of"]


def promote(name: str, *args):
    """All arguments as arrays of one floating dtype, broadcast together."""
    return promote_inexact(name, *args)


def standardize(name: str, x, loc, scale, *shape_args):
    """(y, scale, *shape_args) with y = (x - loc) / scale, all promoted and broadcast."""
    x, loc, scale, *rest = promote(name, x, loc, scale, *shape_args)
    return (fnp.true_divide(fnp.subtract(x, loc), scale), scale, *rest)


def safe(ok, x, stand_in):
    """x where ok, else a stand-in inside the function's domain: the branch of a `where` that
    is not taken then computes nothing that could put a nan into a derivative."""
    return fnp.where(ok, x, stand_in)


def log_of(p, q):
    """log(p) where p = 1 - q (a cdf and its sf): through log1p(-q) when p > 1/2, so values of
    log(p) near 0 keep their relative accuracy."""
    big = fnp.greater(p, 0.5)
    return fnp.where(big, fnp.log1p(fnp.negative(safe(big, q, 0.0))), fnp.log(safe(big, 0.5, p)))
