"""fgrad.numpy: numpy's API on values that may be traced (`import fgrad.numpy as fnp`).

Every function binds fgrad primitives, so it works under every transform; on plain numpy
inputs it returns what numpy returns (same dtype, same shape). Primitives are strict, so this
layer does numpy's broadcasting and dtype promotion (NEP 50) explicitly. Dtypes and constants
are numpy's own objects (`fnp.float32 is np.float32`).

Importing this package registers the array behaviour of tracers (operators, indexing,
methods) once, below.
"""

import numpy as _np

from fgrad.core.trace import Tracer as _Tracer
from fgrad.numpy import fft, linalg
from fgrad.numpy._array_api import ArrayAPI as _ArrayAPI
from fgrad.numpy._complex import (
    angle,
    conj,
    conjugate,
    imag,
    iscomplex,
    iscomplexobj,
    isreal,
    isrealobj,
    real,
)
from fgrad.numpy._creation import (
    arange,
    array,
    asarray,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    identity,
    linspace,
    ones,
    ones_like,
    zeros,
    zeros_like,
)
from fgrad.numpy._differences import (
    cumulative_prod,
    cumulative_sum,
    diff,
    ediff1d,
    trapezoid,
)
from fgrad.numpy._einsum import einsum
from fgrad.numpy._gradient import gradient, real_if_close
from fgrad.numpy._indexing import getitem
from fgrad.numpy._linalg_products import dot, inner, matmul, outer, tensordot, vdot
from fgrad.numpy._more_shape import (
    array_split,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    average,
    column_stack,
    cross,
    cumprod,
    diag,
    diagonal,
    dstack,
    flip,
    fliplr,
    flipud,
    hstack,
    kron,
    nanmean,
    nansum,
    ptp,
    repeat,
    roll,
    split,
    take,
    take_along_axis,
    tile,
    trace,
    tril,
    triu,
    vstack,
)
from fgrad.numpy._nan_stats import (
    count_nonzero,
    nanargmax,
    nanargmin,
    nancumprod,
    nancumsum,
    nanmax,
    nanmin,
    nanprod,
    nanstd,
    nanvar,
)
from fgrad.numpy._pad import pad
from fgrad.numpy._poly_conv import (
    convolve,
    correlate,
    interp,
    polyadd,
    polyder,
    polyint,
    polymul,
    polysub,
    polyval,
)
from fgrad.numpy._promotion import result_type
from fgrad.numpy._quantiles import (
    median,
    nanmedian,
    nanpercentile,
    nanquantile,
    percentile,
    quantile,
)
from fgrad.numpy._reductions import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    cumsum,
    max,
    mean,
    min,
    prod,
    std,
    sum,
    var,
)
from fgrad.numpy._shape import (
    broadcast_to,
    clip,
    concatenate,
    expand_dims,
    moveaxis,
    ndim,
    ravel,
    reshape,
    shape,
    size,
    squeeze,
    stack,
    swapaxes,
    transpose,
    where,
)
from fgrad.numpy._shape_extra import (
    append,
    broadcast_arrays,
    choose,
    copy,
    delete,
    diagflat,
    dsplit,
    hsplit,
    insert,
    meshgrid,
    rollaxis,
    rot90,
    row_stack,
    select,
    tri,
    vsplit,
)
from fgrad.numpy._sorting import (
    argpartition,
    argsort,
    lexsort,
    partition,
    searchsorted,
    sort,
    unique,
    unique_all,
    unique_counts,
    unique_inverse,
    unique_values,
)
from fgrad.numpy._ufuncs import (
    abs,
    absolute,
    add,
    arccos,
    arcsin,
    arctan,
    ceil,
    cos,
    divide,
    equal,
    exp,
    expm1,
    floor,
    floor_divide,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    maximum,
    minimum,
    mod,
    multiply,
    negative,
    not_equal,
    positive,
    power,
    reciprocal,
    remainder,
    sign,
    sin,
    sqrt,
    square,
    subtract,
    tan,
    tanh,
    true_divide,
    trunc,
)
from fgrad.numpy._ufuncs_more import (
    allclose,
    arccosh,
    arcsinh,
    arctan2,
    arctanh,
    around,
    cbrt,
    copysign,
    cosh,
    deg2rad,
    degrees,
    exp2,
    fabs,
    fix,
    float_power,
    fmax,
    fmin,
    fmod,
    heaviside,
    hypot,
    isclose,
    isfinite,
    isinf,
    isnan,
    log2,
    log10,
    logaddexp,
    logaddexp2,
    nan_to_num,
    rad2deg,
    radians,
    rint,
    round,
    signbit,
    sinc,
    sinh,
)

# numpy's own dtype objects and constants
dtype = _np.dtype
bool_ = _np.bool_
bool = _np.bool_
int8 = _np.int8
int16 = _np.int16
int32 = _np.int32
int64 = _np.int64
uint8 = _np.uint8
uint16 = _np.uint16
uint32 = _np.uint32
uint64 = _np.uint64
float16 = _np.float16
float32 = _np.float32
float64 = _np.float64
complex64 = _np.complex64
complex128 = _np.complex128
integer = _np.integer
floating = _np.floating
inexact = _np.inexact
number = _np.number
issubdtype = _np.issubdtype
finfo = _np.finfo
iinfo = _np.iinfo
pi = _np.pi
e = _np.e
inf = _np.inf
nan = _np.nan
newaxis = None

# The one-time registration that gives tracers their array behaviour (see Tracer's docstring).
_Tracer._array_api = _ArrayAPI()

__all__ = [
    # creation
    "array", "asarray", "zeros", "ones", "empty", "zeros_like", "ones_like", "empty_like",
    "full", "full_like", "arange", "linspace", "eye", "identity",
    # elementwise
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "remainder", "mod",
    "power", "negative", "positive", "abs", "absolute", "sign", "sin", "cos", "tan", "tanh",
    "arcsin", "arccos", "arctan", "exp", "log", "log1p", "expm1", "sqrt", "square",
    "reciprocal", "maximum", "minimum", "equal", "not_equal", "less", "less_equal", "greater",
    "greater_equal", "logical_and", "logical_or", "logical_not", "logical_xor", "floor", "ceil",
    "trunc",
    # more elementwise functions (issue 4)
    "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "arctan2", "exp2", "log2", "log10",
    "logaddexp", "logaddexp2", "float_power", "sinc", "hypot", "fmod", "fmax", "fmin",
    "nan_to_num", "deg2rad", "rad2deg", "degrees", "radians", "round", "around", "rint", "fix",
    "fabs", "cbrt", "copysign", "signbit", "isnan", "isinf", "isfinite", "isclose", "allclose",
    "heaviside",
    # reductions
    "sum", "prod", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin",
    "cumsum", "all", "any",
    # products
    "dot", "matmul", "outer", "inner", "vdot", "tensordot",
    # shapes, joining, selection
    "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "concatenate", "stack", "squeeze",
    "expand_dims", "where", "clip", "broadcast_to", "shape", "ndim", "size", "result_type",
    "getitem",
    # more shapes, selection, reductions and products (issue 4)
    "atleast_1d", "atleast_2d", "atleast_3d", "flip", "fliplr", "flipud", "roll", "tile",
    "repeat", "split", "array_split", "vstack", "hstack", "dstack", "column_stack", "diag",
    "diagonal", "trace", "tril", "triu", "take", "take_along_axis", "ptp", "average",
    "cumprod", "nansum", "nanmean", "einsum", "kron", "cross",
    # sorting, order statistics, nan-reductions, differences (issue 4)
    "sort", "argsort", "lexsort", "partition", "argpartition", "searchsorted", "unique",
    "unique_values", "unique_counts", "unique_inverse", "unique_all", "median", "quantile",
    "percentile", "nanmedian", "nanquantile", "nanpercentile", "nanmax", "nanmin", "nanprod",
    "nanvar", "nanstd", "nancumsum", "nancumprod", "nanargmax", "nanargmin",
    "count_nonzero", "diff", "ediff1d", "cumulative_sum", "cumulative_prod", "trapezoid",
    "gradient", "real_if_close",
    # padding, polynomials, convolution, interpolation, more array manipulation (issue 4)
    "pad", "polyval", "polyadd", "polysub", "polymul", "polyder", "polyint", "convolve",
    "correlate", "interp", "choose", "select", "rot90", "diagflat", "vsplit", "hsplit",
    "dsplit", "rollaxis", "row_stack", "broadcast_arrays", "append", "insert", "delete",
    "tri", "meshgrid", "copy",
    # complex numbers (issue 4)
    "real", "imag", "conj", "conjugate", "angle", "iscomplexobj", "isrealobj", "iscomplex",
    "isreal",
    # submodules
    "fft", "linalg",
    # dtypes and constants (numpy's own objects)
    "dtype", "bool_", "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
    "uint64", "float16", "float32", "float64", "complex64", "complex128", "integer", "floating",
    "inexact", "number", "issubdtype", "finfo", "iinfo", "pi", "e", "inf", "nan", "newaxis",
]
