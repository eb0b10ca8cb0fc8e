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

Directly under a staging trace (make_jaxpr or jit of grad) or a batching trace (vmap of grad)
the same entries are replayed on the parent: the forward jaxpr of each operation is handed to
it equation by equation, and the backward jaxprs by the pullback, which is what linearize +
transpose would produce, without running a jvp or transpose rule per operation. Under
derivative traces (grad of grad, jvp of grad) the tape is not used: the general linearize in
partial_eval.py handles any parent.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import partial

import numpy as np

from fgrad._util import user_frame
from fgrad.core.avals import ShapedArray, get_aval, tangent_dtype
from fgrad.core.ir import ClosedJaxpr, Var
from fgrad.core.markers import Zero, zeros_like_aval
from fgrad.core.primitive import bind
from fgrad.core.trace import (
    EVAL_TRACE,
    Trace,
    Tracer,
    _reset,
    _set,
    current_trace,
    new_trace,
    recording_traces,
)
from fgrad.interpreters.batching import BatchTrace
from fgrad.interpreters.codegen import compile_jaxpr
from fgrad.interpreters.jaxpr_transforms import jvp_jaxpr, partial_eval_jaxpr, transpose_jaxpr
from fgrad.interpreters.staging import StagedTracer, StagingTrace, inliner, trace_to_jaxpr
from fgrad.prims.arith import add_any, add_p

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
        "known", "fwd", "bwd", "bwd_run", "fwd_step", "bwd_step", "n_out", "out_nz", "n_res",
        "multiple", "n_live", "ct_avals", "out_avals", "out_sigs", "single", "_replays",
        "_inlines",
    )

    def __init__(self, known: ClosedJaxpr, bwd: ClosedJaxpr, out_avals, out_nz, n_res, multiple):
        self.known = known  # primals -> (outputs, residuals), replayed under a staging trace
        self.bwd = bwd  # (residuals..., cotangents...) -> cotangents of the tracked inputs
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
        self._replays = self._inlines = None  # built on first use under a transform
        # Eagerly the entry runs as generated numpy code: for the common case, as two steps
        # that also do the tape's bookkeeping (one call per operation each way).
        if self.single:
            self.fwd = self.bwd_run = None
            self.fwd_step = _fused_forward(self, known)
            self.bwd_step = _fused_backward(bwd, n_res)
        else:
            self.fwd, self.bwd_run = _compiled(known), _compiled(bwd)
            self.fwd_step = self.bwd_step = None

    def replays(self):
        """(forward, backward) as functions `f(process_primitive, *args)` that hand each
        equation to a trace (vmap of grad batches them instead of running numpy)."""
        if self._replays is None:
            self._replays = (_replayer(self.known), _replayer(self.bwd))
        return self._replays

    def inlines(self):
        """(forward, backward) as functions `f(staging_trace, source, *args)` that record
        the equations again (make_jaxpr or jit of grad), typed already."""
        if self._inlines is None:
            self._inlines = (inliner(self.known), inliner(self.bwd))
        return self._inlines


def _compiled(closed: ClosedJaxpr):
    """Generated straight-line numpy code for a small jaxpr: at the top level every value is
    concrete, so dispatch through bind would only add cost."""
    return compile_jaxpr(closed.jaxpr, closed.consts).fn


def _fused_forward(entry: _Entry, known: ClosedJaxpr):
    """`step(trace, *primals, ins) -> tracer`: the entry's forward code, then in the same
    function the tape's bookkeeping (a cotangent slot, a node holding the residuals, the
    output tracer)."""

    def head(names: list[str]) -> list[str]:
        return [f"def _fgrad_jitted(_tape_trace, {', '.join(names)}, _tape_ins):"]

    def tail(outs: list[str]) -> list[str]:
        residuals = "".join(f"{o}, " for o in outs[1:])
        node = f"(_tape_entry, ({residuals}), _tape_ins, _tape_slot, None)"
        return [
            "    _tape_slot = _tape_trace.n_slots",
            "    _tape_trace.n_slots = _tape_slot + 1",
            f"    _tape_trace.nodes.append({node})",
            f"    return _tape_tracer(_tape_trace, {outs[0]}, _tape_slot, _tape_aval, _tape_sig)",
        ]

    namespace = {
        "_tape_entry": entry,
        "_tape_tracer": TapeTracer,
        "_tape_aval": entry.out_avals[0],
        "_tape_sig": entry.out_sigs[0],
    }
    return compile_jaxpr(known.jaxpr, known.consts, head=head, tail=tail, namespace=namespace).fn


def _fused_backward(bwd: ClosedJaxpr, n_res: int):
    """`step(cts, residuals, ins, slot)`: the cotangent of the entry's one output is taken from
    its slot, goes through the entry's backward code, and is added into its inputs' slots,
    all in one function."""

    def head(names: list[str]) -> list[str]:
        res, ct = names[:n_res], names[n_res]
        lines = [
            "def _fgrad_jitted(_tape_cts, _tape_res, _tape_ins, _tape_slot):",
            f"    {ct} = _tape_cts[_tape_slot]",
            f"    if {ct} is None:",
            "        return",
            "    _tape_cts[_tape_slot] = None",
        ]
        if res:
            lines.append(f"    {', '.join(res)}, = _tape_res")
        return lines

    def tail(outs: list[str]) -> list[str]:
        lines = []
        for k, o in enumerate(outs):
            lines += [
                f"    _tape_j = _tape_ins[{k}]",
                "    _tape_p = _tape_cts[_tape_j]",
                f"    _tape_cts[_tape_j] = {o} if _tape_p is None else _tape_add(_tape_p, {o})",
            ]
        return lines

    namespace = {"_tape_add": add_p.impl}
    return compile_jaxpr(bwd.jaxpr, bwd.consts, head=head, tail=tail, namespace=namespace).fn


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
    return _Entry(known, bwd, closed.out_avals, out_nz, n_res, multiple)


class _TopLevel(Trace):
    """Stages cache entries from a clean slate, whatever trace is current."""

    __slots__ = ()

    def __init__(self):
        super().__init__(None, "eval")

    def process_primitive(self, prim, args, params):
        return EVAL_TRACE.process_primitive(prim, args, params)


class TapeTrace(Trace):
    """Eagerly (the parent is the eval trace) values are numpy arrays and each operation runs
    its entry's generated code. Under a staging or batching trace values are the parent's
    tracers and each operation replays its entry's cached forward jaxpr there, and the
    pullback its backward jaxprs: staging grad records the same equations as linearize +
    transpose would, vmap batches them, and no jvp or transpose rule runs per operation."""

    __slots__ = ("nodes", "n_slots", "eager", "process", "binds", "_last_sig")

    def __init__(self, parent: Trace):
        super().__init__(parent, "grad (tape)")
        # One tuple per recorded operation: (entry, residuals, cotangent slots of its tracked
        # inputs, first slot of its outputs, the user's line when staging). Slots number the
        # tracked values, inputs first.
        self.nodes: list = []
        self.n_slots = 0
        self.eager = parent is EVAL_TRACE
        self.process = None if self.eager else _processor(parent)
        # A staging parent is handed its `record`, which binds nothing, so a replay need not
        # change the current trace; another parent's rules bind, and must reach that parent.
        self.binds = not self.eager and not _records_directly(parent)
        # (aval, its key signature) of the last staged output: a chain of elementwise
        # operations passes one aval object along, so this usually answers without a tuple
        self._last_sig = (None, None)

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
                if self.eager:
                    return entry.fwd_step(self, *vals, ins)
                slot = self.n_slots
                self.n_slots = slot + 1
                res, source = self._replay(entry, vals)
                self.nodes.append((entry, res[1:], ins, slot, source))
                o = res[0]  # staged: its aval, weak type included
                aval = o.aval if type(o) is StagedTracer else get_aval(o)
                last, sig = self._last_sig
                if last is not aval:
                    sig = _sig(aval)
                    self._last_sig = (aval, sig)
                return TapeTracer(self, o, slot, aval, sig)
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
        if self.eager:
            if entry.single:
                return entry.fwd_step(self, *vals, tuple(ins))
            res, source = entry.fwd(*vals), None
            out_avals, out_sigs = entry.out_avals, entry.out_sigs
        else:
            res, source = self._replay(entry, vals)
            out_avals = [get_aval(o) for o in res[: entry.n_out]]  # weak types as staged
            out_sigs = [_sig(a) for a in out_avals]
        slot = self.n_slots
        if entry.single:
            self.n_slots = slot + 1
            self.nodes.append((entry, res[1:], ins, slot, source))
            return TapeTracer(self, res[0], slot, out_avals[0], out_sigs[0])
        n_out = entry.n_out
        self.nodes.append((entry, res[n_out:], ins, slot, source))
        self.n_slots = slot + entry.n_live
        wrapped = []
        for o, nz, aval, sig in zip(res[:n_out], entry.out_nz, out_avals, out_sigs):
            if nz:
                wrapped.append(TapeTracer(self, o, slot, aval, sig))
                slot += 1
            else:
                wrapped.append(o)
        return wrapped if entry.multiple else wrapped[0]

    def _replay(self, entry: _Entry, vals) -> tuple[list, tuple | None]:
        """Hand an entry's cached forward jaxpr to the parent: a staging parent records its
        equations again, all at the user's line of the current operation (found once for
        them); another parent processes them one by one, as the current trace."""
        parent = self.parent
        if not self.binds:
            source = parent.source or user_frame(skip=2)  # this method and process_primitive
            return (entry._inlines or entry.inlines())[0](parent, source, *vals), source
        token = _set(parent)
        try:
            return (entry._replays or entry.replays())[0](self.process, *vals), None
        finally:
            _reset(token)


def _records_directly(trace: Trace) -> bool:
    """A staging trace that records every primitive (not a partially evaluating one)."""
    return type(trace) is StagingTrace and not trace.eval_known


def _processor(trace: Trace):
    """What a replay hands equations to: a recording staging trace's `record` (what its
    process_primitive would call), else the trace's process_primitive."""
    return trace.record if _records_directly(trace) else trace.process_primitive


def _replayer(closed: ClosedJaxpr):
    """Generated code that hands each equation of `closed` to a trace, in order:
    `f(process_primitive, *args) -> outputs`. A cached entry has a few equations and is
    replayed once per operation, so this skips eval_jaxpr's environment dict and loops. As in
    codegen, the source holds only identifiers made here; every value lives in `ns`."""
    jaxpr = closed.jaxpr
    ns: dict = {"__builtins__": {}}
    names: dict = {}

    def ref(a) -> str:
        if type(a) is Var:
            return names[a]
        name = f"_l{len(ns)}"
        ns[name] = a.val
        return name

    for i, (v, c) in enumerate(zip(jaxpr.constvars, closed.consts)):
        names[v] = f"_c{i}"
        ns[f"_c{i}"] = c
    args = []
    for i, v in enumerate(jaxpr.invars):
        names[v] = f"a{i}"
        args.append(f"a{i}")
    lines = [f"def _replay(process, {', '.join(args)}):"]
    for k, eqn in enumerate(jaxpr.eqns):
        ns[f"_p{k}"], ns[f"_k{k}"] = eqn.prim, eqn.params
        call = f"process(_p{k}, [{', '.join(ref(a) for a in eqn.invars)}], _k{k})"
        outs = []
        for j, v in enumerate(eqn.outvars):
            names[v] = f"v{k}_{j}"
            outs.append(names[v])
        if not eqn.prim.multiple_results:
            lines.append(f"    {outs[0]} = {call}")
        elif outs:
            lines.append(f"    {', '.join(outs)}, = {call}")
        else:
            lines.append(f"    {call}")
    lines.append(f"    return [{', '.join(ref(a) for a in jaxpr.outvars)}]")
    exec(compile("\n".join(lines) + "\n", "<fgrad.tape replay>", "exec"), ns)
    return ns["_replay"]


class _Uncacheable(Exception):
    def __init__(self, prim):
        super().__init__(prim.name)


def tape_available() -> bool:
    """At the top level, directly under a recording staging trace (make_jaxpr or jit of
    grad) or under vmap (per-example gradients): traces that take each replayed equation on
    its own. Under derivative traces (jvp, linearize, an outer grad) the general linearize
    runs, so that nested derivatives go through the jvp and transpose rules themselves."""
    t = current_trace()
    return (
        t is EVAL_TRACE
        or _records_directly(t)
        or type(t) is BatchTrace
    )


def tape_vjp_flat(f, primals):
    """(primals_out, pullback) for `f` at `primals`, or None when the tape cannot be used (a
    primitive with unhashable params); the caller then uses general linearize."""
    trace = TapeTrace(current_trace())
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
    current = current_trace()
    eager = current is EVAL_TRACE
    add = add_p.impl if eager else add_any
    cts: list = [None] * n_slots  # slot -> cotangent, dropped once consumed

    for slot, ct in zip(out_slots, cts_out):
        if slot is not None and ct is not None and type(ct) is not Zero:
            prev = cts[slot]
            cts[slot] = ct if prev is None else add_any(prev, ct)
    # Staged, a node's backward equations are attributed to its forward operation's line.
    hinted = () if eager else [t for t in recording_traces(current) if t.source is None]
    try:
        _backward_nodes(nodes, cts, current, add, hinted)
    finally:
        for t in hinted:
            t.source = None
    return [None if s is None else cts[s] for s in in_slots]


def _backward_nodes(nodes, cts, current, add, hinted) -> None:
    pop = nodes.pop
    if current is EVAL_TRACE:
        while nodes:
            entry, residuals, ins, slot, _ = pop()
            if entry.single:
                entry.bwd_step(cts, residuals, ins, slot)
            else:
                _node_backward(entry, residuals, ins, slot, cts, entry.bwd_run, add)
        return
    inline = _records_directly(current)
    process = None if inline else _processor(current)
    while nodes:
        entry, residuals, ins, slot, source = pop()
        for t in hinted:
            t.source = source
        if inline:  # recorded again, at the line of the forward operation
            run = partial(
                (entry._inlines or entry.inlines())[1],
                current,
                source or current.source or user_frame(),
            )
        else:
            run = partial((entry._replays or entry.replays())[1], process)
        if not entry.single:
            _node_backward(entry, residuals, ins, slot, cts, run, add)
            continue
        ct = cts[slot]
        if ct is None:
            continue
        cts[slot] = None
        for j, c in zip(ins, run(*residuals, ct)):
            prev = cts[j]
            cts[j] = c if prev is None else add(prev, c)


def _node_backward(entry, residuals, ins, slot, cts, run, add) -> None:
    """One node: its outputs' cotangents through `run` (its backward), added into its inputs'
    slots."""
    live = cts[slot : slot + entry.n_live]
    if all(c is None for c in live):
        return
    cts[slot : slot + entry.n_live] = [None] * entry.n_live
    live = [zeros_like_aval(a) if c is None else c for c, a in zip(live, entry.ct_avals)]
    for j, c in zip(ins, run(*residuals, *live)):
        prev = cts[j]
        cts[j] = c if prev is None else add(prev, c)
