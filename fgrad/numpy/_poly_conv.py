"""Polynomials (polyval, polyadd, polysub, polymul, polyder, polyint), 1-d convolution and
correlation, and piecewise-linear interpolation (interp).

Polynomials are coefficient arrays, highest power first, as in numpy; their arithmetic is
slicing, padding and products. convolve/correlate gather the sliding windows of the longer
sequence (one static index matrix) and contract them with the shorter one, so both operands
are differentiable; numpy's argument swaps (convolve: the longer one slides; correlate:
swapped arguments give the reversed, conjugated result) are reproduced. interp searches
the knots with `searchsorted` and interpolates with JAX's formula, so its derivatives in x,
xp and fp are JAX's (zero-width knot intervals give fp[i - 1], not NaN).
"""

from __future__ import annotations

import numpy as np

from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.numpy._indexing import getitem
from fgrad.numpy._promotion import asarray_operand, cast, result_type
from fgrad.numpy._shape import concatenate, reshape
from fgrad.numpy._shape import where as _where

__all__ = [
    "polyval", "polyadd", "polysub", "polymul", "polyder", "polyint", "convolve",
    "correlate", "interp",
]


def _arr(a):
    a = asarray_operand(a)
    return np.asarray(a) if isinstance(a, (bool, int, float, complex, np.generic)) else a


def _u():
    from fgrad.numpy import _ufuncs

    return _ufuncs


def _atleast_1d(a):
    a = _arr(a)
    return reshape(a, (1,)) if get_aval(a).ndim == 0 else a


def _len(a):
    return get_aval(a).shape[0]


def polyval(p, x):
    """Horner's rule, y = y x + p[i], starting from zeros shaped (and typed) like x."""
    u = _u()
    p, x = _arr(p), _arr(x)
    y = np.zeros(get_aval(x).shape, get_aval(x).dtype)
    for i in range(_len(p) if get_aval(p).ndim else 1):
        y = u.add(u.multiply(y, x), p[i] if get_aval(p).ndim else p)
    return y


def _poly_combine(op, a1, a2):
    a1, a2 = _atleast_1d(a1), _atleast_1d(a2)
    d = _len(a2) - _len(a1)
    if d > 0:
        a1 = concatenate((np.zeros(d, get_aval(a1).dtype), a1))
    elif d < 0:
        a2 = concatenate((np.zeros(-d, get_aval(a2).dtype), a2))
    return op(a1, a2)


def polyadd(a1, a2):
    return _poly_combine(_u().add, a1, a2)


def polysub(a1, a2):
    return _poly_combine(_u().subtract, a1, a2)


def polymul(a1, a2):
    """numpy drops leading zero coefficients of both factors first; that changes the
    shape, so it happens only where the values are concrete (under jit the product keeps
    them, as JAX's polymul does by default)."""
    return convolve(_trim_leading_zeros(a1), _trim_leading_zeros(a2))


def _trim_leading_zeros(a):
    from fgrad.core.trace import find_concrete

    a = _atleast_1d(a)
    value = find_concrete(a)
    if value is None:
        return a
    nz = np.flatnonzero(np.asarray(value))
    if nz.size == 0:
        return np.zeros(1, get_aval(a).dtype)
    return a[int(nz[0]):] if nz[0] else a


def polyder(p, m=1):
    m = int(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = _arr(p)
    for _ in range(m):
        n = _len(p) - 1
        p = _u().multiply(p[:-1], np.arange(n, 0, -1))
    return p


def polyint(p, m=1, k=None):
    """m antiderivatives; k[i] is the constant of the (i+1)-th integration."""
    m = int(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    if k is None:
        k = np.zeros(m, float)
    k = _atleast_1d(k)
    if _len(k) == 1 and m > 1:
        k = _u().multiply(k[0], np.ones(m, float))
    if _len(k) < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    p = _arr(p)
    for i in range(m):
        q = _u().true_divide(p, np.arange(_len(p), 0, -1))
        p = concatenate((q, reshape(k[i], (1,))))
    return p


def _windows(a, m):
    """Rows t = 0 .. n + m - 2 of a zero-padded by m - 1 on both sides: row t holds
    a_pad[t : t + m] (one gather with a static index matrix)."""
    n = _len(a)
    padded = prims.pad(a, np.zeros((), get_aval(a).dtype), ((m - 1, m - 1, 0),))
    idx = np.arange(n + m - 1)[:, None] + np.arange(m)[None, :]
    return getitem(padded, idx)


def _correlate_full(a, v):
    """c[t] = sum_j a_pad[t + j] conj(v[j]) for len(a) >= len(v)."""
    if get_aval(v).dtype.kind == "c":
        v = prims.conj(v)
    w = _windows(a, _len(v))
    return prims.dot_general(w, v, (((1,), (0,)), ((), ())))


def _mode_slice(full, n, m, mode):
    if mode == "full":
        return full
    if mode == "valid":
        return full[m - 1 : n]
    if mode == "same":
        start = (m - 1) // 2
        return full[start : start + n]
    raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")


def _prepare(a, v):
    a, v = _atleast_1d(a), _atleast_1d(v)
    if get_aval(a).ndim != 1 or get_aval(v).ndim != 1:
        raise ValueError("object too deep for desired array")
    dt = result_type(a, v)
    if dt.kind == "b":
        raise NotImplementedError("fgrad.numpy convolve/correlate do not support bools")
    return cast(a, dt), cast(v, dt)


def correlate(a, v, mode="valid"):
    """c[k] = sum_n a[n + k] conj(v[n]); with len(v) > len(a) numpy computes it from the
    swapped pair, reversed and conjugated, and so does this."""
    a, v = _prepare(a, v)
    if _len(a) == 0 or _len(v) == 0:
        raise ValueError("v cannot be empty" if _len(v) == 0 else "a cannot be empty")
    if _len(v) > _len(a):
        from fgrad.numpy._more_shape import flip

        out = flip(_mode_slice(_correlate_full(v, a), _len(v), _len(a), mode), 0)
        return prims.conj(out) if get_aval(out).dtype.kind == "c" else out
    return _mode_slice(_correlate_full(a, v), _len(a), _len(v), mode)


def convolve(a, v, mode="full"):
    """Correlation of the longer sequence with the reversed shorter one."""
    from fgrad.numpy._more_shape import flip

    a, v = _prepare(a, v)
    if _len(v) > _len(a):
        a, v = v, a
    if _len(a) == 0:
        raise ValueError("a cannot be empty")
    if _len(v) == 0:
        raise ValueError("v cannot be empty")
    v = flip(v, 0)
    if get_aval(v).dtype.kind == "c":
        v = prims.conj(v)  # undo correlate's conjugation
    return _mode_slice(_correlate_full(a, v), _len(a), _len(v), mode)


def interp(x, xp, fp, left=None, right=None, period=None):
    """fp[i-1] + (x - xp[i-1]) (fp[i] - fp[i-1]) / (xp[i] - xp[i-1]) on the knot interval
    found by searchsorted; left/right (default fp[0], fp[-1]) outside. Results are float64
    (complex128 for complex fp), as numpy's are."""
    from fgrad.numpy._sorting import argsort, searchsorted

    u = _u()
    x, xp, fp = _arr(x), _arr(xp), _arr(fp)
    if get_aval(xp).ndim != 1 or get_aval(fp).ndim != 1:
        raise ValueError("Data points must be 1-D sequences")
    if _len(xp) != _len(fp):
        raise ValueError("fp and xp are not of the same length.")
    if _len(xp) == 0:
        raise ValueError("array of sample points is empty")
    f64 = np.dtype(np.float64)
    out_dt = np.dtype(np.complex128) if get_aval(fp).dtype.kind == "c" else f64
    x, xp, fp = cast(x, f64), cast(xp, f64), cast(fp, out_dt)
    if isinstance(x, np.generic):
        x = np.asarray(x)
    if period is not None:
        if period == 0:
            raise ValueError("period must be a non-zero value")
        period = abs(period)
        left = right = None
        x = u.remainder(x, period)
        xp = u.remainder(xp, period)
        order = argsort(xp)
        xp, fp = getitem(xp, order), getitem(fp, order)
        xp = concatenate((u.subtract(xp[-1:], period), xp, u.add(xp[:1], period)))
        fp = concatenate((fp[-1:], fp, fp[:1]))
    n = _len(xp)
    if n == 1:
        y = u.add(u.multiply(x, 0), fp[0]) if out_dt == f64 else prims.broadcast_in_dim(
            fp[0], get_aval(x).shape, ())
    else:
        i = u.minimum(u.maximum(searchsorted(xp, x, side="right"), 1), n - 1)
        j = u.subtract(i, 1)
        x0, x1, f0, f1 = getitem(xp, j), getitem(xp, i), getitem(fp, j), getitem(fp, i)
        dx = u.subtract(x1, x0)
        flat = u.equal(dx, 0)
        step = u.true_divide(u.subtract(x, x0), _where(flat, 1.0, dx))
        y = _where(flat, f0, u.add(f0, u.multiply(cast(step, out_dt), u.subtract(f1, f0))))
    if period is None:
        lo = fp[0] if left is None else cast(_arr(left), out_dt)
        hi = fp[-1] if right is None else cast(_arr(right), out_dt)
        y = _where(u.less(x, xp[0]), lo, y)
        y = _where(u.greater(x, xp[-1]), hi, y)
    y = cast(y, out_dt)
    return y[()] if isinstance(y, np.ndarray) and y.ndim == 0 else y

