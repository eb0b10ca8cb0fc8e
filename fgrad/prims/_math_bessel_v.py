"""Float64 numpy kernels of the Bessel functions of real order, J_v(x) and I_v(x). Pure numpy,
no fgrad imports.

Conventions (scipy's jv and iv): x < 0 is allowed for integer orders only (J_n(-x) =
(-1)^n J_n(x), I_n(-x) = (-1)^n I_n(x)), nan otherwise; negative integer orders use J_-n =
(-1)^n J_n and I_-n = I_n; at x = 0 both are 1 for v = 0, 0 for v > 0 or a negative integer,
and for negative non-integer v they are infinite with the sign of 1 / Gamma(v + 1) (the sign of
the leading term (x/2)^v / Gamma(v + 1); scipy's iv says +inf for all of them). Infinite x
gives the limits (J -> 0, I -> inf; scipy answers nan), infinite orders 0 (as scipy).

Methods, for x > 0:

- Ascending series, (x/2)^v / Gamma(v + 1) sum_k (+-x^2/4)^k / (k! (v+1)(v+2)...(v+k)).
  For J (x < 25) its terms alternate and grow to ~I_v(x) before J_v(x) emerges from their
  cancellation (10 of 16 digits are lost at x = 25), so it is summed in double-double
  arithmetic (~32 digits, Dekker's exact products), with v + k formed exactly; the result is
  then accurate to a few ulp even next to J's zeros. For I all terms are positive once v + k > 0,
  so only the first ceil(-v) terms of a negative non-integer order (which alternate) are summed
  in double-double, the rest in double; the partial sums are rescaled by exact powers of two,
  so nothing overflows before the result does.
- Hankel's asymptotic expansion where its terms fall below 1e-17 without first growing:
  x >= 25 (J) or 30 (I) and x >= v^2 / 4. J_v = sqrt(2 / (pi x)) (P cos chi - Q sin chi),
  Y_v = sqrt(2 / (pi x)) (P sin chi + Q cos chi), chi = x - (v/2 + 1/4) pi, with cos chi and
  sin chi formed from numpy's (accurately reduced) cos x and sin x and an exactly reduced
  cos/sin of (v/2 + 1/4) pi; I_v = e^x / sqrt(2 pi x) sum_k (-1)^k a_k(v) / x^k, the
  exponentially small second solution being below rounding.
- J for x >= 25 and |v| > 2 sqrt(x): from the orders mu = frac(|v|) and mu + 1 (Hankel):
  the forward recurrence J_{k+1} = (2k/x) J_k - J_{k-1} up to order x (where it is stable), and
  above it Miller's backward recurrence from an order where J is negligible, matched by least
  squares to the two forward values at the top of the stable range (they cannot both be near a
  zero). Negative non-integer orders: J_-v = cos(v pi) J_v - sin(v pi) Y_v, with Y by the forward
  recurrence (always stable for Y).

Accuracy against mpmath: see tests/test_scipy_special_v.py.
"""

from __future__ import annotations

import numpy as np

from fgrad.prims._math_extra import cospi, rgamma, sinpi
from fgrad.prims._math_gamma import gammasgn, lgamma

__all__ = ["jv", "iv"]

_SPLIT = 134217729.0  # 2^27 + 1, Dekker's splitting constant
_SCALE_EXP = 500  # partial sums of I are rescaled by 2^-500 past 2^500
_J_SERIES_MAX = 25.0
_J_HANKEL_MIN = 25.0
_I_HANKEL_MIN = 30.0
_MAX_TERMS = 4000


# Double-double arithmetic: a value is an unevaluated sum hi + lo with |lo| <= ulp(hi) / 2.


def _split(a):
    c = _SPLIT * a
    hi = c - (c - a)
    return hi, a - hi


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _fast_two_sum(a, b):
    s = a + b
    return s, b - (s - a)


def _two_prod(a, b):
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _dd_add(ah, al, bh, bl):
    s, e = _two_sum(ah, bh)
    t, f = _two_sum(al, bl)
    s, e = _fast_two_sum(s, e + t)
    return _fast_two_sum(s, e + f)


def _dd_mul(ah, al, bh, bl):
    p, e = _two_prod(ah, bh)
    return _fast_two_sum(p, e + (ah * bl + al * bh))


def _dd_div(ah, al, bh, bl):
    q1 = ah / bh
    ph, pl = _dd_mul(bh, bl, q1, np.zeros_like(q1))
    rh, rl = _dd_add(ah, al, -ph, -pl)
    return _fast_two_sum(q1, (rh + rl) / bh)


# The ascending series


def _prefactor(v, x):
    """(x/2)^v / Gamma(v + 1) for x > 0 and v not a negative integer; through logarithms
    only where a factor leaves the normal range (very large |v|, relative error ~|log| eps)."""
    half = x / 2
    p1 = half ** v
    p2 = rgamma(v + 1.0)
    direct = p1 * p2
    normal = (np.abs(p1) > 1e-300) & (np.abs(p1) < 1e300) & (np.abs(p2) > 1e-300) & (
        np.abs(p2) < 1e300)
    logs = v * np.log(half) - lgamma(v + 1.0)
    via_logs = gammasgn(v + 1.0) * np.exp(logs)
    return np.where(normal, direct, via_logs)


def _j_series(v, x):
    """J_v(x) for 0 < x < 25 (non-integer or non-negative v), summed in double-double."""
    qh, ql = _two_prod(x, x)
    qh, ql = -qh / 4, -ql / 4
    th, tl = np.ones_like(x), np.zeros_like(x)
    sh, sl = np.ones_like(x), np.zeros_like(x)
    peak = x / 2 + 2
    for k in range(1, _MAX_TERMS):
        dh, dl = _two_sum(v, float(k))
        dh, dl = _dd_mul(dh, dl, np.full_like(x, float(k)), np.zeros_like(x))
        th, tl = _dd_mul(th, tl, qh, ql)
        th, tl = _dd_div(th, tl, dh, dl)
        sh, sl = _dd_add(sh, sl, th, tl)
        if k > peak.max(initial=0) and not (np.abs(th) > 1e-20 * np.abs(sh) + 1e-40).any():
            break
    return _prefactor(v, x) * (sh + sl)


def _i_series(v, x):
    """I_v(x) for x > 0 (non-integer or non-negative v). The first ceil(-v - 1) terms, whose
    signs alternate for negative v, in double-double; the rest, all positive, in double."""
    q = x * x / 4
    n_dd = int(np.ceil(np.max(-v - 1.0, initial=0.0))) if v.size else 0
    sh, sl = np.ones_like(x), np.zeros_like(x)
    if n_dd > 0:
        qh, ql = _two_prod(x, x)
        qh, ql = qh / 4, ql / 4
        th, tl = np.ones_like(x), np.zeros_like(x)
        for k in range(1, n_dd + 1):
            dh, dl = _two_sum(v, float(k))
            dh, dl = _dd_mul(dh, dl, np.full_like(x, float(k)), np.zeros_like(x))
            th, tl = _dd_mul(th, tl, qh, ql)
            th, tl = _dd_div(th, tl, dh, dl)
            sh, sl = _dd_add(sh, sl, th, tl)
        t = th + tl
    else:
        t = np.ones_like(x)
    s = sh + sl
    scale = np.zeros(x.shape, np.int64)
    t_max = np.maximum(np.abs(t), 1.0)
    peak = x / 2 + 2
    for k in range(n_dd + 1, _MAX_TERMS):
        t = t * q / (k * (v + k))
        s = s + t
        t_max = np.maximum(t_max, np.abs(t))
        big = np.abs(s) > 2.0**_SCALE_EXP
        if big.any():
            s, t, t_max = (np.where(big, np.ldexp(a, -_SCALE_EXP), a) for a in (s, t, t_max))
            scale = scale + big
        if k > peak.max(initial=0) and not (
                np.abs(t) > np.maximum(1e-18 * np.abs(s), 1e-34 * t_max)).any():
            break
    return np.ldexp(_prefactor(v, x) * s, _SCALE_EXP * scale)


# Hankel's expansion


def _chi_trig(v, x):
    """(cos chi, sin chi), chi = x - (v/2 + 1/4) pi."""
    t = v / 2 + 0.25
    cp, sp = cospi(t), sinpi(t)
    c, s = np.cos(x), np.sin(x)
    return c * cp + s * sp, s * cp - c * sp


def _hankel_pq(v, x):
    """P and Q of Hankel's expansion (x >= 25, x >= v^2 / 4); each a_k(v) / x^k is added until
    all are below 1e-17 (for half-integer v the series ends: a factor is exactly 0)."""
    mu = 4 * v * v
    p, q = np.ones_like(x), np.zeros_like(x)
    term = np.ones_like(x)
    for k in range(1, 200):
        term = term * ((mu - (2 * k - 1) ** 2) / (8.0 * k)) / x
        sign = -1.0 if (k // 2) % 2 else 1.0  # (-1)^j for k = 2j and for k = 2j + 1
        if k % 2:
            q = q + sign * term
        else:
            p = p + sign * term
        if not (np.abs(term) > 1e-17 * (np.abs(p) + np.abs(q))).any():
            break
    return p, q


def _hankel_jy(v, x):
    """(J_v(x), Y_v(x)) for x >= 25 and x >= v^2 / 4 (x may be inf: both 0)."""
    fin = np.isfinite(x)
    xs = np.where(fin, x, 1e300)
    p, q = _hankel_pq(v, xs)
    cc, sc = _chi_trig(v, xs)
    amp = np.sqrt(2 / (np.pi * xs))
    j = amp * (p * cc - q * sc)
    y = amp * (p * sc + q * cc)
    return np.where(fin, j, 0.0), np.where(fin, y, 0.0)


def _hankel_i(v, x):
    """I_v(x) for x >= 30 and x >= v^2 / 4: e^x / sqrt(2 pi x) sum_k (-1)^k a_k(v) / x^k."""
    mu = 4 * v * v
    s = np.ones_like(x)
    term = np.ones_like(x)
    for k in range(1, 200):
        term = term * (-(mu - (2 * k - 1) ** 2) / (8.0 * k)) / x
        s = s + term
        if not (np.abs(term) > 1e-17 * np.abs(s)).any():
            break
    half = np.exp(x / 2)  # e^x in two halves: overflows only when the result does
    return half * (s / np.sqrt(2 * np.pi * x)) * half


# Recurrences for J at x >= 25, |v| > 2 sqrt(x)


def _j_recurrence(nu, x, want_y):
    """J_nu(x) (and Y_nu(x) if want_y) for nu >= 0, x >= 25, by recurrence from the orders
    mu = frac(nu) and mu + 1."""
    n = np.floor(nu)
    mu = nu - n
    n = n.astype(np.int64)
    j0, y0 = _hankel_jy(mu, x)
    j1, y1 = _hankel_jy(mu + 1.0, x)
    # forward up to order mu + m + 1 with m = the last k where mu + k <= x (and <= n)
    m = np.minimum(np.floor(x - mu), n).astype(np.int64)
    top = int(np.max(np.maximum(n, m + 1), initial=0))
    lo, hi = j0, j1  # J at orders mu + k, mu + k + 1
    ylo, yhi = y0, y1
    j_at_n = np.where(n == 0, j0, j1)
    y_at_n = np.where(n == 0, y0, y1)
    j_m, j_m1 = j0, j1
    for k in range(1, top):
        c = 2.0 * (mu + k) / x
        if k <= int(np.max(m, initial=0)):
            lo, hi = hi, np.where(k <= m, c * hi - lo, hi)
            j_m = np.where(k == m, lo, j_m)
            j_m1 = np.where(k == m, hi, j_m1)
            j_at_n = np.where((k + 1 == n) & (n <= m + 1), hi, j_at_n)
        if want_y:
            ylo, yhi = yhi, c * yhi - ylo
            y_at_n = np.where(k + 1 == n, yhi, y_at_n)
    # Miller's recurrence where the target order lies above the stable range
    miller = n > m + 1
    if miller.any():
        j_at_n = np.where(miller, _miller(mu, n, m, x, j_m, j_m1, miller), j_at_n)
    return (j_at_n, y_at_n) if want_y else (j_at_n, None)


def _miller(mu, n, m, x, j_m, j_m1, active):
    """J at order mu + n from the backward recurrence started at order mu + start, scaled by
    least squares to the known J at orders mu + m and mu + m + 1 (m + 1 < n)."""
    nu = mu + n
    start = np.where(active, np.ceil(nu + 30 + 4 * np.sqrt(nu)), 0).astype(np.int64)
    top = int(start.max(initial=0))
    p_up = np.zeros_like(x)  # order k + 1
    p = np.zeros_like(x)  # order k
    got_n = np.zeros_like(x)
    got_m = np.zeros_like(x)
    got_m1 = np.zeros_like(x)
    for k in range(top, -1, -1):
        p = np.where(k == start, 1.0, p)
        got_n = np.where(k == n, p, got_n)
        got_m1 = np.where(k == m + 1, p, got_m1)
        got_m = np.where(k == m, p, got_m)
        if k == 0 or not (k > m).any():
            break
        p_down = (2.0 * (mu + k) / x) * p - p_up
        p_up, p = p, np.where(k > m, p_down, p)
        big = np.abs(p) > 1e250
        if big.any():
            f = np.where(big, 1e-250, 1.0)
            p, p_up, got_n, got_m, got_m1 = (a * f for a in (p, p_up, got_n, got_m, got_m1))
    size = np.maximum(np.abs(got_m), np.abs(got_m1))
    size = np.where(size > 0, size, 1.0)
    a, b = got_m / size, got_m1 / size
    return (j_m * a + j_m1 * b) / (a * a + b * b) * (got_n / size)


# Public kernels


def _orders(v, x):
    """Broadcast float64 arrays, integer-order flags, |v| for integers and their parity."""
    v, x = np.broadcast_arrays(np.asarray(v, np.float64), np.asarray(x, np.float64))
    v, x = v.copy(), x.copy()
    integer = np.isfinite(v) & (v == np.round(v))
    odd = integer & (np.fmod(np.abs(v), 2.0) == 1)
    return v, x, integer, odd


def _at_zero(v, integer):
    """The value at x = 0 for finite v."""
    inf = np.copysign(np.inf, gammasgn(np.where(integer, 1.0, v + 1.0)))
    return np.where(v == 0, 1.0, np.where((v > 0) | integer, 0.0, inf))


def jv(v, x):
    v, x, integer, odd = _orders(v, x)
    out = np.full(x.shape, np.nan)
    # integer orders: J_-n = (-1)^n J_n and J_n(-x) = (-1)^n J_n(x)
    flip = odd & ((v < 0) != (x < 0))
    vv = np.where(integer, np.abs(v), v)
    a = np.where(integer, np.abs(x), x)
    finite_v = np.isfinite(v)
    pos = finite_v & (a > 0) & np.isfinite(a)
    series = pos & (a < _J_SERIES_MAX)
    if series.any():
        out[series] = _j_series(vv[series], a[series])
    hankel = pos & (a >= _J_HANKEL_MIN) & (a >= vv * vv / 4)
    if hankel.any():
        out[hankel] = _hankel_jy(vv[hankel], a[hankel])[0]
    rec = pos & (a >= _J_HANKEL_MIN) & ~hankel
    if rec.any():
        nu, xr = np.abs(vv[rec]), a[rec]
        neg = vv[rec] < 0
        j, y = _j_recurrence(nu, xr, want_y=bool(neg.any()))
        if neg.any():
            j = np.where(neg, cospi(nu) * j - sinpi(nu) * y, j)
        out[rec] = j
    zero = finite_v & (a == 0)
    out[zero] = _at_zero(vv, integer)[zero]
    out[finite_v & (a == np.inf)] = 0.0
    out[np.isinf(v) & ~np.isnan(x)] = 0.0
    out = np.where(flip, -out, out)
    return out[()] if out.ndim == 0 else out


def iv(v, x):
    v, x, integer, odd = _orders(v, x)
    out = np.full(x.shape, np.nan)
    flip = odd & (x < 0)  # I_-n = I_n
    vv = np.where(integer, np.abs(v), v)
    a = np.where(integer, np.abs(x), x)
    finite_v = np.isfinite(v)
    pos = finite_v & (a > 0) & np.isfinite(a)
    hankel = pos & (a >= _I_HANKEL_MIN) & (a >= vv * vv / 4)
    if hankel.any():
        out[hankel] = _hankel_i(vv[hankel], a[hankel])
    series = pos & ~hankel
    if series.any():
        out[series] = _i_series(vv[series], a[series])
    zero = finite_v & (a == 0)
    out[zero] = _at_zero(vv, integer)[zero]
    out[finite_v & (a == np.inf)] = np.inf
    out[np.isinf(v) & ~np.isnan(x)] = 0.0
    out = np.where(flip, -out, out)
    return out[()] if out.ndim == 0 else out
