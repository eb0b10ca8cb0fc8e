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
    """A concrete value that the tape tracks. `node` is the slot where its cotangent is
    collected (None: a lifted constant, which collects none); `sig` is its (shape, dtype,
    weak) part of a cache key, known from the entry that made it."""

    __slots__ = ("value", "node", "aval", "sig")

    def __init__(self, trace: TapeTrace, value, node: int | None, aval: ShapedArray, sig):
        self._trace = trace
        self.value = value
        self.node = node
        self.aval = aval
        self.sig = sig

    def concrete(self):
        return self.value

    def constant_value(self):
        return self.value if self.node is None else None


def _sig(aval: ShapedArray) -> tuple:
    return (aval.shape, aval.dtype, aval.weak_type)


class _Entry:
    """The cached linearization of one primitive application signature."""

    __slots__ = (
        "fwd", "bwd", "bwd_run", "n_out", "out_nz", "n_res", "multiple", "n_live", "ct_avals",
        "out_avals", "out_sigs", "single",
    )

    def __init__(self, fwd, bwd: ClosedJaxpr, out_avals, out_nz, n_res, multiple):
        self.fwd = fwd
        self.bwd = bwd  # (residuals..., cotangents...) -> cotangents of the tracked inputs
        self.bwd_run = _compiled(bwd)
        self.n_live = sum(out_nz)  # outputs with cotangents, each given a cotangent slot
        self.ct_avals = bwd.in_avals[n_res:]
        # The values are numpy arrays and scalars, which are never weak (get_aval's view).
        self.out_avals = [a.strip_weak() for a in out_avals]
        self.out_sigs = [_sig(a) for a in self.out_avals]
        self.n_out = len(out_avals)
        self.out_nz = out_nz
        self.n_res = n_res
        self.multiple = multiple
        # the common case, with its own fast path forwards and backwards
        self.single = not multiple and self.n_live == 1


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


def tape_entry(prim, params, key) -> _Entry | None:
    """The cached forward/backward pair for a primitive signature (None: not cacheable).

    `key` is (prim, params items, then per argument its (shape, dtype, weak) and whether it is
    tracked). The params keep the keyword order of the call: equal keys still mean equal
    params, and a call site always passes them in the same order, so sorting would only cost
    time."""
    try:
        entry = _CACHES[0].get(key) or _CACHES[1].get(key)
    except TypeError:  # unhashable params
        return None
    if entry is None:
        entry = _build_entry(prim, params, key[2::2], key[3::2])
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
    return _Entry(_compiled(known), bwd, closed.out_avals, out_nz, n_res, multiple)


class _TopLevel(Trace):
    """Stages cache entries from a clean slate, whatever trace is current."""

    __slots__ = ()

    def __init__(self):
        super().__init__(None, "eval")

    def process_primitive(self, prim, args, params):
        return EVAL_TRACE.process_primitive(prim, args, params)


class TapeTrace(Trace):
    __slots__ = ("nodes", "n_slots")

    def __init__(self, parent: Trace):
        super().__init__(parent, "grad (tape)")
        # One tuple per recorded operation: (entry, residuals, cotangent slots of its tracked
        # inputs, first slot of its outputs). Slots number the tracked values, inputs first.
        self.nodes: list = []
        self.n_slots = 0

    def new_input(self, value) -> TapeTracer:
        self.n_slots += 1
        aval = get_aval(value)
        return TapeTracer(self, value, self.n_slots - 1, aval, _sig(aval))

    def lift(self, x):
        aval = get_aval(x)
        return TapeTracer(self, x, None, aval, _sig(aval))  # node None: collects no cotangent

    def process_primitive(self, prim, args, params):
        # The hot path of eager grad. Elementwise operations on tracked values and arrays take
        # the first branch: the cache key is built in place, one cached forward call runs, and
        # one tuple goes on the tape. Everything else takes the general loop below.
        if len(args) <= 2 and not params:
            entry = None
            cache = _CACHES[0]
            x = args[0]
            if type(x) is TapeTracer and x._trace is self and x.node is not None:
                if len(args) == 1:
                    entry = cache.get((prim, (), x.sig, True))
                    vals, ins = (x.value,), (x.node,)
                else:
                    y = args[1]
                    if type(y) is TapeTracer and y._trace is self and y.node is not None:
                        entry = cache.get((prim, (), x.sig, True, y.sig, True))
                        vals, ins = (x.value, y.value), (x.node, y.node)
                    elif type(y) is np.ndarray:
                        y_sig = (y.shape, y.dtype, False)
                        entry = cache.get((prim, (), x.sig, True, y_sig, False))
                        vals, ins = (x.value, y), (x.node,)
            elif type(x) is np.ndarray and len(args) == 2:
                y = args[1]
                if type(y) is TapeTracer and y._trace is self and y.node is not None:
                    x_sig = (x.shape, x.dtype, False)
                    entry = cache.get((prim, (), x_sig, False, y.sig, True))
                    vals, ins = (x, y.value), (y.node,)
            if entry is not None and entry.single:  # else: a miss, built by the general path
                res = entry.fwd(*vals)
                slot = self.n_slots
                self.n_slots = slot + 1
                self.nodes.append((entry, res[1:], ins, slot))
                return TapeTracer(self, res[0], slot, entry.out_avals[0], entry.out_sigs[0])
        vals = []
        ins = []
        key = [prim, tuple(params.items()) if params else ()]
        for x in args:
            if type(x) is TapeTracer and x._trace is self:
                vals.append(x.value)
                key.append(x.sig)
                if x.node is None:  # a lifted constant
                    key.append(False)
                else:
                    ins.append(x.node)
                    key.append(True)
                continue
            if isinstance(x, Tracer):
                self.check_foreign(x)
            vals.append(x)
            if type(x) is np.ndarray:
                key.append((x.shape, x.dtype, False))
            else:
                a = get_aval(x)
                key.append((a.shape, a.dtype, a.weak_type))
            key.append(False)
        if not ins:
            return self.parent.process_primitive(prim, vals, params)
        entry = tape_entry(prim, params, tuple(key))
        if entry is None:
            raise _Uncacheable(prim)
        res = entry.fwd(*vals)
        slot = self.n_slots
        if entry.single:
            self.n_slots = slot + 1
            self.nodes.append((entry, res[1:], ins, slot))
            return TapeTracer(self, res[0], slot, entry.out_avals[0], entry.out_sigs[0])
        n_out = entry.n_out
        self.nodes.append((entry, res[n_out:], ins, slot))
        self.n_slots = slot + entry.n_live
        wrapped = []
        for o, nz, aval, sig in zip(res[:n_out], entry.out_nz, entry.out_avals, entry.out_sigs):
            if nz:
                wrapped.append(TapeTracer(self, o, slot, aval, sig))
                slot += 1
            else:
                wrapped.append(o)
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
    out_slots, primals_out = [], []
    for o in outs:
        if type(o) is TapeTracer and o._trace is trace:
            out_slots.append(o.node)
            primals_out.append(o.value)
        else:
            out_slots.append(None)
            primals_out.append(o)
    nodes, n_slots = trace.nodes, trace.n_slots
    in_slots = [i.node if type(i) is TapeTracer else None for i in ins]

    def pullback(cts, consume=False):
        return _backward(nodes if consume else list(nodes), n_slots, out_slots, in_slots, cts)

    return primals_out, pullback


def _backward(nodes, n_slots, out_slots, in_slots, cts_out):
    """Cotangents of the input slots. Eagerly (the pullback called at the top level) each
    node runs its generated backward code and cotangents add with the add impl; under a
    transform the backward jaxprs are evaluated through bind. `nodes` is consumed: each
    node's residuals are freed once its backward has run."""
    from fgrad.prims.arith import add_any, add_p

    eager = current_trace() is EVAL_TRACE
    add = add_p.impl if eager else add_any
    cts: list = [None] * n_slots  # slot -> cotangent, dropped once consumed

    for slot, ct in zip(out_slots, cts_out):
        if slot is not None and ct is not None and type(ct) is not Zero:
            prev = cts[slot]
            cts[slot] = ct if prev is None else add_any(prev, ct)
    pop = nodes.pop
    while nodes:
        entry, residuals, ins, slot = pop()
        run = entry.bwd_run if eager else entry.bwd
        if entry.single:
            ct = cts[slot]
            if ct is None:
                continue
            cts[slot] = None
            outs = run(*residuals, ct)
        else:
            live = cts[slot : slot + entry.n_live]
            if all(c is None for c in live):
                continue
            cts[slot : slot + entry.n_live] = [None] * entry.n_live
            live = [zeros_like_aval(a) if c is None else c for c, a in zip(live, entry.ct_avals)]
            outs = run(*residuals, *live)
        if len(ins) == 1:
            j = ins[0]
            prev = cts[j]
            cts[j] = outs[0] if prev is None else add(prev, outs[0])
            continue
        for j, c in zip(ins, outs):
            prev = cts[j]
            cts[j] = c if prev is None else add(prev, c)
    return [None if s is None else cts[s] for s in in_slots]
