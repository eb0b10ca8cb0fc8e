"""Reductions with numpy's signatures (axis None / int / tuple, negative axes, keepdims, dtype).

Reduction primitives keep their operand's dtype, so the accumulation dtype numpy would use
(small integers and bools sum as int64, means of integers are float64) is applied with an
explicit conversion before the primitive runs."""

from __future__ import annotations

import builtins

import numpy as np

from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.numpy._promotion import asarray_operand, cast, normalize_axis_index, reduction_axes

__all__ = [
    "sum", "prod", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin",
    "cumsum", "all", "any",
]

_I64 = np.dtype(np.int64)
_U64 = np.dtype(np.uint64)
_F64 = np.dtype(np.float64)
_BOOL = np.dtype(np.bool_)


def _no_out(out):
    if out is not None:
        raise NotImplementedError(
            "fgrad.numpy functions return new arrays; out= is not supported (arrays may be "
            "traced, and traced values cannot be written into)."
        )


def _accumulation_dtype(dtype: np.dtype) -> np.dtype:
    """numpy's default for sum/prod/cumsum: small integers and bools widen to 64 bits."""
    if dtype.kind == "b" or (dtype.kind == "i" and dtype.itemsize < 8):
        return _I64
    if dtype.kind == "u" and dtype.itemsize < 8:
        return _U64
    return dtype


def _keep(y, axes, keepdims: bool):
    return prims.expand_dims(y, axes) if keepdims and axes else y


def _prepare(a, axis, dtype):
    a = asarray_operand(a)
    aval = get_aval(a)
    axes = reduction_axes(axis, aval.ndim)
    if dtype is not None:
        a = cast(a, dtype)
    return a, aval, axes


def sum(a, axis=None, dtype=None, out=None, keepdims=False):
    _no_out(out)
    a, aval, axes = _prepare(a, axis, dtype)
    if dtype is None:
        a = cast(a, _accumulation_dtype(aval.dtype))
    return _keep(prims.reduce_sum(a, axes), axes, keepdims)


def prod(a, axis=None, dtype=None, out=None, keepdims=False):
    """Its derivative is exact at zero entries (see reduce_prod's rule)."""
    _no_out(out)
    a, aval, axes = _prepare(a, axis, dtype)
    if dtype is None:
        a = cast(a, _accumulation_dtype(aval.dtype))
    return _keep(prims.reduce_prod(a, axes), axes, keepdims)


def _count(shape, axes) -> int:
    n = 1
    for ax in axes:
        n *= shape[ax]
    return n


def _mean_dtype(dtype: np.dtype) -> np.dtype:
    return dtype if dtype.kind in "fc" else _F64


def mean(a, axis=None, dtype=None, out=None, keepdims=False):
    """Integers average as float64; float16 accumulates in float32 as numpy does."""
    _no_out(out)
    a = asarray_operand(a)
    aval = get_aval(a)
    axes = reduction_axes(axis, aval.ndim)
    res_dtype = np.dtype(dtype) if dtype is not None else _mean_dtype(aval.dtype)
    acc = np.dtype(np.float32) if res_dtype == np.float16 else res_dtype
    s = prims.reduce_sum(cast(a, acc), axes)
    m = prims.div(s, float(_count(aval.shape, axes)))
    return _keep(cast(m, res_dtype), axes, keepdims)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """Mean squared deviation from the mean, divided by n - ddof."""
    _no_out(out)
    a = asarray_operand(a)
    aval = get_aval(a)
    axes = reduction_axes(axis, aval.ndim)
    res_dtype = np.dtype(dtype) if dtype is not None else _mean_dtype(aval.dtype)
    x = cast(a, res_dtype)
    n = _count(aval.shape, axes)
    m = prims.div(prims.reduce_sum(x, axes), float(n))
    d = prims.sub(x, prims.broadcast_in_dim(m, aval.shape, _kept(aval.ndim, axes)))
    if get_aval(d).dtype.kind == "c":  # |d|^2, a real result as numpy's
        d2 = prims.add(prims.integer_pow(prims.real(d), 2), prims.integer_pow(prims.imag(d), 2))
    else:
        d2 = prims.integer_pow(d, 2)
    v = prims.div(prims.reduce_sum(d2, axes), float(builtins.max(n - ddof, 0)))
    return _keep(v, axes, keepdims)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return prims.sqrt(var(a, axis, dtype, out, ddof, keepdims))


def _kept(ndim, axes):
    return tuple(i for i in range(ndim) if i not in axes)


def _extremum(prim_fn, name, a, axis, keepdims):
    a = asarray_operand(a)
    aval = get_aval(a)
    axes = reduction_axes(axis, aval.ndim)
    if _count(aval.shape, axes) == 0:
        raise ValueError(f"zero-size array to reduction operation {name} which has no identity")
    return _keep(prim_fn(a, axes), axes, keepdims)


def max(a, axis=None, out=None, keepdims=False):
    """Ties share the derivative evenly, as in JAX."""
    _no_out(out)
    return _extremum(prims.reduce_max, "maximum", a, axis, keepdims)


def min(a, axis=None, out=None, keepdims=False):
    _no_out(out)
    return _extremum(prims.reduce_min, "minimum", a, axis, keepdims)


amax = max
amin = min


def _arg(prim_fn, name, a, axis, keepdims):
    a = asarray_operand(a)
    aval = get_aval(a)
    if axis is None:
        flat = prims.reshape(a, (aval.size,))
        if aval.size == 0:
            raise ValueError(f"attempt to get {name} of an empty sequence")
        out = prim_fn(flat, 0)
        return prims.reshape(out, (1,) * aval.ndim) if keepdims else out
    ax = normalize_axis_index(axis, aval.ndim)
    if aval.shape[ax] == 0:
        raise ValueError(f"attempt to get {name} of an empty sequence")
    return _keep(prim_fn(a, ax), (ax,), keepdims)


def argmax(a, axis=None, out=None, *, keepdims=False):
    _no_out(out)
    return _arg(prims.argmax, "argmax", a, axis, keepdims)


def argmin(a, axis=None, out=None, *, keepdims=False):
    _no_out(out)
    return _arg(prims.argmin, "argmin", a, axis, keepdims)


def cumsum(a, axis=None, dtype=None, out=None):
    """axis=None sums the flattened array, as numpy does."""
    _no_out(out)
    a = asarray_operand(a)
    aval = get_aval(a)
    a = cast(a, np.dtype(dtype) if dtype is not None else _accumulation_dtype(aval.dtype))
    if axis is None:
        a = prims.reshape(a, (aval.size,))
        ax = 0
    else:
        ax = normalize_axis_index(axis, aval.ndim)
    return prims.cumsum(a, ax)


def _boolean(prim_fn, empty_value: bool, a, axis, keepdims):
    """all = min and any = max over bools; an empty reduction gives the identity."""
    a = asarray_operand(a)
    aval = get_aval(a)
    axes = reduction_axes(axis, aval.ndim)
    b = cast(a, _BOOL)
    if _count(aval.shape, axes) == 0:
        shape = tuple(1 if i in axes else s for i, s in enumerate(aval.shape) if keepdims or (
            i not in axes))
        out = np.full(shape, empty_value)
        return out if shape else out[()]
    return _keep(prim_fn(b, axes), axes, keepdims)


def all(a, axis=None, out=None, keepdims=False):
    _no_out(out)
    return _boolean(prims.reduce_min, True, a, axis, keepdims)


def any(a, axis=None, out=None, keepdims=False):
    _no_out(out)
    return _boolean(prims.reduce_max, False, a, axis, keepdims)

