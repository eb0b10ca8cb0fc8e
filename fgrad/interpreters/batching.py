"""Batching: the vmap trace carries (value, batch axis) pairs through every primitive.

A value with no batch axis (bdim None) is the same for every batch member; a primitive whose
inputs are all unbatched is handed to the parent trace unchanged.
"""

from __future__ import annotations

from fgrad._util import FGradError, user_frame
from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.trace import (
    Trace,
    Tracer,
    _reset,
    _set,
    current_trace,
    find_concrete,
    new_trace,
)
from fgrad.prims.shape import broadcast_batch, moveaxis

__all__ = ["BatchTrace", "BatchTracer", "batch_flat", "vmap_flat", "move_bdim", "BatchingError"]


class BatchingError(FGradError, ValueError):
    pass


class BatchTracer(Tracer):
    __slots__ = ("val", "bdim")

    def __init__(self, trace: BatchTrace, val, bdim: int):
        self._trace = trace
        self.val = val
        self.bdim = bdim

    @property
    def aval(self) -> ShapedArray:
        a = get_aval(self.val)
        if self.bdim is None:  # a lifted constant
            return a
        shape = a.shape[: self.bdim] + a.shape[self.bdim + 1 :]
        return ShapedArray(shape, a.dtype, a.weak_type)


    def constant_value(self):
        return find_concrete(self.val) if self.bdim is None else None


class BatchTrace(Trace):
    __slots__ = ("axis_size",)

    def __init__(self, parent: Trace, axis_size: int):
        super().__init__(parent, "vmap")
        self.axis_size = axis_size

    def lift(self, x):
        return BatchTracer(self, x, None)

    def process_primitive(self, prim, args, params):
        vals, dims = [], []
        batched = False
        for x in args:
            if type(x) is BatchTracer and x._trace is self:
                vals.append(x.val)
                d = x.bdim
                dims.append(d)
                if d is not None:
                    batched = True
            else:
                if isinstance(x, Tracer):
                    self.check_foreign(x)
                vals.append(x)
                dims.append(None)
        if not batched:
            return self.parent.process_primitive(prim, vals, params)
        if prim.batch is None:
            raise NotImplementedError(f"vmap of '{prim.name}' is not implemented (no batch rule)")
        token = _set(self.parent)
        try:
            out, out_dim = prim.batch(vals, dims, **params)
        finally:
            _reset(token)
        if prim.multiple_results:
            return [o if d is None else BatchTracer(self, o, d) for o, d in zip(out, out_dim)]
        return out if out_dim is None else BatchTracer(self, out, out_dim)


def move_bdim(x, src: int | None, dst: int | None, size: int):
    """Put the batch axis of `x` (at `src`, None if unbatched) at `dst` (None: must be absent)."""
    if dst is None:
        if src is not None:
            raise BatchingError(
                "vmap out_axes=None requires an output that does not depend on the mapped "
                "axis, but this output is batched."
            )
        return x
    if src is None:
        x = broadcast_batch(x, size)
        src = 0
    ndim = get_aval(x).ndim
    return moveaxis(x, src, dst % ndim if dst < 0 else dst)


def batch_flat(f, args, in_dims, axis_size: int):
    """Run `f` with argument i batched along `in_dims[i]` (None: unbatched); return the
    output values and their batch axes (None where an output does not depend on the batch)."""
    trace = BatchTrace(current_trace(), axis_size)
    trace.origin = user_frame()
    with new_trace(trace):
        ins = [x if d is None else BatchTracer(trace, x, d) for x, d in zip(args, in_dims)]
        trace.inputs = tuple(i for i in ins if type(i) is BatchTracer)
        outs = f(*ins)
    vals, dims = [], []
    for o in outs:
        if type(o) is BatchTracer and o._trace is trace:
            vals.append(o.val)
            dims.append(o.bdim)
        else:
            vals.append(o)
            dims.append(None)
    return vals, dims


def vmap_flat(f, args, in_dims, out_dims_fn, axis_size: int):
    """Map `f` over axis `in_dims[i]` of each argument; `out_dims_fn(n)` gives the out axes."""
    vals, dims = batch_flat(f, args, in_dims, axis_size)
    out_dims = out_dims_fn(len(vals))
    return [move_bdim(v, d, od, axis_size) for v, d, od in zip(vals, dims, out_dims)]
