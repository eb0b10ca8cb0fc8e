"""Helpers shared by the fgrad.scipy.special tests."""

from __future__ import annotations

import os

import numpy as np

try:
    from fgrad.test_util import check_grads
except ImportError:  # written by another developer; the comparisons with JAX cover meanwhile
    check_grads = None

# JAX needs seconds to compile some special functions; those comparisons run with the "dev"
# hypothesis profile or FGRAD_SLOW_TESTS=1.
RUN_SLOW = os.environ.get("HYPOTHESIS_PROFILE") == "dev" or bool(os.environ.get("FGRAD_SLOW_TESTS"))

__all__ = ["check_grads", "RUN_SLOW", "geom", "neg_nonint", "assert_close"]


def geom(lo, hi, n):
    return np.geomspace(lo, hi, n)


def neg_nonint(lo, hi, n):
    x = -np.linspace(lo, hi, n)
    return x[x != np.round(x)]


def assert_close(got, want, rtol, atol, what):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, what
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    err = np.abs(got - want)
    # results below 1e-300 are compared absolutely: scipy flushes some subnormals to zero
    ok = same | (err <= atol + rtol * np.abs(want) + 1e-300)
    if not ok.all():
        i = np.argwhere(~ok)[0]
        raise AssertionError(
            f"{what}: {int((~ok).sum())} mismatches; first at {tuple(i)}: got "
            f"{got[tuple(i)]!r}, want {want[tuple(i)]!r} (rtol {rtol}, atol {atol})"
        )


