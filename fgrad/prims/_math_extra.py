"""Float64 numpy kernels of erfcinv (the inverse of erfc) and rgamma (1 / Gamma, the entire
function). Pure numpy, no fgrad imports.

erfcinv(y), 0 <= y <= 2:
- 1/2 <= y <= 3/2: erfinv(1 - y), where 1 - y is exact (Sterbenz), so the result keeps its
  relative accuracy at its zero y = 1.
- y < 1/2: Newton's method on log erfc(x) = log(y), written log erfcx(x) - x^2 = log(y): its
  derivative -2 / (sqrt(pi) erfcx(x)) neither underflows nor loses accuracy, and log(y) is
  formed from y itself, so every positive double, subnormals included, has its root (scipy's
  erfcinv goes to inf below ~1e-308). The initial guess is Abramowitz and Stegun 26.2.23 for
  ndtri(y / 2) (|error| < 4.5e-4), in terms of log(y); four steps reach rounding.
- y > 3/2: -erfcinv(2 - y), with 2 - y exact.

rgamma(x) = 1 / Gamma(x):
- 0 < x < 170: 1 / gamma(x) (gamma is relative-accurate to ~1e-15 there).
- x >= 170: rgamma(x - 16) / ((x - 1)(x - 2) ... (x - 16)), one division at a time, so that the
  subnormal results of 171.6 < x < 178 are those of the exact value (scipy returns 0 there);
  past 190 the result is 0.
- x <= 0: the reflection 1 / Gamma(x) = -x sin(pi x) Gamma(-x) / pi (from Gamma(x) Gamma(1 - x)
  = pi / sin(pi x) and Gamma(1 - x) = -x Gamma(-x), -x exact), with sin(pi x) reduced exactly,
  so the zeros at 0, -1, -2, ... are exact zeros. Where Gamma(-x) would overflow (x < -170) the
  product is built one factor at a time from the small sin(pi x) end, so it overflows only when
  the result does.
"""

from __future__ import annotations

import numpy as np

from fgrad.prims._math_erf import erfcx, erfinv
from fgrad.prims._math_gamma import gamma

__all__ = ["erfcinv", "rgamma", "sinpi", "cospi"]

_SQRT_PI = float(np.sqrt(np.pi))
_LOG2 = float(np.log(2.0))


def sinpi(x):
    """sin(pi x) with x reduced exactly to [-1/2, 1/2] first: exact zeros at the integers."""
    x = np.asarray(x, np.float64)
    n = np.round(x)
    r = x - n  # exact
    s = np.sin(np.pi * r)
    return np.where(np.fmod(n, 2.0) == 0, s, -s)


def cospi(x):
    """cos(pi x), reduced like sinpi: exact zeros at the half-integers."""
    x = np.asarray(x, np.float64)
    n = np.round(x)
    r = x - n
    c = np.where(np.abs(r) == 0.5, 0.0, np.cos(np.pi * r))
    return np.where(np.fmod(n, 2.0) == 0, c, -c)


def _erfcinv_tail(y):
    """erfcinv(y) for 0 < y <= 1/2 (finite, positive)."""
    logy = np.log(y)
    t = np.sqrt(-2.0 * (logy - _LOG2))  # sqrt(-2 log(y / 2)), without forming y / 2
    z = t - (2.515517 + t * (0.802853 + t * 0.010328)) / (
        1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308)))
    x = z / np.sqrt(2.0)
    for _ in range(4):
        r = erfcx(x)
        g = np.log(r) - x * x - logy
        x = x + g * (_SQRT_PI / 2) * r
    return x


def erfcinv(y):
    y = np.asarray(y, np.float64)
    mid = (y >= 0.5) & (y <= 1.5)
    out_mid = erfinv(1.0 - np.where(mid, y, 1.0))
    q = np.where(y < 0.5, y, 2.0 - y)  # exact for y > 1.5
    tail_ok = (q > 0) & (q < 0.5)
    tail = _erfcinv_tail(np.where(tail_ok, q, 0.25))
    out = np.where(mid, out_mid, np.where(y < 0.5, tail, -tail))
    out = np.where(y == 0, np.inf, np.where(y == 2, -np.inf, out))
    return np.where((y < 0) | (y > 2) | np.isnan(y), np.nan, out)


def rgamma(x):
    x = np.asarray(x, np.float64)
    fin = np.isfinite(x)
    r_big = (x >= 0.5) & (x < 170)
    r_small = (x > 0) & (x < 0.5)
    r_shift = (x >= 170) & (x < 190)
    r_near0 = (x > -1) & (x <= 0)
    r_neg = (x > -170) & (x <= -1)
    r_far = (x > -190) & (x <= -170)
    r_over = fin & (x <= -190)

    def at(mask, stand_in):
        return np.where(mask, x, stand_in)

    v_big = 1.0 / gamma(at(r_big, 1.0))
    xs = at(r_small, 0.25)
    v_small = xs / gamma(1.0 + xs)
    xh = at(r_shift, 180.0)
    v_shift = 1.0 / gamma(xh - 16.0)
    for k in range(1, 17):
        v_shift = v_shift / (xh - k)
    x0 = at(r_near0, -0.5)
    v_near0 = sinpi(x0) / np.pi * gamma(1.0 - x0)
    xn = at(r_neg, -1.5)
    v_neg = sinpi(xn) / np.pi * (-xn * gamma(-xn))
    # Gamma(-x) = Gamma(-x - 20) (-x - 1)(-x - 2)...(-x - 20), multiplied in from the small
    # sin(pi x) end so that it overflows only when the result does
    y = -at(r_far, -180.5)
    v_far = sinpi(-y) / np.pi * (y * gamma(y - 20.0))
    for k in range(1, 21):
        v_far = v_far * (y - k)
    s_over = sinpi(at(r_over, -0.5))
    v_over = np.where(s_over == 0, 0.0, np.copysign(np.inf, s_over))
    return np.select(
        [r_big, r_small, r_shift, r_near0, r_neg, r_far, r_over, x >= 190, x == -np.inf],
        [v_big, v_small, v_shift, v_near0, v_neg, v_far, v_over, 0.0, 0.0],
        np.nan,
    )
