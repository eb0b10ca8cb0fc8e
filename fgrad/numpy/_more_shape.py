"""More of numpy's array functions (issue 4), each a composite of other fgrad.numpy functions.

No new primitives: flips and rolls are slices and concatenations, tile/repeat/kron are
broadcasts and reshapes, diagonals and take are integer-array indexing (gather, whose
transpose scatter-adds), cumprod is a log-step scan of multiplications (exact derivatives at
zero entries, unlike exp(cumsum(log))). einsum lives in _einsum.py. All sizes, axes and index
lists are static, as numpy's are."""

from __future__ import annotations

import builtins

import numpy as np

from fgrad.core.avals import get_aval
from fgrad.numpy._indexing import getitem
from fgrad.numpy._promotion import (
    asarray_operand,
    broadcast_shapes,
    broadcast_to_shape,
    cast,
    normalize_axis_index,
    normalize_axis_tuple,
)
from fgrad.numpy._reductions import _accumulation_dtype, _no_out, max, mean, min, sum
from fgrad.numpy._shape import concatenate, expand_dims, moveaxis, ravel, reshape
from fgrad.numpy._shape import where as _where

__all__ = [
    "atleast_1d", "atleast_2d", "atleast_3d", "flip", "fliplr", "flipud", "roll", "tile",
    "repeat", "split", "array_split", "vstack", "hstack", "dstack", "column_stack", "diag",
    "diagonal", "trace", "tril", "triu", "take", "take_along_axis", "ptp", "average",
    "cumprod", "nansum", "nanmean", "kron", "cross",
]


def _arr(a):
    a = asarray_operand(a)
    return np.asarray(a) if isinstance(a, (bool, int, float, complex, np.generic)) else a


def _shape(a):
    return get_aval(a).shape


# ----- at least n dimensions, stacking ---------------------------------------------------------


def _atleast(arys, fix):
    res = [fix(_arr(a)) for a in arys]
    return res[0] if len(res) == 1 else tuple(res)


def _fix1(a):
    return reshape(a, (1,)) if _shape(a) == () else a


def _fix2(a):
    s = _shape(a)
    return reshape(a, (1, 1)) if len(s) == 0 else reshape(a, (1,) + s) if len(s) == 1 else a


def _fix3(a):
    s = _shape(a)
    if len(s) == 0:
        return reshape(a, (1, 1, 1))
    if len(s) == 1:
        return reshape(a, (1, s[0], 1))
    if len(s) == 2:
        return reshape(a, s + (1,))
    return a


def atleast_1d(*arys):
    return _atleast(arys, _fix1)


def atleast_2d(*arys):
    return _atleast(arys, _fix2)


def atleast_3d(*arys):
    return _atleast(arys, _fix3)


def vstack(tup, *, dtype=None):
    return concatenate([_fix2(_arr(a)) for a in tup], 0, dtype=dtype)


def hstack(tup, *, dtype=None):
    arrs = [_fix1(_arr(a)) for a in tup]
    return concatenate(arrs, 0 if len(_shape(arrs[0])) == 1 else 1, dtype=dtype)


def dstack(tup):
    return concatenate([_fix3(_arr(a)) for a in tup], 2)


def column_stack(tup):
    arrs = []
    for a in tup:
        a = _arr(a)
        s = _shape(a)
        arrs.append(reshape(a, (s[0], 1)) if len(s) == 1 else _fix2(a))
    return concatenate(arrs, 1)


# ----- flips, rolls, repeats -------------------------------------------------------------------


def _axis_slice(nd, ax, sl):
    return (slice(None),) * ax + (sl,) + (slice(None),) * (nd - ax - 1)


def flip(m, axis=None):
    m = _arr(m)
    nd = len(_shape(m))
    axes = range(nd) if axis is None else normalize_axis_tuple(axis, nd)
    idx = [slice(None)] * nd
    for ax in axes:
        idx[ax] = slice(None, None, -1)
    return getitem(m, tuple(idx)) if nd else m


def fliplr(m):
    m = _arr(m)
    if len(_shape(m)) < 2:
        raise ValueError("Input must be >= 2-d.")
    return flip(m, 1)


def flipud(m):
    m = _arr(m)
    if len(_shape(m)) < 1:
        raise ValueError("Input must be >= 1-d.")
    return flip(m, 0)


def roll(a, shift, axis=None):
    a = _arr(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), _shape(a))
    nd = len(_shape(a))
    shifts, axes = np.broadcast_arrays(np.asarray(shift), np.asarray(axis))
    total = {}
    for s, ax in zip(np.atleast_1d(shifts), np.atleast_1d(axes)):
        ax = normalize_axis_index(int(ax), nd)
        total[ax] = total.get(ax, 0) + int(s)
    for ax, s in total.items():
        n = _shape(a)[ax]
        if n == 0:
            continue
        s %= n
        if s:
            a = concatenate([getitem(a, _axis_slice(nd, ax, slice(n - s, None))),
                             getitem(a, _axis_slice(nd, ax, slice(None, n - s)))], ax)
    return a


def tile(A, reps):
    A = _arr(A)
    reps = (int(reps),) if np.ndim(reps) == 0 else tuple(int(r) for r in reps)
    s = _shape(A)
    d = builtins.max(len(s), len(reps))
    s = (1,) * (d - len(s)) + s
    reps = (1,) * (d - len(reps)) + reps
    x = reshape(A, tuple(v for n in s for v in (1, n)))
    x = broadcast_to_shape(x, tuple(v for r, n in zip(reps, s) for v in (r, n)))
    return reshape(x, tuple(r * n for r, n in zip(reps, s)))


def repeat(a, repeats, axis=None):
    """int repeats broadcast and reshape; a concrete list of repeats gathers."""
    a = _arr(a)
    if axis is None:
        a = ravel(a)
        axis = 0
    s = _shape(a)
    ax = normalize_axis_index(axis, len(s))
    if np.ndim(repeats) == 0 or np.size(repeats) == 1:
        r = int(np.asarray(repeats).reshape(()))
        if r < 0:
            raise ValueError("negative dimensions are not allowed")
        x = expand_dims(a, ax + 1)
        x = broadcast_to_shape(x, s[: ax + 1] + (r,) + s[ax + 1 :])
        return reshape(x, s[:ax] + (s[ax] * r,) + s[ax + 1 :])
    return take(a, np.repeat(np.arange(s[ax]), np.asarray(repeats)), axis=ax)


# ----- splitting --------------------------------------------------------------------------------


def array_split(ary, indices_or_sections, axis=0):
    ary = _arr(ary)
    s = _shape(ary)
    ax = normalize_axis_index(axis, len(s))
    n = s[ax]
    if np.ndim(indices_or_sections) == 0:
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError("number sections must be larger than 0.")
        each, extra = divmod(n, k)
        sizes = [0] + extra * [each + 1] + (k - extra) * [each]
        bounds = np.cumsum(sizes).tolist()
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    nd = len(s)
    return [getitem(ary, _axis_slice(nd, ax, slice(lo, hi)))
            for lo, hi in zip(bounds[:-1], bounds[1:])]


def split(ary, indices_or_sections, axis=0):
    if np.ndim(indices_or_sections) == 0:
        n = _shape(_arr(ary))[axis]
        if n % int(indices_or_sections):
            raise ValueError("array split does not result in an equal division")
    return array_split(ary, indices_or_sections, axis)


# ----- diagonals and triangles -------------------------------------------------------------------


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal axis goes last, as in numpy."""
    a = _arr(a)
    nd = len(_shape(a))
    if nd < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    i1, i2 = normalize_axis_index(axis1, nd), normalize_axis_index(axis2, nd)
    if i1 == i2:
        raise ValueError("axis1 and axis2 cannot be the same")
    x = moveaxis(a, (i1, i2), (-2, -1))
    n, m = _shape(x)[-2:]
    offset = int(offset)
    rows = np.arange(builtins.max(0, -offset), n)
    cols = rows + offset
    keep = (cols >= 0) & (cols < m)
    rows, cols = rows[keep], cols[keep]
    if rows.size == 0:
        return getitem(x, (Ellipsis, 0, slice(0, 0)))
    return getitem(x, (Ellipsis, rows, cols))


def diag(v, k=0):
    v = _arr(v)
    s = _shape(v)
    k = int(k)
    if len(s) == 2:
        return diagonal(v, k)
    if len(s) != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n = s[0]
    N = n + abs(k)
    r, c = np.indices((N, N))
    mask = (c - r) == k
    src = np.clip(r if k >= 0 else c, 0, builtins.max(n - 1, 0))
    if n == 0:
        return np.zeros((N, N), get_aval(v).dtype)
    vals = getitem(v, src)
    return _where(mask, vals, np.zeros((), get_aval(v).dtype))


def _tri_mask(shape, k, lower):
    n, m = shape[-2:]
    mask = np.tri(n, m, k, dtype=bool)
    return mask if lower else ~np.tri(n, m, k - 1, dtype=bool)


def tril(m, k=0):
    m = _arr(m)
    s = _shape(m)
    if len(s) < 2:
        raise NotImplementedError("fgrad.numpy.tril supports arrays of at least two dimensions")
    return _where(_tri_mask(s, int(k), True), m, np.zeros((), get_aval(m).dtype))


def triu(m, k=0):
    m = _arr(m)
    s = _shape(m)
    if len(s) < 2:
        raise NotImplementedError("fgrad.numpy.triu supports arrays of at least two dimensions")
    return _where(_tri_mask(s, int(k), False), m, np.zeros((), get_aval(m).dtype))


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    _no_out(out)
    return sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


# ----- take --------------------------------------------------------------------------------------


def take(a, indices, axis=None, out=None, mode=None):
    _no_out(out)
    if mode not in (None, "raise"):
        raise NotImplementedError("fgrad.numpy.take supports mode='raise' only")
    a = _arr(a)
    if axis is None:
        a = ravel(a)
        axis = 0
    nd = len(_shape(a))
    ax = normalize_axis_index(axis, nd)
    if isinstance(indices, (int, np.integer)):
        return getitem(a, _axis_slice(nd, ax, int(indices)))
    return getitem(a, _axis_slice(nd, ax, asarray_operand(indices)))


def take_along_axis(arr, indices, axis):
    arr = _arr(arr)
    if axis is None:
        arr = ravel(arr)
        axis = 0
    indices = _arr(indices)
    s, si = _shape(arr), _shape(indices)
    nd = len(s)
    if len(si) != nd:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    ax = normalize_axis_index(axis, nd)
    out_shape = broadcast_shapes(tuple(1 if i == ax else n for i, n in enumerate(s)), si)
    idx = []
    for d in range(nd):
        if d == ax:
            idx.append(broadcast_to_shape(indices, out_shape))
        else:
            shp = [1] * nd
            shp[d] = out_shape[d]
            idx.append(np.broadcast_to(np.arange(out_shape[d]).reshape(shp), out_shape))
    return getitem(arr, tuple(idx))


# ----- reductions --------------------------------------------------------------------------------


def ptp(a, axis=None, out=None, keepdims=False):
    from fgrad.numpy._ufuncs import subtract

    _no_out(out)
    return subtract(max(a, axis, keepdims=keepdims), min(a, axis, keepdims=keepdims))


def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    from fgrad.numpy._ufuncs import divide, multiply

    a = _arr(a)
    if weights is None:
        avg = mean(a, axis, keepdims=keepdims)
        if returned:
            n = get_aval(a).size // builtins.max(get_aval(avg).size, 1)
            return avg, np.full(_shape(avg), n, dtype=get_aval(avg).dtype)
        return avg
    w = _arr(weights)
    s, sw = _shape(a), _shape(w)
    adt, wdt = get_aval(a).dtype, get_aval(w).dtype
    if adt.kind in "biu" and wdt.kind in "biu":
        dt = np.dtype(np.float64)
    else:
        dt = np.result_type(adt, wdt) if adt.kind in "fc" or wdt.kind in "fc" else np.float64
        if adt.kind in "biu" or wdt.kind in "biu":
            dt = np.result_type(dt, np.float64)
    if s != sw:
        if axis is None:
            raise TypeError("Axis must be specified when shapes of a and weights differ.")
        if len(sw) != 1:
            raise TypeError("1D weights expected when shapes of a and weights differ.")
        ax = normalize_axis_index(axis, len(s))
        if sw[0] != s[ax]:
            raise ValueError("Length of weights not compatible with specified axis.")
        shp = [1] * len(s)
        shp[ax] = sw[0]
        w = broadcast_to_shape(reshape(w, tuple(shp)), s)
    a, w = cast(a, dt), cast(w, dt)
    scl = sum(w, axis, keepdims=keepdims)
    avg = divide(sum(multiply(a, w), axis, keepdims=keepdims), scl)
    if returned:
        return avg, broadcast_to_shape(scl, _shape(avg))
    return avg


def cumprod(a, axis=None, dtype=None, out=None):
    """Hillis-Steele scan: ceil(log2 n) rounds of x[i] *= x[i - 2^k] (ones shifted in), so
    only multiplications are differentiated and zeros get exact derivatives."""
    from fgrad.numpy._ufuncs import multiply

    _no_out(out)
    a = _arr(a)
    aval = get_aval(a)
    a = cast(a, np.dtype(dtype) if dtype is not None else _accumulation_dtype(aval.dtype))
    if axis is None:
        a = ravel(a)
        ax = 0
    else:
        ax = normalize_axis_index(axis, aval.ndim)
    s = _shape(a)
    nd = len(s)
    n = s[ax]
    dt = get_aval(a).dtype
    step = 1
    while step < n:
        pad = np.ones(s[:ax] + (step,) + s[ax + 1 :], dt)
        shifted = concatenate([pad, getitem(a, _axis_slice(nd, ax, slice(None, n - step)))], ax)
        a = multiply(a, shifted)
        step *= 2
    return a


def _nan_clean(a):
    from fgrad.numpy._ufuncs import equal

    a = _arr(a)
    dt = get_aval(a).dtype
    if dt.kind not in "fc":
        return a, None
    ok = equal(a, a)
    return _where(ok, a, np.zeros((), dt)), ok


def nansum(a, axis=None, dtype=None, out=None, keepdims=False):
    _no_out(out)
    a, _ = _nan_clean(a)
    return sum(a, axis, dtype=dtype, keepdims=keepdims)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False):
    from fgrad.numpy._ufuncs import divide

    _no_out(out)
    a, ok = _nan_clean(a)
    if ok is None:
        return mean(a, axis, dtype=dtype, keepdims=keepdims)
    dt = np.dtype(dtype) if dtype is not None else get_aval(a).dtype
    total = sum(a, axis, dtype=dt, keepdims=keepdims)
    count = sum(cast(ok, dt), axis, keepdims=keepdims)
    return divide(total, count)


# ----- products ----------------------------------------------------------------------------------


def kron(a, b):
    from fgrad.numpy._ufuncs import multiply

    a, b = _arr(a), _arr(b)
    sa, sb = _shape(a), _shape(b)
    d = builtins.max(len(sa), len(sb))
    sa, sb = (1,) * (d - len(sa)) + sa, (1,) * (d - len(sb)) + sb
    x = reshape(a, tuple(v for n in sa for v in (n, 1)))
    y = reshape(b, tuple(v for n in sb for v in (1, n)))
    return reshape(multiply(x, y), tuple(m * n for m, n in zip(sa, sb)))


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """3-vectors (or 2-vectors, giving the z component) along the last axis."""
    from fgrad.numpy._shape import stack
    from fgrad.numpy._ufuncs import multiply, subtract

    a, b = _arr(a), _arr(b)
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moveaxis(a, axisa, -1)
    b = moveaxis(b, axisb, -1)
    na, nb = _shape(a)[-1], _shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n"
                         "(dimension must be 2 or 3)")
    if na != 3 or nb != 3:
        if na == 2 and nb == 2:
            a0, a1 = getitem(a, (Ellipsis, 0)), getitem(a, (Ellipsis, 1))
            b0, b1 = getitem(b, (Ellipsis, 0)), getitem(b, (Ellipsis, 1))
            return subtract(multiply(a0, b1), multiply(a1, b0))
        raise NotImplementedError("fgrad.numpy.cross: mixed 2- and 3-vectors")

    def c(x, i):
        return getitem(x, (Ellipsis, i))

    a0, a1, a2 = c(a, 0), c(a, 1), c(a, 2)
    b0, b1, b2 = c(b, 0), c(b, 1), c(b, 2)
    out = stack([subtract(multiply(a1, b2), multiply(a2, b1)),
                 subtract(multiply(a2, b0), multiply(a0, b2)),
                 subtract(multiply(a0, b1), multiply(a1, b0))], -1)
    return moveaxis(out, -1, axisc)
