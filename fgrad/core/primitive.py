"""`Primitive`: a named operation with one slot per kind of rule, and `bind`, the one place
where every numeric operation is intercepted.

Rule slots (all written at import time, in the primitive's own block under `fgrad/prims/`):
  impl(*arrays, **params) -> array                 numpy; the only place raw numpy runs
  abstract_eval(*avals, **params) -> aval          shape and dtype of the result
  jvp(primals, tangents, **params) -> (out, t_out) written with traceable ops
  transpose(ct, *args, **params) -> [ct_i]         linear prims; args hold UndefinedPrimal
  batch(args, bdims, **params) -> (out, out_bdim)  vmap rule; bdim None = unbatched
  partial_eval(trace, args, **params) -> outs      higher-order prims only: split a call
                                                   whose inputs are partly known (linearize)
Multiple-result primitives return lists from impl/abstract_eval/jvp/batch.
"""

from __future__ import annotations

from typing import Any, Callable

from fgrad.core.trace import _current

__all__ = ["Primitive", "bind"]


class Primitive:
    __slots__ = (
        "name",
        "multiple_results",
        "impl",
        "abstract_eval",
        "jvp",
        "transpose",
        "batch",
        "partial_eval",
        "__weakref__",
    )

    def __init__(self, name: str, *, multiple_results: bool = False):
        self.name = name
        self.multiple_results = multiple_results
        self.impl: Callable[..., Any] | None = None
        self.abstract_eval: Callable[..., Any] | None = None
        self.jvp: Callable[..., Any] | None = None
        self.transpose: Callable[..., Any] | None = None
        self.batch: Callable[..., Any] | None = None
        self.partial_eval: Callable[..., Any] | None = None

    def def_impl(self, f):
        self.impl = f
        return f

    def def_abstract_eval(self, f):
        self.abstract_eval = f
        return f

    def def_jvp(self, f):
        self.jvp = f
        return f

    def def_transpose(self, f):
        self.transpose = f
        return f

    def def_batch(self, f):
        self.batch = f
        return f

    def def_partial_eval(self, f):
        self.partial_eval = f
        return f

    def bind(self, *args, **params):
        return _current.get().process_primitive(self, args, params)

    def __repr__(self) -> str:
        return self.name


def bind(prim: Primitive, *args, **params):
    """Apply `prim` under the current trace: numpy at the bottom, a transform above it."""
    return _current.get().process_primitive(prim, args, params)
