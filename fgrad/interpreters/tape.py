"""Eager reverse mode: per-primitive linearizations, cached and replayed on a tape.

`vjp` is linearize + transpose. At the top level (the parent trace is the eval trace, so every
primal is a concrete array) that can be done one primitive at a time: for a primitive, its
params, its input avals and which inputs carry tangents, the jvp rule is staged once and split
by partial evaluation into

    forward:  primals -> (outputs, residuals)          (the known part)
    backward: (residuals, output cotangents) -> input cotangents   (the transposed linear part)

and both are cached. Differentiating then costs one cached forward call per operation, a tape
entry, and one backward call per entry: no per-operation tracing. The rules used are the
primitives' own jvp and transpose rules; nothing here knows any derivative.

Under an outer transform (grad of grad, vmap of grad) the tape is not used: the general
linearize in partial_eval.py handles arbitrary parents.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from fgrad._util import user_frame
from fgrad.core.avals import ShapedArray, get_aval, tangent_dtype
from fgrad.core.ir import ClosedJaxpr
from fgrad.core.markers import Zero, zeros_like_aval
from fgrad.core.primitive import bind
from fgrad.core.trace import EVAL_TRACE, Trace, Tracer, current_trace, new_trace
from fgrad.interpreters.codegen import compile_jaxpr
from fgrad.interpreters.jaxpr_transforms import jvp_jaxpr, partial_eval_jaxpr, transpose_jaxpr
from fgrad.interpreters.staging import trace_to_jaxpr

__all__ = ["TapeTrace", "TapeTracer", "tape_vjp_flat", "tape_available"]


class TapeTracer(Tracer):
    """A concrete value that the tape tracks: `node` is where its cotangent is collected."""

    __slots__ = ("value", "node", "index", "_aval")

    def __init__(self, trace: TapeTrace, value, node: int, index: int):
        self._trace = trace
        self.value = value
        self.node = node
        self.index = index
        self._aval = None

    @property
    def aval(self) -> ShapedArray:
        a = self._aval
        if a is None:
            a = self._aval = get_aval(self.value)
        return a

    def concrete(self):
        return self.value

    def constant_value(self):
        return self.value if self.node is None else None


class _Entry:
    """The cached linearization of one primitive application signature."""

    __slots__ = (
        "fwd", "bwd", "bwd_run", "n_out", "out_nz", "n_res", "multiple", "live_outs", "ct_avals"
    )

    def __init__(self, fwd, bwd: ClosedJaxpr, n_out, out_nz, n_res, multiple):
        self.fwd = fwd
        self.bwd = bwd  # (residuals..., cotangents...) -> cotangents of the tracked inputs
        self.bwd_run = _compiled(bwd)
        self.live_outs = [k for k, nz in enumerate(out_nz) if nz]  # outputs with cotangents
        self.ct_avals = bwd.in_avals[n_res:]
        self.n_out = n_out
        self.out_nz = out_nz
        self.n_res = n_res
        self.multiple = multiple


def _compiled(closed: ClosedJaxpr):
    """Generated straight-line numpy code for a small jaxpr: at the top level every value is
    concrete, so dispatch through bind would only add cost."""
    return compile_jaxpr(closed.jaxpr, closed.consts).fn


# Memo only: an entry is a pure function of its key. First-order primitives (params of plain
# data) and higher-order ones (params holding jaxprs or rules, often fresh on every call) get
# separate bounds, so one-off entries never push the reusable ones out.
_CACHES = (OrderedDict(), OrderedDict())
_CACHE_SIZES = (4096, 256)
_PLAIN = (int, float, bool, str, type(None), np.dtype)


def _is_plain(params) -> bool:
    for v in params.values():
        if not isinstance(v, _PLAIN) and not (
            isinstance(v, tuple) and all(isinstance(e, _PLAIN + (tuple,)) for e in v)
        ):
            return False
    return True


def tape_entry(prim, params, avals, nonzero) -> _Entry | None:
    """The cached forward/backward pair for a primitive signature (None: not cacheable).

    The params key keeps the keyword order of the call: equal keys still mean equal params,
    and a call site always passes them in the same order, so sorting would only cost time."""
    key = (prim, tuple(params.items()), avals, nonzero)
    try:
        entry = _CACHES[0].get(key) or _CACHES[1].get(key)
    except TypeError:  # unhashable params
        return None
    if entry is None:
        entry = _build_entry(prim, params, avals, nonzero)
        which = 0 if _is_plain(params) else 1
        cache = _CACHES[which]
        cache[key] = entry
        if len(cache) > _CACHE_SIZES[which]:
            cache.popitem(last=False)
    return entry


def _build_entry(prim, params, avals, nonzero) -> _Entry:
    in_avals = [ShapedArray(s, d, w) for s, d, w in avals]
    multiple = prim.multiple_results

    def one(*xs):
        out = bind(prim, *xs, **params)
        return list(out) if multiple else [out]

    with new_trace(_TopLevel()):
        closed = trace_to_jaxpr(one, in_avals, dce=False)
        n_out = len(closed.out_avals)
        jv, out_nz = jvp_jaxpr(closed, list(nonzero), instantiate=False)
        n_tan_in = sum(nonzero)
        unknowns = [False] * len(in_avals) + [True] * n_tan_in
        inst = [False] * n_out + [True] * sum(out_nz)
        known, unknown, _, n_res = partial_eval_jaxpr(jv, unknowns, instantiate=inst)
        bwd = transpose_jaxpr(unknown, [False] * n_res + [True] * n_tan_in)
    return _Entry(_compiled(known), bwd, n_out, out_nz, n_res, multiple)


class _TopLevel(Trace):
    """Stages cache entries from a clean slate, whatever trace is current."""

    __slots__ = ()

    def __init__(self):
        super().__init__(None, "eval")

    def process_primitive(self, prim, args, params):
        return EVAL_TRACE.process_primitive(prim, args, params)


class TapeTrace(Trace):
    __slots__ = ("nodes",)

    def __init__(self, parent: Trace):
        super().__init__(parent, "grad (tape)")
        # node i: (bwd, residuals, input (node, index) pairs of the tangent-carrying inputs,
        # output avals) ; inputs of the traced function are nodes without a backward.
        self.nodes: list = []

    def new_input(self, value) -> TapeTracer:
        self.nodes.append(None)
        return TapeTracer(self, value, len(self.nodes) - 1, 0)

    def lift(self, x):
        return TapeTracer(self, x, None, 0)  # node None: no cotangent is collected for it

    def process_primitive(self, prim, args, params):
        vals, srcs, avals, nonzero = [], [], [], []
        tracked = False
        for x in args:
            if type(x) is TapeTracer and x._trace is self and x.node is not None:
                v = x.value
                vals.append(v)
                srcs.append((x.node, x.index))
                nonzero.append(True)
                tracked = True
            elif type(x) is TapeTracer and x._trace is self:  # a lifted constant
                v = x.value
                vals.append(v)
                nonzero.append(False)
            else:
                if isinstance(x, Tracer):
                    self.check_foreign(x)
                v = x
                vals.append(v)
                nonzero.append(False)
            if type(v) is np.ndarray:
                avals.append((v.shape, v.dtype, False))
            else:
                a = get_aval(v)
                avals.append((a.shape, a.dtype, a.weak_type))
        if not tracked:
            return self.parent.process_primitive(prim, vals, params)
        entry = tape_entry(prim, params, tuple(avals), tuple(nonzero))
        if entry is None:
            raise _Uncacheable(prim)
        res = entry.fwd(*vals)
        n_out = entry.n_out
        outs, residuals = res[:n_out], res[n_out:]
        node = len(self.nodes)
        self.nodes.append((entry, residuals, srcs))
        wrapped = [
            TapeTracer(self, o, node, k) if nz else o
            for k, (o, nz) in enumerate(zip(outs, entry.out_nz))
        ]
        return wrapped if entry.multiple else wrapped[0]


class _Uncacheable(Exception):
    def __init__(self, prim):
        super().__init__(prim.name)


def tape_available() -> bool:
    return current_trace() is EVAL_TRACE


def tape_vjp_flat(f, primals):
    """(primals_out, pullback) for `f` at concrete `primals`, or None when the tape cannot be
    used (a primitive with unhashable params); the caller then uses general linearize."""
    trace = TapeTrace(EVAL_TRACE)
    trace.origin = user_frame()  # once per grad call, for escaped-tracer messages
    ins = []
    for p in primals:
        if tangent_dtype(get_aval(p).dtype) is None:
            ins.append(p)
        else:
            ins.append(trace.new_input(p))
    trace.inputs = tuple(i for i in ins if type(i) is TapeTracer)
    try:
        with new_trace(trace):
            outs = f(*ins)
    except _Uncacheable:
        return None
    out_nodes, primals_out = [], []
    for o in outs:
        if type(o) is TapeTracer and o._trace is trace:
            out_nodes.append(None if o.node is None else (o.node, o.index))
            primals_out.append(o.value)
        else:
            out_nodes.append(None)
            primals_out.append(o)
    nodes = trace.nodes
    in_nodes = [i.node if type(i) is TapeTracer else None for i in ins]

    def pullback(cts):
        return _backward(nodes, out_nodes, in_nodes, cts)

    return primals_out, pullback


def _backward(nodes, out_nodes, in_nodes, cts):
    from fgrad.prims.arith import add_any

    eager = current_trace() is EVAL_TRACE
    acc: dict[tuple[int, int], object] = {}  # (node, output index) -> cotangent

    for src, ct in zip(out_nodes, cts):
        if src is not None and ct is not None and type(ct) is not Zero:
            prev = acc.get(src)
            acc[src] = ct if prev is None else add_any(prev, ct)
    pop = acc.pop
    for i in range(len(nodes) - 1, -1, -1):
        node = nodes[i]
        if node is None:
            continue
        entry, residuals, srcs = node
        cts_in = [pop((i, k), None) for k in entry.live_outs]
        if all(c is None for c in cts_in):
            continue
        cts_in = [zeros_like_aval(a) if c is None else c for c, a in zip(cts_in, entry.ct_avals)]
        run = entry.bwd_run if eager else entry.bwd
        for src, c in zip(srcs, run(*residuals, *cts_in)):
            prev = acc.get(src)
            acc[src] = c if prev is None else add_any(prev, c)
    return [None if n is None else acc.get((n, 0)) for n in in_nodes]
