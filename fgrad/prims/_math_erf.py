"""Float64 numpy kernels of the error-function family: erf, erfc, erfcx, ndtr, log_ndtr,
erfinv, ndtri. Used by the impls in `fgrad.prims.special`; pure numpy, no fgrad imports.

Method. For x >= 1/2 everything comes from one quadrature formula (Chiarella and Reichel 1968;
Matta and Reichel 1971, Math. Comp. 25): the trapezoid rule with step h applied to
    erfc(x) = (2x/pi) exp(-x^2) int_0^inf exp(-t^2) / (t^2 + x^2) dt,
plus the residue of the pole at t = ix, which the trapezoid rule picks up:
    erfc(x) = exp(-x^2) S(x) + 2 / (1 - exp(2 pi x / h)),
    S(x) = (2 h x / pi) [1 / (2 x^2) + sum_{n>=1} exp(-n^2 h^2) / (n^2 h^2 + x^2)].
The rule's error is about exp(-pi^2 / h^2), relative; h = 1/2 and 14 terms leave < 1e-17.
S(x) is erfcx(x) up to the pole term, so erfc, erfcx, ndtr and log_ndtr in the tails are all
relative-accurate to a few ulp; the only large factor, exp(-x^2), is computed with x split so
that the rounding of x*x does not cost x^2 ulp (scipy's erfc loses ~5e-14 at x = 25 there).
Below 1/2 the Taylor series of erf converges in 12 terms. The inverses start from a rational
initial guess and are refined by Newton steps on these accurate forward functions: in the tail,
on log(ndtr) (whose derivative, the inverse Mills ratio, never underflows).
"""

from __future__ import annotations

import numpy as np

__all__ = ["erf", "erfc", "erfcx", "ndtr", "log_ndtr", "erfinv", "ndtri", "exp_neg_sq"]

_H = 0.5
_N = np.arange(1, 15, dtype=np.float64)
_NH2 = (_N * _H) ** 2
_EXP_NH2 = np.exp(-_NH2)
_TWO_PI_OVER_H = 2 * np.pi / _H
_TWO_OVER_SQRTPI = 2 / np.sqrt(np.pi)
_SQRT2 = np.sqrt(2.0)
_SQRT_2_OVER_PI = np.sqrt(2 / np.pi)

# erf(x) = 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1)); coefficients for Horner in x^2.
_ERF_TAYLOR = np.array(
    [(-1) ** n / (float(np.prod(np.arange(1, n + 1, dtype=np.float64))) * (2 * n + 1))
     for n in range(13)]
)


def exp_neg_sq(x, c=1.0):
    """exp(-c x^2) for c in {1, 1/2}, to a few ulp even where c x^2 is large: x = m + f with m
    a multiple of 1/128, so m*m is exact and only the small part 2mf + f^2 is rounded."""
    m = np.round(x * 128.0) / 128.0
    f = x - m
    return np.exp(-c * (m * m)) * np.exp(-c * (f * (2.0 * m + f)))


def _exp_sq(x):
    """exp(x^2), split like exp_neg_sq (overflows to inf past x ~ 26.6, as it must)."""
    m = np.round(x * 128.0) / 128.0
    f = x - m
    return np.exp(m * m) * np.exp(f * (2.0 * m + f))


def _sum_s(x):
    """S(x) of the module docstring for x >= 1/2 (finite x)."""
    x2 = x * x
    acc = np.zeros_like(x)
    for c, nh2 in zip(_EXP_NH2[::-1], _NH2[::-1]):
        acc = acc + c / (nh2 + x2)
    return (2 * _H / np.pi) * x * (acc + 0.5 / x2)


def _pole(x):
    """2 / (1 - exp(2 pi x / h)): the pole's residue; below 1e-300 past x = 2pi it is dropped."""
    return np.where(x < 2 * np.pi, 2.0 / -np.expm1(np.minimum(x, 2 * np.pi) * _TWO_PI_OVER_H),
                    0.0)


def _erfc_big(x):
    """erfc(x) for x >= 1/2."""
    xs = np.minimum(x, 28.0)  # erfc underflows to 0 beyond 27.3
    return np.where(x < 28.0, exp_neg_sq(xs) * _sum_s(xs) + _pole(xs), 0.0)


def _erfcx_big(x):
    """erfcx(x) = exp(x^2) erfc(x) for x >= 1/2, including x = inf (-> 0)."""
    xs = np.minimum(x, 1e8)
    pole = np.where(
        xs < 2 * np.pi,
        -2.0 * np.exp(xs * xs - xs * _TWO_PI_OVER_H) / -np.expm1(-xs * _TWO_PI_OVER_H),
        0.0,
    )
    core = _sum_s(xs) + pole
    # Past 1e8 the asymptotic series 1/(x sqrt(pi)) (1 - 1/(2x^2)) is exact to double.
    return np.where(x < 1e8, core, 1.0 / (x * np.sqrt(np.pi)))


def _erf_small(x):
    """erf(x) for |x| <= 1/2 by its Taylor series."""
    x2 = x * x
    acc = np.zeros_like(x)
    for c in _ERF_TAYLOR[::-1]:
        acc = acc * x2 + c
    return _TWO_OVER_SQRTPI * x * acc


def erf(x):
    a = np.abs(x)
    small = a < 0.5
    big = np.copysign(1.0 - _erfc_big(np.maximum(a, 0.5)), x)
    return np.where(small | np.isnan(x), _erf_small(np.where(small, x, x * 0.0)), big)


def erfc(x):
    a = np.abs(x)
    mid = a < 0.5
    tail = _erfc_big(np.maximum(a, 0.5))
    return np.where(mid | np.isnan(x), 1.0 - _erf_small(np.where(mid, x, x * 0.0)),
                    np.where(x > 0, tail, 2.0 - tail))


def erfcx(x):
    a = np.abs(x)
    mid = a < 0.5
    xm = np.where(mid, x, 0.0)
    small = np.exp(xm * xm) * (1.0 - _erf_small(xm))
    tail = _erfcx_big(np.maximum(a, 0.5))
    neg = 2.0 * _exp_sq(np.maximum(x, -27.0)) - tail
    return np.where(mid, small, np.where(x > 0, tail, neg))


def _ndtr_lower(x):
    """ndtr(x) for x <= -1/sqrt(2): exp(-x^2/2) is formed from x itself, not from the rounded
    x/sqrt(2), so the tail keeps full relative accuracy."""
    z = -x / _SQRT2
    zs = np.minimum(z, 40.0)
    xs = np.maximum(x, -40.0 * _SQRT2)
    return np.where(z < 40.0, 0.5 * (exp_neg_sq(xs, 0.5) * _sum_s(zs) + _pole(zs)), 0.0)


def ndtr(x):
    thr = -1 / _SQRT2
    lo = x <= thr
    hi = x >= -thr
    mid = ~(lo | hi)
    xm = np.where(mid, x, 0.0)
    mid_val = 0.5 + 0.5 * _erf_small(xm / _SQRT2)
    lower = _ndtr_lower(np.where(lo, x, thr))
    upper = 1.0 - _ndtr_lower(np.where(hi, -x, thr))
    return np.where(lo, lower, np.where(hi, upper, mid_val))


def log_ndtr(x):
    """log(ndtr(x)): for x < 0 as log(erfcx(-x/sqrt2) / 2) - x^2/2, so it stays finite and
    accurate where ndtr underflows; for x > 0 as log1p(-ndtr(-x))."""
    neg = x < 0
    xn = np.where(neg, x, 0.0)
    low = np.log(0.5 * erfcx(-xn / _SQRT2)) - 0.5 * (xn * xn)
    high = np.log1p(-ndtr(-np.where(neg, 0.0, x)))
    return np.where(neg, low, high)


def _ndtri_tail(p):
    """ndtri(p) for 0 < p <= 1/4. Initial guess: Abramowitz and Stegun 26.2.23 (|error| <
    4.5e-4); then Newton steps on log(ndtr(x)) = log(p), whose derivative is the inverse Mills
    ratio sqrt(2/pi) / erfcx(-x/sqrt2): nothing underflows even for subnormal p."""
    logp = np.log(p)
    t = np.sqrt(-2.0 * logp)
    x = -(t - (2.515517 + t * (0.802853 + t * 0.010328))
          / (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))))
    for _ in range(4):
        r = erfcx(-x / _SQRT2)
        f = np.log(0.5 * r) - 0.5 * (x * x) - logp
        x = x - f * r / _SQRT_2_OVER_PI
    return x


def _erfinv_small(y):
    """erfinv(y) for |y| <= 1/2: its Maclaurin series to y^9 (error < 1e-4), then Newton."""
    c = np.sqrt(np.pi) / 2
    y2 = y * y
    x = c * y * (1 + y2 * (np.pi / 12 + y2 * (7 * np.pi**2 / 480 + y2 * (
        127 * np.pi**3 / 40320 + y2 * 4369 * np.pi**4 / 5806080))))
    for _ in range(3):
        x = x - (erf(x) - y) / (_TWO_OVER_SQRTPI * np.exp(-x * x))
    return x


def ndtri(p):
    inner = (p >= 0.25) & (p <= 0.75)
    pi = np.where(inner, p, 0.5)
    mid = _erfinv_small(2.0 * pi - 1.0) * _SQRT2
    low = p < 0.25
    q = np.where(low, p, 1.0 - p)  # exact for p >= 1/2
    qs = np.where((q > 0) & (q < 0.25), q, 0.25)
    tail = _ndtri_tail(qs)
    out = np.where(inner, mid, np.where(low, tail, -tail))
    out = np.where(p == 0, -np.inf, np.where(p == 1, np.inf, out))
    return np.where((p < 0) | (p > 1) | np.isnan(p), np.nan, out)


def erfinv(y):
    a = np.abs(y)
    small = a <= 0.5
    s = _erfinv_small(np.where(small, y, 0.0))
    q = np.where(small | (a >= 1), 0.25, (1.0 - a) / 2)  # exact: 1 - a for a >= 1/2
    big = np.copysign(-_ndtri_tail(q) / _SQRT2, y)
    out = np.where(small, s, big)
    out = np.where(a == 1, np.copysign(np.inf, y), out)
    return np.where((a > 1) | np.isnan(y), np.nan, out)

