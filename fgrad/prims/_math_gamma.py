"""Float64 numpy kernels of the gamma family: lgamma, gamma, digamma, Hurwitz zeta, polygamma,
betaln, and the regularized incomplete gamma functions. Pure numpy, no fgrad imports.

Methods (all classical, coefficients computed here from their definitions):
- Near the zeros of lgamma (x = 1, 2) relative accuracy needs a series, not a shift: the Taylor
  series lgamma(2 + z) = (1 - gamma_E) z + sum_{k>=2} (-1)^k (zeta(k) - 1) z^k / k converges
  like 4^-k on |z| <= 1/2. Arguments in [1/2, 10) are shifted into that window by the recurrence
  Gamma(x + 1) = x Gamma(x) (shifting by integers is exact in floating point); from 10 on,
  Stirling's series with Bernoulli numbers; negative x by reflection written with -x (exact)
  rather than 1 - x (which rounds).
- digamma: the asymptotic series from 10 on, the recurrence below it, and near its positive
  zero x0 = 1.4616... (where a recurrence would cancel) the Taylor series about x0,
  psi(x0 + t) = sum_{k>=1} (-1)^(k+1) zeta(k+1, x0) t^k, with x0 held in two doubles.
- zeta(s, q): Euler-Maclaurin summation after shifting q past max(10, s + 2).
(The incomplete gamma functions are in `_math_igamma`.)
"""

from __future__ import annotations

from decimal import Decimal, getcontext
from fractions import Fraction

import numpy as np

__all__ = [
    "lgamma", "gamma", "gammasgn", "digamma", "zeta", "polygamma", "betaln", "lgamma1p",
    "stirling_tail", "poly",
]

_EULER = 0.57721566490153286060651209008240243
_HALF_LOG_2PI = 0.91893853320467274178032973640561764
_LOG_PI = 1.14472988584940017414342735135305871


def _bernoulli_even(n: int) -> list[float]:
    """B_2, B_4, ..., B_2n (Akiyama-Tanigawa algorithm, exact rationals)."""
    a, out = [], []
    for m in range(2 * n + 1):
        a.append(Fraction(1, m + 1))
        for j in range(m, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        if m >= 2 and m % 2 == 0:
            out.append(float(a[0]))
    return out


_B2K = _bernoulli_even(16)
# Stirling: lgamma(x) - ((x - 1/2) log x - x + log(2 pi)/2) = sum_k B_2k / (2k (2k-1) x^(2k-1))
_STIRLING = np.array([b / (2 * k * (2 * k - 1)) for k, b in enumerate(_B2K[:12], 1)])
# digamma(x) = log x - 1/(2x) - sum_k B_2k / (2k x^(2k))
_PSI_ASYM = np.array([b / (2 * k) for k, b in enumerate(_B2K[:12], 1)])
# Euler-Maclaurin: B_2j / (2j)!
_EM = np.array([b / float(np.prod(np.arange(1, 2 * j + 1, dtype=np.float64)))
                for j, b in enumerate(_B2K[:14], 1)])


def poly(coeffs, z):
    """sum_k coeffs[k] z^k by Horner."""
    acc = np.zeros_like(z)
    for c in coeffs[::-1]:
        acc = acc * z + c
    return acc


def zeta(s, q):
    """Hurwitz zeta(s, q) for s > 1 (q <= 0 allowed when s is an integer)."""
    s, q = np.broadcast_arrays(np.asarray(s, np.float64), np.asarray(q, np.float64))
    target = np.maximum(10.0, s + 2.0)
    finite = np.isfinite(q) & np.isfinite(s)
    need = np.where(finite, np.ceil(target - q), 0.0)
    n_shift = int(min(max(need.max(initial=0.0), 0.0), 1e7))
    acc = np.zeros(s.shape)
    for k in range(n_shift):
        mask = k < need
        qk = np.where(mask, q + k, 1.0)
        acc = acc + np.where(mask, qk ** -s, 0.0)
    a = q + np.maximum(need, 0.0)
    # a^-s [a/(s-1) + 1/2 + sum_j B_2j/(2j)! s(s+1)...(s+2j-2) a^(1-2j)]
    term = s / a
    tail = np.zeros(s.shape)
    for j, c in enumerate(_EM, 1):
        tail = tail + c * term
        term = term * (s + 2 * j - 1) * (s + 2 * j) / (a * a)
    out = acc + a ** (1.0 - s) * (1.0 / (s - 1.0) + (0.5 + tail) / a)
    out = np.where(q == np.inf, 0.0, out)
    return np.where((s <= 1) | np.isnan(q) | np.isnan(s), np.where(s == 1, np.inf, np.nan), out)


# lgamma(2 + z) = (1 - gamma_E) z + sum_{k>=2} (-1)^k (zeta(k) - 1)/k z^k on |z| <= 1/2
_K = np.arange(2, 31, dtype=np.float64)
_L2 = np.concatenate([[0.0, 1.0 - _EULER], (-1.0) ** _K * zeta(_K, 2.0) / _K])


def _l2(z):
    return poly(_L2, z)


def stirling_tail(x):
    """lgamma(x) minus Stirling's leading terms, for x >= 8."""
    r = 1.0 / x
    return r * poly(_STIRLING, r * r)


def _sinpi(x):
    r = x - np.round(x)
    s = np.sin(np.pi * r)
    return np.where(np.round(x) % 2 == 0, s, -s)


def _shift_to_window(x):
    """For 2.5 <= x < 10: (z, prod) with x = z + 2 + m and prod = (x-1)(x-2)...(x-m)."""
    m = np.floor(x - 1.5)
    prod = np.ones_like(x)
    for k in range(1, 9):
        prod = np.where(k <= m, prod * (x - k), prod)
    return x - m - 2.0, prod


def lgamma(x):
    x = np.asarray(x, np.float64)
    ax = np.abs(x)
    big = np.where(x >= 10, x, 10.0)
    out_big = (big - 0.5) * np.log(big) - big + _HALF_LOG_2PI + stirling_tail(big)
    mid = np.where((x >= 2.5) & (x < 10), x, 3.0)
    zm, prod = _shift_to_window(mid)
    out_mid = np.log(prod) + _l2(zm)
    near2 = _l2(np.where((x >= 1.5) & (x < 2.5), x - 2.0, 0.0))
    x1 = np.where((x >= 0.5) & (x < 1.5), x - 1.0, 0.0)
    near1 = _l2(x1) - np.log1p(x1)
    x0 = np.where(ax < 0.5, x, 0.25)
    near0 = _l2(x0) - np.log(np.abs(x0)) - np.log1p(x0)
    out = np.select(
        [x >= 10, x >= 2.5, x >= 1.5, x >= 0.5, ax < 0.5],
        [out_big, out_mid, near2, near1, near0],
        np.nan,
    )
    neg = x <= -0.5
    if np.any(neg):
        xn = np.where(neg & np.isfinite(x), x, -0.75)
        s = np.abs(xn * _sinpi(xn))
        refl = _LOG_PI - np.log(s) - lgamma(-xn)
        refl = np.where(s == 0, np.inf, refl)
        out = np.where(neg, refl, out)
    out = np.where(x == 0, np.inf, out)
    return np.where(np.isinf(x), np.inf, out)


def lgamma1p(a):
    """lgamma(1 + a) without rounding 1 + a, for -1/2 <= a < 1 (else lgamma(1 + a))."""
    a = np.asarray(a, np.float64)
    lo = np.where(np.abs(a) <= 0.5, a, 0.0)
    hi = np.where((a > 0.5) & (a < 1.5), a - 1.0, 0.0)
    return np.select(
        [np.abs(a) <= 0.5, (a > 0.5) & (a < 1.5)],
        [_l2(lo) - np.log1p(lo), _l2(hi)],
        lgamma(1.0 + a),
    )


def gamma(x):
    x = np.asarray(x, np.float64)
    big = np.where((x >= 10) & (x < 180), x, 10.0)
    p = big ** (0.5 * big - 0.25)
    out_big = np.exp(stirling_tail(big)) * (np.sqrt(2 * np.pi) * p) * (p * np.exp(-big))
    mid = np.where((x >= 2.5) & (x < 10), x, 3.0)
    zm, prod = _shift_to_window(mid)
    out_mid = prod * np.exp(_l2(zm))
    near2 = np.exp(_l2(np.where((x >= 1.5) & (x < 2.5), x - 2.0, 0.0)))
    x1 = np.where((x >= 0.5) & (x < 1.5), x, 1.0)
    near1 = np.exp(_l2(x1 - 1.0)) / x1
    x0 = np.where(np.abs(x) < 0.5, x, 0.25)
    near0 = np.exp(_l2(x0)) / (x0 * (1.0 + x0))
    out = np.select(
        [x >= 180, x >= 10, x >= 2.5, x >= 1.5, x >= 0.5, np.abs(x) < 0.5],
        [np.inf, out_big, out_mid, near2, near1, near0],
        np.nan,
    )
    neg = (x <= -0.5) & np.isfinite(x)
    if np.any(neg):
        xn = np.where(neg, x, -0.75)
        s = xn * _sinpi(xn)
        refl = (-np.pi / s) / gamma(-xn)
        out = np.where(neg, np.where(s == 0, np.nan, refl), out)
    out = np.where(x == 0, np.copysign(np.inf, x), out)
    return np.where(x == -np.inf, np.nan, out)


def gammasgn(x):
    x = np.asarray(x, np.float64)
    neg_sign = np.where(np.floor(x) % 2 == 0, 1.0, -1.0)
    out = np.where(x > 0, 1.0, np.where(x == np.floor(x), np.nan, neg_sign))
    out = np.where(x == 0, np.copysign(1.0, x), out)
    return np.where(np.isnan(x), np.nan, out)


def _root():
    getcontext().prec = 60
    x0 = Decimal("1.4616321449683623412626595423257213284681962040064463512959884085987864")
    hi = float(x0)
    return hi, float(x0 - Decimal(hi))


_X0_HI, _X0_LO = _root()
# psi(2 + z) = d/dz lgamma(2 + z)
_DL2 = _L2[1:] * np.arange(1, len(_L2), dtype=np.float64)
_KR = np.arange(1, 37, dtype=np.float64)
_PSI_ROOT = np.concatenate([[0.0], (-1.0) ** (_KR + 1) * zeta(_KR + 1.0, _X0_HI)])


def _psi_asym(x):
    r = 1.0 / (x * x)
    return np.log(x) - 0.5 / x - r * poly(_PSI_ASYM, r)


def digamma(x):
    x = np.asarray(x, np.float64)
    out_big = _psi_asym(np.where(x >= 10, x, 10.0))
    root = np.abs(x - _X0_HI) <= 0.5
    t = (np.where(root, x, _X0_HI) - _X0_HI) - _X0_LO
    near_root = poly(_PSI_ROOT, t)
    # elsewhere in (0, 10): psi(x) = psi(2 + z) +/- sum of 1/(x - k), z = x - (m + 2) exact
    xs = np.where((x > 0) & (x < 10), x, 5.0)
    m = np.floor(xs - 1.5)
    acc = np.zeros_like(xs)
    for k in range(8, 0, -1):
        acc = np.where(k <= m, acc + 1.0 / (xs - k), acc)
    acc = np.where(m == -1, -1.0 / xs, acc)
    acc = np.where(m == -2, -1.0 / xs - 1.0 / (xs + 1.0), acc)
    window = poly(_DL2, xs - (m + 2.0)) + acc
    out = np.select([x >= 10, root, x > 0], [out_big, near_root, window], np.nan)
    neg = (x < 0) & np.isfinite(x)
    if np.any(neg):
        xn = np.where(neg, x, -0.5)
        r = xn - np.round(xn)
        refl = digamma(-xn) - 1.0 / xn - np.pi * np.cos(np.pi * r) / np.sin(np.pi * r)
        out = np.where(neg, np.where(r == 0, np.nan, refl), out)
    return np.where(x == 0, -1.0 / x, out)


_FACT = np.cumprod(np.concatenate([[1.0], np.arange(1, 171, dtype=np.float64)]))


def polygamma(n, x):
    """psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x) for integer n >= 1; digamma for n = 0."""
    n, x = np.broadcast_arrays(np.asarray(n, np.float64), np.asarray(x, np.float64))
    valid = (n >= 0) & (n == np.floor(n))
    ni = np.where(valid & (n >= 1), n, 1.0)
    fact = np.where(ni <= 170, _FACT[np.minimum(ni, 170).astype(np.int64)], np.inf)
    sign = np.where(ni % 2 == 1, 1.0, -1.0)
    higher = sign * fact * zeta(ni + 1.0, x)
    out = np.where(n == 0, digamma(np.where(n == 0, x, 1.0)), higher)
    return np.where(valid, out, np.nan)


def betaln(a, b):
    a, b = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64))
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    naive = lgamma(a) + lgamma(b) - lgamma(a + b)
    pos = lo > 0
    lo_s = np.where(pos & (hi >= 8) & np.isfinite(hi), lo, 1.0)
    hi_s = np.where(pos & (hi >= 8) & np.isfinite(hi), hi, 8.0)
    s = lo_s + hi_s
    both_big = np.maximum(lo_s, 8.0)
    # both >= 8: Stirling for all three, the large logs combined before they can cancel
    big = (_HALF_LOG_2PI - (hi_s - 0.5) * np.log1p(lo_s / hi_s)
           + (both_big - 0.5) * np.log(both_big / s) - 0.5 * np.log(s)
           + stirling_tail(both_big) + stirling_tail(hi_s) - stirling_tail(s))
    # lo < 8 <= hi: lgamma(lo) + [lgamma(hi) - lgamma(hi + lo)] with the bracket by Stirling
    mixed = (lgamma(lo_s) - (hi_s - 0.5) * np.log1p(lo_s / hi_s) - lo_s * np.log(s) + lo_s
             + stirling_tail(hi_s) - stirling_tail(s))
    out = np.where(pos & (hi >= 8), np.where(lo >= 8, big, mixed), naive)
    return np.where(pos & (hi == np.inf) & np.isfinite(lo), -np.inf, out)
