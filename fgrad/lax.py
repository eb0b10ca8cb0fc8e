"""fgrad.lax: the primitives' wrappers (strict shapes and dtypes, like jax.lax).

Control flow (cond, switch, while_loop, fori_loop, scan, map) comes from fgrad.control_flow.
"""

from fgrad.control_flow import cond, fori_loop, map, scan, switch, while_loop
from fgrad.prims.arith import (
    add,
    convert_element_type,
    div,
    eq,
    ge,
    gt,
    le,
    lt,
    max,
    min,
    mul,
    ne,
    neg,
    pow,
    rem,
    select,
    stop_gradient,
    sub,
)
from fgrad.prims.dot import dot_general
from fgrad.prims.elementwise import (
    abs,
    atan,
    ceil,
    cos,
    exp,
    expm1,
    floor,
    integer_pow,
    log,
    log1p,
    logistic,
    round_toward_zero,
    rsqrt,
    sign,
    sin,
    sqrt,
    tan,
    tanh,
)
from fgrad.prims.indexing import gather, scatter_add
from fgrad.prims.reduce import (
    argmax,
    argmin,
    cumsum,
    reduce_max,
    reduce_min,
    reduce_prod,
    reduce_sum,
)
from fgrad.prims.shape import (
    broadcast_in_dim,
    concatenate,
    expand_dims,
    pad,
    reshape,
    rev,
    slice,
    squeeze,
    transpose,
)
from fgrad.prims.special import (
    bessel_i0e,
    bessel_i1e,
    digamma,
    erf,
    erf_inv,
    erfc,
    igamma,
    igamma_grad_a,
    igammac,
    lgamma,
    polygamma,
    regularized_incomplete_beta,
    zeta,
)

__all__ = [
    "abs", "add", "argmax", "argmin", "atan", "broadcast_in_dim", "ceil", "concatenate",
    "convert_element_type", "cos", "cumsum", "div", "dot_general", "eq", "exp", "expand_dims",
    "expm1", "floor", "gather", "ge", "gt", "integer_pow", "le", "log", "log1p", "logistic",
    "lt", "max", "min", "mul", "ne", "neg", "pad", "pow", "reduce_max", "reduce_min",
    "reduce_prod", "reduce_sum", "rem", "reshape", "rev", "round_toward_zero", "rsqrt",
    "scatter_add", "select", "sign", "sin", "slice", "sqrt", "squeeze", "stop_gradient", "sub",
    "tan", "tanh", "transpose",
    "cond", "fori_loop", "map", "scan", "switch", "while_loop",
    "bessel_i0e", "bessel_i1e", "digamma", "erf", "erf_inv", "erfc", "igamma", "igamma_grad_a",
    "igammac", "lgamma", "polygamma", "regularized_incomplete_beta", "zeta",
]
