"""Traces, tracers, and the one dispatch function.

Dispatch design: the *current trace* lives in a ContextVar (JAX's "stackless" design, as in
autodidax2). `bind(prim, *args)` hands the call to the current trace's `process_primitive`.
Each trace knows its `parent`: the trace that was current when it was created. A trace
recognises only its own tracers (`x._trace is self`); every other value, concrete or a tracer
of an outer trace, is a constant to it. While a trace runs a rule it makes its parent current,
so the rule's own binds go one level out. Nested transforms therefore never confuse their
perturbations: a tracer is tagged by the identity of the trace that made it, not by a level.
At the bottom, `EvalTrace` calls the primitive's numpy `impl`.

A trace dies when its transform returns; a tracer of a dead trace that is used again has
escaped its transform, and the error says so.

The ContextVar is the only process-global mutable state of fgrad (besides rule slots, written
at import). ContextVars are per thread, so threads differentiate independently.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from fgrad._util import FGradError, format_frame
from fgrad.core.avals import ShapedArray

__all__ = [
    "Trace",
    "Tracer",
    "EvalTrace",
    "EVAL_TRACE",
    "current_trace",
    "set_current_trace",
    "new_trace",
    "EscapedTracerError",
    "ConcretizationError",
    "TracerConversionError",
    "find_concrete",
    "recording_traces",
    "MutationError",
]


class EscapedTracerError(FGradError):
    pass


class ConcretizationError(FGradError, TypeError):
    pass


class TracerConversionError(FGradError, TypeError):
    pass


class MutationError(FGradError, TypeError):
    pass


class Trace:
    """An interpreter for primitives. Subclasses implement `process_primitive`."""

    __slots__ = ("parent", "alive", "label", "origin", "inputs", "source")
    # True for traces that record equations (staging), which carry the user's source line
    records = False

    def __init__(self, parent: Trace | None, label: str):
        self.parent = parent
        self.alive = True
        self.label = label
        self.origin = None
        # The user's (file, line, function) for what this trace records next, when a trace
        # above it already knows it: a JVP rule or a transposition binds several primitives
        # for one user operation, and finding the user's frame on the Python stack costs more
        # than recording an equation. None: the recording trace looks it up itself.
        self.source = None
        # the tracers the transform passed to the user's function: `x[i] = v` on them would
        # not reach the caller's array as numpy's would, so Tracer.__setitem__ refuses them
        self.inputs: tuple = ()

    def process_primitive(self, prim, args, params):
        raise NotImplementedError

    def lift(self, x):
        """`x` as a value of this trace that carries nothing (no tangent, no batch axis): what
        fgrad.numpy's creation functions return inside a transform, so that in-place updates
        of a fresh array (`a = fnp.zeros(3); a[0] = x`) can be recorded. Traces without such
        values return `x` itself."""
        return x

    def check_foreign(self, x: Tracer) -> None:
        """Called on tracers of other traces (the rare path): only live outer ones are valid."""
        if not x._trace.alive:
            raise escaped_error(x)


def recording_traces(trace: Trace | None) -> tuple[Trace, ...]:
    """`trace` and its ancestors that record equations: where a source hint is set."""
    found = []
    while trace is not None:
        if trace.records:
            found.append(trace)
        trace = trace.parent
    return tuple(found)


def escaped_error(x: Tracer) -> EscapedTracerError:
    from fgrad._util import user_frame

    t = x._trace
    where = f" (the transform was applied at {format_frame(t.origin)})" if t.origin else ""
    return EscapedTracerError(
        f"Encountered an escaped tracer {x.aval.str_short()} at {format_frame(user_frame())}: "
        f"it comes from a finished {t.label}{where}. "
        "A value computed inside a transformed function was stored outside it (a global, a "
        "closure, an attribute) and used after the transform returned. Return the value from "
        "the function instead, or apply fgrad.stop_gradient / compute it outside the transform."
    )


class EvalTrace(Trace):
    """The bottom trace: runs numpy."""

    __slots__ = ()

    def process_primitive(self, prim, args, params):
        for x in args:
            if isinstance(x, Tracer):
                if not x._trace.alive:
                    raise escaped_error(x)
                raise TracerConversionError(
                    f"{prim.name} received a tracer of a {x._trace.label} that is not active "
                    "here; tracers cannot cross threads or outlive their transform."
                )
        return prim.impl(*args, **params)


EVAL_TRACE = EvalTrace(None, "eval")
_current = ContextVar("fgrad_current_trace", default=EVAL_TRACE)

current_trace = _current.get
_set = _current.set
_reset = _current.reset


@contextmanager
def set_current_trace(trace: Trace):
    token = _set(trace)
    try:
        yield trace
    finally:
        _reset(token)


@contextmanager
def new_trace(trace: Trace):
    """Make `trace` current for the body of a transform and kill it when the body returns."""
    token = _set(trace)
    try:
        yield trace
    finally:
        _reset(token)
        trace.alive = False
        # Its input tracers refer to the trace: dropping them leaves no reference cycle, so a
        # finished trace (a tape with its residuals, a staged jaxpr) is freed at once, not by
        # a later cyclic garbage collection.
        trace.inputs = ()


class Tracer:
    """A value seen by a trace. Array behaviour (operators, methods) comes from `_array_api`,
    which `fgrad.numpy` installs once at import: core cannot import the numpy layer above it.
    """

    __slots__ = ("_trace",)
    __array_priority__ = 1000
    _array_api = None

    @property
    def aval(self) -> ShapedArray:
        raise NotImplementedError

    def concrete(self):
        """The concrete value behind this tracer, or None when it is abstract here."""
        return None

    def constant_value(self):
        """The concrete value when this tracer carries nothing for its trace (a lifted
        constant: converting it to numpy drops no derivative or batch axis), else None."""
        return None

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: len(self.aval.shape))
    size = property(lambda self: self.aval.size)

    def __len__(self):
        if not self.aval.shape:
            raise TypeError("len() of unsized object (a 0-d traced array)")
        return self.aval.shape[0]

    def __iter__(self):
        if not self.aval.shape:
            raise TypeError("iteration over a 0-d traced array")
        return (self[i] for i in range(self.aval.shape[0]))

    def __repr__(self) -> str:
        return f"Traced<{self.aval.str_short()}>with<{self._trace.label}>"

    def _concretize(self, what: str):
        value = find_concrete(self)
        if value is None:
            raise ConcretizationError(_concretization_message(self, what))
        return value

    def __bool__(self):
        return bool(self._concretize("bool"))

    def __int__(self):
        return int(self._concretize("int"))

    def __index__(self):
        import operator

        return operator.index(self._concretize("index"))

    def __float__(self):
        raise ConcretizationError(_conversion_message(self, "float()"))

    def __complex__(self):
        raise ConcretizationError(_conversion_message(self, "complex()"))

    def item(self):
        raise ConcretizationError(_conversion_message(self, ".item()"))

    def __array__(self, dtype=None, copy=None):
        if not self._trace.alive:
            raise escaped_error(self)
        value = self.constant_value()
        if value is not None:
            import numpy as np

            return np.asarray(value, dtype)
        raise TracerConversionError(_conversion_message(self, "numpy.asarray()"))

    def __copy__(self):
        """Another tracer with the same value (values are immutable, so they are shared)."""
        new = object.__new__(type(self))
        for name in _slot_names(type(self)):
            setattr(new, name, getattr(self, name))
        return new

    def __setitem__(self, index, value):
        """`a[index] = value` on an array made inside the transformed function is recorded as
        the functional update `a.at[index].set(value)`, after which `a` (this very object, and
        every name bound to it) is the updated array. Views taken before the update keep the
        old values (numpy's would see the write)."""
        _check_mutable(self, "a[...] = value")
        self._assign(self._array_api.setitem(self, index, value), "a[...] = value")

    def _assign(self, new, what: str) -> None:
        """Make this tracer object the value `new`: how fgrad records numpy's in-place
        operations on arrays made inside the transformed function."""
        _check_mutable(self, what)
        trace = self._trace
        if not (isinstance(new, Tracer) and new._trace is trace):
            new = trace.lift(new)
        for name in _slot_names(type(self)):
            setattr(self, name, getattr(new, name))

    def __hash__(self):
        raise TypeError("unhashable type: traced array")

    # numpy's own functions on tracers (NEP 13/18) run fgrad.numpy's, via the same array API.
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return self._array_api.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return self._array_api.array_function(func, types, args, kwargs)

    # Operators delegate to the array API that fgrad.numpy installs (numpy semantics:
    # broadcasting and dtype promotion live there, not in the primitives).
    def __add__(self, other):
        return self._array_api.add(self, other)

    def __radd__(self, other):
        return self._array_api.add(other, self)

    def __sub__(self, other):
        return self._array_api.subtract(self, other)

    def __rsub__(self, other):
        return self._array_api.subtract(other, self)

    def __mul__(self, other):
        return self._array_api.multiply(self, other)

    def __rmul__(self, other):
        return self._array_api.multiply(other, self)

    def __truediv__(self, other):
        return self._array_api.true_divide(self, other)

    def __rtruediv__(self, other):
        return self._array_api.true_divide(other, self)

    def __floordiv__(self, other):
        return self._array_api.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return self._array_api.floor_divide(other, self)

    def __mod__(self, other):
        return self._array_api.remainder(self, other)

    def __rmod__(self, other):
        return self._array_api.remainder(other, self)

    def __pow__(self, other):
        return self._array_api.power(self, other)

    def __rpow__(self, other):
        return self._array_api.power(other, self)

    def __matmul__(self, other):
        return self._array_api.matmul(self, other)

    def __rmatmul__(self, other):
        return self._array_api.matmul(other, self)

    def __neg__(self):
        return self._array_api.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return self._array_api.abs(self)

    def __eq__(self, other):
        return self._array_api.equal(self, other)

    def __ne__(self, other):
        return self._array_api.not_equal(self, other)

    def __lt__(self, other):
        return self._array_api.less(self, other)

    def __le__(self, other):
        return self._array_api.less_equal(self, other)

    def __gt__(self, other):
        return self._array_api.greater(self, other)

    def __ge__(self, other):
        return self._array_api.greater_equal(self, other)

    def __and__(self, other):
        return self._array_api.logical_and(self, other)

    def __rand__(self, other):
        return self._array_api.logical_and(other, self)

    def __or__(self, other):
        return self._array_api.logical_or(self, other)

    def __ror__(self, other):
        return self._array_api.logical_or(other, self)

    def __xor__(self, other):
        return self._array_api.logical_xor(self, other)

    def __rxor__(self, other):
        return self._array_api.logical_xor(other, self)

    def __invert__(self):
        return self._array_api.logical_not(self)

    def __round__(self, ndigits=None):
        return self._array_api.round(self, 0 if ndigits is None else ndigits)

    def __getitem__(self, index):
        return self._array_api.getitem(self, index)

    def __getattr__(self, name):
        api = type(self)._array_api
        if api is None or name.startswith("_"):
            raise AttributeError(name)
        return api.getattr(self, name)


_SLOTS: dict[type, tuple[str, ...]] = {}


def _slot_names(cls: type) -> tuple[str, ...]:
    names = _SLOTS.get(cls)
    if names is None:
        names = tuple(n for k in cls.__mro__ for n in getattr(k, "__slots__", ()))
        _SLOTS[cls] = names
    return names


def _check_mutable(x: Tracer, what: str) -> None:
    from fgrad._util import user_frame

    trace = x._trace
    if not trace.alive:
        raise escaped_error(x)
    here = current_trace()
    if trace is not here:
        raise MutationError(
            f"`{what}` at {format_frame(user_frame())} would modify an array "
            f"{x.aval.str_short()} that was made outside the function now being transformed "
            f"by {here.label} (it is closed over from an enclosing {trace.label}). A "
            "transformed function cannot change values it closes over: pass the array in as an "
            "argument and return the updated one, or build a new array with "
            "`a.at[index].set(value)`."
        )
    for t in trace.inputs:
        if t is x:
            raise MutationError(
                f"`{what}` at {format_frame(user_frame())} would modify an argument "
                f"{x.aval.str_short()} of the function transformed by {trace.label}. The "
                "transform passes the function its own view of the value, so the caller's "
                "array would not change as it would in numpy. Copy it first "
                "(`x = x.copy()`, then assign into the copy) or write the functional update "
                "`x = x.at[index].set(value)`."
            )


def find_concrete(x):
    """Follow a tracer down to a concrete value, when every trace on the way has one."""
    while isinstance(x, Tracer):
        x = x.concrete()
    return x


def _concretization_message(x: Tracer, what: str) -> str:
    from fgrad._util import user_frame

    return (
        f"A {what}() of a traced value {x.aval.str_short()} was requested, but under "
        f"{x._trace.label} the value is abstract (only its shape and dtype are known), at "
        f"{format_frame(user_frame())}. Python control flow cannot depend on it: use "
        "fnp.where(cond, x, y) for elementwise choices or fgrad.lax.cond / fgrad.lax.while_loop "
        "for branches and loops, or mark the argument static (jit's static_argnums)."
    )


def _conversion_message(x: Tracer, what: str) -> str:
    from fgrad._util import user_frame

    return (
        f"{what} was called on a traced value {x.aval.str_short()} under {x._trace.label} at "
        f"{format_frame(user_frame())}; converting it to a plain number would silently drop "
        "its derivative (or its batch/staging). Keep the computation in fgrad.numpy, or use "
        "fgrad.stop_gradient(x) if you really mean a constant. If this is a write into a numpy "
        "array (`a[i] = x`, `a += x`), a numpy array cannot hold a traced value: make `a` with "
        "fgrad.numpy inside the function (fnp.zeros, fnp.array, ...) so the write is recorded, "
        "or write `a = fnp.asarray(a).at[i].set(x)`."
    )
