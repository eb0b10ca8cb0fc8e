"""Sorting and searching: sort, argsort, lexsort, partition, searchsorted, unique.

Everything orders through the `argsort` primitive (stable, NaNs last) and moves values with
`gather`, so the derivative of a sort carries each tangent along with its entry, exactly as
JAX's (stable) sort does; the integer results (argsort, searchsorted, indices) have none.
Sorting is always stable: numpy's default `kind='quicksort'` may order equal keys differently
in argsort (sorted values are the same either way), so compare argsort with ties against
numpy's `kind='stable'`.
"""

from __future__ import annotations

import numpy as np

from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.core.trace import ConcretizationError, find_concrete
from fgrad.numpy._promotion import (
    asarray_operand,
    broadcast_to_shape,
    cast,
    normalize_axis_index,
    result_type,
)
from fgrad.numpy._shape import moveaxis, ravel, reshape

__all__ = [
    "sort", "argsort", "lexsort", "partition", "argpartition", "searchsorted", "unique",
    "unique_values", "unique_counts", "unique_inverse", "unique_all",
]

_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")


def _arr(a):
    a = asarray_operand(a)
    return np.asarray(a) if isinstance(a, (bool, int, float, complex, np.generic)) else a


def _check_kind(kind, order):
    if kind not in _KINDS:
        raise ValueError(f"sort kind must be one of 'quick', 'heap', or 'stable' (got {kind!r})")
    if order is not None:
        raise NotImplementedError("fgrad.numpy sorts plain arrays; order= (structured fields) "
                                  "is not supported")


def take_along_last(x, idx):
    """x[..., idx] per leading index: out[b..., j] = x[b..., idx[b..., j]] (a gather)."""
    shape = get_aval(idx).shape
    lead = shape[:-1]
    grids = [np.arange(n).reshape((1,) * i + (n,) + (1,) * (len(lead) - i))
             for i, n in enumerate(lead)]
    return prims.gather(x, *[np.broadcast_to(g, lead + (1,)) for g in grids], idx,
                        indexer=tuple(("array", i) for i in range(len(lead) + 1)))


def _argsort_last(x):
    """The stable permutation along the last axis; complex values order by (real, imag)."""
    if get_aval(x).dtype.kind == "c":
        perm = prims.argsort(prims.imag(x), get_aval(x).ndim - 1)
        re = take_along_last(prims.real(x), perm)
        return take_along_last(perm, prims.argsort(re, get_aval(x).ndim - 1))
    return prims.argsort(x, get_aval(x).ndim - 1)


def _along_last(a, axis):
    """(a with `axis` moved last, the normalized axis); axis None flattens."""
    a = _arr(a)
    if axis is None:
        return ravel(a), -1
    nd = get_aval(a).ndim
    if nd == 0:
        raise np.exceptions.AxisError(f"axis {axis} is out of bounds for array of dimension 0")
    ax = normalize_axis_index(axis, nd)
    return moveaxis(a, ax, -1), ax


def _restore(y, ax):
    return y if ax == -1 else moveaxis(y, -1, ax)


def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    _check_kind(kind, order)
    x, ax = _along_last(a, axis)
    if get_aval(x).shape[-1] == 0:
        return _restore(np.zeros(get_aval(x).shape, np.int64), ax)
    return _restore(_argsort_last(x), ax)


def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """The derivative follows each entry to its sorted place (ties in input order)."""
    _check_kind(kind, order)
    x, ax = _along_last(a, axis)
    if get_aval(x).shape[-1] <= 1:
        return _restore(x, ax)
    return _restore(take_along_last(x, _argsort_last(x)), ax)


def partition(a, kth, axis=-1, kind="introselect", order=None):
    """A full sort, which is one valid partition for every kth: entry kth is numpy's, the
    entries before it are no larger and those after no smaller (numpy's order inside each
    part is unspecified and differs)."""
    _check_kth(a, kth, axis)
    return sort(a, axis, order=order)


def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    """The stable argsort, one valid argpartition for every kth (see partition)."""
    _check_kth(a, kth, axis)
    return argsort(a, axis, order=order)


def _check_kth(a, kth, axis):
    shape = get_aval(_arr(a)).shape
    n = int(np.prod(shape)) if axis is None else shape[normalize_axis_index(axis, len(shape))]
    for k in np.atleast_1d(np.asarray(kth)):
        if not -n <= int(k) < n:
            raise ValueError(f"kth(={int(k)}) out of bounds ({n})")


def lexsort(keys, axis=-1):
    """Indices sorting by the last key, ties broken by the one before, and so on."""
    if isinstance(keys, (list, tuple)):
        keys = [_arr(k) for k in keys]
    else:
        keys = _arr(keys)
        keys = [keys[i] for i in range(get_aval(keys).shape[0])]
    if not keys:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    from fgrad.numpy._promotion import broadcast_shapes

    shape = broadcast_shapes(*[get_aval(k).shape for k in keys])
    keys = [broadcast_to_shape(k, shape) for k in keys]
    moved = [_along_last(k, axis)[0] for k in keys]
    ax = _along_last(keys[0], axis)[1]
    perm = _argsort_last(moved[0])
    for k in moved[1:]:
        perm = take_along_last(perm, _argsort_last(take_along_last(k, perm)))
    return _restore(perm, ax)


def searchsorted(a, v, side="left", sorter=None):
    """Insertion points of v into the 1-d sorted a (NaNs sort last); integer-valued, so no
    derivative with respect to either argument."""
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right' (got {side!r})")
    a, v = _arr(a), _arr(v)
    if get_aval(a).ndim != 1:
        raise ValueError("object too deep for desired array" if get_aval(a).ndim > 1
                         else "object of too small depth for desired array")
    if sorter is not None:
        from fgrad.numpy._indexing import getitem

        a = getitem(a, asarray_operand(sorter))
    dt = result_type(a, v)
    a, v = cast(a, dt), cast(v, dt)
    if isinstance(v, np.generic):
        v = np.asarray(v)
    out = prims.searchsorted(a, v, side=side)
    return out[()] if isinstance(out, np.ndarray) and out.ndim == 0 else out


# ----- unique ------------------------------------------------------------------------------


_SIZE_HINT = (
    "the number of unique values depends on the array's values, which are abstract under "
    "this transform. Pass a static size= (and optionally fill_value=), as in JAX: "
    "fnp.unique(x, size=n) returns the n smallest unique values, padded with fill_value "
    "(default: the smallest value), and works under jit, vmap and grad."
)


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, sorted=True, size=None, fill_value=None):
    """numpy's unique on concrete values (the unique values keep their derivative: they are
    gathered from `ar`). With a static `size=` (JAX's extension, axis=None only) it is
    traceable."""
    ar = _arr(ar)
    if size is not None:
        if axis is not None:
            raise NotImplementedError("fgrad.numpy.unique with size= supports axis=None only")
        return _unique_sized(ar, int(size), fill_value, return_index, return_inverse,
                             return_counts, equal_nan)
    value = find_concrete(ar)
    if value is None:
        raise ConcretizationError(f"fnp.unique: {_SIZE_HINT}")
    value = np.asarray(value)
    res = np.unique(value, return_index=True, return_inverse=return_inverse,
                    return_counts=return_counts, axis=axis, equal_nan=equal_nan, sorted=sorted)
    if isinstance(ar, np.ndarray):
        vals = res[0]
    elif axis is None:
        from fgrad.numpy._indexing import getitem

        vals = getitem(ravel(ar), res[1])
    else:
        from fgrad.numpy._more_shape import take

        vals = take(ar, res[1], axis=axis)
    out = (vals,) + ((res[1],) if return_index else ()) + tuple(res[2:])
    return out[0] if len(out) == 1 else out


def _unique_sized(ar, size, fill_value, return_index, return_inverse, return_counts,
                  equal_nan):
    """Sort, mark the first entry of each run of equal values, and scatter the first
    `size` of them into place: static shapes throughout."""
    from fgrad.numpy._indexing import IndexUpdateRef
    from fgrad.numpy._reductions import cumsum
    from fgrad.numpy._shape import concatenate, where
    from fgrad.numpy._ufuncs import equal, logical_and, logical_not, not_equal

    flat = ravel(ar)
    n = get_aval(flat).shape[0]
    dt = get_aval(flat).dtype
    if n == 0:
        if fill_value is None:
            raise ValueError("fnp.unique: for zero-sized input with nonzero size argument, "
                             "fill_value must be specified")
        vals = np.full((size,), fill_value, dt)
        extra = [np.zeros(size, np.int64)] * return_index
        extra += [np.zeros(np.shape(ar), np.int64)] * return_inverse
        extra += [np.zeros(size, np.int64)] * return_counts
        return tuple([vals] + extra) if extra else vals
    perm = _argsort_last(flat)
    s = take_along_last(flat, perm)
    neq = not_equal(s[1:], s[:-1])
    if dt.kind in "fc" and equal_nan:
        both_nan = logical_and(logical_not(equal(s[1:], s[1:])),
                               logical_not(equal(s[:-1], s[:-1])))
        neq = logical_and(neq, logical_not(both_nan))
    first = concatenate([np.ones(1, bool), neq])
    group = cumsum(first) - 1  # the unique value each sorted entry belongs to
    n_unique = group[-1] + 1
    # positions (in sorted order) of the first size+1 run starts, 0 beyond the last run
    slot = where(first, group, size + 1)
    slot = where(slot > size, size + 1, slot)
    starts = IndexUpdateRef(np.zeros(size + 2, np.int64), slot).add(
        where(first, np.arange(n), 0))
    ind = starts[:size]
    vals = s[ind]
    if fill_value is not None:
        vals = where(np.arange(size) < n_unique, vals, cast(asarray_operand(fill_value), dt))
    out = [vals]
    if return_index:
        out.append(perm[ind])
    if return_inverse:
        inv = IndexUpdateRef(np.zeros(n, np.int64), perm).add(group)
        out.append(reshape(inv, np.shape(ar)))
    if return_counts:
        nxt = where(np.arange(1, size + 1) < n_unique, starts[1 : size + 1], n)
        out.append(where(np.arange(size) < n_unique, nxt - ind, 0))
    return out[0] if len(out) == 1 else tuple(out)


def unique_values(x):
    return unique(x, equal_nan=False)


def unique_counts(x):
    from collections import namedtuple

    vals, counts = unique(x, return_counts=True, equal_nan=False)
    return namedtuple("UniqueCountsResult", ["values", "counts"])(vals, counts)


def unique_inverse(x):
    from collections import namedtuple

    vals, inv = unique(x, return_inverse=True, equal_nan=False)
    return namedtuple("UniqueInverseResult", ["values", "inverse_indices"])(
        vals, reshape(inv, np.shape(x)) if not isinstance(inv, np.ndarray) else inv.reshape(
            np.shape(x)))


def unique_all(x):
    from collections import namedtuple

    vals, idx, inv, counts = unique(x, True, True, True, equal_nan=False)
    inv = inv.reshape(np.shape(x)) if isinstance(inv, np.ndarray) else reshape(inv, np.shape(x))
    return namedtuple("UniqueAllResult", ["values", "indices", "inverse_indices", "counts"])(
        vals, idx, inv, counts)
