"""Shape manipulation, joining, selection and shape queries.

Shapes are static: every axis and size is checked here with numpy's own error types and
messages, before any primitive is bound, so that a mistake is reported where the user made it
and not as a primitive's internal type error."""

from __future__ import annotations

import numpy as np

from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.core.trace import ConcretizationError, Tracer, find_concrete
from fgrad.numpy._promotion import (
    asarray_operand,
    broadcast_shapes,
    broadcast_to_shape,
    cast,
    normalize_axis_index,
    normalize_axis_tuple,
    result_type,
)

__all__ = [
    "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "concatenate", "stack",
    "squeeze", "expand_dims", "where", "clip", "broadcast_to", "shape", "ndim", "size",
]

_NO_VALUE = object()


def _as_shape(shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer, Tracer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def _infer_shape(size: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Resolve one -1 in `shape` the way numpy does, with numpy's messages."""
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise ValueError("can only specify one unknown dimension")
    if any(s < -1 for s in shape):
        raise ValueError("negative dimensions not allowed")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if unknown:
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
        shape = shape[: unknown[0]] + (size // known,) + shape[unknown[0] + 1 :]
    elif known != size:
        raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
    return shape


def reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    """C order only: other orders have no primitive (transpose first instead)."""
    if newshape is not None:
        if shape is not None:
            raise TypeError("You cannot specify 'newshape' and 'shape' arguments at the same time.")
        shape = newshape
    if shape is None:
        raise TypeError("reshape() missing required argument 'shape'")
    if order != "C":
        raise NotImplementedError(f"fgrad.numpy.reshape supports order='C' only, got {order!r}")
    a = _array0(asarray_operand(a))
    aval = get_aval(a)
    return prims.reshape(a, _infer_shape(aval.size, _as_shape(shape)))


def ravel(a, order="C"):
    a = asarray_operand(a)
    return reshape(a, (get_aval(a).size,), order)


def transpose(a, axes=None):
    a = _array0(asarray_operand(a))
    nd = get_aval(a).ndim
    if axes is None:
        perm = tuple(range(nd - 1, -1, -1))
    else:
        axes = tuple(axes)
        if len(axes) != nd:
            raise ValueError("axes don't match array")
        perm = tuple(normalize_axis_index(int(ax), nd) for ax in axes)
        if len(set(perm)) != nd:
            raise ValueError("repeated axis in transpose")
    return prims.transpose(a, perm)


def swapaxes(a, axis1, axis2):
    a = asarray_operand(a)
    nd = get_aval(a).ndim
    i, j = normalize_axis_index(axis1, nd), normalize_axis_index(axis2, nd)
    perm = list(range(nd))
    perm[i], perm[j] = j, i
    return prims.transpose(a, perm)


def moveaxis(a, source, destination):
    a = asarray_operand(a)
    nd = get_aval(a).ndim
    src = normalize_axis_tuple(source, nd, "source")
    dst = normalize_axis_tuple(destination, nd, "destination")
    if len(src) != len(dst):
        raise ValueError(
            "`source` and `destination` arguments must have the same number of elements"
        )
    order = [n for n in range(nd) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return prims.transpose(a, order)


def _sequence(arrays, fname):
    if isinstance(arrays, Tracer):
        arrays = list(arrays)
    arrays = [asarray_operand(x) for x in arrays]
    if not arrays:
        raise ValueError(f"need at least one array to {fname}")
    return arrays


def concatenate(arrays, axis=0, out=None, *, dtype=None):
    if out is not None:
        raise NotImplementedError("fgrad.numpy.concatenate does not support out=")
    arrays = _sequence(arrays, "concatenate")
    if axis is None:
        arrays = [ravel(x) for x in arrays]
        axis = 0
    avals = [get_aval(x) for x in arrays]
    nd = avals[0].ndim
    if nd == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    ax = normalize_axis_index(axis, nd)
    for i, av in enumerate(avals[1:], 1):
        if av.ndim != nd:
            raise ValueError(
                "all the input arrays must have same number of dimensions, but the array at "
                f"index 0 has {nd} dimension(s) and the array at index {i} has {av.ndim} "
                "dimension(s)"
            )
        for d in range(nd):
            if d != ax and av.shape[d] != avals[0].shape[d]:
                raise ValueError(
                    "all the input array dimensions except for the concatenation axis must "
                    f"match exactly, but along dimension {d}, the array at index 0 has size "
                    f"{avals[0].shape[d]} and the array at index {i} has size {av.shape[d]}"
                )
    dt = np.dtype(dtype) if dtype is not None else result_type(*arrays)
    parts = [cast(x, dt) for x in arrays]
    if len(parts) == 1:
        return parts[0]
    return prims.concatenate(parts, ax)


def stack(arrays, axis=0, out=None, *, dtype=None):
    arrays = _sequence(arrays, "stack")
    shapes = {get_aval(x).shape for x in arrays}
    if len(shapes) != 1:
        raise ValueError("all input arrays must have the same shape")
    nd = get_aval(arrays[0]).ndim
    ax = normalize_axis_index(axis, nd + 1)
    expanded = [prims.expand_dims(_array0(x), (ax,)) for x in arrays]
    return concatenate(expanded, ax, out, dtype=dtype)


def _array0(x):
    """Static scalars as 0-d arrays (shape primitives need arrays, not Python numbers)."""
    return np.asarray(x) if isinstance(x, (bool, int, float, complex, np.generic)) else x


def squeeze(a, axis=None):
    a = asarray_operand(a)
    aval = get_aval(a)
    if axis is None:
        axes = tuple(i for i, s in enumerate(aval.shape) if s == 1)
    else:
        axes = normalize_axis_tuple(axis, aval.ndim)
        if any(aval.shape[i] != 1 for i in axes):
            raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    return prims.squeeze(_array0(a), axes) if axes else a


def expand_dims(a, axis):
    a = asarray_operand(a)
    nd = get_aval(a).ndim
    if not isinstance(axis, (tuple, list)):
        axis = (axis,)
    axes = normalize_axis_tuple(axis, nd + len(axis))
    return prims.expand_dims(_array0(a), axes)


def broadcast_to(array, shape):
    array = asarray_operand(array)
    return broadcast_to_shape(_array0(array), _as_shape(shape))


def where(condition, x=_NO_VALUE, y=_NO_VALUE):
    """Three arguments: an elementwise choice (traceable). One argument: the indices of the
    nonzero entries, whose number depends on the values, so it needs a concrete condition."""
    if x is _NO_VALUE and y is _NO_VALUE:
        value = find_concrete(condition)
        if value is None:
            raise ConcretizationError(
                "fnp.where(condition) with one argument returns the indices of the True "
                "entries, whose number depends on values that are abstract under this "
                "transform. Use the three-argument form fnp.where(condition, x, y) instead."
            )
        return np.nonzero(np.asarray(value))
    if x is _NO_VALUE or y is _NO_VALUE:
        raise ValueError("either both or neither of x and y should be given")
    condition, x, y = asarray_operand(condition), asarray_operand(x), asarray_operand(y)
    dt = result_type(x, y)
    shape = broadcast_shapes(*[get_aval(v).shape for v in (condition, x, y)])
    cond = broadcast_to_shape(cast(condition, np.bool_), shape)
    x = broadcast_to_shape(cast(x, dt), shape)
    y = broadcast_to_shape(cast(y, dt), shape)
    return prims.select(cond, x, y)


def clip(a, a_min=_NO_VALUE, a_max=_NO_VALUE, out=None, *, min=_NO_VALUE, max=_NO_VALUE):
    """minimum(maximum(a, lower), upper), so where lower > upper the upper bound wins, as in
    numpy; at a bound the derivative is shared evenly, as in JAX."""
    from fgrad.numpy._ufuncs import maximum, minimum

    if out is not None:
        raise NotImplementedError("fgrad.numpy.clip does not support out=")
    if a_min is not _NO_VALUE and min is not _NO_VALUE:
        raise TypeError("Passed more than one argument for the lower bound: a_min and min.")
    if a_max is not _NO_VALUE and max is not _NO_VALUE:
        raise TypeError("Passed more than one argument for the upper bound: a_max and max.")
    lo = a_min if a_min is not _NO_VALUE else min
    hi = a_max if a_max is not _NO_VALUE else max
    a = asarray_operand(a)
    if lo is not _NO_VALUE and lo is not None:
        a = maximum(a, lo)
    if hi is not _NO_VALUE and hi is not None:
        a = minimum(a, hi)
    return a


def shape(a) -> tuple[int, ...]:
    return get_aval(asarray_operand(a)).shape


def ndim(a) -> int:
    return get_aval(asarray_operand(a)).ndim


def size(a, axis=None) -> int:
    aval = get_aval(asarray_operand(a))
    if axis is None:
        return aval.size
    return aval.shape[normalize_axis_index(axis, aval.ndim)]
