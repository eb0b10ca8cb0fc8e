"""Arithmetic, comparisons, select, dtype conversion and stop_gradient."""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.markers import UndefinedPrimal, Zero
from fgrad.core.primitive import Primitive, bind
from fgrad.prims.base import (
    _strict_avals,
    binary_op,
    coerce,
    compare_op,
    def_zero_jvp,
    defbilinear,
    defjvp,
    elementwise_batch,
    full_like,
    instantiate,
    unary_op,
    zero_tangent,
)

__all__ = [
    "add_p", "add", "add_any", "sub_p", "sub", "mul_p", "mul", "div_p", "div", "neg_p", "neg",
    "max_p", "max", "min_p", "min", "pow_p", "pow", "eq_p", "eq", "ne_p", "ne", "lt_p", "lt",
    "le_p", "le", "gt_p", "gt", "ge_p", "ge", "select_p", "select", "convert_element_type_p",
    "convert_element_type", "stop_gradient_p", "stop_gradient", "rem_p", "rem",
    "floor_div_p", "floor_div",
]


_PY_SCALAR_TYPES = (bool, int, float, complex)


def _pair(x, y):
    """Coerce the Python scalar to the other operand. numpy's float64 and complex128 scalars
    subclass Python's float and complex, but they are typed values: when only one operand is
    a plain Python scalar, that one is converted (else ne(np.float64(-0.1), 0) would compare
    0 with 0)."""
    if not isinstance(x, _PY_SCALAR_TYPES) and not isinstance(y, _PY_SCALAR_TYPES):
        return x, y  # arrays and tracers (the rules' own calls): nothing to coerce
    if type(y) in _PY_SCALAR_TYPES and type(x) not in _PY_SCALAR_TYPES:
        return x, coerce(y, x)
    if type(x) in _PY_SCALAR_TYPES and type(y) in _PY_SCALAR_TYPES:
        # two Python scalars: both take their common type (lt(-0.7, 0) compares floats)
        dtype = np.result_type(x, y)
        return dtype.type(x), dtype.type(y)
    if isinstance(x, _PY_SCALAR_TYPES):
        return coerce(x, y), y
    return x, coerce(y, x)


# d (x + y) = dx + dy
add_p = binary_op("add", np.add)


@add_p.def_jvp
def _add_jvp(primals, tangents):
    tx, ty = tangents
    ans = bind(add_p, *primals)
    if type(tx) is Zero:
        return ans, ty
    if type(ty) is Zero:
        return ans, tx
    return ans, bind(add_p, tx, ty)


@add_p.def_transpose
def _add_transpose(ct, x, y):
    return [ct if type(x) is UndefinedPrimal else None, ct if type(y) is UndefinedPrimal else None]


def add(x, y):
    return bind(add_p, *_pair(x, y))


def add_any(x, y):
    """Sum of two tangents or cotangents, either of which may be a symbolic zero."""
    if type(x) is Zero:
        return y
    if type(y) is Zero:
        return x
    return bind(add_p, x, y)


# d (x - y) = dx - dy
sub_p = binary_op("sub", np.subtract)


@sub_p.def_jvp
def _sub_jvp(primals, tangents):
    tx, ty = tangents
    ans = bind(sub_p, *primals)
    if type(ty) is Zero:
        return ans, tx
    if type(tx) is Zero:
        return ans, neg(ty)
    return ans, bind(sub_p, tx, ty)


@sub_p.def_transpose
def _sub_transpose(ct, x, y):
    return [
        ct if type(x) is UndefinedPrimal else None,
        neg(ct) if type(y) is UndefinedPrimal else None,
    ]


def sub(x, y):
    return bind(sub_p, *_pair(x, y))


# d (x * y) = dx * y + x * dy
mul_p = binary_op("mul", np.multiply)
defbilinear(mul_p, lambda ct, x_aval, y: mul(ct, y), lambda ct, x, y_aval: mul(x, ct))


def mul(x, y):
    return bind(mul_p, *_pair(x, y))


# d (x / y) = dx / y - (x / y) * dy / y
div_p = binary_op("div", np.true_divide, kinds="fc")
defjvp(div_p, lambda g, ans, x, y: div(g, y), lambda g, ans, x, y: neg(div(mul(g, ans), y)))


@div_p.def_transpose
def _div_transpose(ct, x, y):
    if type(y) is UndefinedPrimal:
        raise TypeError("div is not linear in its denominator")
    return [div(ct, y), None]


def div(x, y):
    return bind(div_p, *_pair(x, y))


# d (-x) = -dx
neg_p = unary_op("neg", np.negative, kinds=None)
defjvp(neg_p, lambda g, ans, x: neg(g))
neg_p.def_transpose(lambda ct, x: [neg(ct)])


def neg(x):
    return bind(neg_p, x)


# d max(x, y) = dx where x > y, dy where y > x, (dx + dy) / 2 at ties
max_p = binary_op("max", np.maximum)
defjvp(
    max_p,
    lambda g, ans, x, y: mul(g, _balanced_eq(x, ans, y)),
    lambda g, ans, x, y: mul(g, _balanced_eq(y, ans, x)),
)


def max(x, y):
    return bind(max_p, *_pair(x, y))


# d min(x, y) = dx where x < y, dy where y < x, (dx + dy) / 2 at ties
min_p = binary_op("min", np.minimum)
defjvp(
    min_p,
    lambda g, ans, x, y: mul(g, _balanced_eq(x, ans, y)),
    lambda g, ans, x, y: mul(g, _balanced_eq(y, ans, x)),
)


def min(x, y):
    return bind(min_p, *_pair(x, y))


def _balanced_eq(x, z, y):
    """1 where x alone attains z, 1/2 where x and y both do, 0 elsewhere."""
    one, half, zero = full_like(x, 1.0), full_like(x, 0.5), full_like(x, 0.0)
    return select(eq(x, z), select(eq(y, z), half, one), zero)


# d x**y = y * x**(y - 1) dx + log(x) * x**y dy   (log(x) taken as 0 where x == 0)
pow_p = binary_op("pow", np.power, kinds="fc")


def _pow_jvp_lhs(g, ans, x, y):
    # y * x**(y - 1) itself, so its derivative in y is right (masking every y == 0 would make
    # it constant in y), with x entering through pow alone: higher derivatives keep the shape
    # torch's create_graph builds (the x-path ends in a mul). Only at x = y = 0, where it is
    # 0 * inf, is the slope of x**0 set to its value 0.
    zero, one = full_like(x, 0.0), full_like(x, 1.0)
    jac = mul(y, pow(x, sub(y, one)))
    both_zero = min(eq(x, zero), eq(y, zero))
    return mul(g, select(both_zero, zero, jac))


def _pow_jvp_rhs(g, ans, x, y):
    from fgrad.prims.elementwise import log

    is_zero = eq(x, full_like(x, 0.0))
    logx = select(is_zero, full_like(x, 0.0), log(select(is_zero, full_like(x, 1.0), x)))
    return mul(g, mul(logx, ans))


defjvp(pow_p, _pow_jvp_lhs, _pow_jvp_rhs)


def pow(x, y):
    return bind(pow_p, *_pair(x, y))


# d (x mod y) = dx - trunc(x / y) dy   (C-style remainder, sign of x, like lax.rem)
rem_p = binary_op("rem", np.fmod)


def _rem_rhs(g, ans, x, y):
    from fgrad.prims.elementwise import round_toward_zero

    return neg(mul(g, round_toward_zero(div(x, y))))


defjvp(rem_p, lambda g, ans, x, y: g, _rem_rhs)


def rem(x, y):
    return bind(rem_p, *_pair(x, y))


# floor(x / y): piecewise constant, zero derivative
floor_div_p = binary_op("floor_div", np.floor_divide)
def_zero_jvp(floor_div_p)


def floor_div(x, y):
    return bind(floor_div_p, *_pair(x, y))


# comparisons: boolean results, no derivative
eq_p = compare_op("eq", np.equal)
ne_p = compare_op("ne", np.not_equal)
lt_p = compare_op("lt", np.less)
le_p = compare_op("le", np.less_equal)
gt_p = compare_op("gt", np.greater)
ge_p = compare_op("ge", np.greater_equal)


def eq(x, y):
    return bind(eq_p, *_pair(x, y))


def ne(x, y):
    return bind(ne_p, *_pair(x, y))


def lt(x, y):
    return bind(lt_p, *_pair(x, y))


def le(x, y):
    return bind(le_p, *_pair(x, y))


def gt(x, y):
    return bind(gt_p, *_pair(x, y))


def ge(x, y):
    return bind(ge_p, *_pair(x, y))


# d select(p, a, b) = select(p, da, db)
select_p = Primitive("select")
select_p.def_impl(lambda pred, on_true, on_false: np.where(pred, on_true, on_false))


@select_p.def_abstract_eval
def _select_abstract(pred, on_true, on_false):
    _strict_avals("select", (on_true, on_false))
    if pred.shape != on_true.shape or pred.dtype != np.bool_:
        raise TypeError(
            f"select needs a bool predicate of shape {on_true.shape}, got {pred.str_short()}"
        )
    return ShapedArray(on_true.shape, on_true.dtype, on_true.weak_type and on_false.weak_type)


@select_p.def_jvp
def _select_jvp(primals, tangents):
    pred, a, b = primals
    _, ta, tb = tangents
    ans = bind(select_p, pred, a, b)
    if type(ta) is Zero and type(tb) is Zero:
        return ans, zero_tangent(ans)
    return ans, bind(select_p, pred, instantiate(ta), instantiate(tb))


@select_p.def_transpose
def _select_transpose(ct, pred, a, b):
    if type(pred) is UndefinedPrimal:
        raise TypeError("select is not linear in its predicate")
    zeros = full_like(ct, 0)
    return [
        None,
        bind(select_p, pred, ct, zeros) if type(a) is UndefinedPrimal else None,
        bind(select_p, pred, zeros, ct) if type(b) is UndefinedPrimal else None,
    ]


select_p.def_batch(elementwise_batch(select_p))


def select(pred, on_true, on_false):
    on_true, on_false = _pair(on_true, on_false)
    return bind(select_p, pred, on_true, on_false)


# d convert(x) = convert(dx) between inexact dtypes; no derivative into or out of integers
convert_element_type_p = Primitive("convert_element_type")


@convert_element_type_p.def_impl
def _convert_impl(x, *, new_dtype):
    if np.dtype(new_dtype).kind != "c" and np.iscomplexobj(x):
        x = np.real(x)
    return np.asarray(x).astype(new_dtype) if np.ndim(x) else np.dtype(new_dtype).type(x)


@convert_element_type_p.def_abstract_eval
def _convert_abstract(x, *, new_dtype):
    return ShapedArray(x.shape, new_dtype)


@convert_element_type_p.def_jvp
def _convert_jvp(primals, tangents, *, new_dtype):
    (x,), (t,) = primals, tangents
    ans = bind(convert_element_type_p, x, new_dtype=new_dtype)
    if type(t) is Zero or np.dtype(new_dtype).kind not in "fc":
        return ans, zero_tangent(ans)
    return ans, bind(convert_element_type_p, t, new_dtype=new_dtype)


@convert_element_type_p.def_transpose
def _convert_transpose(ct, x, *, new_dtype):
    return [bind(convert_element_type_p, ct, new_dtype=x.aval.dtype)]


convert_element_type_p.def_batch(elementwise_batch(convert_element_type_p))


def convert_element_type(x, new_dtype):
    new_dtype = np.dtype(new_dtype)
    aval = get_aval(x)
    if aval.dtype == new_dtype and not aval.weak_type:
        return x
    return bind(convert_element_type_p, x, new_dtype=new_dtype)


# stop_gradient(x) = x, with a zero derivative
stop_gradient_p = unary_op("stop_gradient", lambda x: x, kinds=None)
def_zero_jvp(stop_gradient_p)


def stop_gradient(x):
    return bind(stop_gradient_p, x)
