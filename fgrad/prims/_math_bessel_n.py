"""Float64 numpy kernels of the Bessel functions J0, J1, Y0, Y1, J_n, Y_n (integer n) and the
exponentially scaled modified Bessel function ive(n, x) = exp(-|x|) I_n(x). Pure numpy (with
i0e and i1e from `_math_bessel`).

Methods, by |x|:

- |x| < 2: the power series. J's terms alternate but stay below I_n(2) ~ 2.3 |J_n|, so nothing
  cancels badly; Y0 and Y1 add (2/pi) log(x/2) J to their own series (A&S 9.1.13, 9.1.11).
- 2 <= |x| < 25: Miller's backward recurrence J_{k-1} = (2k/x) J_k - J_{k+1}, started far above
  the largest order needed and normalised by J_0 + 2 (J_2 + J_4 + ...) = 1. Y0 and Y1 come from
  Neumann's series over the same J_k (A&S 9.1.88 and its derivative):
      (pi/2) Y0 = (log(x/2) + gamma) J0 - 2 sum_k (-1)^k J_2k / k
      (pi/2) Y1 = (log(x/2) + gamma) J1 - J0 / x + sum_k (-1)^k (J_2k-1 - J_2k+1) / k.
- |x| >= 25: Hankel's expansion J = sqrt(2/(pi x)) (P cos chi - Q sin chi), Y = sqrt(2/(pi x))
  (P sin chi + Q cos chi), chi = x - (n/2 + 1/4) pi, whose terms fall below 1e-17 before they
  grow again. cos chi and sin chi are formed from numpy's cos x and sin x (accurately reduced
  for any x), never from the rounded sum x - pi/4.

Higher orders: Y_n by forward recurrence from Y0 and Y1 (stable: Y grows with n); J_n by
forward recurrence for n < x (stable there) and by Miller's recurrence otherwise. Within
|x| < 25 this is relative accuracy ~1e-15 except near a function's zeros, where the error is
~1e-16 absolute (relative to the function's envelope), as in every method that does not know
its zeros in advance (scipy's included, past x = 5).

ive(n, x): i0e/i1e (fgrad.prims._math_bessel) and I_n / I_0 from Miller's recurrence for I,
I_{k-1} = (2k/x) I_k + I_{k+1} (stable backwards), or the forward recurrence when n^2 < |x|
(where it is stable and Miller would need ~sqrt(80 |x|) steps).
"""

from __future__ import annotations

import numpy as np

from fgrad.prims._math_bessel import i0e as _i0e
from fgrad.prims._math_bessel import i1e as _i1e

__all__ = ["j0", "j1", "y0", "y1", "jn", "yn", "ive"]

_EULER = 0.57721566490153286061
_TWO_OVER_PI = 2 / np.pi
_SMALL, _LARGE = 2.0, 25.0
_NSER = 24  # series terms: (x^2/4)^k / (k!)^2 < 1e-17 at k = 24 for x < 2
_NHANKEL = 16  # terms of P and of Q each: the 32nd term of the expansion is ~1e-19 at x = 25
_BIG = 1e150  # Miller's recurrences rescale past this


def _hankel_coeffs(n: int):
    """(-1)^k a_2k(n) for P and (-1)^k a_2k+1(n) for Q, a_k(n) = prod_{j<=k} (4n^2 - (2j-1)^2)
    / (k! 8^k)."""
    a = [1.0]
    for k in range(1, 2 * _NHANKEL):
        a.append(a[-1] * (4.0 * n * n - (2 * k - 1) ** 2) / (k * 8.0))
    p = np.array([a[2 * k] * (-1) ** k for k in range(_NHANKEL)])
    q = np.array([a[2 * k + 1] * (-1) ** k for k in range(_NHANKEL)])
    return p, q


_PQ = (_hankel_coeffs(0), _hankel_coeffs(1))


def _hankel(n: int, x):
    """(J_n(x), Y_n(x)) for x >= 25 and n in {0, 1}."""
    p_c, q_c = _PQ[n]
    r2 = 1.0 / (x * x)
    p = np.zeros_like(x)
    q = np.zeros_like(x)
    for cp, cq in zip(p_c[::-1], q_c[::-1]):
        p = p * r2 + cp
        q = q * r2 + cq
    q = q / x
    c, s = np.cos(x), np.sin(x)
    if n == 0:  # chi = x - pi/4
        cos_chi, sin_chi = c + s, s - c
    else:  # chi = x - 3 pi/4
        cos_chi, sin_chi = s - c, -(s + c)
    scale = np.sqrt(1.0 / (np.pi * x))  # sqrt(2 / (pi x)) / sqrt(2)
    return scale * (p * cos_chi - q * sin_chi), scale * (p * sin_chi + q * cos_chi)


def _series_j(n, x):
    """J_n(x) = (x/2)^n / n! sum_k (-x^2/4)^k / (k! (n+1)...(n+k)), for 0 <= x < 2 and integer
    n >= 0 (arrays of equal shape)."""
    y = -(x * x) / 4
    acc = np.ones_like(x)
    for k in range(_NSER, 0, -1):
        acc = 1.0 + acc * y / (k * (n + k))
    lead = np.ones_like(x)
    half = x / 2
    for k in range(1, int(n.max(initial=0)) + 1):
        lead = np.where(k <= n, lead * half / k, lead)
    return lead * acc


def _series_y01(x):
    """(Y0(x), Y1(x)) for 0 < x < 2 from A&S 9.1.13 and 9.1.11 with n = 1:
    (pi/2) Y0 = (log(x/2) + gamma) J0 - sum_k H_k (-x^2/4)^k / (k!)^2,
    (pi/2) Y1 = log(x/2) J1 - 1/x - (x/4) sum_k (psi(k+1) + psi(k+2)) (-x^2/4)^k / (k! (k+1)!)."""
    y = -(x * x) / 4
    zero = np.zeros_like(x)
    j0, j1 = _series_j(zero, x), _series_j(zero + 1, x)
    s0 = np.zeros_like(x)
    s1 = np.zeros_like(x)
    term0 = np.ones_like(x)  # y^k / (k!)^2
    term1 = np.ones_like(x)  # y^k / (k! (k+1)!)
    harmonic = 0.0
    for k in range(0, _NSER + 1):
        if k > 0:
            term0 = term0 * y / (k * k)
            term1 = term1 * y / (k * (k + 1))
            harmonic += 1.0 / k
        s0 = s0 + harmonic * term0
        s1 = s1 + (2 * harmonic + 1.0 / (k + 1) - 2 * _EULER) * term1
    log_half = np.log(x / 2)
    y0 = _TWO_OVER_PI * ((log_half + _EULER) * j0 - s0)
    y1 = _TWO_OVER_PI * (log_half * j1 - 1.0 / x - x / 4 * s1)
    return y0, y1


def _miller_start(n, x):
    """An even order far enough above max(n, x) that J_start(x) is negligible: the
    recurrence's error at the orders read is ~J_start / Y_start, below 1e-20."""
    m = np.maximum(n, x)
    return 2 * np.ceil((m + 16 + 3 * np.sqrt(m)) / 2).astype(np.int64)


def _miller_j(n, x, want_neumann=False):
    """J_n(x) for 2 <= x (elementwise integer n >= 0) by Miller's recurrence from a per-element
    start, normalised by J0 + 2 sum J_2k = 1; with want_neumann also J0, J1 and the Neumann
    sums (sum_k (-1)^k J_2k / k, sum_k (-1)^k (J_2k-1 - J_2k+1) / k) for Y0 and Y1."""
    start = _miller_start(n, x)
    top = int(start.max(initial=0))
    p_up = np.zeros_like(x)  # p_{k+1}
    p = np.zeros_like(x)  # p_k
    norm = np.zeros_like(x)
    got = np.zeros_like(x)
    s0 = np.zeros_like(x)
    s1 = np.zeros_like(x)
    p_j1 = np.zeros_like(x)
    for k in range(top, 0, -1):
        p = np.where(k == start, 1e-30, p)
        got = np.where(k == n, p, got)
        if want_neumann:
            if k % 2 == 0:  # J_k with k = 2m: s0 gets (-1)^m J_2m / m
                m = k // 2
                s0 = s0 + (-1) ** m * p / m
            else:  # J_k, k = 2m +- 1 odd: in (J_2m-1 - J_2m+1) / m for m = (k+1)/2 and (k-1)/2
                m_hi, m_lo = (k + 1) // 2, (k - 1) // 2
                s1 = s1 + (-1) ** m_hi * p / m_hi
                if m_lo > 0:
                    s1 = s1 - (-1) ** m_lo * p / m_lo
            if k == 1:
                p_j1 = p
        if k % 2 == 0:
            norm = norm + 2 * p
        p_down = (2.0 * k / x) * p - p_up
        p_up, p = p, p_down
        big = np.abs(p) > _BIG
        if big.any():
            f = np.where(big, 1.0 / _BIG, 1.0)
            p, p_up, norm, got, s0, s1, p_j1 = (v * f for v in (p, p_up, norm, got, s0, s1, p_j1))
    norm = norm + p  # p is now p_0
    got = np.where(n == 0, p, got)
    if not want_neumann:
        return got / norm
    return p / norm, p_j1 / norm, s0 / norm, s1 / norm


def _mid_y01(x):
    """(J0, J1, Y0, Y1) for 2 <= x < 25 from one Miller recurrence and Neumann's series."""
    zero = np.zeros(x.shape, np.int64)
    j0, j1, s0, s1 = _miller_j(zero, x, want_neumann=True)
    log_term = np.log(x / 2) + _EULER
    y0 = _TWO_OVER_PI * (log_term * j0 - 2 * s0)
    y1 = _TWO_OVER_PI * (log_term * j1 - j0 / x + s1)
    return j0, j1, y0, y1


def _regions(x):
    a = np.abs(x)
    small = a < _SMALL
    large = a >= _LARGE
    mid = ~small & ~large
    return a, small, mid, large


def _fill(shape, pieces):
    out = np.full(shape, np.nan)
    for mask, values in pieces:
        out[mask] = values
    return out


def _j01(x, order):
    """J_order(x) (order 0 or 1) for any real x."""
    x = np.asarray(x, np.float64)
    a, small, mid, large = _regions(x)
    pieces = []
    if small.any():
        s = a[small]
        pieces.append((small, _series_j(np.full(s.shape, order), s)))
    if mid.any():
        j0, j1, _, _ = _mid_y01(a[mid])
        pieces.append((mid, j1 if order else j0))
    if large.any():
        b = a[large]
        fin = np.isfinite(b)
        v = np.zeros_like(b)
        v[fin] = _hankel(order, b[fin])[0]
        pieces.append((large, v))
    out = _fill(x.shape, pieces)
    if order == 1:
        out = np.where(x < 0, -out, out)  # odd
    return out[()] if out.ndim == 0 else out


def j0(x):
    return _j01(x, 0)


def j1(x):
    return _j01(x, 1)


def _y01_all(a):
    """(Y0, Y1) for a > 0 (finite or inf)."""
    small, large = a < _SMALL, a >= _LARGE
    mid = ~small & ~large
    y0 = np.empty_like(a)
    y1 = np.empty_like(a)
    if small.any():
        y0[small], y1[small] = _series_y01(a[small])
    if mid.any():
        _, _, y0[mid], y1[mid] = _mid_y01(a[mid])
    if large.any():
        b = a[large]
        fin = np.isfinite(b)
        v0 = np.zeros_like(b)
        v1 = np.zeros_like(b)
        v0[fin] = _hankel(0, b[fin])[1]
        v1[fin] = _hankel(1, b[fin])[1]
        y0[large], y1[large] = v0, v1
    return y0, y1


def _y01(x, order):
    x = np.asarray(x, np.float64)
    out = np.full(x.shape, np.nan)
    pos = x > 0
    if pos.any():
        out[pos] = _y01_all(x[pos])[order]
    out[x == 0] = -np.inf
    return out[()] if out.ndim == 0 else out


def y0(x):
    return _y01(x, 0)


def y1(x):
    return _y01(x, 1)


def _integer_order(n):
    """The integer orders |n| as int64, the parity sign of negative orders, and where n is not
    an integer (nan there)."""
    n = np.asarray(n, np.float64)
    bad = ~np.isfinite(n) | (n != np.round(n))
    k = np.where(bad, 0.0, np.abs(n)).astype(np.int64)
    sign = np.where((n < 0) & (k % 2 == 1), -1.0, 1.0)
    return k, sign, bad


def jn(n, x):
    """J_n(x) for integer n (nan for other orders), any real x."""
    n, x = np.broadcast_arrays(np.asarray(n, np.float64), np.asarray(x, np.float64))
    k, sign, bad = _integer_order(n)
    a = np.abs(x)
    sign = sign * np.where((x < 0) & (k % 2 == 1), -1.0, 1.0)
    out = np.full(x.shape, np.nan)
    ok = ~bad & ~np.isnan(x)
    small = ok & (a < _SMALL)
    if small.any():
        out[small] = _series_j(k[small], a[small])
    miller = ok & (a >= _SMALL) & ((a < _LARGE) | (k >= a)) & np.isfinite(a)
    if miller.any():
        out[miller] = _miller_j(k[miller], a[miller])
    fwd = ok & (a >= _LARGE) & (k < a) & np.isfinite(a)
    if fwd.any():
        b, kk = a[fwd], k[fwd]
        lo, hi = _hankel(0, b)[0], _hankel(1, b)[0]
        out[fwd] = _forward(kk, b, lo, hi)
    out[ok & np.isinf(a)] = 0.0
    out = out * sign
    return out[()] if out.ndim == 0 else out


def _forward(k, x, f0, f1, sign=1.0):
    """f_k from f_0, f_1 by f_{m+1} = sign ((2m/x) f_m - f_{m-1}), elementwise order k: sign 1
    for J and Y, -1 for exp(-|x|) I (f_{m+1} = f_{m-1} - (2m/x) f_m; the negation is exact)."""
    out = np.where(k == 0, f0, f1)
    lo, hi = f0, f1
    for m in range(1, int(k.max(initial=0))):
        lo, hi = hi, sign * ((2.0 * m / x) * hi - lo)
        out = np.where(k == m + 1, hi, out)
    return out


def yn(n, x):
    """Y_n(x) for integer n (nan for other orders): nan for x < 0, -inf at 0."""
    n, x = np.broadcast_arrays(np.asarray(n, np.float64), np.asarray(x, np.float64))
    k, sign, bad = _integer_order(n)
    out = np.full(x.shape, np.nan)
    pos = ~bad & (x > 0)
    if pos.any():
        b = x[pos]
        f0, f1 = _y01_all(b)
        with np.errstate(over="ignore", invalid="ignore"):
            v = _forward(k[pos], b, f0, f1)
        out[pos] = np.where(np.isnan(v), -np.inf, v)  # -inf - (-inf) past overflow
    out[~bad & (x == 0)] = -np.inf
    out = out * sign
    return out[()] if out.ndim == 0 else out


def ive(n, x):
    """exp(-|x|) I_n(x) for integer n (nan for other orders), any real x."""
    n, x = np.broadcast_arrays(np.asarray(n, np.float64), np.asarray(x, np.float64))
    k, _, bad = _integer_order(n)  # I_-n = I_n
    a = np.abs(x)
    out = np.full(x.shape, np.nan)
    ok = ~bad & ~np.isnan(x)
    e0 = _i0e(a)
    e1 = _i1e(a)
    low = ok & (k <= 1)
    out[low] = np.where(k[low] == 0, e0[low], e1[low])
    fwd = ok & (k >= 2) & (k * k < a)
    if fwd.any():
        out[fwd] = _forward(k[fwd], a[fwd], e0[fwd], e1[fwd], -1.0)
    miller = ok & (k >= 2) & (k * k >= a)
    if miller.any():
        out[miller] = _miller_i(k[miller], a[miller]) * e0[miller]
    out = out * np.where((x < 0) & (k % 2 == 1), -1.0, 1.0)
    return out[()] if out.ndim == 0 else out


def _miller_i(n, x):
    """I_n(x) / I_0(x) for integer n >= 2 and n^2 >= x >= 0 by Miller's recurrence, started
    where I_start / I_n < 1e-18: the order with (start^2 - n^2) / (2x) >= 41 for large x, and
    n + 20 suffices for small x."""
    start = np.maximum(n + 20, np.ceil(np.sqrt(n * n + 82 * x)).astype(np.int64) + 10)
    top = int(start.max(initial=0))
    p_up = np.zeros_like(x)
    p = np.zeros_like(x)
    got = np.zeros_like(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        two_over_x = np.where(x > 0, 2.0 / x, 0.0)
    for kk in range(top, 0, -1):
        p = np.where(kk == start, 1e-30, p)
        got = np.where(kk == n, p, got)
        p_down = kk * two_over_x * p + p_up
        p_up, p = p, p_down
        big = np.abs(p) > _BIG
        if big.any():
            f = np.where(big, 1.0 / _BIG, 1.0)
            p, p_up, got = p * f, p_up * f, got * f
    with np.errstate(invalid="ignore"):
        return np.where(x > 0, got / p, 0.0)
