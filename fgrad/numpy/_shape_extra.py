"""More of numpy's array manipulation: choose, select, rot90, diagflat, vsplit/hsplit/dsplit,
rollaxis, row_stack, broadcast_arrays, append, insert, delete, tri, meshgrid, copy.

All are data movement (gathers, flips, transposes, concatenations, selects), so derivatives
are those moves transposed. insert and delete need concrete positions (the result's shape
depends on them): their layout comes from numpy itself, by running np.insert / np.delete on
arrays of source labels, so every one of numpy's rules about `obj` holds by construction.
"""

from __future__ import annotations

import warnings

import numpy as np

from fgrad.core.avals import get_aval
from fgrad.core.trace import ConcretizationError, find_concrete
from fgrad.numpy._promotion import (
    asarray_operand,
    broadcast_shapes,
    broadcast_to_shape,
    cast,
    is_traced,
    normalize_axis_index,
    result_type,
)
from fgrad.numpy._shape import concatenate, ravel, reshape, transpose
from fgrad.numpy._shape import where as _where

__all__ = [
    "choose", "select", "rot90", "diagflat", "vsplit", "hsplit", "dsplit", "rollaxis",
    "row_stack", "broadcast_arrays", "append", "insert", "delete", "tri", "meshgrid", "copy",
]


def _arr(a):
    a = asarray_operand(a)
    return np.asarray(a) if isinstance(a, (bool, int, float, complex, np.generic)) else a


def _shape(a):
    return get_aval(a).shape


def choose(a, choices, out=None, mode="raise"):
    """out[i] = choices[a[i]][i] (all broadcast together). mode='raise' checks the indices,
    which needs concrete values; under a transform use mode='wrap' or 'clip'."""
    from fgrad.numpy._shape import stack
    from fgrad.numpy._sorting import take_along_last
    from fgrad.numpy._ufuncs import maximum, minimum, remainder

    if out is not None:
        raise NotImplementedError("fgrad.numpy.choose does not support out=")
    a = _arr(a)
    if get_aval(a).dtype.kind not in "iub":
        raise TypeError("Cannot cast array data from dtype('float64') to dtype('int64') "
                        "according to the rule 'safe'")
    choices = [_arr(c) for c in choices] if isinstance(choices, (list, tuple)) else [
        _arr(choices)[i] for i in range(_shape(_arr(choices))[0])]
    k = len(choices)
    if mode == "raise":
        value = find_concrete(a)
        if value is None:
            raise ConcretizationError(
                "fnp.choose with mode='raise' checks that every index is in range, which "
                "needs concrete values; under this transform use mode='wrap' or mode='clip'.")
        if np.any((np.asarray(value) < 0) | (np.asarray(value) >= k)):
            raise ValueError("invalid entry in choice array")
    elif mode == "wrap":
        a = remainder(a, k)
    elif mode == "clip":
        a = minimum(maximum(a, 0), k - 1)
    else:
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    shape = broadcast_shapes(_shape(a), *[_shape(c) for c in choices])
    dt = result_type(*choices)
    stacked = stack([broadcast_to_shape(cast(c, dt), shape) for c in choices], -1)
    idx = reshape(broadcast_to_shape(cast(a, np.int64), shape), shape + (1,))
    return reshape(take_along_last(stacked, idx), shape)


def select(condlist, choicelist, default=0):
    """The choice of the first true condition, else default (nested where from the last)."""
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(choicelist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    conds = [_arr(c) for c in condlist]
    choices = [_arr(c) for c in choicelist]
    for i, c in enumerate(conds):
        if get_aval(c).dtype.kind != "b":
            raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")
    dt = result_type(*choices, _arr(default) if not isinstance(default, (int, float, complex))
                     else default)
    shape = broadcast_shapes(*[_shape(x) for x in conds + choices + [_arr(default)]])
    out = broadcast_to_shape(cast(_arr(default), dt), shape)
    for c, x in zip(reversed(conds), reversed(choices)):
        out = _where(c, cast(x, dt), out)
    return broadcast_to_shape(out, shape)


def rot90(m, k=1, axes=(0, 1)):
    """k quarter turns from the first axis towards the second (flips and a transpose)."""
    from fgrad.numpy._more_shape import flip

    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    m = _arr(m)
    nd = get_aval(m).ndim
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == nd:
        raise ValueError("Axes must be different.")
    if not all(-nd <= ax < nd for ax in axes):
        raise ValueError(f"Axes={axes} out of range for array of ndim={nd}.")
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    perm = list(range(nd))
    a0, a1 = axes[0] % nd, axes[1] % nd
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return transpose(flip(m, axes[1]), perm)
    return flip(transpose(m, perm), axes[1])


def diagflat(v, k=0):
    from fgrad.numpy._more_shape import diag

    return diag(ravel(_arr(v)), k)


def _split_along(name, ary, indices_or_sections, min_ndim, axis):
    from fgrad.numpy._more_shape import split

    ary = _arr(ary)
    if get_aval(ary).ndim < min_ndim:
        raise ValueError(f"{name} only works on arrays of {min_ndim} or more dimensions")
    return split(ary, indices_or_sections, axis)


def vsplit(ary, indices_or_sections):
    return _split_along("vsplit", ary, indices_or_sections, 2, 0)


def hsplit(ary, indices_or_sections):
    ary = _arr(ary)
    if get_aval(ary).ndim == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return _split_along("hsplit", ary, indices_or_sections, 1,
                        1 if get_aval(ary).ndim > 1 else 0)


def dsplit(ary, indices_or_sections):
    return _split_along("dsplit", ary, indices_or_sections, 3, 2)


def rollaxis(a, axis, start=0):
    a = _arr(a)
    n = get_aval(a).ndim
    axis = normalize_axis_index(axis, n)
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise np.exceptions.AxisError(
            f"'start' arg requires {-n} <= start < {n + 1}, but {start} was passed in")
    if axis < start:
        start -= 1
    if axis == start:
        return a
    perm = [i for i in range(n) if i != axis]
    perm.insert(start, axis)
    return transpose(a, perm)


def row_stack(tup, *, dtype=None, casting="same_kind"):
    """Deprecated by numpy 2.0 in favour of vstack (and warns the same way)."""
    from fgrad.numpy._more_shape import vstack

    warnings.warn("`row_stack` alias is deprecated. Use `np.vstack` directly.",
                  DeprecationWarning, stacklevel=2)
    return vstack(tup, dtype=dtype)


def broadcast_arrays(*args, subok=False):
    arrs = [_arr(a) for a in args]
    shape = broadcast_shapes(*[_shape(a) for a in arrs])
    return tuple(broadcast_to_shape(a, shape) for a in arrs)


def append(arr, values, axis=None):
    arr, values = _arr(arr), _arr(values)
    if axis is None:
        if get_aval(arr).ndim != 1:
            arr = ravel(arr)
        values = ravel(values)
        axis = get_aval(arr).ndim - 1
    return concatenate((arr, values), axis)


def _static_obj(obj, name):
    if not is_traced(obj):
        return obj  # as given: numpy treats lists, arrays and slices differently
    value = find_concrete(obj)
    if value is None:
        raise ConcretizationError(
            f"fnp.{name} needs concrete positions (obj): the result's shape depends on them, "
            "and they are abstract under this transform. Compute obj outside the transform, "
            "or use fnp.where / .at[].set to keep a static shape.")
    return np.asarray(value)


def insert(arr, obj, values, axis=None):
    """numpy's layout (found by inserting labels into a label array with numpy itself),
    then one gather from the array and one from the values (cast to arr's dtype)."""
    from fgrad.numpy._indexing import getitem

    arr = _arr(arr)
    values = cast(_arr(values), get_aval(arr).dtype)
    obj = _static_obj(obj, "insert")
    n_arr, n_val = get_aval(arr).size, get_aval(values).size
    labels = np.arange(n_arr, dtype=np.int64).reshape(_shape(arr))
    val_labels = -1 - np.arange(n_val, dtype=np.int64).reshape(_shape(values))
    layout = np.insert(labels, obj, val_labels, axis=axis)
    from_arr = layout >= 0
    src = getitem(ravel(arr), np.where(from_arr, layout, 0)) if n_arr else None
    if n_val == 0 or from_arr.all():
        return src if src is not None else np.zeros(layout.shape, get_aval(arr).dtype)
    vals = getitem(ravel(values), np.where(from_arr, 0, -1 - layout))
    return vals if src is None else _where(from_arr, src, vals)


def delete(arr, obj, axis=None):
    from fgrad.numpy._indexing import getitem

    arr = _arr(arr)
    obj = _static_obj(obj, "delete")
    labels = np.arange(get_aval(arr).size, dtype=np.int64).reshape(_shape(arr))
    return getitem(ravel(arr), np.delete(labels, obj, axis=axis))


def tri(N, M=None, k=0, dtype=float, *, like=None):
    return np.tri(N, M, k, dtype)


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    nd = len(xi)
    ones = (1,) * nd
    out = [reshape(_arr(x), ones[:i] + (-1,) + ones[i + 1 :]) for i, x in enumerate(xi)]
    if indexing == "xy" and nd > 1:
        out[0] = reshape(out[0], (1, -1) + ones[2:])
        out[1] = reshape(out[1], (-1, 1) + ones[2:])
    if not sparse:
        out = list(broadcast_arrays(*out))
    if copy:  # concrete results own their memory, as numpy's do
        out = [np.array(o) if isinstance(o, np.ndarray) else o for o in out]
    return tuple(out)


def copy(a, order="K", subok=False):
    """A new array; traced values are immutable, so for them this is the value itself."""
    a = _arr(a)
    return np.copy(a) if isinstance(a, np.ndarray) else a

