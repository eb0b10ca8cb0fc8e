"""NaN-ignoring reductions (nanmax, nanmin, nanprod, nanvar, nanstd, nancumsum, nancumprod,
nanargmax, nanargmin) and count_nonzero.

Each replaces NaNs by the operation's identity with `where` (so they get zero derivative) and
reduces; slices with no number left give NaN as numpy does (numpy also warns). Integer and
bool inputs cannot hold NaN and go straight to the plain reduction. nanmax/nanmin share the
derivative evenly among tied maxima, as max/min (and JAX) do.
"""

from __future__ import annotations

import numpy as np

from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.core.trace import find_concrete
from fgrad.numpy._promotion import asarray_operand, cast, reduction_axes
from fgrad.numpy._reductions import (
    _mean_dtype,
    _no_out,
    argmax,
    argmin,
    cumsum,
    max,
    min,
    prod,
    sum,
    var,
)
from fgrad.numpy._shape import where as _where

__all__ = [
    "nanmax", "nanmin", "nanprod", "nanvar", "nanstd", "nancumsum", "nancumprod",
    "nanargmax", "nanargmin", "count_nonzero",
]


def _arr(a):
    a = asarray_operand(a)
    return np.asarray(a) if isinstance(a, (bool, int, float, complex, np.generic)) else a


def _inexact(a) -> bool:
    return get_aval(a).dtype.kind in "fc"


def _nan(a):
    from fgrad.numpy._ufuncs import not_equal

    return not_equal(a, a)


def _all_nan(a, axis, keepdims):
    from fgrad.numpy._reductions import all

    return all(_nan(a), axis, keepdims=keepdims)


def _extremum(reduce, fill, a, axis, out, keepdims, initial, where_):
    _no_out(out)
    if initial is not None or where_ is not None:
        raise NotImplementedError("fgrad.numpy nan-reductions do not support initial= or where=")
    a = _arr(a)
    if not _inexact(a):
        return reduce(a, axis, keepdims=keepdims)
    m = reduce(_where(_nan(a), fill, a), axis, keepdims=keepdims)
    return _where(_all_nan(a, axis, keepdims), np.nan, m)


def nanmax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    return _extremum(max, -np.inf, a, axis, out, keepdims, initial, where)


def nanmin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    return _extremum(min, np.inf, a, axis, out, keepdims, initial, where)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    _no_out(out)
    if initial is not None or where is not None:
        raise NotImplementedError("fgrad.numpy.nanprod does not support initial= or where=")
    a = _arr(a)
    if _inexact(a):
        a = _where(_nan(a), 1, a)
    return prod(a, axis, dtype=dtype, keepdims=keepdims)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           mean=None, correction=None):
    """Mean squared deviation of the numbers from their mean, over count - ddof; NaN where
    count - ddof <= 0."""
    from fgrad.numpy import _ufuncs as u

    _no_out(out)
    if where is not None or mean is not None:
        raise NotImplementedError("fgrad.numpy.nanvar does not support where= or mean=")
    if correction is not None:
        if ddof != 0:
            raise ValueError("ddof and correction can't be provided simultaneously.")
        ddof = correction
    a = _arr(a)
    if not _inexact(a):
        return var(a, axis, dtype, ddof=ddof, keepdims=keepdims)
    aval = get_aval(a)
    if aval.dtype.kind == "c":
        raise NotImplementedError("fgrad.numpy.nanvar supports real arrays")
    dt = np.dtype(dtype) if dtype is not None else _mean_dtype(aval.dtype)
    ok = u.logical_not(_nan(a))
    x = _where(ok, cast(a, dt), 0)
    count = sum(cast(ok, np.int64), axis, keepdims=True)
    mean_ = u.true_divide(sum(x, axis, keepdims=True), cast(_where(count == 0, 1, count), dt))
    d = _where(ok, u.subtract(x, mean_), 0)
    ss = sum(u.multiply(d, d), axis, keepdims=keepdims)
    dof = u.subtract(count if keepdims else _squeeze(count, aval.ndim, axis), ddof)
    bad = u.less_equal(dof, 0)
    return _where(bad, np.nan, u.true_divide(ss, cast(_where(bad, 1, dof), dt)))


def _squeeze(x, ndim, axis):
    axes = reduction_axes(axis, ndim)
    return prims.squeeze(x, axes) if axes else x


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           mean=None, correction=None):
    from fgrad.numpy._ufuncs import sqrt

    return sqrt(nanvar(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                       correction=correction))


def nancumsum(a, axis=None, dtype=None, out=None):
    a = _arr(a)
    if _inexact(a):
        a = _where(_nan(a), 0, a)
    return cumsum(a, axis, dtype, out)


def nancumprod(a, axis=None, dtype=None, out=None):
    from fgrad.numpy._more_shape import cumprod

    a = _arr(a)
    if _inexact(a):
        a = _where(_nan(a), 1, a)
    return cumprod(a, axis, dtype, out)


def _nanarg(reduce, arg, a, axis, out, keepdims):
    """The first position of the nan-extremum. numpy raises for an all-NaN slice; with
    concrete values so does this, and under a transform (abstract values) such slices give
    -1, as in JAX."""
    from fgrad.numpy._ufuncs import equal

    _no_out(out)
    a = _arr(a)
    if not _inexact(a):
        return arg(a, axis, keepdims=keepdims)
    m = reduce(a, axis, keepdims=True)
    idx = argmax(equal(a, m), axis, keepdims=keepdims)
    if get_aval(a).size == 0:
        return idx
    empty = _all_nan(a, axis, keepdims)
    concrete = find_concrete(empty)
    if concrete is not None:
        if np.any(concrete):
            raise ValueError("All-NaN slice encountered")
        return idx
    return _where(empty, -1, idx)


def nanargmax(a, axis=None, out=None, *, keepdims=False):
    return _nanarg(nanmax, argmax, a, axis, out, keepdims)


def nanargmin(a, axis=None, out=None, *, keepdims=False):
    return _nanarg(nanmin, argmin, a, axis, out, keepdims)


def count_nonzero(a, axis=None, *, keepdims=False):
    from fgrad.numpy._ufuncs import not_equal

    a = _arr(a)
    nz = not_equal(a, 0) if get_aval(a).dtype.kind != "b" else a
    return sum(cast(nz, np.int64), axis, keepdims=keepdims)

