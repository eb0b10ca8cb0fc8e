"""fgrad: JAX-style composable transforms over a traced IR, on numpy."""

from fgrad import numpy  # noqa: F401  (installs the array API on tracers)
from fgrad import tree_util  # noqa: F401
from fgrad.api import (
    grad,
    hessian,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    linear_transpose,
    linearize,
    make_jaxpr,
    stop_gradient,
    value_and_grad,
    vjp,
    vmap,
)
from fgrad.core.trace import ConcretizationError, EscapedTracerError, TracerConversionError

__version__ = "0.1.0"

__all__ = [
    "grad",
    "hessian",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "linear_transpose",
    "linearize",
    "make_jaxpr",
    "stop_gradient",
    "value_and_grad",
    "vjp",
    "vmap",
    "ConcretizationError",
    "EscapedTracerError",
    "TracerConversionError",
]
