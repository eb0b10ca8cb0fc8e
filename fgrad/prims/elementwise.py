"""Unary elementwise math. Each rule is written with the traceable wrappers, so it
differentiates again."""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.primitive import Primitive, bind
from fgrad.prims.arith import add, div, mul, neg, sub
from fgrad.prims.base import def_zero_jvp, defjvp, elementwise_batch, full_like, unary_op

__all__ = [
    "sin_p", "sin", "cos_p", "cos", "tan_p", "tan", "tanh_p", "tanh", "exp_p", "exp",
    "log_p", "log", "log1p_p", "log1p", "expm1_p", "expm1", "logistic_p", "logistic",
    "sqrt_p", "sqrt", "rsqrt_p", "rsqrt", "abs_p", "abs", "sign_p", "sign",
    "integer_pow_p", "integer_pow", "floor_p", "floor", "ceil_p", "ceil",
    "round_toward_zero_p", "round_toward_zero", "atan_p", "atan",
]


def _one(x):
    return full_like(x, 1.0)


# d sin(x) = cos(x) dx
sin_p = unary_op("sin", np.sin)
defjvp(sin_p, lambda g, ans, x: mul(g, cos(x)))


def sin(x):
    return bind(sin_p, x)


# d cos(x) = -sin(x) dx
cos_p = unary_op("cos", np.cos)
defjvp(cos_p, lambda g, ans, x: neg(mul(g, sin(x))))


def cos(x):
    return bind(cos_p, x)


# d tan(x) = (1 + tan(x)^2) dx
tan_p = unary_op("tan", np.tan)
defjvp(tan_p, lambda g, ans, x: mul(g, add(_one(ans), mul(ans, ans))))


def tan(x):
    return bind(tan_p, x)


# d tanh(x) = (1 - tanh(x)^2) dx
tanh_p = unary_op("tanh", np.tanh)
defjvp(tanh_p, lambda g, ans, x: mul(g, sub(_one(ans), mul(ans, ans))))


def tanh(x):
    return bind(tanh_p, x)


# d atan(x) = dx / (1 + x^2)   (numpy's arcsin and arccos are composites of it)
atan_p = unary_op("atan", np.arctan)
defjvp(atan_p, lambda g, ans, x: div(g, add(_one(x), mul(x, x))))


def atan(x):
    return bind(atan_p, x)


# d exp(x) = exp(x) dx
exp_p = unary_op("exp", np.exp)
defjvp(exp_p, lambda g, ans, x: mul(g, ans))


def exp(x):
    return bind(exp_p, x)


# d log(x) = dx / x
log_p = unary_op("log", np.log)
defjvp(log_p, lambda g, ans, x: div(g, x))


def log(x):
    return bind(log_p, x)


# d log1p(x) = dx / (1 + x)
log1p_p = unary_op("log1p", np.log1p)
defjvp(log1p_p, lambda g, ans, x: div(g, add(_one(x), x)))


def log1p(x):
    return bind(log1p_p, x)


# d expm1(x) = (expm1(x) + 1) dx
expm1_p = unary_op("expm1", np.expm1)
defjvp(expm1_p, lambda g, ans, x: mul(g, add(ans, _one(ans))))


def expm1(x):
    return bind(expm1_p, x)


# d logistic(x) = logistic(x) (1 - logistic(x)) dx
def _logistic_impl(x):
    if np.iscomplexobj(x):  # no order to split by; the plain formula, as jax.lax uses
        return 1 / (1 + np.exp(-x))
    # Split by sign so exp never overflows: for x < 0 use e^x / (1 + e^x).
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(np.result_type(x), copy=False)


logistic_p = unary_op("logistic", _logistic_impl)
defjvp(logistic_p, lambda g, ans, x: mul(g, mul(ans, sub(_one(ans), ans))))


def logistic(x):
    return bind(logistic_p, x)


# d sqrt(x) = dx / (2 sqrt(x))
sqrt_p = unary_op("sqrt", np.sqrt)
defjvp(sqrt_p, lambda g, ans, x: div(g, mul(full_like(ans, 2.0), ans)))


def sqrt(x):
    return bind(sqrt_p, x)


# d x^(-1/2) = -x^(-3/2) / 2 dx
def _rsqrt_impl(x):
    return 1 / np.sqrt(x)


rsqrt_p = unary_op("rsqrt", _rsqrt_impl)
defjvp(rsqrt_p, lambda g, ans, x: mul(g, mul(full_like(x, -0.5), div(ans, x))))


def rsqrt(x):
    return bind(rsqrt_p, x)


# d |x| = sign(x) dx   (0 at x = 0, the subgradient torch and autograd use); complex x: the
# real tangent Re(conj(x) dx) / |x|
abs_p = Primitive("abs")
abs_p.def_impl(np.abs)


@abs_p.def_abstract_eval
def _abs_abstract(x):
    if x.dtype.kind == "c":
        return ShapedArray(x.shape, np.finfo(x.dtype).dtype, x.weak_type)
    return x


abs_p.def_batch(elementwise_batch(abs_p))


def _abs_jvp(g, ans, x):
    if get_aval(x).dtype.kind != "c":
        return mul(g, sign(x))
    # complex x: d|x| = Re(conj(x) dx) / |x| = (Re x Re dx + Im x Im dx) / |x|, a real tangent;
    # Re is convert_element_type to the real dtype and Im z = Re(-i z). |x| = 0 divides as 1.
    from fgrad.prims.arith import convert_element_type, eq, select

    def re(z):
        return convert_element_type(z, ans_dtype)

    def im(z):
        return re(mul(z, full_like(z, -1j)))

    ans_dtype = get_aval(ans).dtype
    num = add(mul(re(x), re(g)), mul(im(x), im(g)))
    return div(num, select(eq(ans, full_like(ans, 0.0)), full_like(ans, 1.0), ans))


defjvp(abs_p, _abs_jvp)


def abs(x):
    return bind(abs_p, x)


# sign: piecewise constant, zero derivative
sign_p = unary_op("sign", np.sign, kinds=None)
def_zero_jvp(sign_p)


def sign(x):
    return bind(sign_p, x)


# floor, ceil, trunc: piecewise constant, zero derivative
floor_p = unary_op("floor", np.floor, kinds=None)
def_zero_jvp(floor_p)
ceil_p = unary_op("ceil", np.ceil, kinds=None)
def_zero_jvp(ceil_p)
round_toward_zero_p = unary_op("round_toward_zero", np.trunc, kinds=None)
def_zero_jvp(round_toward_zero_p)


def floor(x):
    return bind(floor_p, x)


def ceil(x):
    return bind(ceil_p, x)


def round_toward_zero(x):
    return bind(round_toward_zero_p, x)


# d x^n = n x^(n-1) dx   (n a static integer)
def _integer_pow_impl(x, *, y):
    if y == 2:
        return x * x
    if y < 0 and np.result_type(x).kind in "iu":  # x may be a Python scalar
        raise ValueError("integer_pow: integers to negative powers are not allowed")
    return np.power(x, y)


integer_pow_p = unary_op("integer_pow", _integer_pow_impl, kinds=None)


def _integer_pow_jvp(g, ans, x, *, y):
    if y == 0:
        return mul(g, full_like(x, 0.0))
    if y == 1:
        return g
    return mul(g, mul(full_like(x, float(y)), integer_pow(x, y - 1)))


defjvp(integer_pow_p, _integer_pow_jvp)


def integer_pow(x, y: int):
    if y == 1:
        return x
    return bind(integer_pow_p, x, y=int(y))
