"""L1: avals, primitives and bind, traces, markers, the IR and its printer."""

from fgrad.core.avals import ShapedArray, get_aval, is_complex, is_float, is_inexact
from fgrad.core.ir import (
    ClosedJaxpr,
    Eqn,
    Jaxpr,
    JaxprTypeError,
    Literal,
    Var,
    dce_jaxpr,
    eval_jaxpr,
    typecheck_jaxpr,
)
from fgrad.core.markers import UndefinedPrimal, Zero, is_undefined
from fgrad.core.primitive import Primitive, bind
from fgrad.core.trace import (
    EVAL_TRACE,
    ConcretizationError,
    EscapedTracerError,
    EvalTrace,
    Trace,
    Tracer,
    TracerConversionError,
    current_trace,
    find_concrete,
    new_trace,
    set_current_trace,
)

__all__ = [
    "ShapedArray",
    "get_aval",
    "is_complex",
    "is_float",
    "is_inexact",
    "ClosedJaxpr",
    "Eqn",
    "Jaxpr",
    "JaxprTypeError",
    "Literal",
    "Var",
    "dce_jaxpr",
    "eval_jaxpr",
    "typecheck_jaxpr",
    "UndefinedPrimal",
    "Zero",
    "is_undefined",
    "Primitive",
    "bind",
    "EVAL_TRACE",
    "ConcretizationError",
    "EscapedTracerError",
    "EvalTrace",
    "Trace",
    "Tracer",
    "TracerConversionError",
    "current_trace",
    "find_concrete",
    "new_trace",
    "set_current_trace",
]
