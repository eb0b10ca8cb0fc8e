"""Debugging aids: NaN/Inf provenance, printing inside transforms, running jit bodies as Python.

`debug_nans()` is a trace, not a flag: the context manager makes a checking trace current, so
every primitive bound inside it (by the user's code, by a jvp rule, by a transpose rule) passes
through its `process_primitive`, which delegates to the parent and then looks at the outputs
when they are concrete. Transforms started inside the block sit on top of the checker and hand
their concrete work down to it, so the same check covers the forward pass, a jvp and the
backward pass. Which one it was is read from the interpreters on the Python stack, on the error
path only: a `backward_pass` frame means the backward pass (and its `eqn` holds the source line
of the forward operation being transposed); a JVP trace's frame means a derivative rule.

A jit call that returns a non-finite value is re-run equation by equation under the checker,
which then stops at the primitive inside the jitted function that produced it.
"""

from __future__ import annotations

import builtins
import sys
from contextlib import contextmanager

import numpy as np

from fgrad._util import FGradError, format_frame, user_frame
from fgrad.core.ir import Var
from fgrad.core.primitive import Primitive, bind
from fgrad.core.trace import Trace, current_trace, find_concrete, new_trace, set_current_trace
from fgrad.interpreters import tape as _tape
from fgrad.interpreters import transpose as _transpose
from fgrad.interpreters.jvp import JVPTrace
from fgrad.jit_api import DisableJitTrace
from fgrad.jit_call import jit_p
from fgrad.prims.arith import select_p

__all__ = ["debug_nans", "NonFiniteError", "print", "disable_jit", "debug_print_p"]

_BACKWARD_CODES = (_transpose.backward_pass.__code__, _tape._backward.__code__)
_JVP_CODE = JVPTrace.process_primitive.__code__
_REWRITE = "fnp.where(mask, f(fnp.where(mask, x, safe)), other)"


class NonFiniteError(FGradError, FloatingPointError):
    """A primitive produced NaN (or Inf, when checked) under `fgrad.debug_nans()`."""


def _non_finite(x, check_infs: bool) -> str | None:
    x = find_concrete(x)
    if x is None:
        return None
    a = np.asarray(x)
    if a.dtype.kind not in "fc":
        return None
    if np.isnan(a).any():
        return "NaN"
    if check_infs and np.isinf(a).any():
        return "Inf"
    return None


def _phase():
    """(phase description, forward source of the transposed equation or None)."""
    frame = sys._getframe(2)
    while frame is not None:
        code = frame.f_code
        if code in _BACKWARD_CODES:
            eqn = frame.f_locals.get("eqn")
            return "the backward pass", getattr(eqn, "source", None)
        if code is _JVP_CODE:
            trace = frame.f_locals.get("self")
            prim = frame.f_locals.get("prim")
            label = getattr(trace, "label", "jvp")
            where = "the forward pass" if "grad" in label else "a jvp (forward-mode derivative)"
            return f"{where}, in the derivative rule of '{prim}'", None
        frame = frame.f_back
    return "the forward pass", None


class NanCheckTrace(Trace):
    """Runs every primitive on its parent, then refuses non-finite concrete outputs."""

    __slots__ = ("check_infs", "masked_selects", "jit_source")

    def __init__(self, parent: Trace, check_infs: bool):
        super().__init__(parent, "debug_nans")
        self.check_infs = check_infs
        self.masked_selects: list = []  # (source, discarded branch non-finite) of the forward
        self.jit_source = None  # source of the equation being re-run from a jit body

    def process_primitive(self, prim, args, params):
        out = self.parent.process_primitive(prim, args, params)
        outs = out if prim.multiple_results else (out,)
        bad = None
        for o in outs:
            bad = _non_finite(o, self.check_infs)
            if bad:
                break
        if prim is select_p:
            self._note_select(args)
        if bad is None:
            return out
        if prim is jit_p:
            self._rerun_jit(args, params)
        raise self._error(prim, bad, args)

    def _note_select(self, args):
        pred = find_concrete(args[0])
        if pred is None or _phase()[0] == "the backward pass":
            return
        discarded = False
        for branch, keep in ((args[1], pred), (args[2], np.logical_not(pred))):
            b = find_concrete(branch)
            if b is not None and np.asarray(b).dtype.kind in "fc":
                dropped = np.broadcast_to(np.asarray(b), np.shape(pred))[~np.asarray(keep)]
                discarded |= bool(not np.isfinite(dropped).all())
        self.masked_selects.append((self.jit_source or user_frame(), discarded))

    def _rerun_jit(self, args, params):
        """Evaluate the jitted jaxpr one equation at a time under this trace: the offending
        equation raises from inside, naming the primitive and its line in the jitted code."""
        closed = params["jaxpr"]
        env = dict(zip(closed.jaxpr.constvars, closed.consts))
        env.update(zip(closed.jaxpr.invars, args))
        outer = self.jit_source
        try:
            with set_current_trace(self):
                for eqn in closed.jaxpr.eqns:
                    self.jit_source = eqn.source
                    ins = [env[a] if type(a) is Var else a.val for a in eqn.invars]
                    res = bind(eqn.prim, *ins, **eqn.params)
                    env.update(zip(eqn.outvars, res if eqn.prim.multiple_results else [res]))
        finally:
            self.jit_source = outer

    def _error(self, prim, bad, args) -> NonFiniteError:
        phase, fwd_source = _phase()
        line = self.jit_source or user_frame()
        inputs = ", ".join(_describe(a) for a in args)
        msg = f"{bad} produced by '{prim.name}' in {phase}"
        if prim is jit_p:
            msg += " of a jit call (re-running it eagerly found no single culprit)"
        if phase == "the backward pass":
            fwd_source = self.jit_source or fwd_source
            msg += (f"; it is the cotangent of the operation at {format_frame(fwd_source)}"
                    f" (the gradient was requested at {format_frame(user_frame())})")
        else:
            msg += f" at {format_frame(line)}"
            if self.jit_source is not None:
                msg += " (inside a jitted function, re-run eagerly to find it)"
        msg += f". Inputs: {inputs}."
        if phase == "the backward pass" and self.masked_selects:
            src, discarded = next(
                ((s, d) for s, d in self.masked_selects if d), self.masked_selects[-1])
            msg += (
                f" The forward pass has an fnp.where/select at {format_frame(src)}"
                + (" whose discarded branch is non-finite" if discarded else "")
                + ": the branch it discards still gets a zero cotangent, and zero times an "
                "infinite derivative (sqrt, log, 1/x at the masked points) is NaN. Make the "
                "discarded branch safe instead of masking its result: "
                f"{_REWRITE}, with `safe` a value where f is finite."
            )
        else:
            msg += " Check the inputs' domain (log/sqrt of negatives, 0/0, inf - inf)."
        return NonFiniteError(msg)


def _describe(x) -> str:
    v = find_concrete(x)
    if v is None:
        return "<traced>"
    a = np.asarray(v)
    if a.size <= 4:
        return np.array2string(a, precision=4, separator=", ")
    bad = int((~np.isfinite(a)).sum()) if a.dtype.kind in "fc" else 0
    return f"{a.dtype.name}{list(a.shape)} with {bad} non-finite"


@contextmanager
def debug_nans(check_infs: bool = False):
    """Raise NonFiniteError (a FloatingPointError) at the first primitive inside the block
    that produces a NaN (and an Inf with check_infs=True), naming the primitive, the user's line
    and whether it happened in the forward pass, a jvp or the backward pass."""
    with new_trace(NanCheckTrace(current_trace(), check_infs)) as trace:
        yield trace


@contextmanager
def disable_jit():
    """Inside the block, jitted functions run as the plain Python functions they wrap, so
    prints, breakpoints and Python errors behave as without jit."""
    with new_trace(DisableJitTrace(current_trace())) as trace:
        yield trace


class _EffectfulPrimitive(Primitive):
    """A primitive that dead-code elimination keeps although nothing uses its (no) results."""

    effectful = True


debug_print_p = _EffectfulPrimitive("debug_print", multiple_results=True)


@debug_print_p.def_impl
def _print_impl(*args, fmt):
    builtins.print(fmt.format(*args))
    return []


@debug_print_p.def_abstract_eval
def _print_abstract(*avals, fmt):
    return []


@debug_print_p.def_jvp
def _print_jvp(primals, tangents, *, fmt):
    bind(debug_print_p, *primals, fmt=fmt)
    return [], []


@debug_print_p.def_transpose
def _print_transpose(cts, *args, fmt):
    return [None] * len(args)


@debug_print_p.def_batch
def _print_batch(args, bdims, *, fmt):
    """One line per member of the batch, as if the function ran on each example."""
    size = next(np.shape(a)[d] if not hasattr(a, "aval") else a.aval.shape[d]
                for a, d in zip(args, bdims) if d is not None)
    for i in range(size):
        member = [a if d is None else a[(slice(None),) * d + (i,)] for a, d in zip(args, bdims)]
        bind(debug_print_p, *member, fmt=fmt)
    return [], []


def print(fmt: str, *args) -> None:  # noqa: A001  (fgrad.debug.print, like jax.debug.print)
    """Print `fmt.format(*args)` with concrete values, also inside jit and vmap: the print is
    a primitive with an effect, so staging records it and dead-code elimination keeps it."""
    bind(debug_print_p, *args, fmt=fmt)

