"""Float64 numpy kernel of the regularized incomplete beta function I_x(a, b). Pure numpy, no
fgrad imports.

Method: the continued fraction (DLMF 8.17.22)
    I_x(a, b) = x^a (1-x)^b / (a B(a, b)) / (1 + d1 / (1 + d2 / (1 + ...))),
    d_{2m+1} = -(a+m)(a+b+m) x / ((a+2m)(a+2m+1)),  d_{2m} = m(b-m) x / ((a+2m-1)(a+2m)),
evaluated by the modified Lentz method where it converges fast, x < (a+1)/(a+b+2), and through
the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) elsewhere; where that complement is close to 1 (so
1 - it cancels), the fraction is also evaluated at x itself, where it converges more slowly, and
the result with the smaller error estimate is kept. The prefactor is formed in log space; for
a, b >= 8 in a form whose large terms cancel analytically (see _log_prefactor), otherwise with
log1p(-x) and the accurate betaln.
"""

from __future__ import annotations

import numpy as np

from fgrad.prims._math_gamma import betaln, poly, stirling_tail
from fgrad.prims._math_igamma import _EPS, _iterate

_LOG1PMX = (-1.0) ** np.arange(3, 40) / np.arange(2, 39)

__all__ = ["betainc"]


def _cf(a, b, x):
    tiny = 1e-300
    qab, qap = a + b, a + 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
    st = {"a": a.copy(), "b": b.copy(), "x": x.copy(), "c": np.ones_like(a), "d": d,
          "h": d.copy(), "m": np.zeros_like(a)}

    def lentz(s, coef):
        d = 1.0 + coef * s["d"]
        d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
        c = 1.0 + coef / s["c"]
        c = np.where(np.abs(c) < tiny, tiny, c)
        s["d"], s["c"] = d, c
        return d * c

    def step(s):
        s["m"] = s["m"] + 1
        m, a, b, x = s["m"], s["a"], s["b"], s["x"]
        m2 = 2 * m
        s["h"] = s["h"] * lentz(s, m * (b - m) * x / ((a - 1.0 + m2) * (a + m2)))
        delta = lentz(s, -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2)))
        s["h"] = s["h"] * delta
        return np.abs(delta - 1.0) <= _EPS * 0.5

    out = _iterate(step, st, np.ones(a.shape, bool), 100000)
    return out["h"], out["m"]


def _log1pmx(u, log_1pu):
    """log(1 + u) - u: by its series where |u| < 0.3 (where the difference would cancel),
    elsewhere from `log_1pu`, log(1 + u) computed from the original ratio (1 + u itself may
    have lost digits to rounding when u is near -1)."""
    small = np.abs(u) < 0.3
    us = np.where(small, u, 0.0)
    return np.where(small, us * us * poly(_LOG1PMX, us), log_1pu - u)


def _log_prefactor(a, b, x):
    """log(x^a (1-x)^b / B(a, b)). For a, b >= 8, with B(a, b) by Stirling and x0 = a/(a+b):
    a log(x/x0) + b log((1-x)/(1-x0)) = a g(u) + b g(v), g = log1p(.) - (.), u = x/x0 - 1,
    v = -u a/b, whose large linear parts cancel exactly; the direct form loses ~(a+b) ulp at
    the centre of the distribution."""
    big = (a >= 8) & (b >= 8)
    direct = a * np.log(x) + b * np.log1p(-x) - betaln(a, b)
    ab, bb, xb = (np.where(big, v, d) for v, d in ((a, 8.0), (b, 8.0), (x, 0.5)))
    s = ab + bb
    u = (xb - ab / s) / (ab / s)
    g_u = _log1pmx(u, np.log(xb * s / ab))
    g_v = _log1pmx(-u * ab / bb, np.log1p(-xb) + np.log(s / bb))
    stirling = (ab * g_u + bb * g_v + 0.5 * np.log(ab * bb / s)
                - 0.5 * np.log(2 * np.pi) - stirling_tail(ab) - stirling_tail(bb)
                + stirling_tail(s))
    return np.where(big, stirling, direct)


def _direct(a, b, x):
    """(I_x(a, b) by the continued fraction, the number of iterations it took)."""
    h, m = _cf(a, b, x)
    return np.exp(_log_prefactor(a, b, x) - np.log(a)) * h, m


def betainc(a, b, x):
    a, b, x = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (a, b, x)))
    shape = a.shape
    a, b, x = a.ravel(), b.ravel(), x.ravel()
    out = np.full(a.shape, np.nan)
    ok = (a > 0) & (b > 0) & (x > 0) & (x < 1) & np.isfinite(a) & np.isfinite(b)
    lower = ok & (x < (a + 1.0) / (a + b + 2.0))
    upper = ok & ~lower
    if lower.any():
        out[lower] = _direct(a[lower], b[lower], x[lower])[0]
    if upper.any():
        comp = _direct(b[upper], a[upper], 1.0 - x[upper])[0]
        out[upper] = 1.0 - comp
        # where the complement is close to 1, 1 - comp cancels (error ~ eps / I): the fraction
        # still converges at x itself, more slowly (error ~ eps per iteration); keep whichever
        # of the two error estimates is smaller
        redo = np.zeros_like(upper)
        redo[upper] = comp > 0.9
        if redo.any():
            direct, m = _direct(a[redo], b[redo], x[redo])
            better = 4.0 * m < 1.0 / np.maximum(direct, 1e-300)
            idx = np.nonzero(redo)[0][better]
            out[idx] = direct[better]
    edge_ok = (a >= 0) & (b >= 0) & ~((a == 0) & (b == 0)) & np.isfinite(a) & np.isfinite(b)
    out[edge_ok & (x == 0)] = 0.0
    out[edge_ok & (x == 1)] = 1.0
    # a degenerate parameter puts all the mass at one end
    out[(a == 0) & (b > 0) & (x > 0) & (x <= 1)] = 1.0
    out[(b == 0) & (a > 0) & (x >= 0) & (x < 1)] = 0.0
    return out.reshape(shape)
