"""median, quantile, percentile and their NaN-ignoring versions.

The reduced axes move last and merge into one, the values are sorted along it (NaNs last),
and each quantile reads the sorted values at numpy's "virtual index" for its method
(Hyndman & Fan), interpolating linearly between its two neighbours as numpy's `_lerp` does.
The derivative flows through the sort to the entries that were read, with weights 1 - g and
g (JAX's convention; ties: the entry that sorts into the read position, stable order) and to
q through the interpolation. The NaN-ignoring versions use the per-slice count of non-NaN
values as n, so the read positions become traced integers (a gather): still traceable.
An even-length median is the mean of the two middle values.
"""

from __future__ import annotations

import numpy as np

from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.core.trace import find_concrete
from fgrad.numpy._promotion import asarray_operand, cast, is_traced, normalize_axis_tuple
from fgrad.numpy._reductions import _no_out
from fgrad.numpy._shape import expand_dims, moveaxis, reshape, transpose, where
from fgrad.numpy._sorting import sort, take_along_last

__all__ = [
    "median", "quantile", "percentile", "nanmedian", "nanquantile", "nanpercentile",
]

_CONTINUOUS = {  # method: (alpha, beta) of the virtual index n q + alpha + q (1 - a - b) - 1
    "interpolated_inverted_cdf": (0.0, 1.0),
    "hazen": (0.5, 0.5),
    "weibull": (0.0, 0.0),
    "median_unbiased": (1 / 3.0, 1 / 3.0),
    "normal_unbiased": (3 / 8.0, 3 / 8.0),
}
_METHODS = ("inverted_cdf", "averaged_inverted_cdf", "closest_observation", "linear",
            "lower", "higher", "midpoint", "nearest") + tuple(_CONTINUOUS)


def _arr(a):
    a = asarray_operand(a)
    return np.asarray(a) if isinstance(a, (bool, int, float, complex, np.generic)) else a


def _ops():
    from fgrad.numpy import _ufuncs as u

    return u


def _reduce_last(a, axis):
    """a with the reduced axes merged into one last axis, plus the kept shape and the
    keepdims shape."""
    shape = get_aval(a).shape
    nd = len(shape)
    axes = tuple(range(nd)) if axis is None else normalize_axis_tuple(axis, nd)
    kept = [i for i in range(nd) if i not in axes]
    x = transpose(a, tuple(kept) + tuple(sorted(axes))) if nd else a
    kept_shape = tuple(shape[i] for i in kept)
    n = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    x = reshape(x, kept_shape + (n,))
    keep_shape = tuple(1 if i in axes else s for i, s in enumerate(shape))
    return x, n, kept_shape, keep_shape


def _is_nan(x):
    u = _ops()
    return u.not_equal(x, x)


def _virtual_index(method, n, q):
    """numpy's virtual index (float) or, for the discrete methods, integer index; n may be
    traced (counts of non-NaN values). Returns (index, is_integer, gamma or None)."""
    u = _ops()
    nm1 = n - 1 if isinstance(n, int) else u.subtract(n, 1)  # Python ints stay weak
    if method == "linear":
        return u.multiply(nm1, q), False
    if method in _CONTINUOUS:
        al, be = _CONTINUOUS[method]
        return u.subtract(u.add(u.multiply(n, q), u.add(al, u.multiply(q, 1 - al - be))), 1), False
    if method == "averaged_inverted_cdf":
        return u.subtract(u.multiply(n, q), 1), False
    if method == "midpoint":
        v = u.multiply(nm1, q)
        return u.multiply(0.5, u.add(u.floor(v), u.ceil(v))), False
    if method == "lower":
        return u.floor(u.multiply(nm1, q)), True
    if method == "higher":
        return u.ceil(u.multiply(nm1, q)), True
    if method == "nearest":
        return _round_half_even(u.multiply(nm1, q)), True
    # inverted_cdf, closest_observation: the next order statistic unless gamma is 0
    v = u.subtract(u.multiply(n, q), 1.5 if method == "closest_observation" else 1)
    prev = u.floor(v)
    at = u.equal(u.subtract(v, prev), 0)
    if method == "closest_observation":
        at = u.logical_and(at, u.equal(u.remainder(prev, 2), 1))
    return where(at, prev, u.add(prev, 1)), True


def _round_half_even(v):
    u = _ops()
    f = u.floor(v)
    d = u.subtract(v, f)
    up = u.logical_or(u.greater(d, 0.5),
                      u.logical_and(u.equal(d, 0.5), u.equal(u.remainder(f, 2), 1)))
    return where(up, u.add(f, 1), f)


def _gamma(method, v, prev):
    u = _ops()
    g = u.subtract(v, prev)
    if method == "averaged_inverted_cdf":
        return where(u.equal(g, 0), 0.5, 1.0)
    if method == "midpoint":
        return where(u.equal(u.remainder(v, 1), 0), 0.0, 0.5)
    return g


def _lerp(a, b, t):
    """numpy's: a + (b - a) t, or b - (b - a)(1 - t) where t >= 0.5 (exact at both ends)."""
    u = _ops()
    d = u.subtract(b, a)
    return where(u.greater_equal(t, 0.5), u.subtract(b, u.multiply(d, u.subtract(1, t))),
                 u.add(a, u.multiply(d, t)))


def _read(s, idx, lead_q):
    """s[b..., idx[q..., b...]] for s of shape B + (n,), idx of shape Q + B -> Q + B."""
    nq = len(lead_q)
    shape = get_aval(s).shape[:-1]
    idx = _lead(idx, lead_q + shape)
    if nq == 0:
        return take_along_last(s, expand_dims(idx, -1))[..., 0]
    m = int(np.prod(lead_q))
    flat = reshape(idx, (m,) + shape)
    out = take_along_last(s, moveaxis(flat, 0, -1))
    return reshape(moveaxis(out, -1, 0), lead_q + shape)


def _lead(x, shape):
    """x (whose shape is a prefix of `shape`) broadcast along new trailing axes."""
    x = np.asarray(x) if isinstance(x, np.generic) else x
    nd = get_aval(x).ndim
    return x if get_aval(x).shape == shape else prims.broadcast_in_dim(x, shape, tuple(range(nd)))


def _to_index(v, n_max):
    """A float index clipped into [0, n_max] (n_max may be traced), as int64."""
    u = _ops()
    v = u.minimum(u.maximum(v, 0), n_max)
    return cast(v, np.int64)


def _quantile(a, q, axis, method, keepdims, *, ignore_nan, name):
    if method not in _METHODS:
        raise ValueError(f"{method!r} is not a valid method. Use one of: {_METHODS}")
    u = _ops()
    weak_q = type(q) in (float, int) or (is_traced(q) and get_aval(q).weak_type)
    a, q = _arr(a), _arr(q)
    a_dt, q_aval = get_aval(a).dtype, get_aval(q)
    if a_dt.kind == "c":
        raise TypeError("a must be an array of real numbers")
    q_val = find_concrete(q)
    if q_val is not None and not np.all((np.asarray(q_val) >= 0) & (np.asarray(q_val) <= 1)):
        raise ValueError("Quantiles must be in the range [0, 1]")
    if q_aval.ndim > 2:
        raise ValueError("q must be a scalar or 1d")
    # numpy's result dtype, from numpy itself on a one-element stand-in
    int_q = q_aval.dtype.kind in "iub"
    q_stand = (0 if int_q else 0.5) if weak_q else np.full(q_aval.shape, not int_q, q_aval.dtype)
    out_dt = np.quantile(np.zeros(1, a_dt), q_stand, method=method).dtype
    x, n, kept_shape, keep_shape = _reduce_last(a, axis)
    if n == 0:
        raise ValueError(f"{name} of an empty array (or an empty reduction) is undefined")
    if q_aval.ndim == 0 and isinstance(q, np.ndarray):
        q = q[()]
    # numpy computes the indices in q's own float dtype (float64 for Python numbers)
    q = cast(q, np.float64) if weak_q or int_q else q
    s = sort(x, -1)
    lead_q = get_aval(q).shape
    has_nan = a_dt.kind == "f"
    # reads of NaN entries only happen in slices whose result is NaN anyway: reading zeros
    # there keeps NaN out of the derivatives (0 * NaN) of the other slices and of q
    s_read = where(_is_nan(s), 0, s) if has_nan else s
    if ignore_nan and has_nan:
        count = prims.reduce_sum(cast(u.logical_not(_is_nan(x)), np.int64), (len(kept_shape),))
        n_eff = cast(count, get_aval(q).dtype)
        n_eff = prims.broadcast_in_dim(n_eff, lead_q + kept_shape,
                                       tuple(range(len(lead_q), len(lead_q) + len(kept_shape))))
        qb = prims.broadcast_in_dim(q, lead_q + kept_shape, tuple(range(len(lead_q))))
        top = u.maximum(u.subtract(n_eff, 1), 0)
    else:
        n_eff, qb, top = n, q, n - 1
    v, integral = _virtual_index(method, n_eff, qb)
    integral = integral or (int_q and method == "linear")
    if integral:
        out = _read(s_read, _to_index(v, top), lead_q)
        if out_dt.kind == "f":
            out = cast(out, out_dt)
    else:
        prev = u.floor(v)
        below, above = u.less(v, 0), u.greater_equal(v, top)
        # the upper neighbour is ceil(v) (not floor(v) + 1, the same value since then g = 0)
        # so that at an integral index the derivative in q is 0, as in JAX
        nxt = u.add(prev, 1) if method == "averaged_inverted_cdf" else u.ceil(v)
        lo = where(below, 0, where(above, top, prev))
        hi = where(below, 0, where(above, top, nxt))
        g = _gamma(method, v, prev)
        sf = cast(s_read, out_dt)
        lo_val = _read(sf, _to_index(lo, top), lead_q)
        hi_val = _read(sf, _to_index(hi, top), lead_q)
        if name == "nanmedian":  # numpy takes the mean of the two middle values
            out = u.multiply(u.add(lo_val, hi_val), 0.5)
        else:
            out = _lerp(lo_val, hi_val, _lead(cast(g, out_dt), lead_q + kept_shape))
    if has_nan:
        bad = (u.equal(count, 0) if ignore_nan else _is_nan(s[..., -1]))
        out = where(bad, np.nan, out)
    if keepdims:
        out = reshape(out, lead_q + keep_shape)
    return cast(out, out_dt)


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None, interpolation=None):
    _no_out(out)
    _no_weights(weights)
    return _quantile(a, q, axis, interpolation or method, keepdims, ignore_nan=False,
                     name="quantile")


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None, interpolation=None):
    _no_out(out)
    _no_weights(weights)
    return _quantile(a, q, axis, interpolation or method, keepdims, ignore_nan=True,
                     name="nanquantile")


def _percent(q):
    if type(q) in (int, float):
        if not 0 <= q <= 100:
            raise ValueError("Percentiles must be in the range [0, 100]")
        return q / 100  # stays a weak Python scalar, as numpy's q does
    q = _arr(q)
    q_val = find_concrete(q)
    if q_val is not None and not np.all((np.asarray(q_val) >= 0) & (np.asarray(q_val) <= 100)):
        raise ValueError("Percentiles must be in the range [0, 100]")
    return _ops().true_divide(q, 100)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None, interpolation=None):
    return quantile(a, _percent(q), axis, out, overwrite_input, method, keepdims,
                    weights=weights, interpolation=interpolation)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None, interpolation=None):
    return nanquantile(a, _percent(q), axis, out, overwrite_input, method, keepdims,
                       weights=weights, interpolation=interpolation)


def _no_weights(weights):
    if weights is not None:
        raise NotImplementedError("fgrad.numpy quantiles do not support weights=")


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The middle value, or the mean of the two middle values for an even count; NaN where
    a slice holds a NaN."""
    _no_out(out)
    u = _ops()
    a = _arr(a)
    a_dt = get_aval(a).dtype
    out_dt = np.median(np.zeros(1, a_dt)).dtype
    x, n, kept_shape, keep_shape = _reduce_last(a, axis)
    if n == 0:
        raise ValueError("median of an empty array (or an empty reduction) is undefined")
    s = sort(x, -1)
    lo, hi = s[..., (n - 1) // 2], s[..., n // 2]
    acc = np.float32 if out_dt == np.float16 else out_dt
    res = u.multiply(u.add(cast(lo, acc), cast(hi, acc)), 0.5) if n % 2 == 0 else cast(lo, acc)
    if a_dt.kind == "f":
        res = where(_is_nan(s[..., -1]), np.nan, res)
    res = cast(res, out_dt)
    return reshape(res, keep_shape) if keepdims else res


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median of the non-NaN values of each slice (NaN for an all-NaN slice)."""
    _no_out(out)
    a = _arr(a)
    if get_aval(a).dtype.kind != "f":
        return median(a, axis, keepdims=keepdims)
    return _quantile(a, 0.5, axis, "midpoint", keepdims, ignore_nan=True, name="nanmedian")
