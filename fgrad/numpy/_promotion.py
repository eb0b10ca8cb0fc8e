"""Numpy's broadcasting and dtype promotion, made explicit for strict primitives.

Primitives accept only equal shapes and equal dtypes, so every fgrad.numpy function first asks
numpy itself which dtypes its ufunc loop would use (`ufunc.resolve_dtypes` on static dtypes,
with Python's `int`/`float`/`complex` standing in for weak values, which is NEP 50), then
inserts `convert_element_type` and `broadcast_in_dim` where needed. Asking numpy, rather than
keeping our own promotion table, makes concrete results match numpy's dtypes by construction.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from fgrad import prims
from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.trace import Tracer

__all__ = [
    "asarray_operand",
    "aval_of",
    "cast",
    "broadcast_shapes",
    "broadcast_to_shape",
    "ufunc_operands",
    "keeps_dtypes",
    "ufunc_dtypes",
    "result_type",
    "weak_standin",
    "normalize_axis_index",
    "normalize_axis_tuple",
    "reduction_axes",
    "is_traced",
]

_PY_SCALARS = (bool, int, float, complex)
_WEAK_TYPES = {"i": int, "u": int, "f": float, "c": complex}
_WEAK_VALUES = {"i": 0, "u": 0, "f": 0.0, "c": 0j}


def is_traced(x) -> bool:
    return isinstance(x, Tracer)


def asarray_operand(x):
    """An operand for a primitive: arrays, tracers and scalars pass through (a Python scalar
    keeps its weak type); sequences become arrays (stacking any tracers inside them)."""
    if isinstance(x, (np.ndarray, np.generic, Tracer, *_PY_SCALARS)):
        return x
    if isinstance(x, (list, tuple)):
        from fgrad.numpy._creation import asarray

        return asarray(x)
    if hasattr(x, "__array__"):
        return np.asarray(x)
    raise TypeError(
        f"fgrad.numpy cannot use a value of type {type(x).__name__} as an array: {x!r:.80}. "
        "Pass numpy arrays, Python numbers, lists of them, or fgrad traced values."
    )


def aval_of(x) -> ShapedArray:
    return get_aval(x)


def weak_standin(aval: ShapedArray, *, as_value: bool = False):
    """What numpy should see for this operand when resolving dtypes: the dtype, or for a weak
    (Python scalar) value the Python type (for `resolve_dtypes`) or a value (for
    `result_type`), so that it does not upcast the other operands."""
    if aval.weak_type and aval.dtype.kind in _WEAK_TYPES:
        return (_WEAK_VALUES if as_value else _WEAK_TYPES)[aval.dtype.kind]
    return aval.dtype


@functools.lru_cache(maxsize=4096)
def _resolve(ufunc: np.ufunc, keys: tuple) -> tuple:
    if all(weak for _, weak in keys):
        # Only Python scalars: numpy would resolve the Python types to object loops; their
        # default dtypes (int64, float64, complex128) give Python's own arithmetic instead.
        standins = tuple(d for d, _ in keys)
    else:
        standins = tuple(
            (_WEAK_TYPES[d.kind] if weak and d.kind in _WEAK_TYPES else d) for d, weak in keys
        )
    return ufunc.resolve_dtypes(standins + (None,) * ufunc.nout)


def ufunc_dtypes(ufunc: np.ufunc, avals) -> tuple:
    """(input dtypes..., output dtypes...) of numpy's loop for these operands. Raises numpy's
    own error for unsupported combinations (e.g. `-` on bools)."""
    return _resolve(ufunc, tuple((a.dtype, a.weak_type) for a in avals))


def cast(x, dtype):
    """x converted to `dtype`. Static scalars are converted here (no equation is recorded);
    a value already of that dtype is returned as is, keeping its weak type."""
    dtype = np.dtype(dtype)
    aval = get_aval(x)
    if aval.dtype == dtype:
        return x
    if isinstance(x, (*_PY_SCALARS, np.generic)):
        if dtype.kind not in "c" and isinstance(x, (complex, np.complexfloating)):
            x = x.real
        return dtype.type(x)
    return prims.convert_element_type(x, dtype)


def broadcast_shapes(*shapes) -> tuple[int, ...]:
    """Numpy's broadcast of static shapes (numpy's own message on mismatch, plus the user's
    line, since under a transform the failing operation is far from the traceback's end)."""
    if len(shapes) == 1:
        return tuple(shapes[0])
    first = shapes[0]
    if all(s == first for s in shapes[1:]):
        return tuple(first)
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError as e:
        from fgrad._util import format_frame, user_frame

        raise ValueError(
            f"{e} (at {format_frame(user_frame())}). Align the shapes: add the missing axes "
            "with x[:, None] or fnp.expand_dims, or reshape/transpose one operand."
        ) from None


def broadcast_to_shape(x, shape):
    """x broadcast to `shape` by numpy's rules (axes aligned on the right)."""
    shape = tuple(shape)
    aval = get_aval(x)
    if aval.shape == shape:
        return x
    if isinstance(x, (*_PY_SCALARS, np.generic)):
        x = np.asarray(x, aval.dtype)
    nd, out_nd = len(aval.shape), len(shape)
    if nd > out_nd or any(
        s not in (1, shape[out_nd - nd + i]) for i, s in enumerate(aval.shape)
    ):
        raise ValueError(
            f"operands could not be broadcast together: cannot broadcast an array of shape "
            f"{aval.shape} to shape {shape}"
        )
    return prims.broadcast_in_dim(x, shape, tuple(range(out_nd - nd, out_nd)))


@functools.lru_cache(maxsize=8192)
def _ufunc_plan(ufunc: np.ufunc, sigs: tuple) -> tuple:
    """Per operand signature (shape, dtype, weak), what to do to each operand: (dtype to
    convert to or None, broadcast dims or None); plus the common shape and the output dtype.
    Cached, so the hot path of an elementwise call is a dictionary lookup. The key holds
    tuples, not avals: tuples hash and compare in C."""
    dtypes = _resolve(ufunc, tuple((d, w) for _, d, w in sigs))
    shape = broadcast_shapes(*[s for s, _, _ in sigs])
    steps = tuple(
        (
            None if dt == d else d,
            None if s == shape else tuple(range(len(shape) - len(s), len(shape))),
        )
        for (s, dt, _), d in zip(sigs, dtypes)
    )
    return steps, shape, dtypes[len(sigs)]


# The common case costs one dict lookup: operands of one shape whose dtypes numpy's loop
# keeps (float64 + float64, sin of float64), so there is nothing to convert or broadcast.
_KEEPS: dict[tuple, bool] = {}


def keeps_dtypes(key: tuple) -> bool:
    """Whether numpy's loop for `key` = (ufunc, dtype, weak, dtype, weak, ...) takes every
    operand in its own dtype. Callers try `_KEEPS.get(key)` inline first."""
    ok = _KEEPS.get(key)
    if ok is None:
        ufunc, sigs = key[0], tuple(zip(key[1::2], key[2::2]))
        try:
            dtypes = _resolve(ufunc, sigs)
        except TypeError:  # no loop for these dtypes: the slow path raises numpy's error
            ok = False
        else:
            ok = all(d == dt for d, (dt, _) in zip(dtypes, sigs))
        _KEEPS[key] = ok
    return ok


_FAST_TYPES = (np.ndarray, float, int)


def _as_numpy_scalar(x):
    return get_aval(x).dtype.type(x)


def ufunc_operands(ufunc: np.ufunc, *xs):
    """Operands converted to the dtypes numpy's `ufunc` loop would use and broadcast to a
    common shape. Returns (operands, output dtype)."""
    xs = [x if type(x) in _FAST_TYPES else asarray_operand(x) for x in xs]
    sigs = []
    for x in xs:
        a = get_aval(x)
        sigs.append((a.shape, a.dtype, a.weak_type))
    steps, shape, out_dtype = _ufunc_plan(ufunc, tuple(sigs))
    ops = []
    for x, (dtype, dims) in zip(xs, steps):
        if dtype is not None:
            x = cast(x, dtype)
        elif type(x) in _PY_SCALARS:
            # a typed numpy scalar: prims coerce a plain Python scalar to the other operand's
            # dtype, which is wrong when both are Python scalars (lt(-0.7, 0) as ints)
            x = _as_numpy_scalar(x)
        if dims is not None:
            if isinstance(x, (*_PY_SCALARS, np.generic)):
                x = np.asarray(x)
            x = prims.broadcast_in_dim(x, shape, dims)
        ops.append(x)
    return ops, out_dtype


def result_type(*arrays_and_dtypes) -> np.dtype:
    """numpy.result_type, accepting traced values (weak ones count as Python scalars)."""
    args = []
    for a in arrays_and_dtypes:
        if isinstance(a, (np.dtype, type, str)) and not isinstance(a, Tracer):
            args.append(a)
        elif isinstance(a, (*_PY_SCALARS, np.ndarray, np.generic)):
            args.append(a)
        else:
            args.append(weak_standin(get_aval(asarray_operand(a)), as_value=True))
    return np.result_type(*args)


def reduction_axes(axis, ndim: int) -> tuple[int, ...]:
    """Sorted non-negative axes for numpy's `axis=None | int | tuple` (numpy's AxisError)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, Tracer):
        axis = axis.__index__()
    return tuple(sorted(normalize_axis_tuple(axis, ndim)))
