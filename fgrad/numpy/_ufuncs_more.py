"""More of numpy's real elementwise functions (issue 4): hyperbolic and inverse trigonometric
functions, exp2/log2/log10, logaddexp, hypot, arctan2, rounding, nan handling and the float
predicates.

As in _ufuncs.py, numpy's own ufunc of the same name decides dtypes and broadcasting
(`ufunc_operands`), then one primitive or a short composite of primitives is bound. Where a
function has a kink or a jump, the derivative chosen there is stated in its docstring.
Predicates (isnan, signbit, isclose, ...) return bools and carry no derivative.
"""

from __future__ import annotations

import operator

import numpy as np

from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.core.trace import Tracer
from fgrad.numpy._promotion import asarray_operand, cast, result_type, ufunc_operands
from fgrad.numpy._reductions import all as _all
from fgrad.numpy._ufuncs import (
    _binary,
    _unary,
    absolute,
    add,
    equal,
    less_equal,
    logical_and,
    logical_or,
    multiply,
    subtract,
    trunc,
)
from fgrad.prims.base import full_like

__all__ = [
    "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "arctan2", "exp2",
    "log2", "log10", "logaddexp", "logaddexp2", "float_power", "sinc", "hypot", "fmod", "fmax",
    "fmin", "nan_to_num", "deg2rad", "rad2deg", "degrees", "radians", "round", "around", "rint",
    "fix", "fabs", "cbrt", "copysign", "signbit", "isnan", "isinf", "isfinite", "isclose",
    "allclose", "heaviside",
]

_PY_SCALARS = (bool, int, float, complex)


def _as_typed(x):
    """An operand, with a Python scalar made a numpy scalar (numpy returns numpy scalars)."""
    x = asarray_operand(x)
    return np.asarray(x)[()] if isinstance(x, _PY_SCALARS) else x


def _scalar_if_0d(out):
    """select's impl is np.where, which returns 0-d arrays; numpy's ufuncs return scalars."""
    return out[()] if type(out) is np.ndarray and out.ndim == 0 else out


def _no_derivative(x):
    """Predicates only look at values: no tangent is pushed through their comparisons."""
    return prims.stop_gradient(x) if isinstance(x, Tracer) else x


# ----- hyperbolic and inverse trigonometric ---------------------------------------------------


def sinh(x):
    return _unary(np.sinh, prims.sinh_p, x)


def cosh(x):
    return _unary(np.cosh, prims.cosh_p, x)


def arcsinh(x):
    return _unary(np.arcsinh, prims.asinh_p, x)


def arccosh(x):
    return _unary(np.arccosh, prims.acosh_p, x)


def arctanh(x):
    return _unary(np.arctanh, prims.atanh_p, x)


def arctan2(x1, x2):
    """The angle of (x2, x1); its derivative is nan at the origin, as in jax."""
    return _binary(np.arctan2, prims.atan2_p, x1, x2)


def hypot(x1, x2):
    """sqrt(x1^2 + x2^2) without overflow (numpy's value). The derivative at (0, 0) is 0: the
    smallest subgradient of the norm there. jax gives 1/2 per argument (an artifact of its
    max/min composite), torch and autograd give nan."""
    return _binary(np.hypot, prims.hypot_p, x1, x2)


# ----- exponentials and logarithms ------------------------------------------------------------


def exp2(x):
    return _unary(np.exp2, prims.exp2_p, x)


def log2(x):
    return _unary(np.log2, prims.log2_p, x)


def log10(x):
    return _unary(np.log10, prims.log10_p, x)


def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)) with no overflow; the derivative is logistic(x1 - x2) for x1
    (1/2 at ties, also at (1000, 1000)), never computed from exponentials that overflow."""
    return _binary(np.logaddexp, prims.logaddexp_p, x1, x2)


_LN2 = float(np.log(2.0))


def logaddexp2(x1, x2):
    """log2(2^x1 + 2^x2) = logaddexp(x1 ln 2, x2 ln 2) / ln 2: stable, and its derivative is
    the weight logistic((x1 - x2) ln 2)."""
    (x, y), _ = ufunc_operands(np.logaddexp2, x1, x2)
    return prims.div(prims.logaddexp(prims.mul(x, _LN2), prims.mul(y, _LN2)), _LN2)


def _static_int(y) -> bool:
    return isinstance(y, (int, np.integer)) and not isinstance(y, (bool, np.bool_))


def float_power(x1, x2):
    """x1 ** x2 computed in float64 (or complex128), as numpy's. A static integer exponent
    uses integer_pow, so negative bases and x1 = 0 differentiate exactly."""
    x1, x2 = asarray_operand(x1), asarray_operand(x2)
    (x, y), _ = ufunc_operands(np.float_power, x1, x2)
    if _static_int(x2):
        return prims.integer_pow(x, int(x2))
    return prims.pow(x, y)


# sin(u) / u = sum_k (-1)^k u^(2k) / (2k + 1)!, in Horner form over u^2: used for |u| < 0.1,
# where the terms through u^10 are exact to 1e-22 and the quotient's derivatives would cancel
_SINC_DENOMINATORS = (6.0, 20.0, 42.0, 72.0, 110.0)  # (2k)(2k + 1)
_SINC_SERIES_BOUND = 0.1


def sinc(x):
    """numpy's normalized sinc, sin(pi x) / (pi x) and 1 at 0. Near 0 (|pi x| < 0.1) it is its
    Taylor polynomial, so every derivative there is exact: 0 at x = 0, then -pi^2 / 3."""
    x = asarray_operand(x)
    x = cast(x, result_type(x, 1.0))
    u = prims.mul(x, np.pi)
    near_zero = prims.lt(prims.abs(u), _SINC_SERIES_BOUND)
    safe = prims.select(near_zero, full_like(u, 1.0), u)
    quotient = prims.div(prims.sin(safe), safe)
    u2 = prims.mul(u, u)
    series = full_like(u, 1.0)
    for d in reversed(_SINC_DENOMINATORS):
        series = prims.sub(1.0, prims.mul(prims.div(u2, d), series))
    return _scalar_if_0d(prims.select(near_zero, series, quotient))


# ----- remainders, extrema and nan handling ---------------------------------------------------


def fmod(x1, x2):
    """C's remainder (the sign of x1); derivatives 1 and -trunc(x1 / x2)."""
    return _binary(np.fmod, prims.rem_p, x1, x2)


def _nan_ignoring(ufunc, prim_fn, x1, x2):
    (x, y), out = ufunc_operands(ufunc, x1, x2)
    if out.kind in "fc":
        # a nan operand is replaced by the other one, so the other's derivative flows whole
        x, y = prims.select(prims.ne(x, x), y, x), prims.select(prims.ne(y, y), x, y)
    return _scalar_if_0d(prim_fn(x, y))


def fmax(x1, x2):
    """maximum that ignores a nan operand (nan only where both are). At ties the derivative
    is shared evenly, as fgrad's maximum does (jax's fmax gives it all to x2)."""
    return _nan_ignoring(np.fmax, prims.max, x1, x2)


def fmin(x1, x2):
    """minimum that ignores a nan operand; ties as in fmax."""
    return _nan_ignoring(np.fmin, prims.min, x1, x2)


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """nan, +inf and -inf replaced (by default with 0 and the dtype's largest and smallest
    finite values). Derivative: 1 where x is finite, 0 where a value was replaced. `copy` is
    accepted for numpy's signature; fgrad never writes into its input."""
    x = _as_typed(x)
    dtype = get_aval(x).dtype
    if dtype.kind not in "fc":
        return x if isinstance(x, Tracer) else np.array(x, copy=True)[()]
    if dtype.kind == "c":
        raise NotImplementedError(
            "fgrad.numpy.nan_to_num does not take complex values yet; apply it to "
            "fgrad.numpy.real(x) and fgrad.numpy.imag(x) separately."
        )
    info = np.finfo(dtype)
    hi = info.max if posinf is None else posinf
    lo = info.min if neginf is None else neginf
    out = prims.select(prims.ne(x, x), full_like(x, nan), x)
    out = prims.select(prims.eq(x, np.inf), full_like(x, hi), out)
    return _scalar_if_0d(prims.select(prims.eq(x, -np.inf), full_like(x, lo), out))


# ----- angles ---------------------------------------------------------------------------------


def deg2rad(x):
    (x,), _ = ufunc_operands(np.deg2rad, x)
    return prims.mul(x, np.pi / 180.0)


def rad2deg(x):
    (x,), _ = ufunc_operands(np.rad2deg, x)
    return prims.mul(x, 180.0 / np.pi)


radians = deg2rad
degrees = rad2deg


# ----- rounding (zero derivative) ---------------------------------------------------------------


def rint(x):
    """Round half to even; integers become floats, as in numpy."""
    return _unary(np.rint, prims.round_nearest_even_p, x)


def round(a, decimals=0, out=None):
    """numpy's round: half to even at `decimals` digits, by scaling with 10**decimals (so,
    like numpy, 2.675 rounds to 2.67 at 2 decimals). Integers keep their dtype (negative
    decimals round them to tens, hundreds, ...); bools become float16, as in numpy."""
    if out is not None:
        raise NotImplementedError("fgrad.numpy.round does not support out=; assign the result.")
    decimals = operator.index(decimals)
    a = _as_typed(a)
    dtype = get_aval(a).dtype
    if dtype.kind == "b":
        a, dtype = cast(a, np.float16), np.dtype(np.float16)
    if dtype.kind in "iu":
        if decimals >= 0:
            return a if isinstance(a, Tracer) else np.array(a, copy=True)[()]
        scale = float(10 ** -decimals)
        scaled = prims.div(cast(a, np.float64), scale)
        return cast(prims.mul(prims.round_nearest_even(scaled), scale), dtype)
    if decimals == 0:
        return prims.round_nearest_even(a)
    if decimals > 0:
        scale = 10.0**decimals
        return prims.div(prims.round_nearest_even(prims.mul(a, scale)), scale)
    scale = 10.0**-decimals
    return prims.mul(prims.round_nearest_even(prims.div(a, scale)), scale)


around = round


def fix(x, out=None):
    """Round toward zero (numpy 2's fix is trunc, dtype included)."""
    if out is not None:
        raise NotImplementedError("fgrad.numpy.fix does not support out=; assign the result.")
    return trunc(x)


# ----- magnitude and sign -----------------------------------------------------------------------


def fabs(x):
    """|x| for real numbers (integers become floats, complex is refused, as in numpy)."""
    return _unary(np.fabs, prims.abs_p, x)


def cbrt(x):
    return _unary(np.cbrt, prims.cbrt_p, x)


def signbit(x):
    """True where the sign bit is set: negative numbers, -0.0 and nan with the bit set."""
    return _unary(np.signbit, prims.signbit_p, x)


def copysign(x1, x2):
    """|x1| with the sign bit of x2 (so -0.0 counts as negative). Derivative in x1: +1 where
    the signs of x1 and x2 agree, -1 where they differ, 0 at x1 = 0 (abs's kink); none in
    x2."""
    (x, y), _ = ufunc_operands(np.copysign, x1, x2)
    magnitude = prims.abs(x)
    return _scalar_if_0d(prims.select(prims.signbit(y), prims.neg(magnitude), magnitude))


def heaviside(x1, x2):
    """0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0, nan where x1 is nan. The derivative
    in x1 is 0; in x2 it is 1 where x1 == 0."""
    (x, h), _ = ufunc_operands(np.heaviside, x1, x2)
    at_zero = prims.select(prims.eq(x, 0), h, full_like(h, np.nan))
    positive = prims.select(prims.gt(x, 0), full_like(h, 1.0), at_zero)
    return _scalar_if_0d(prims.select(prims.lt(x, 0), full_like(h, 0.0), positive))


# ----- predicates (bool results, no derivative) -------------------------------------------------


def isnan(x):
    (x,), _ = ufunc_operands(np.isnan, x)
    return prims.ne(x, x)


def isinf(x):
    (x,), _ = ufunc_operands(np.isinf, x)
    x = _no_derivative(x)
    if get_aval(x).dtype.kind not in "fc":
        return prims.ne(x, x)  # integers and bools are never infinite
    return prims.eq(prims.abs(x), np.inf)


def isfinite(x):
    (x,), _ = ufunc_operands(np.isfinite, x)
    x = _no_derivative(x)
    if get_aval(x).dtype.kind not in "fc":
        return prims.eq(x, x)
    return prims.lt(prims.abs(x), np.inf)  # False for nan too


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """numpy's test |a - b| <= atol + rtol |b| (b is the reference), where b is finite, or
    a == b (equal infinities); with equal_nan, nan matches nan. A traced bool under
    transforms."""
    x = _no_derivative(asarray_operand(a))
    y = _no_derivative(asarray_operand(b))
    if isinstance(y, (bool, int)):
        y = float(y)
    elif not isinstance(y, (float, complex)):
        y = cast(y, result_type(y, 1.0))  # numpy's guard against abs(INT_MIN)
    with np.errstate(invalid="ignore"):  # inf - inf on the way to the a == b case
        close = less_equal(absolute(subtract(x, y)), add(atol, multiply(rtol, absolute(y))))
        result = logical_or(logical_and(close, isfinite(y)), equal(x, y))
        if equal_nan:
            result = logical_or(result, logical_and(isnan(x), isnan(y)))
    return result


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """all(isclose(...)): a Python bool on concrete inputs, as numpy's; a traced bool scalar
    under transforms (Python's `if` cannot branch on it there)."""
    result = _all(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))
    return result if isinstance(result, Tracer) else bool(result)
