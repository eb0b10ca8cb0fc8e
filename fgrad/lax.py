"""fgrad.lax: the primitives' wrappers (strict shapes and dtypes, like jax.lax).

Every first-order primitive of fgrad.prims is here under its primitive's name, which is
jax.lax's where JAX has the operation in the same form. The names that are fgrad's own:
round_nearest_even (JAX's lax.round with TO_NEAREST_EVEN), argsort and searchsorted (JAX has
lax.sort), floor_div, signbit, the linear-algebra primitives (in jax.lax.linalg in JAX) and the
special functions that JAX keeps in jax.scipy.special or lacks. Control flow (cond, switch,
while_loop, fori_loop, scan, map) comes from fgrad.control_flow.
"""

from fgrad.control_flow import cond, fori_loop, map, scan, switch, while_loop
from fgrad.prims.arith import (
    add,
    convert_element_type,
    div,
    eq,
    floor_div,
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
from fgrad.prims.bessel import (
    bessel_iv,
    bessel_ive,
    bessel_j0,
    bessel_j1,
    bessel_jn,
    bessel_jv,
    bessel_y0,
    bessel_y1,
    bessel_yn,
)
from fgrad.prims.complex import complex, conj, imag, real
from fgrad.prims.dot import dot_general
from fgrad.prims.elementwise import (
    abs,
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    cbrt,
    ceil,
    cos,
    cosh,
    exp,
    exp2,
    expm1,
    floor,
    hypot,
    integer_pow,
    log,
    log1p,
    log2,
    log10,
    logaddexp,
    logistic,
    round_nearest_even,
    round_toward_zero,
    rsqrt,
    sign,
    signbit,
    sin,
    sinh,
    sqrt,
    tan,
    tanh,
)
from fgrad.prims.fft import fft
from fgrad.prims.indexing import gather, scatter_add
from fgrad.prims.linalg import cholesky, eig, eigh, qr, svd
from fgrad.prims.linalg_solve import det, lu, slogdet, solve, sylvester, triangular_solve
from fgrad.prims.matfuncs import expm, expm_frechet, sqrtm
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
from fgrad.prims.sort import argsort, searchsorted
from fgrad.prims.special import (
    bessel_i0e,
    bessel_i1e,
    betaln,
    digamma,
    erf,
    erf_inv,
    erfc,
    erfcinv,
    erfcx,
    gamma,
    igamma,
    igamma_grad_a,
    igammac,
    lgamma,
    log_ndtr,
    ndtr,
    ndtri,
    polygamma,
    regularized_incomplete_beta,
    rgamma,
    xlog1py,
    xlogy,
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
    "floor_div", "sinh", "cosh", "asin", "acos", "asinh", "acosh", "atanh", "atan2", "exp2",
    "log2", "log10", "cbrt", "round_nearest_even", "signbit", "logaddexp", "hypot",
    "real", "imag", "conj", "complex", "fft", "argsort", "searchsorted",
    "erfcx", "erfcinv", "ndtr", "log_ndtr", "ndtri", "gamma", "rgamma", "betaln", "xlogy",
    "xlog1py", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "bessel_jn", "bessel_yn",
    "bessel_ive", "bessel_jv", "bessel_iv",
    "cholesky", "triangular_solve", "solve", "lu", "det", "slogdet", "eigh", "svd", "qr",
    "expm", "expm_frechet", "sylvester", "sqrtm", "eig",
]
