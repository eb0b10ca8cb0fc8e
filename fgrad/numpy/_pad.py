"""numpy.pad with every mode but a callable one: constant, edge, linear_ramp, maximum, mean,
median, minimum, reflect, symmetric (both reflect types), wrap, empty.

Axes are padded one after another, as numpy does, so corners come from padding the already
padded array along the later axes. Constant padding is the `pad` primitive; the other modes
are slices, flips and concatenations of the current array (numpy's own chunked iteration for
pads wider than the array), so every mode is linear in the array, except the statistics,
whose derivatives are those of max/min/mean/median (ties of max/min share evenly, as in JAX).
Widths, modes and the ramp end values are static; constant values may be traced scalars.
"""

from __future__ import annotations

import builtins

import numpy as np

from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.numpy._promotion import asarray_operand, broadcast_to_shape, cast, is_traced
from fgrad.numpy._shape import concatenate

__all__ = ["pad"]

_ALLOWED = {
    "empty": (), "edge": (), "wrap": (), "constant": ("constant_values",),
    "linear_ramp": ("end_values",), "maximum": ("stat_length",), "mean": ("stat_length",),
    "median": ("stat_length",), "minimum": ("stat_length",), "reflect": ("reflect_type",),
    "symmetric": ("reflect_type",),
}


def _arr(a):
    a = asarray_operand(a)
    return np.asarray(a) if isinstance(a, (bool, int, float, complex, np.generic)) else a


def _pairs(x, ndim, as_index=False):
    """numpy's broadcast of a pad parameter to one (before, after) pair per axis."""
    if x is None:
        return ((None, None),) * ndim
    if is_traced(x):
        if get_aval(x).ndim == 0:
            return ((x, x),) * ndim
        raise NotImplementedError("fgrad.numpy.pad accepts traced constant values only as a "
                                  "single scalar")
    x = np.array(x)
    if as_index:
        x = np.round(x).astype(np.intp)
    if x.ndim < 3:
        if x.size == 1:
            x = x.ravel()
            if as_index and x[0] < 0:
                raise ValueError("index can't contain negative values")
            return ((x[0], x[0]),) * ndim
        if x.size == 2 and x.shape != (2, 1):
            x = x.ravel()
            if as_index and (x[0] < 0 or x[1] < 0):
                raise ValueError("index can't contain negative values")
            return ((x[0], x[1]),) * ndim
    if as_index and x.min() < 0:
        raise ValueError("index can't contain negative values")
    return tuple(tuple(p) for p in np.broadcast_to(x, (ndim, 2)).tolist())


def _widths(pad_width, ndim):
    if isinstance(pad_width, dict):
        seq = [(0, 0)] * ndim
        for axis, w in pad_width.items():
            seq[axis] = (w, w) if isinstance(w, int) else tuple(w)
        pad_width = seq
    arr = np.asarray(pad_width)
    if arr.dtype.kind not in "iu":
        raise TypeError("`pad_width` must be of integral type.")
    return tuple((int(a), int(b)) for a, b in _pairs(arr, ndim, as_index=True))


def _take(x, ax, start, stop, step=1):
    from fgrad.numpy._indexing import getitem

    return getitem(x, (slice(None),) * ax + (slice(start, stop, step),) + (Ellipsis,))


def _slab(x, ax, width, source):
    """`source` (one wide along ax) repeated `width` times along ax."""
    shape = list(get_aval(x).shape)
    shape[ax] = width
    return broadcast_to_shape(source, tuple(shape))


def _join(left, x, right, ax):
    parts = [p for p in (left, x, right) if p is not None]
    return concatenate(parts, ax) if len(parts) > 1 else x


def _constant(x, ax, lo, hi, vlo, vhi):
    dt = get_aval(x).dtype
    nd = get_aval(x).ndim

    def val(v):
        v = cast(asarray_operand(v), dt)
        return np.asarray(v) if isinstance(v, np.generic) else v

    cfg = [(0, 0, 0)] * nd
    if _same(vlo, vhi):
        cfg[ax] = (lo, hi, 0)
        return prims.pad(x, val(vlo), cfg)
    cfg[ax] = (lo, 0, 0)
    x = prims.pad(x, val(vlo), cfg) if lo else x
    cfg[ax] = (0, hi, 0)
    return prims.pad(x, val(vhi), cfg) if hi else x


def _same(a, b):
    if is_traced(a) or is_traced(b):
        return a is b
    return np.array_equal(np.asarray(a), np.asarray(b))


def _edge(x, ax, lo, hi):
    n = get_aval(x).shape[ax]
    left = _slab(x, ax, lo, _take(x, ax, 0, 1)) if lo else None
    right = _slab(x, ax, hi, _take(x, ax, n - 1, n)) if hi else None
    return _join(left, x, right, ax)


def _ramp(x, ax, width, edge, end, reverse):
    """numpy's linspace(end, edge, width, endpoint=False) along ax: i (edge - end) / w + end,
    computed in float64 (float32/complex64 as numpy would) and floored for integers."""
    from fgrad.numpy import _ufuncs as u

    dt = get_aval(x).dtype
    end = np.asarray(end)
    work = np.result_type(end.dtype, dt, float)
    shape = [1] * get_aval(x).ndim
    shape[ax] = width
    i = np.arange(width, dtype=work).reshape(shape)
    if reverse:
        i = i[(slice(None),) * ax + (slice(None, None, -1),)]
    e = cast(edge, work)
    y = u.add(u.multiply(i, u.true_divide(u.subtract(e, end.astype(work)), width)),
              end.astype(work))
    if dt.kind in "iub":
        y = u.floor(y)
    return cast(y, dt)


def _linear_ramp(x, ax, lo, hi, end_lo, end_hi):
    n = get_aval(x).shape[ax]
    left = _ramp(x, ax, lo, _take(x, ax, 0, 1), end_lo, False) if lo else None
    right = _ramp(x, ax, hi, _take(x, ax, n - 1, n), end_hi, True) if hi else None
    return _join(left, x, right, ax)


def _stat(x, ax, mode, chunk):
    from fgrad.numpy._quantiles import _round_half_even, median
    from fgrad.numpy._reductions import max, mean, min

    fn = {"maximum": max, "minimum": min, "mean": mean, "median": median}[mode]
    s = fn(chunk, ax, keepdims=True)
    dt = get_aval(x).dtype
    if dt.kind in "iu" and mode in ("mean", "median"):
        s = _round_half_even(s)
    return cast(s, dt)


def _stats(x, ax, lo, hi, mode, len_lo, len_hi):
    n = get_aval(x).shape[ax]
    len_lo = n if len_lo is None or len_lo > n else int(len_lo)
    len_hi = n if len_hi is None or len_hi > n else int(len_hi)
    if (len_lo == 0 or len_hi == 0) and mode in ("maximum", "minimum"):
        raise ValueError("stat_length of 0 yields no value for padding")
    s_lo = _stat(x, ax, mode, _take(x, ax, 0, len_lo))
    s_hi = s_lo if len_lo == len_hi == n else _stat(x, ax, mode, _take(x, ax, n - len_hi, n))
    left = _slab(x, ax, lo, s_lo) if lo else None
    right = _slab(x, ax, hi, s_hi) if hi else None
    return _join(left, x, right, ax)


def _reflect(x, ax, lo, hi, odd, include_edge):
    """numpy's iteration: each round mirrors at most one period-aligned chunk of the values
    filled so far onto each side (about the current edge; "odd" reflects values too)."""
    from fgrad.numpy import _ufuncs as u

    n = get_aval(x).shape[ax]
    if n == 1:
        return _edge(x, ax, lo, hi)
    while lo > 0 or hi > 0:
        length = get_aval(x).shape[ax]
        if include_edge:
            usable, offset = length // n * n, 1
        else:
            usable, offset = (length - 1) // (n - 1) * (n - 1), 0
        left = right = None
        if lo > 0:
            k = builtins.min(usable, lo)
            left = _mirror_left(x, ax, k, offset)
            if odd:
                left = u.subtract(u.multiply(2, _take(x, ax, 0, 1)), left)
            lo -= k
        if hi > 0:
            k = builtins.min(usable, hi)
            right = _mirror_right(x, ax, k, offset)
            if odd:
                right = u.subtract(u.multiply(2, _take(x, ax, length - 1, length)), right)
            hi -= k
        x = _join(left, x, right, ax)
    return x


def _mirror_left(x, ax, k, offset):
    """Reflect: x[k], ..., x[1]; symmetric (offset 1): x[k-1], ..., x[0]."""
    from fgrad.numpy._more_shape import flip

    return flip(_take(x, ax, 1 - offset, k + 1 - offset), ax)


def _mirror_right(x, ax, k, offset):
    """Reflect: x[-2], ..., x[-k-1]; symmetric: x[-1], ..., x[-k]."""
    from fgrad.numpy._more_shape import flip

    length = get_aval(x).shape[ax]
    return flip(_take(x, ax, length - 1 + offset - k, length - 1 + offset), ax)


def _wrap(x, ax, lo, hi):
    n = get_aval(x).shape[ax]
    while lo > 0 or hi > 0:
        length = get_aval(x).shape[ax]
        period = length // n * n
        left = right = None
        if lo > 0:
            k = builtins.min(period, lo)
            left = _take(x, ax, period - k, period)
            lo = lo - period if lo > period else 0
        if hi > 0:
            k = builtins.min(period, hi)
            right = _take(x, ax, length - period, length - period + k)
            hi = hi - period if hi > period else 0
        x = _join(left, x, right, ax)
    return x


def pad(array, pad_width, mode="constant", **kwargs):
    if callable(mode):
        raise NotImplementedError("fgrad.numpy.pad does not support a callable mode; write "
                                  "the padding with concatenate or .at[].set instead")
    x = _arr(array)
    nd = get_aval(x).ndim
    widths = _widths(pad_width, nd)
    if mode not in _ALLOWED:
        raise ValueError(f"mode '{mode}' is not supported")
    extra = set(kwargs) - set(_ALLOWED[mode])
    if extra:
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': {extra}")
    shape = get_aval(x).shape
    if mode in ("constant", "empty"):
        values = _pairs(kwargs.get("constant_values", 0) if mode == "constant" else 0, nd)
        if nd and builtins.all(_same(v, values[0][0]) for pair in values for v in pair):
            value = cast(asarray_operand(values[0][0]), get_aval(x).dtype)
            value = np.asarray(value) if isinstance(value, np.generic) else value
            return prims.pad(x, value, [(lo, hi, 0) for lo, hi in widths])
        for ax, ((lo, hi), (vlo, vhi)) in enumerate(zip(widths, values)):
            if lo or hi:
                x = _constant(x, ax, lo, hi, vlo, vhi)
        return x
    if get_aval(x).size == 0:
        for ax, (lo, hi) in enumerate(widths):
            if shape[ax] == 0 and (lo or hi):
                raise ValueError(f"can't extend empty axis {ax} using modes other than "
                                 "'constant' or 'empty'")
        return prims.pad(x, np.zeros((), get_aval(x).dtype), [(lo, hi, 0) for lo, hi in widths])
    if mode == "linear_ramp":
        ends = _pairs(kwargs.get("end_values", 0), nd)
    elif mode in ("maximum", "minimum", "mean", "median"):
        lengths = _pairs(kwargs.get("stat_length"), nd, as_index=True)
    method = kwargs.get("reflect_type", "even")
    if method not in ("even", "odd"):
        raise ValueError(f"reflect_type must be 'even' or 'odd', got {method!r}")
    for ax, (lo, hi) in enumerate(widths):
        if not (lo or hi):
            continue
        if mode == "edge":
            x = _edge(x, ax, lo, hi)
        elif mode == "linear_ramp":
            x = _linear_ramp(x, ax, lo, hi, *ends[ax])
        elif mode in ("maximum", "minimum", "mean", "median"):
            x = _stats(x, ax, lo, hi, mode, *lengths[ax])
        elif mode in ("reflect", "symmetric"):
            x = _reflect(x, ax, lo, hi, method == "odd", mode == "symmetric")
        else:
            x = _wrap(x, ax, lo, hi)
    return x
