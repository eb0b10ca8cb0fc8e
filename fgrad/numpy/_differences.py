"""Differences, running totals and integration: diff, ediff1d, cumulative_sum,
cumulative_prod, trapezoid. Composites of slices, subtraction and cumsum/cumprod, written in
numpy's own order of operations so that values agree to the last bit where they can."""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import get_aval
from fgrad.numpy._promotion import (
    asarray_operand,
    broadcast_to_shape,
    cast,
    normalize_axis_index,
)
from fgrad.numpy._reductions import _no_out, cumsum, sum
from fgrad.numpy._shape import concatenate, ravel, reshape

__all__ = ["diff", "ediff1d", "cumulative_sum", "cumulative_prod", "trapezoid"]

_NO_VALUE = object()


def _arr(a):
    a = asarray_operand(a)
    return np.asarray(a) if isinstance(a, (bool, int, float, complex, np.generic)) else a


def _axis_slice(nd, ax, sl):
    return (slice(None),) * ax + (sl,) + (slice(None),) * (nd - ax - 1)


def _edge(v, shape, ax):
    """prepend/append: a scalar is broadcast to a one-wide slab along the axis."""
    v = _arr(v)
    if get_aval(v).ndim == 0:
        return broadcast_to_shape(v, shape[:ax] + (1,) + shape[ax + 1 :])
    return v


def diff(a, n=1, axis=-1, prepend=_NO_VALUE, append=_NO_VALUE):
    """n-th differences along an axis; bools differ by `!=`, as in numpy."""
    from fgrad.numpy._indexing import getitem
    from fgrad.numpy._ufuncs import not_equal, subtract

    if n == 0:
        return _arr(a)
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    a = _arr(a)
    nd = get_aval(a).ndim
    if nd == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    ax = normalize_axis_index(axis, nd)
    parts = []
    if prepend is not _NO_VALUE:
        parts.append(_edge(prepend, get_aval(a).shape, ax))
    parts.append(a)
    if append is not _NO_VALUE:
        parts.append(_edge(append, get_aval(a).shape, ax))
    if len(parts) > 1:
        a = concatenate(parts, ax)
    op = not_equal if get_aval(a).dtype.kind == "b" else subtract
    for _ in range(int(n)):
        a = op(getitem(a, _axis_slice(nd, ax, slice(1, None))),
               getitem(a, _axis_slice(nd, ax, slice(None, -1))))
    return a


def ediff1d(ary, to_end=None, to_begin=None):
    """Differences of the flattened array, with optional values before and after, all in
    the array's dtype."""
    from fgrad.numpy._indexing import getitem
    from fgrad.numpy._ufuncs import subtract

    ary = ravel(_arr(ary))
    dt = get_aval(ary).dtype
    parts = []
    if to_begin is not None:
        parts.append(ravel(_cast_same_kind(_arr(to_begin), dt, "to_begin")))
    d = subtract(getitem(ary, slice(1, None)), getitem(ary, slice(None, -1)))
    parts.append(cast(d, dt))
    if to_end is not None:
        parts.append(ravel(_cast_same_kind(_arr(to_end), dt, "to_end")))
    return concatenate(parts, 0) if len(parts) > 1 else parts[0]


def _cast_same_kind(x, dt, name):
    src = get_aval(x).dtype
    if not np.can_cast(src, dt, casting="same_kind"):
        raise TypeError(f"dtype of `{name}` must be compatible with input `ary` under the "
                        "`same_kind` rule.")
    return cast(x, dt)


def _cumulative(op, identity, x, axis, dtype, out, include_initial, name):
    _no_out(out)
    x = _arr(x)
    aval = get_aval(x)
    if axis is None:
        if aval.ndim > 1:
            raise ValueError(f"For arrays which have more than one dimension ``axis`` argument "
                             f"is required for {name}.")
        axis = 0
    if aval.ndim == 0:
        x = reshape(x, (1,))
    res = op(x, axis=axis, dtype=dtype)
    if include_initial:
        from fgrad.numpy._creation import full

        shape = list(get_aval(res).shape)
        ax = normalize_axis_index(axis, len(shape))
        shape[ax] = 1
        res = concatenate([full(tuple(shape), identity, get_aval(res).dtype), res], ax)
    return res


def cumulative_sum(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    return _cumulative(cumsum, 0, x, axis, dtype, out, include_initial, "cumulative_sum")


def cumulative_prod(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    from fgrad.numpy._more_shape import cumprod

    return _cumulative(cumprod, 1, x, axis, dtype, out, include_initial, "cumulative_prod")


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Sum of (x[i+1] - x[i]) (y[i+1] + y[i]) / 2 along the axis (numpy's formula)."""
    from fgrad.numpy._indexing import getitem
    from fgrad.numpy._ufuncs import add, multiply, true_divide

    y = _arr(y)
    nd = get_aval(y).ndim
    ax = normalize_axis_index(axis, nd)
    if x is None:
        d = dx
    else:
        x = _arr(x)
        if get_aval(x).ndim == 1:
            d = diff(x)
            shape = [1] * nd
            shape[ax] = get_aval(d).shape[0]
            d = reshape(d, tuple(shape))
        else:
            d = diff(x, axis=ax)
    hi = getitem(y, _axis_slice(nd, ax, slice(1, None)))
    lo = getitem(y, _axis_slice(nd, ax, slice(None, -1)))
    return sum(true_divide(multiply(d, add(hi, lo)), 2.0), ax)
