"""Float64 numpy kernels of the regularized incomplete gamma functions P(a, x), Q(a, x) and of
dP/da. Pure numpy, no fgrad imports.

Methods: the power series of P for x < a + 1, Legendre's continued fraction of Q (modified
Lentz) for x >= a + 1, and for a < 1, x < a + 1 a series that gives Q without the cancellation
of 1 - P. For large a the prefactor x^a e^-x / Gamma(a + 1) is formed as
exp(a (log(x/a) - u) - stirling_tail(a)) / sqrt(2 pi a), u = (x - a) / a (a series near u = 0),
which avoids the cancellation between a log x, x and lgamma(a + 1).

dP/da is the forward-mode derivative of the same three algorithms with respect to a (each
iteration carries the derivative of its state), so it converges where they do and needs no
quadrature.
"""

from __future__ import annotations

import numpy as np

from fgrad.prims._math_gamma import digamma, lgamma1p, poly, stirling_tail

__all__ = ["gammainc", "gammaincc", "gammainc_grad_a"]


def _log1pmx(x, a):
    """log(x / a) - (x - a) / a, accurate also for x close to a (series in u = (x - a) / a)."""
    u = (x - a) / a
    small = np.abs(u) < 0.3
    us = np.where(small, u, 0.0)
    k = np.arange(2, 40, dtype=np.float64)
    series = us * us * poly((-1.0) ** (k + 1) / k, us)
    return np.where(small, series, np.log(x / a) - u)


def _prefactor(a, x):
    """x^a e^-x / Gamma(a + 1), for a > 0, x > 0."""
    small = a < 10
    a_s = np.where(small, a, 1.0)
    direct = np.exp(a_s * np.log(x) - x - lgamma1p(a_s))
    a_b = np.where(small, 10.0, a)
    large = np.exp(a_b * _log1pmx(x, a_b) - stirling_tail(a_b)) / np.sqrt(2 * np.pi * a_b)
    return np.where(small, direct, large)


def _iterate(step, state, active, max_iter):
    """Run `step` on the still-active elements until each reports convergence."""
    idx = np.nonzero(active)[0]
    for _ in range(max_iter):
        if idx.size == 0:
            break
        sub = {k: v[idx] for k, v in state.items()}
        done = step(sub)
        for k, v in sub.items():
            state[k][idx] = v
        idx = idx[~done]
    return state


_EPS = np.finfo(np.float64).eps


def _p_series(a, x):
    """sum_{n>=0} x^n / ((a+1)...(a+n))."""
    st = {"a": a.copy(), "x": x.copy(), "term": np.ones_like(a), "sum": np.ones_like(a),
          "n": np.zeros_like(a)}

    def step(s):
        s["n"] = s["n"] + 1
        s["term"] = s["term"] * s["x"] / (s["a"] + s["n"])
        s["sum"] = s["sum"] + s["term"]
        return s["term"] <= _EPS * 0.25 * s["sum"]

    return _iterate(step, st, np.ones(a.shape, bool), 100000)["sum"]


def _q_cf(a, x):
    """Legendre's continued fraction for Gamma(a) Q(a, x) e^x x^-a (modified Lentz)."""
    tiny = 1e-300
    b = x + 1.0 - a
    st = {"a": a.copy(), "b": b, "c": np.full_like(a, 1 / tiny), "d": 1.0 / b, "h": 1.0 / b,
          "i": np.zeros_like(a)}

    def step(s):
        s["i"] = s["i"] + 1
        an = -s["i"] * (s["i"] - s["a"])
        s["b"] = s["b"] + 2.0
        d = an * s["d"] + s["b"]
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = s["b"] + an / s["c"]
        c = np.where(np.abs(c) < tiny, tiny, c)
        s["d"] = 1.0 / d
        s["c"] = c
        delta = s["d"] * c
        s["h"] = s["h"] * delta
        return np.abs(delta - 1.0) <= _EPS * 0.25

    return _iterate(step, st, np.ones(a.shape, bool), 100000)["h"]


def _q_small_a(a, x):
    """(P, Q) for a < 1, 0 < x < a + 1: x^a/Gamma(a+1) (1 + a sum_{n>=1} (-x)^n/(n!(a+n)))
    gives P, and Q = -expm1(a log x - lgamma(1+a)) - x^a/Gamma(a+1) a sum_{n>=1} ... gives Q
    with no 1 - P cancellation."""
    term = np.ones_like(a)
    acc = np.zeros_like(a)
    for n in range(1, 60):
        term = term * -x / n
        acc = acc + term / (a + n)
    log_pre = a * np.log(x) - lgamma1p(a)
    pre = np.exp(log_pre)
    p = pre * (1.0 + a * acc)
    q = -np.expm1(log_pre) - pre * a * acc
    return p, q


def _igamma_both(a, x):
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    shape = a.shape
    a, x = a.ravel(), x.ravel()
    p = np.full(a.shape, np.nan)
    q = np.full(a.shape, np.nan)
    ok = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    r1 = ok & (a < 1) & (x < a + 1)
    r2 = ok & ~r1 & (x < a + 1)
    r3 = ok & (x >= a + 1)
    if r1.any():
        p[r1], q[r1] = _q_small_a(a[r1], x[r1])
    if r2.any():
        a2, x2 = a[r2], x[r2]
        p[r2] = _prefactor(a2, x2) * _p_series(a2, x2)
        q[r2] = 1.0 - p[r2]
    if r3.any():
        a3, x3 = a[r3], x[r3]
        q[r3] = a3 * _prefactor(a3, x3) * _q_cf(a3, x3)
        p[r3] = 1.0 - q[r3]
    # limits: P(a, 0) = 0, P(0, x) = 1, P(a, inf) = 1, P(inf, x) = 0
    zero_x = (x == 0) & (a > 0)
    p[zero_x], q[zero_x] = 0.0, 1.0
    zero_a = (a == 0) & (x > 0)
    p[zero_a], q[zero_a] = 1.0, 0.0
    inf_x = (x == np.inf) & (a >= 0) & (a < np.inf)
    p[inf_x], q[inf_x] = 1.0, 0.0
    inf_a = (a == np.inf) & (x >= 0) & (x < np.inf)
    p[inf_a], q[inf_a] = 0.0, 1.0
    return p.reshape(shape), q.reshape(shape)


def _p_series_da(a, x):
    """(sum_n t_n, sum_n t_n H_n) with t_n = x^n / ((a+1)...(a+n)), H_n = sum_{j<=n} 1/(a+j):
    the series of P and minus its derivative in a."""
    st = {"a": a.copy(), "x": x.copy(), "term": np.ones_like(a), "sum": np.ones_like(a),
          "h": np.zeros_like(a), "dsum": np.zeros_like(a), "n": np.zeros_like(a)}

    def step(s):
        s["n"] = s["n"] + 1
        s["term"] = s["term"] * s["x"] / (s["a"] + s["n"])
        s["h"] = s["h"] + 1.0 / (s["a"] + s["n"])
        s["sum"] = s["sum"] + s["term"]
        inc = s["term"] * s["h"]
        s["dsum"] = s["dsum"] + inc
        return (s["term"] <= _EPS * 0.25 * s["sum"]) & (inc <= _EPS * 0.25 * s["dsum"])

    out = _iterate(step, st, np.ones(a.shape, bool), 100000)
    return out["sum"], out["dsum"]


def _q_cf_da(a, x):
    """Legendre's continued fraction and its derivative in a: modified Lentz carried in
    forward mode (every state variable with its derivative)."""
    tiny = 1e-300
    b = x + 1.0 - a
    st = {"a": a.copy(), "b": b, "c": np.full_like(a, 1 / tiny), "dc": np.zeros_like(a),
          "d": 1.0 / b, "dd": 1.0 / (b * b), "h": 1.0 / b, "dh": 1.0 / (b * b),
          "i": np.zeros_like(a)}

    def step(s):
        s["i"] = s["i"] + 1
        i = s["i"]
        an = -i * (i - s["a"])
        s["b"] = s["b"] + 2.0
        den = an * s["d"] + s["b"]
        den = np.where(np.abs(den) < tiny, tiny, den)
        d = 1.0 / den
        dd = -(i * s["d"] + an * s["dd"] - 1.0) * d * d
        c = s["b"] + an / s["c"]
        dc = -1.0 + i / s["c"] - an * s["dc"] / (s["c"] * s["c"])
        c = np.where(np.abs(c) < tiny, tiny, c)
        delta = c * d
        ddelta = dc * d + c * dd
        s["dh"] = s["dh"] * delta + s["h"] * ddelta
        s["h"] = s["h"] * delta
        s["c"], s["dc"], s["d"], s["dd"] = c, dc, d, dd
        return (np.abs(delta - 1.0) <= _EPS * 0.25) & (
            np.abs(s["h"] * ddelta) <= _EPS * 0.25 * np.abs(s["dh"]))

    out = _iterate(step, st, np.ones(a.shape, bool), 100000)
    return out["h"], out["dh"]


def _small_a_da(a, x):
    """dP/da in the region of `_q_small_a`, from P = e^L (1 + a S), L = a log x - lgamma(1+a),
    S = sum_{n>=1} (-x)^n / (n! (a+n))."""
    term = np.ones_like(a)
    s1 = np.zeros_like(a)
    s2 = np.zeros_like(a)
    for n in range(1, 60):
        term = term * -x / n
        s1 = s1 + term / (a + n)
        s2 = s2 + term / (a + n) ** 2
    log_pre = a * np.log(x) - lgamma1p(a)
    pre = np.exp(log_pre)
    dlog_pre = np.log(x) - digamma(1.0 + a)
    return pre * (dlog_pre * (1.0 + a * s1) + s1 - a * s2)


def gammainc_grad_a(a, x):
    """dP(a, x)/da (= -dQ/da)."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    shape = a.shape
    a, x = a.ravel(), x.ravel()
    out = np.full(a.shape, np.nan)
    ok = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    r1 = ok & (a < 1) & (x < a + 1)
    r2 = ok & ~r1 & (x < a + 1)
    r3 = ok & (x >= a + 1)
    if r1.any():
        out[r1] = _small_a_da(a[r1], x[r1])
    if r2.any():
        a2, x2 = a[r2], x[r2]
        pre = _prefactor(a2, x2)
        s, ds = _p_series_da(a2, x2)
        out[r2] = pre * (s * (np.log(x2) - digamma(a2 + 1.0)) - ds)
    if r3.any():
        a3, x3 = a[r3], x[r3]
        pre = a3 * _prefactor(a3, x3)
        h, dh = _q_cf_da(a3, x3)
        out[r3] = -(pre * h * (np.log(x3) - digamma(a3)) + pre * dh)
    # P(a, 0) = 0 and P(a, inf) = 1 for every a > 0: no dependence on a
    out[((x == 0) | (x == np.inf)) & (a > 0)] = 0.0
    return out.reshape(shape)


def gammainc(a, x):
    return _igamma_both(a, x)[0]


def gammaincc(a, x):
    return _igamma_both(a, x)[1]
