"""torch indexing (`x[...]`) onto fgrad's gather: one static indexer plus integer-array operands.

Basic indexing (ints, slices, None, Ellipsis) gives a view named after its last step
(`SelectBackward0`, `SliceBackward0`, `UnsqueezeBackward0`); any integer or boolean tensor in the
index makes it advanced indexing (`IndexBackward0`), a copy, as in torch.
"""

from __future__ import annotations

import numpy as np

from fgrad.extend import Tracer

__all__ = ["parse_index"]


def _to_array(x, tensor_type):
    if isinstance(x, tensor_type):
        return x._data
    if isinstance(x, (list, tuple)):
        return np.asarray(x)
    return x


def parse_index(shape, index, tensor_type):
    """Return (indexer, arrays, name, advanced, np_index) for `x[index]` on a shape.

    `indexer` is the static part for fgrad.lax.gather, `arrays` its integer-array operands,
    `np_index` the equivalent numpy index (for writes).
    """
    if not isinstance(index, tuple):
        index = (index,)
    items = []
    for it in index:
        if isinstance(it, tensor_type) or isinstance(it, (list, np.ndarray)):
            arr = _to_array(it, tensor_type)
            if isinstance(arr, Tracer):
                if arr.dtype.kind == "b":
                    raise IndexError("boolean mask indexing needs concrete values")
                items.append(("array", arr))
                continue
            arr = np.asarray(arr)
            if arr.dtype.kind == "b":
                items.append(("mask", arr))
            elif arr.dtype.kind in "iu":
                items.append(("array", arr.astype(np.int64, copy=False)))
            elif arr.size == 0:
                items.append(("array", arr.astype(np.int64)))
            else:
                raise IndexError(
                    "tensors used as indices must be long, int, byte or bool tensors"
                )
        elif it is None or it is Ellipsis or isinstance(it, slice):
            items.append(it)
        elif isinstance(it, (bool, np.bool_)):
            items.append(("mask", np.asarray(it)))
        elif isinstance(it, (int, np.integer)):
            items.append(int(it))
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                "are valid indices (got " + type(it).__name__ + ")"
            )
    consumed = sum(
        it[1].ndim if isinstance(it, tuple) and it[0] == "mask" else
        0 if it is None or it is Ellipsis else 1
        for it in items
    )
    if consumed > len(shape):
        raise IndexError(
            f"too many indices for tensor of dimension {len(shape)}"
        )
    n_ell = sum(1 for it in items if it is Ellipsis)
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    expanded = []
    for it in items:
        if it is Ellipsis:
            expanded.extend([slice(None)] * (len(shape) - consumed))
        else:
            expanded.append(it)
    if not n_ell:
        expanded.extend([slice(None)] * (len(shape) - consumed))

    indexer, arrays, np_index = [], [], []
    advanced = False
    last = None
    explicit_slice = any(isinstance(it, slice) for it in items)
    dim = 0
    for it in expanded:
        if it is None:
            indexer.append(("newaxis",))
            np_index.append(None)
            last = "UnsqueezeBackward0"
            continue
        if isinstance(it, slice):
            n = shape[dim]
            if it.step is not None and int(it.step) <= 0:
                raise ValueError("step must be greater than zero")
            start, stop, step = it.indices(n)
            stop = max(stop, start)
            indexer.append(("slice", start, stop, step))
            np_index.append(slice(start, stop, step))
            if (start, stop, step) != (0, n, 1):
                last = "SliceBackward0"
            dim += 1
            continue
        if isinstance(it, int):
            n = shape[dim]
            if not -n <= it < n:
                raise IndexError(
                    f"index {it} is out of bounds for dimension {dim} with size {n}"
                )
            it = it % n
            indexer.append(("int", it))
            np_index.append(it)
            last = "SelectBackward0"
            dim += 1
            continue
        kind, arr = it
        advanced = True
        if kind == "mask":
            if arr.ndim == 0:
                nz = (np.zeros(int(arr), np.int64),)
                indexer.append(("newaxis",))
                np_index.append(None)
                # a scalar bool adds an axis of length 0 or 1: gather it with an array
                indexer[-1] = ("array", len(arrays))
                arrays.append(nz[0])
                np_index[-1] = nz[0]
                continue
            mshape = shape[dim:dim + arr.ndim]
            if tuple(arr.shape) != tuple(mshape):
                raise IndexError(
                    f"The shape of the mask {list(arr.shape)} at index {dim} does not match "
                    f"the shape of the indexed tensor {list(shape)} at index {dim}"
                )
            for nz in np.nonzero(arr):
                indexer.append(("array", len(arrays)))
                arrays.append(nz.astype(np.int64))
                np_index.append(nz)
            dim += arr.ndim
            continue
        if not isinstance(arr, Tracer):
            n = shape[dim]
            if arr.size and (arr.max() >= n or arr.min() < -n):
                bad = int(arr.max() if arr.max() >= n else arr.min())
                raise IndexError(
                    f"index {bad} is out of bounds for dimension {dim} with size {n}"
                )
            if arr.size and arr.min() < 0:
                arr = np.where(arr < 0, arr + n, arr)
        indexer.append(("array", len(arrays)))
        arrays.append(arr)
        np_index.append(arr)
        dim += 1
    if advanced:
        name = "IndexBackward0"
    elif last is not None:
        name = last
    else:
        name = "SliceBackward0" if explicit_slice else "AliasBackward0"
    return tuple(indexer), arrays, name, advanced, tuple(np_index)
