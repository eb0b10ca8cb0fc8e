"""Numpy indexing on traced arrays: `x[index]` and JAX's functional `x.at[index].add/set/get`.

An index is parsed once into a static plan covering every axis (no Ellipsis): slices with
resolved bounds, non-negative ints, new axes, and integer arrays (concrete ones normalized and
bounds-checked here with numpy's IndexError; traced ones wrapped modulo the axis size).
Boolean masks become integer arrays through np.nonzero, which needs concrete values.
Pure basic indexing lowers to rev / slice / reshape (cheap views in numpy); anything with an
integer array lowers to `gather`, whose transpose is `scatter_add`, so gradients of repeated
indices add up.
"""

from __future__ import annotations

import numpy as np

from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.core.trace import (
    EVAL_TRACE,
    ConcretizationError,
    Tracer,
    find_concrete,
    set_current_trace,
)
from fgrad.numpy._promotion import asarray_operand, broadcast_to_shape, cast
from fgrad.prims.indexing import build_index

__all__ = ["getitem", "IndexUpdateHelper", "take_plan"]

_VALID = (
    "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer or "
    "boolean arrays are valid indices"
)


class _Mask:
    """A concrete boolean mask that covers `ndim` axes."""

    __slots__ = ("value",)

    def __init__(self, value: np.ndarray):
        self.value = value


def _classify(e):
    """One raw index entry -> ("newaxis",) | ("ellipsis",) | ("slice", s) | ("int", i)
    | ("array", a) | ("mask", _Mask)."""
    if e is None:
        return ("newaxis",)
    if e is Ellipsis:
        return ("ellipsis",)
    if isinstance(e, slice):
        return ("slice", e)
    if isinstance(e, (bool, np.bool_)):
        raise IndexError(
            "fgrad.numpy does not support a boolean scalar as an index; use None to add an "
            "axis, or fnp.where for a conditional choice."
        )
    if isinstance(e, (int, np.integer)):
        return ("int", int(e))
    if isinstance(e, Tracer):
        kind = e.dtype.kind
        if kind == "b":
            value = find_concrete(e)
            if value is None:
                raise ConcretizationError(
                    f"Boolean mask indexing with a traced mask {e.aval.str_short()}: the result's "
                    "shape would depend on the mask's values, which are abstract here. Use "
                    "fnp.where(mask, x, 0) (or another fill value) to keep the shape static, "
                    "or compute the mask from concrete values outside the transform."
                )
            return ("mask", _Mask(np.asarray(value)))
        if kind in "iu":
            return ("array", e)
        raise IndexError(f"{_VALID}; got a traced {e.dtype.name} array")
    if isinstance(e, (list, tuple)) and any(isinstance(v, Tracer) for v in _flat(e)):
        from fgrad.numpy._creation import asarray

        return _classify(asarray(e))
    if isinstance(e, (list, tuple, np.ndarray)):
        arr = np.asarray(e)
        if arr.size == 0 and arr.dtype.kind == "f":
            arr = arr.astype(np.int64)
        if arr.dtype.kind == "b":
            return ("mask", _Mask(arr))
        if arr.dtype.kind not in "iu":
            raise IndexError(f"{_VALID}; got an array of dtype {arr.dtype.name}")
        if arr.ndim == 0:
            return ("int", int(arr))
        return ("array", arr)
    raise IndexError(f"{_VALID}; got {type(e).__name__}")


def _flat(seq):
    for v in seq:
        if isinstance(v, (list, tuple)):
            yield from _flat(v)
        else:
            yield v


def _consumed(entry) -> int:
    kind = entry[0]
    if kind in ("slice", "int", "array"):
        return 1
    if kind == "mask":
        return entry[1].value.ndim
    return 0


def _check_array(a: np.ndarray, axis: int, n: int) -> np.ndarray:
    a = a.astype(np.int64, copy=False)
    bad = (a < -n) | (a >= n)
    if bad.any():
        raise IndexError(f"index {a[bad].flat[0]} is out of bounds for axis {axis} with size {n}")
    return np.where(a < 0, a + n, a)


def _wrap_traced(a, n: int):
    """Negative traced indices count from the end, as numpy's do."""
    dtype = get_aval(a).dtype
    if dtype.kind == "u":
        return a
    if dtype.itemsize < 8:
        a = prims.convert_element_type(a, np.int64)  # so that a + n cannot overflow
    return prims.select(prims.lt(a, 0), prims.add(a, n), a)


def take_plan(shape, index):
    """The static plan of `x[index]` for an array of `shape`: (indexer, operands), with the
    indexer in `gather`'s format and operands the integer arrays it refers to."""
    raw = index if isinstance(index, tuple) else (index,)
    entries = [_classify(e) for e in raw]
    if sum(1 for e in entries if e[0] == "ellipsis") > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(_consumed(e) for e in entries)
    ndim = len(shape)
    if used > ndim:
        raise IndexError(
            f"too many indices for array: array is {ndim}-dimensional, but {used} were indexed"
        )
    if not any(e[0] == "ellipsis" for e in entries):
        entries.append(("ellipsis",))
    indexer, operands, axis = [], [], 0
    for e in entries:
        kind = e[0]
        if kind == "newaxis":
            indexer.append(("newaxis",))
        elif kind == "ellipsis":
            for _ in range(ndim - used):
                indexer.append(("slice", None, None, None))
                axis += 1
            used = ndim
        elif kind == "slice":
            start, stop, step = e[1].indices(shape[axis])
            if not len(range(start, stop, step)):
                start, stop, step = 0, 0, 1  # empty; also avoids start == -1 below
            elif step < 0 and stop < 0:
                stop = None  # runs down to index 0; a stop of -1 would mean the last entry
            indexer.append(("slice", start, stop, step))
            axis += 1
        elif kind == "int":
            n, i = shape[axis], e[1]
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for axis {axis} with size {n}")
            indexer.append(("int", i % n))
            axis += 1
        elif kind == "array":
            a = e[1]
            n = shape[axis]
            a = _wrap_traced(a, n) if isinstance(a, Tracer) else _check_array(a, axis, n)
            indexer.append(("array", len(operands)))
            operands.append(a)
            axis += 1
        else:
            mask = e[1].value
            expect = shape[axis : axis + mask.ndim]
            for k, (m, s) in enumerate(zip(mask.shape, expect)):
                if m != s:
                    raise IndexError(
                        f"boolean index did not match indexed array along axis {axis + k}; "
                        f"size of axis is {s} but size of corresponding boolean axis is {m}"
                    )
            for nz in np.nonzero(mask):
                indexer.append(("array", len(operands)))
                operands.append(nz.astype(np.int64))
                axis += 1
    return tuple(indexer), operands


def _result_shape(shape, indexer, operands):
    """The shape numpy gives `x[index]`, from zero-strided dummies (no data touched)."""
    dummy = np.broadcast_to(np.zeros((), np.int8), shape)
    idx = [np.broadcast_to(np.zeros((), np.int64), get_aval(a).shape) for a in operands]
    return dummy[build_index(indexer, idx)].shape


def _basic(x, shape, indexer):
    """Pure basic indexing as rev (negative steps), one strided slice, and a reshape."""
    starts, limits, strides, flips, out_shape = [], [], [], [], []
    axis = 0
    for e in indexer:
        kind = e[0]
        if kind == "newaxis":
            out_shape.append(1)
            continue
        n = shape[axis]
        if kind == "int":
            starts.append(e[1])
            limits.append(e[1] + 1)
            strides.append(1)
        else:
            _, start, stop, step = e
            if start is None:  # a whole axis, from an explicit or implied Ellipsis
                start, stop, step = 0, n, 1
            m = len(range(start, -1 if stop is None else stop, step))
            if step < 0 and m:
                flips.append(axis)
                start, step = n - 1 - start, -step
            elif not m:
                start, step = 0, 1
            starts.append(start)
            limits.append(start + (m - 1) * step + 1 if m else start)
            strides.append(step)
            out_shape.append(m)
        axis += 1
    if flips:
        x = prims.rev(x, tuple(flips))
    x = prims.slice(x, starts, limits, strides)
    return prims.reshape(x, tuple(out_shape))


def getitem(x, index):
    x = asarray_operand(x)
    if isinstance(x, (bool, int, float, complex, np.generic)):
        x = np.asarray(x)
    shape = get_aval(x).shape
    indexer, operands = take_plan(shape, index)
    if not operands:
        return _basic(x, shape, indexer)
    return prims.gather(x, *operands, indexer=indexer)


class IndexUpdateHelper:
    """`x.at[index]`: functional updates, as in JAX (numpy's in-place `x[i] = v` cannot work
    on immutable traced values)."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index):
        return IndexUpdateRef(self.array, index)

    def __repr__(self) -> str:
        return f"_IndexUpdateHelper({self.array!r})"


class IndexUpdateRef:
    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array = array
        self.index = index

    def _plan(self, values):
        x = self.array
        aval = get_aval(x)
        indexer, operands = take_plan(aval.shape, self.index)
        out_shape = _result_shape(aval.shape, indexer, operands)
        v = broadcast_to_shape(cast(asarray_operand(values), aval.dtype), out_shape)
        return x, aval, indexer, operands, out_shape, v

    def get(self):
        return getitem(self.array, self.index)

    def add(self, values):
        """x with `values` added at the index; repeated indices add up."""
        x, _, indexer, operands, _, v = self._plan(values)
        return prims.scatter_add(x, v, *operands, indexer=indexer)

    def set(self, values):
        """x with `values` written at the index. Where an index repeats, the result is the
        mean of the values written there (for equal values, that value)."""
        x, aval, indexer, operands, out_shape, v = self._plan(values)
        zeros = np.zeros(aval.shape, aval.dtype)
        count = _static_count(aval.shape, out_shape, indexer, operands)
        if count is not None:
            # a concrete index (the common `a[i] = v`): the hit mask is a constant and, where
            # no position repeats, the written values need no division
            total = prims.scatter_add(zeros, v, *operands, indexer=indexer)
            if count.max(initial=0) > 1:
                div = prims.div if aval.dtype.kind in "fc" else prims.floor_div
                total = div(total, np.maximum(count, 1).astype(aval.dtype))
            return prims.select(count > 0, total, x)
        count = prims.scatter_add(
            np.zeros(aval.shape, np.int64), np.ones(out_shape, np.int64), *operands,
            indexer=indexer,
        )
        total = prims.scatter_add(zeros, v, *operands, indexer=indexer)
        hit = prims.gt(count, 0)
        if aval.dtype.kind in "fc":
            safe = prims.convert_element_type(prims.max(count, 1), aval.dtype)
            new = prims.div(total, safe)
        elif aval.dtype.kind == "b":
            new = total
        else:
            new = prims.floor_div(total, prims.convert_element_type(prims.max(count, 1),
                                                                    aval.dtype))
        return prims.select(hit, new, x)


def _static_count(shape, out_shape, indexer, operands):
    """How often each position of an array of `shape` is written by the index, when the index
    is concrete (None when an index operand is traced)."""
    concrete = [find_concrete(o) for o in operands]
    if any(c is None for c in concrete):
        return None
    with set_current_trace(EVAL_TRACE):
        return prims.scatter_add(
            np.zeros(shape, np.int64), np.ones(out_shape, np.int64), *concrete, indexer=indexer
        )
