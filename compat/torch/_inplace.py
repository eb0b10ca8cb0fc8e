"""In-place ops: `op_()`, `+=`, `x[i] = v`, with torch's checks, version counters and rewiring.

The new value is always computed out of place by the op's pure function; only then is it
written into the existing buffer, so every alias (views, `detach()`) sees it, and the node moves
onto the mutated tensor. A write into part of a buffer (through a view, or `x[i] = v`) becomes a
node on the whole buffer whose function is "gather the part, apply the op, scatter the change
back" (`copy_slices`): its gradient comes from fgrad's gather/scatter rules, like every other.
"""

from __future__ import annotations

import numpy as np

from compat.torch import _dtypes
from compat.torch import _tensor as _t
from compat.torch._grad_mode import _get as _grad_mode
from compat.torch._graph import format_frame, torch_error, user_frame
from fgrad import lax
from fgrad.extend import Tracer

__all__ = ["run", "setitem", "copy_slices", "take_flat"]

_ndarray = np.ndarray
_FLAT = (("array", 0),)
_KIND_NAMES = {
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
    "float32": "Float",
    "float64": "Double",
}


def _leaf_error(view: str) -> RuntimeError:
    """torch's text, then where it happened and the two usual fixes."""
    return torch_error(
        f"a {view}leaf Variable that requires grad is being used in an in-place operation.",
        f"At {format_frame(user_frame())}: an in-place write into a leaf would change the "
        "value its gradient is taken at. Update parameters inside `with torch.no_grad():` (as "
        "optimizers do), or write into a copy (`y = x.clone()`).",
    )


def _check(t) -> None:
    if not _grad_mode()[0]:
        return
    if t._grad_fn is None and t._requires_grad and t._base is None:
        raise _leaf_error("")
    b = t._base
    if b is not None and b._grad_fn is None and b._requires_grad:
        raise _leaf_error("view of a ")


def _check_cast(new_dtype, old_dtype) -> None:
    """torch refuses to store a float result into an integer tensor (and int into bool)."""
    nk, ok = np.dtype(new_dtype).kind, np.dtype(old_dtype).kind
    rank = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
    if rank[nk] > rank[ok]:
        raise RuntimeError(
            f"result type {_KIND_NAMES.get(np.dtype(new_dtype).name, 'Float')} can't be cast "
            f"to the desired output type {_KIND_NAMES.get(np.dtype(old_dtype).name, '?')}"
        )


def _write(t, new, src, index=Ellipsis, flat=None) -> None:
    """Store `new` into t's buffer (seen by every alias), or rebind a traced value."""
    d = t._data
    t._box.before_write(src)
    if flat is not None:
        d.flat[flat] = new
        return
    if type(d) is _ndarray and not isinstance(new, Tracer):
        if not d.flags.writeable:
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers "
                "to a single memory location. Please clone() the tensor before performing the "
                "operation."
            )
        d[index] = new
    elif index is Ellipsis:
        if new.shape != d.shape:
            new = lax.broadcast_in_dim(new, d.shape, tuple(range(d.ndim - new.ndim, d.ndim)))
        t._data = lax.convert_element_type(new, d.dtype)
    else:
        raise RuntimeError(
            "indexed assignment into a tensor that holds a traced value is not supported; "
            "build the result with torch.where or torch.cat instead"
        )


def _view_index(t):
    """Flat positions in the base buffer of each element of the view `t`, found by running
    the view's own chain of functions on an arange."""
    base = t._base
    idx = np.arange(base._data.size, dtype=np.int64).reshape(base._data.shape)
    for fn, static in t._view_chain:
        idx = np.asarray(fn(idx, **dict(static)))
    return idx


def copy_slices(b, idx, v, *, shape, dtype):
    """b with the elements at flat positions idx replaced by v (broadcast to `shape`)."""
    size = 1
    for s in b.shape:
        size *= s
    flat = lax.reshape(b, (size,))
    old = lax.gather(flat, idx, indexer=_FLAT)
    v = lax.convert_element_type(v, dtype)
    if v.shape != shape:
        v = lax.broadcast_in_dim(v, shape, tuple(range(len(shape) - v.ndim, len(shape))))
    new = lax.reshape(v, old.shape)
    return lax.reshape(lax.scatter_add(flat, lax.sub(new, old), idx, indexer=_FLAT), b.shape)


def take_flat(b, idx, *, shape):
    """The view's elements read back out of its base (the view's grad_fn after a write)."""
    size = 1
    for s in b.shape:
        size *= s
    return lax.reshape(lax.gather(lax.reshape(b, (size,)), idx, indexer=_FLAT), shape)


def _commit(t, res, src) -> None:
    """Make t hold res: write the values, and move res's node onto t."""
    if res._data.dtype != t._data.dtype:
        _check_cast(res._data.dtype, t._data.dtype)
        if res._grad_fn is not None:
            res = res.to(_dtypes.from_numpy_dtype(t._data.dtype))
    if t._base is not None:
        _setitem(t, Ellipsis, False, res, src)
        return
    _write(t, res._data, src)
    node = res._grad_fn
    if node is None:
        return
    t._grad_fn, t._output_nr, t._requires_grad = node, 0, True
    if node.checks:
        box = t._box
        new = []
        for c in node.checks:
            if c[6]:  # the op's own result, saved by torch: it is t now, at its new version
                new.append((box, box.version) + c[2:])
            elif c[0] is not box:  # t's old value is a private copy now (torch clones it)
                new.append(c)
        node.checks = new


def _setitem(t, np_index, advanced, value, src) -> None:
    target = t if t._base is None else t._base
    pos = np.arange(t._data.size, dtype=np.int64).reshape(t._data.shape)
    if t._base is not None:
        pos = _view_index(t)
    pos = pos[np_index]
    shape = pos.shape
    vdata = value._data if isinstance(value, _t.Tensor) else np.asarray(value, t._data.dtype)
    if isinstance(value, _t.Tensor):
        _check_cast(vdata.dtype, t._data.dtype)
    if target is t:
        _write(t, vdata, src, np_index)
    else:
        # through the base's buffer, so the write lands even where the view's array is a copy
        bd = target._data
        if type(bd) is _ndarray and not isinstance(vdata, Tracer):
            _write(target, np.broadcast_to(vdata, shape).reshape(-1), src,
                   flat=pos.reshape(-1))
            if type(t._data) is _ndarray and not np.may_share_memory(t._data, bd):
                t._data[np_index] = vdata
        else:
            _write(t, vdata, src, np_index)
    if not _grad_mode()[0] or not (
        target._requires_grad or (isinstance(value, _t.Tensor) and value._requires_grad)
    ):
        return
    name = "IndexPutBackward0" if advanced else "CopySlices"
    val = value if isinstance(value, _t.Tensor) else vdata
    static = (("shape", shape), ("dtype", t._data.dtype))
    new_base = _t.apply_op(name, copy_slices, (target, pos.reshape(-1), val), static)
    target._grad_fn, target._output_nr, target._requires_grad = new_base._grad_fn, 0, True
    if target is not t:
        whole = _view_index(t).reshape(-1)
        v = _t.apply_op("AsStridedBackward0", take_flat, (target, whole),
                        (("shape", t._data.shape),))
        t._grad_fn, t._output_nr, t._requires_grad = v._grad_fn, 0, True


def setitem(t, np_index, advanced, value) -> None:
    """`t[index] = value`: CopySlices (IndexPutBackward0 for integer-array indices) on t, or
    on its base when t is a view."""
    if (not advanced and _grad_mode()[0] and t._grad_fn is None and t._requires_grad):
        # basic indexing writes through a view of t (torch's x[i].copy_(v))
        raise _leaf_error("view of a ")
    _check(t)
    _setitem(t, np_index, advanced, value, user_frame(3))


def _fill(a, *, value):
    return lax.broadcast_in_dim(np.asarray(value, a.dtype), a.shape, ())


def _copy_from(a, s, *, dtype):
    s = lax.convert_element_type(s, dtype)
    if s.shape != a.shape:
        s = lax.broadcast_in_dim(s, a.shape, tuple(range(a.ndim - s.ndim, a.ndim)))
    return s


def _out_of_place(t, name, args, kwargs):
    from compat.torch import _ops

    if name == "zero":
        return _t.apply_op("ZeroBackward0", _fill, (t,), (("value", 0),))
    if name == "fill":
        v = args[0].item() if isinstance(args[0], _t.Tensor) else args[0]
        return _t.apply_op("FillBackward0", _fill, (t,), (("value", v),))
    if name == "copy":
        src = args[0]
        if not isinstance(src, _t.Tensor):
            src = np.asarray(src)
        return _t.apply_op("CopyBackwards", _copy_from, (t, src), (("dtype", t._data.dtype),))
    return getattr(_ops, name)(t, *args, **kwargs)


def run(t, name, *args, **kwargs):
    """torch's `t.name_(*args)`: checks first, then the out-of-place op, then the write."""
    _check(t)
    src = user_frame(3)
    res = _out_of_place(t, name, args, kwargs)
    _commit(t, res, src)
    return t


_ = _dtypes
