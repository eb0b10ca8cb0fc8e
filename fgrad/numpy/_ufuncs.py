"""Elementwise functions with numpy's names, broadcasting and dtypes.

Each one resolves dtypes with the numpy ufunc of the same meaning (see _promotion.py), then
binds one primitive or a short composite of primitives. Composites are chosen so that their
derivatives are the ones numpy users expect (e.g. remainder's is 1 and -floor(x / y))."""

from __future__ import annotations

import numpy as np

from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.core.primitive import bind
from fgrad.core.trace import Tracer, find_concrete
from fgrad.numpy._promotion import _KEEPS, asarray_operand, cast, keeps_dtypes, ufunc_operands
from fgrad.prims.base import full_like

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "remainder", "mod",
    "power", "negative", "positive", "abs", "absolute", "sign", "sin", "cos", "tan", "tanh",
    "arcsin", "arccos", "arctan", "exp", "log", "log1p", "expm1", "sqrt", "square",
    "reciprocal", "maximum", "minimum", "equal", "not_equal", "less", "less_equal", "greater",
    "greater_equal", "logical_and", "logical_or", "logical_not", "logical_xor", "floor", "ceil",
    "trunc",
]


# The hot path of every elementwise call. An array or tracer operand whose dtype numpy's loop
# keeps (the common case) is bound as it is, after one dict lookup; anything else (Python
# scalars, mixed dtypes or shapes, lists) goes through `ufunc_operands`, whose operands are
# then of one shape and dtype, so the primitive can be bound directly too.


# Every ufunc given to _unary and _binary has a float64 loop: plain float64 operands need no
# lookup at all.
_F64 = np.dtype(np.float64)


def _unary(ufunc, prim, x):
    if isinstance(x, Tracer):
        a = x.aval
        if a.dtype is _F64 and not a.weak_type:
            return bind(prim, x)
        key = (ufunc, a.dtype, a.weak_type)
        if _KEEPS.get(key) or keeps_dtypes(key):
            return bind(prim, x)
    elif type(x) is np.ndarray:
        if _KEEPS.get((ufunc, x.dtype, False)) or keeps_dtypes((ufunc, x.dtype, False)):
            return bind(prim, x)
    (x,), _ = ufunc_operands(ufunc, x)
    return bind(prim, x)


def _binary(ufunc, prim, x, y):
    tx, ty = type(x), type(y)
    if (tx is np.ndarray or isinstance(x, Tracer)) and (ty is np.ndarray or isinstance(y, Tracer)):
        ax = x if tx is np.ndarray else x.aval
        ay = y if ty is np.ndarray else y.aval
        if ax.shape == ay.shape:
            wx = tx is not np.ndarray and ax.weak_type
            wy = ty is not np.ndarray and ay.weak_type
            if ax.dtype is _F64 and ay.dtype is _F64 and not wx and not wy:
                return bind(prim, x, y)
            key = (ufunc, ax.dtype, wx, ay.dtype, wy)
            if _KEEPS.get(key) or keeps_dtypes(key):
                return bind(prim, x, y)
    (x, y), _ = ufunc_operands(ufunc, x, y)
    return bind(prim, x, y)


# ----- arithmetic ---------------------------------------------------------------------------


def add(x, y):
    return _binary(np.add, prims.add_p, x, y)


def subtract(x, y):
    return _binary(np.subtract, prims.sub_p, x, y)


def multiply(x, y):
    return _binary(np.multiply, prims.mul_p, x, y)


def true_divide(x, y):
    """Integers divide as floats (int / int is float64), as in numpy."""
    return _binary(np.true_divide, prims.div_p, x, y)


divide = true_divide


def floor_divide(x, y):
    return _binary(np.floor_divide, prims.floor_div_p, x, y)


def remainder(x, y):
    """Python's modulo (the result has the sign of y), from C's fmod: where fmod's result is
    nonzero and its sign differs from y's, add y once. Derivatives: 1 and -floor(x / y)."""
    (x, y), _ = ufunc_operands(np.remainder, x, y)
    r = prims.rem(x, y)
    wrong_sign = prims.min(prims.ne(r, 0), prims.ne(prims.lt(r, 0), prims.lt(y, 0)))
    return prims.select(wrong_sign, prims.add(r, y), r)


mod = remainder


def _static_int(y):
    return isinstance(y, (int, np.integer)) and not isinstance(y, (bool, np.bool_))


def power(x, y):
    """x ** y. A static integer exponent becomes `integer_pow` (exact for integers, and its
    derivative at x = 0 is well defined); integer arrays use square-and-multiply."""
    x, y = asarray_operand(x), asarray_operand(y)
    (xb, yb), out = ufunc_operands(np.power, x, y)
    if out.kind in "iu":
        if _static_int(y):
            if y < 0:
                raise ValueError("Integers to negative integer powers are not allowed.")
            return prims.integer_pow(xb, int(y))
        return _integer_power(xb, yb)
    if _static_int(y) and out.kind in "fc":
        return prims.integer_pow(xb, int(y))
    return prims.pow(xb, yb)


def _integer_power(x, y):
    """Integer x ** y (arrays) by square-and-multiply over the bits of y."""
    concrete = find_concrete(y)
    if concrete is not None:
        if np.any(np.asarray(concrete) < 0):
            raise ValueError("Integers to negative integer powers are not allowed.")
        nbits = int(np.max(concrete, initial=0)).bit_length()
    else:
        nbits = get_aval(y).dtype.itemsize * 8
    acc = full_like(x, 1)
    base, e = x, y
    for i in range(nbits):
        odd = prims.eq(prims.rem(e, 2), 1)
        acc = prims.select(odd, prims.mul(acc, base), acc)
        if i + 1 < nbits:
            base = prims.mul(base, base)
            e = prims.floor_div(e, 2)
    return acc


def negative(x):
    return _unary(np.negative, prims.neg_p, x)


def positive(x):
    (x,), _ = ufunc_operands(np.positive, x)
    return x


def absolute(x):
    return _unary(np.absolute, prims.abs_p, x)


abs = absolute


def sign(x):
    return _unary(np.sign, prims.sign_p, x)


def maximum(x, y):
    return _binary(np.maximum, prims.max_p, x, y)


def minimum(x, y):
    return _binary(np.minimum, prims.min_p, x, y)


def square(x):
    (x,), _ = ufunc_operands(np.square, x)
    return prims.integer_pow(x, 2)


def reciprocal(x):
    """1 / x; for integers numpy truncates, which leaves x only where |x| == 1."""
    (x,), out = ufunc_operands(np.reciprocal, x)
    if out.kind in "fc":
        return prims.div(1, x)
    return prims.select(prims.eq(prims.abs(x), 1), x, 0)


def sqrt(x):
    return _unary(np.sqrt, prims.sqrt_p, x)


# ----- transcendental -----------------------------------------------------------------------


def sin(x):
    return _unary(np.sin, prims.sin_p, x)


def cos(x):
    return _unary(np.cos, prims.cos_p, x)


def tan(x):
    return _unary(np.tan, prims.tan_p, x)


def tanh(x):
    return _unary(np.tanh, prims.tanh_p, x)


def arctan(x):
    return _unary(np.arctan, prims.atan_p, x)


def arcsin(x):
    """numpy's value to the last bit; the asin primitive's derivative
    1 / (sqrt(1 - x) sqrt(1 + x)) stays accurate next to +-1."""
    return _unary(np.arcsin, prims.asin_p, x)


def arccos(x):
    return _unary(np.arccos, prims.acos_p, x)


def exp(x):
    return _unary(np.exp, prims.exp_p, x)


def log(x):
    return _unary(np.log, prims.log_p, x)


def log1p(x):
    return _unary(np.log1p, prims.log1p_p, x)


def expm1(x):
    return _unary(np.expm1, prims.expm1_p, x)


# ----- rounding: integers are already integral, and numpy keeps their dtype -----------------


def _rounding(ufunc, prim_fn, x):
    (x,), out = ufunc_operands(ufunc, x)
    return prim_fn(x) if out.kind in "fc" else x


def floor(x):
    return _rounding(np.floor, prims.floor, x)


def ceil(x):
    return _rounding(np.ceil, prims.ceil, x)


def trunc(x):
    return _rounding(np.trunc, prims.round_toward_zero, x)


# ----- comparisons --------------------------------------------------------------------------


def equal(x, y):
    return _binary(np.equal, prims.eq_p, x, y)


def not_equal(x, y):
    return _binary(np.not_equal, prims.ne_p, x, y)


def less(x, y):
    return _binary(np.less, prims.lt_p, x, y)


def less_equal(x, y):
    return _binary(np.less_equal, prims.le_p, x, y)


def greater(x, y):
    return _binary(np.greater, prims.gt_p, x, y)


def greater_equal(x, y):
    return _binary(np.greater_equal, prims.ge_p, x, y)


# ----- logic: operands become bool (nonzero is True); on bools and = min, or = max ----------


def _logical_operands(ufunc, *xs):
    xs, _ = ufunc_operands(ufunc, *xs)
    return [x if get_aval(x).dtype == np.bool_ else cast(x, np.bool_) for x in xs]


def logical_and(x, y):
    return prims.min(*_logical_operands(np.logical_and, x, y))


def logical_or(x, y):
    return prims.max(*_logical_operands(np.logical_or, x, y))


def logical_xor(x, y):
    return prims.ne(*_logical_operands(np.logical_xor, x, y))


def logical_not(x):
    (x,) = _logical_operands(np.logical_not, x)
    return prims.eq(x, False)
