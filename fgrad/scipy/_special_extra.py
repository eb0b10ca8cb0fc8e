"""fgrad.scipy.special.erfcinv and rgamma: scipy's signatures and promotion over the primitives
of fgrad.prims.special (numerical methods in fgrad.prims._math_extra)."""

from __future__ import annotations

from fgrad.prims import special as _sp
from fgrad.scipy._common import promote_inexact

__all__ = ["erfcinv", "rgamma"]


def erfcinv(y):
    """The inverse of erfc on [0, 2]: erfcinv(erfc(x)) = x. Accurate to ~1 ulp everywhere,
    including subnormal y (erfcinv(5e-324) = 27.21...; scipy returns inf below ~1e-308).
    Its derivative -sqrt(pi)/2 exp(erfcinv(y)^2) overflows to -inf only where the exact
    derivative is beyond the float64 range (y below ~1e-310)."""
    (y,) = promote_inexact("erfcinv", y)
    return _sp.erfcinv(y)


def rgamma(x):
    """1 / Gamma(x), entire: exact zeros at 0, -1, -2, ..., finite (and subnormal rather
    than 0) up to x ~ 178, 0 beyond and at -inf (as scipy); +-inf between the zeros below
    x ~ -171.6, where |1/Gamma| exceeds the float64 range. Differentiable to any order, with
    the derivative (-1)^n n! at x = -n (the limit of -digamma(x) rgamma(x))."""
    (x,) = promote_inexact("rgamma", x)
    return _sp.rgamma(x)
