"""Elementwise math: unary functions, and the binary atan2, hypot and logaddexp. Each rule is
written with the traceable wrappers, so it differentiates again."""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.primitive import Primitive, bind
from fgrad.prims.arith import add, div, eq, mul, ne, neg, select, sub
from fgrad.prims.arith import min as _logical_and_bools
from fgrad.prims.base import (
    binary_op,
    def_zero_jvp,
    defjvp,
    elementwise_batch,
    full_like,
    unary_op,
)

__all__ = [
    "sin_p", "sin", "cos_p", "cos", "tan_p", "tan", "tanh_p", "tanh", "exp_p", "exp",
    "log_p", "log", "log1p_p", "log1p", "expm1_p", "expm1", "logistic_p", "logistic",
    "sqrt_p", "sqrt", "rsqrt_p", "rsqrt", "abs_p", "abs", "sign_p", "sign",
    "integer_pow_p", "integer_pow", "floor_p", "floor", "ceil_p", "ceil",
    "round_toward_zero_p", "round_toward_zero", "atan_p", "atan",
    "sinh_p", "sinh", "cosh_p", "cosh", "asin_p", "asin", "acos_p", "acos", "asinh_p", "asinh",
    "acosh_p", "acosh", "atanh_p", "atanh", "exp2_p", "exp2", "log2_p", "log2", "log10_p",
    "log10", "cbrt_p", "cbrt", "round_nearest_even_p", "round_nearest_even", "signbit_p",
    "signbit", "atan2_p", "atan2", "hypot_p", "hypot", "logaddexp_p", "logaddexp",
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


# ----- issue 4: more of numpy's real functions ---------------------------------------------


# d sinh(x) = cosh(x) dx
sinh_p = unary_op("sinh", np.sinh)
defjvp(sinh_p, lambda g, ans, x: mul(g, cosh(x)))


def sinh(x):
    return bind(sinh_p, x)


# d cosh(x) = sinh(x) dx
cosh_p = unary_op("cosh", np.cosh)
defjvp(cosh_p, lambda g, ans, x: mul(g, sinh(x)))


def cosh(x):
    return bind(cosh_p, x)


def _root_one_minus_sq(x):
    """sqrt(1 - x) sqrt(1 + x): 1 - x is exact near x = 1 where 1 - x^2 cancels, and for
    complex x this product (not sqrt(1 - x^2)) is cos(asin x) on numpy's branches."""
    one = _one(x)
    return mul(sqrt(sub(one, x)), sqrt(add(one, x)))


# d asin(x) = dx / (sqrt(1 - x) sqrt(1 + x))
asin_p = unary_op("asin", np.arcsin)
defjvp(asin_p, lambda g, ans, x: div(g, _root_one_minus_sq(x)))


def asin(x):
    return bind(asin_p, x)


# d acos(x) = -dx / (sqrt(1 - x) sqrt(1 + x))
acos_p = unary_op("acos", np.arccos)
defjvp(acos_p, lambda g, ans, x: neg(div(g, _root_one_minus_sq(x))))


def acos(x):
    return bind(acos_p, x)


# d asinh(x) = dx / sqrt(1 + x^2)
asinh_p = unary_op("asinh", np.arcsinh)
defjvp(asinh_p, lambda g, ans, x: mul(g, rsqrt(add(_one(x), mul(x, x)))))


def asinh(x):
    return bind(asinh_p, x)


# d acosh(x) = dx / (sqrt(x - 1) sqrt(x + 1))   (x - 1 exact near 1; numpy's branch for complex)
acosh_p = unary_op("acosh", np.arccosh)
defjvp(acosh_p, lambda g, ans, x: div(g, mul(sqrt(sub(x, _one(x))), sqrt(add(x, _one(x))))))


def acosh(x):
    return bind(acosh_p, x)


# d atanh(x) = dx / ((1 - x)(1 + x))
atanh_p = unary_op("atanh", np.arctanh)
defjvp(atanh_p, lambda g, ans, x: div(g, mul(sub(_one(x), x), add(_one(x), x))))


def atanh(x):
    return bind(atanh_p, x)


# d 2^x = 2^x log(2) dx   (a primitive: exp(x log 2) is not exact at integers, numpy's is)
exp2_p = unary_op("exp2", np.exp2)
defjvp(exp2_p, lambda g, ans, x: mul(g, mul(ans, full_like(ans, np.log(2.0)))))


def exp2(x):
    return bind(exp2_p, x)


# d log2(x) = dx / (x log 2)   (a primitive: log(x) / log(2) is not exact at powers of 2)
log2_p = unary_op("log2", np.log2)
defjvp(log2_p, lambda g, ans, x: div(g, mul(x, full_like(x, np.log(2.0)))))


def log2(x):
    return bind(log2_p, x)


# d log10(x) = dx / (x log 10)
log10_p = unary_op("log10", np.log10)
defjvp(log10_p, lambda g, ans, x: div(g, mul(x, full_like(x, np.log(10.0)))))


def log10(x):
    return bind(log10_p, x)


# d cbrt(x) = dx / (3 cbrt(x)^2)   (real only, as numpy's: the real root of negative x too)
cbrt_p = unary_op("cbrt", np.cbrt, kinds="f")
defjvp(cbrt_p, lambda g, ans, x: div(g, mul(full_like(ans, 3.0), mul(ans, ans))))


def cbrt(x):
    return bind(cbrt_p, x)


# round half to even (numpy's rint): piecewise constant, zero derivative
round_nearest_even_p = unary_op("round_nearest_even", np.rint)
def_zero_jvp(round_nearest_even_p)


def round_nearest_even(x):
    return bind(round_nearest_even_p, x)


# signbit: the sign bit as a bool (True for -0.0 and for nan with the bit set); no derivative
signbit_p = Primitive("signbit")
signbit_p.def_impl(np.signbit)


@signbit_p.def_abstract_eval
def _signbit_abstract(x):
    if x.dtype.kind != "f":
        raise TypeError(f"signbit needs a real floating dtype, got {x.dtype.name}")
    return ShapedArray(x.shape, np.dtype(np.bool_))


signbit_p.def_batch(elementwise_batch(signbit_p))
def_zero_jvp(signbit_p)


def signbit(x):
    return bind(signbit_p, x)


# d atan2(y, x) = (x dy - y dx) / (x^2 + y^2)   (nan at the origin, as in jax)
def _atan2_denominator(y, x):
    return add(mul(x, x), mul(y, y))


atan2_p = binary_op("atan2", np.arctan2, kinds="f")
defjvp(
    atan2_p,
    lambda g, ans, y, x: mul(g, div(x, _atan2_denominator(y, x))),
    lambda g, ans, y, x: neg(mul(g, div(y, _atan2_denominator(y, x)))),
)


def atan2(y, x):
    return bind(atan2_p, y, x)


# d hypot(x, y) = (x dx + y dy) / hypot(x, y), taken as 0 at x = y = 0: the smallest
# subgradient of the norm there (jax's composite gives 1/2 for each, torch and autograd nan).
# A primitive so that the value is numpy's (no overflow) and every derivative is this formula
# (a max/min composite loses the second derivative where |x| = |y|).
def _over_hypot(v, ans):
    at_origin = eq(ans, full_like(ans, 0.0))
    return div(v, select(at_origin, full_like(ans, 1.0), ans))


hypot_p = binary_op("hypot", np.hypot, kinds="f")
defjvp(
    hypot_p,
    lambda g, ans, x, y: mul(g, _over_hypot(x, ans)),
    lambda g, ans, x, y: mul(g, _over_hypot(y, ans)),
)


def hypot(x, y):
    return bind(hypot_p, x, y)


# d logaddexp(x, y) = logistic(x - y) dx + logistic(y - x) dy: weights in [0, 1] that never
# overflow, and logistic's own rule gives the higher derivatives (1/4 at x = y for the second).
# Where x = y = +-inf, x - y is nan and is taken as 0 (weights 1/2); nan inputs stay nan.
def _logaddexp_weight(a, b):
    d = sub(a, b)
    same_infinity = _logical_and_bools(ne(d, d), eq(a, b))
    return logistic(select(same_infinity, full_like(d, 0.0), d))


logaddexp_p = binary_op("logaddexp", np.logaddexp, kinds="f")
defjvp(
    logaddexp_p,
    lambda g, ans, x, y: mul(g, _logaddexp_weight(x, y)),
    lambda g, ans, x, y: mul(g, _logaddexp_weight(y, x)),
)


def logaddexp(x, y):
    return bind(logaddexp_p, x, y)
