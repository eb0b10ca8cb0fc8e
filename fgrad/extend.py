"""fgrad.extend: the one public door for code that builds on fgrad's machinery (new
primitives, new interpreters such as compat.torch's tape)."""

from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.ir import ClosedJaxpr, Eqn, Jaxpr, Literal, Var, eval_jaxpr
from fgrad.core.markers import UndefinedPrimal, Zero
from fgrad.core.primitive import Primitive, bind
from fgrad.core.trace import (
    EVAL_TRACE,
    Trace,
    Tracer,
    current_trace,
    find_concrete,
    set_current_trace,
)
from fgrad.interpreters.codegen import compile_jaxpr
from fgrad.prims.base import def_zero_jvp, defbilinear, defjvp, deflinear

__all__ = [
    "ShapedArray",
    "get_aval",
    "ClosedJaxpr",
    "Eqn",
    "Jaxpr",
    "Literal",
    "Var",
    "eval_jaxpr",
    "UndefinedPrimal",
    "Zero",
    "Primitive",
    "bind",
    "EVAL_TRACE",
    "compile_jaxpr",
    "Trace",
    "Tracer",
    "current_trace",
    "find_concrete",
    "set_current_trace",
    "deflinear",
    "defbilinear",
    "defjvp",
    "def_zero_jvp",
]
