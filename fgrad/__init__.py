"""fgrad: JAX-style composable transforms over a traced IR, on numpy."""

from fgrad import (
    debug,  # noqa: F401  (fgrad.debug.print, debug_nans)
    lax,  # noqa: F401  (fgrad.lax.cond, scan, ...)
    numpy,  # noqa: F401  (installs the array API on tracers)
    scipy,  # noqa: F401  (fgrad.scipy.special, fgrad.scipy.stats)
    tree_util,  # noqa: F401
    viz,  # noqa: F401  (jaxprs as DOT / SVG / HTML)
)
from fgrad.api import (
    grad,
    jvp,
    linear_transpose,
    linearize,
    make_jaxpr,
    stop_gradient,
    value_and_grad,
    vjp,
)
from fgrad.api_vmap import hessian, jacfwd, jacobian, jacrev, vmap
from fgrad.checkpoint import checkpoint, checkpoint_policies, remat
from fgrad.core.trace import ConcretizationError, EscapedTracerError, TracerConversionError
from fgrad.custom_derivatives import custom_jvp, custom_vjp
from fgrad.debug import debug_nans, disable_jit
from fgrad.jit_api import jit

__version__ = "0.1.0"

__all__ = [
    "checkpoint",
    "checkpoint_policies",
    "custom_jvp",
    "custom_vjp",
    "debug_nans",
    "disable_jit",
    "grad",
    "hessian",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jit",
    "jvp",
    "linear_transpose",
    "linearize",
    "make_jaxpr",
    "remat",
    "stop_gradient",
    "value_and_grad",
    "vjp",
    "vmap",
    "ConcretizationError",
    "EscapedTracerError",
    "TracerConversionError",
]
