"""Special functions as primitives: the error-function, gamma and incomplete gamma / beta
families and the scaled Bessel functions i0e, i1e (the other Bessel functions are in
`fgrad.prims.bessel`).

Each impl evaluates a float64 numpy kernel from `_math_erf`, `_math_extra`, `_math_gamma`,
`_math_igamma`, `_math_betainc` or `_math_bessel` (methods and accuracy are described there)
through `kernel_impl`, which rounds to the input dtype, so float32 inputs give float32
results. Every jvp is written with these wrappers and the lax ones, so it differentiates again
(erf'' comes from exp's rule, lgamma'' from digamma's, and so on).
Functions that are plain compositions (beta, logsumexp, softmax, i0 = exp(|x|) i0e, ...) live
in `fgrad.scipy.special`; a function is a primitive here only when its value needs its own
numerical method or its derivative needs its own rule (xlogy's convention at x = 0).
"""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import ShapedArray
from fgrad.core.primitive import Primitive, bind
from fgrad.prims import (
    _math_bessel,
    _math_betainc,
    _math_erf,
    _math_extra,
    _math_gamma,
    _math_igamma,
)
from fgrad.prims.arith import add, div, eq, lt, mul, neg, select, sub
from fgrad.prims.base import (
    _kind_check,
    _strict_avals,
    binary_op,
    defjvp,
    elementwise_batch,
    full_like,
    unary_op,
)
from fgrad.prims.elementwise import cos, exp, floor, log, log1p, sign, sin

__all__ = [
    "erf_p", "erf", "erfc_p", "erfc", "erfcx_p", "erfcx", "erf_inv_p", "erf_inv",
    "erfcinv_p", "erfcinv", "ndtr_p", "ndtr", "log_ndtr_p", "log_ndtr", "ndtri_p", "ndtri",
    "lgamma_p", "lgamma", "gamma_p", "gamma", "rgamma_p", "rgamma", "digamma_p", "digamma",
    "polygamma_p", "polygamma", "zeta_p", "zeta", "betaln_p", "betaln", "igamma_p", "igamma",
    "igammac_p", "igammac", "igamma_grad_a_p", "igamma_grad_a", "bessel_i0e_p", "bessel_i0e",
    "bessel_i1e_p", "bessel_i1e", "xlogy_p", "xlogy", "xlog1py_p", "xlog1py",
    "regularized_incomplete_beta_p", "regularized_incomplete_beta",
]


def kernel_impl(fn):
    """An impl from a float64 kernel: compute in float64, return the input dtype (a numpy
    scalar for 0-d results, as numpy's ufuncs do). Overflow to inf and nan outside the domain
    are the intended results, so numpy's warnings about them are silenced."""

    def impl(*args):
        dtype = np.result_type(*args)
        with np.errstate(all="ignore"):
            out = np.asarray(fn(*(np.asarray(a, np.float64) for a in args)))
        out = out.astype(dtype, copy=False)
        return out[()] if out.ndim == 0 else out

    return impl


def not_differentiable(name, what):
    """A jvp rule for an operand that has no derivative here (an integer order, an exponent):
    differentiating with respect to it raises, since a zero would be a wrong number."""

    def rule(g, ans, *args):
        raise ValueError(
            f"{name} is not differentiable with respect to {what}; mark it as a constant "
            "(close over it or use stop_gradient) and differentiate with respect to the other "
            "arguments."
        )

    return rule


def _c(like, value):
    return full_like(like, value)


_SQRT_PI = float(np.sqrt(np.pi))


# d erf(x) = 2/sqrt(pi) exp(-x^2) dx
erf_p = unary_op("erf", kernel_impl(_math_erf.erf), kinds="f")
defjvp(erf_p, lambda g, ans, x: mul(g, mul(_c(x, 2 / _SQRT_PI), exp(neg(mul(x, x))))))


def erf(x):
    return bind(erf_p, x)


# d erfc(x) = -2/sqrt(pi) exp(-x^2) dx
erfc_p = unary_op("erfc", kernel_impl(_math_erf.erfc), kinds="f")
defjvp(erfc_p, lambda g, ans, x: mul(g, mul(_c(x, -2 / _SQRT_PI), exp(neg(mul(x, x))))))


def erfc(x):
    return bind(erfc_p, x)


# d erfcx(x) = (2 x erfcx(x) - 2/sqrt(pi)) dx      (erfcx(x) = exp(x^2) erfc(x))
erfcx_p = unary_op("erfcx", kernel_impl(_math_erf.erfcx), kinds="f")
defjvp(erfcx_p, lambda g, ans, x: mul(g, sub(mul(_c(x, 2.0), mul(x, ans)), _c(x, 2 / _SQRT_PI))))


def erfcx(x):
    return bind(erfcx_p, x)


# d erfinv(y) = sqrt(pi)/2 exp(erfinv(y)^2) dy
erf_inv_p = unary_op("erf_inv", kernel_impl(_math_erf.erfinv), kinds="f")
defjvp(erf_inv_p, lambda g, ans, y: mul(g, mul(_c(y, _SQRT_PI / 2), exp(mul(ans, ans)))))


def erf_inv(y):
    return bind(erf_inv_p, y)


# d erfcinv(y) = -sqrt(pi)/2 exp(erfcinv(y)^2) dy. exp(x^2) is written erfcx(|x|) / q with
# q = min(y, 2 - y) = erfc(|x|): in the tail the rounding of x costs exp(x^2) a relative
# 2 x^2 ulp (~1e-13 at y = 1e-250), while erfcx(|x|) / q is accurate to a few ulp. At q = 0
# (y = 0 or 2, x infinite) the derivative is -inf, from the exp form.
erfcinv_p = unary_op("erfcinv", kernel_impl(_math_extra.erfcinv), kinds="f")


def _erfcinv_jvp(g, ans, y):
    low = lt(y, _c(y, 1.0))
    q = select(low, y, sub(_c(y, 2.0), y))
    edge = eq(q, _c(y, 0.0))
    ax = select(low, ans, neg(ans))
    ratio = div(erfcx(select(edge, _c(y, 0.0), ax)), select(edge, _c(y, 1.0), q))
    e = select(edge, exp(mul(ans, ans)), ratio)
    return mul(g, mul(_c(y, -_SQRT_PI / 2), e))


defjvp(erfcinv_p, _erfcinv_jvp)


def erfcinv(y):
    return bind(erfcinv_p, y)


# d ndtr(x) = exp(-x^2/2) / sqrt(2 pi) dx
ndtr_p = unary_op("ndtr", kernel_impl(_math_erf.ndtr), kinds="f")
defjvp(ndtr_p, lambda g, ans, x: mul(
    g, mul(_c(x, 1 / np.sqrt(2 * np.pi)), exp(mul(_c(x, -0.5), mul(x, x))))))


def ndtr(x):
    return bind(ndtr_p, x)


# d log_ndtr(x) = ndtr'(x) / ndtr(x) dx, the inverse Mills ratio. For x < 0 it is written as
# sqrt(2/pi) / erfcx(-x/sqrt2), which neither underflows nor cancels; for x >= 0 as
# exp(-x^2/2 - log_ndtr(x)) / sqrt(2 pi). Each branch sees a harmless stand-in for the other's
# inputs, so the branch not taken contributes no nan to any derivative.
log_ndtr_p = unary_op("log_ndtr", kernel_impl(_math_erf.log_ndtr), kinds="f")


def _log_ndtr_jvp(g, ans, x):
    neg_x = lt(x, _c(x, 0.0))
    zero = _c(x, 0.0)
    xn = select(neg_x, x, zero)
    xp = select(neg_x, zero, x)
    left = div(_c(x, np.sqrt(2 / np.pi)), erfcx(mul(xn, _c(x, -1 / np.sqrt(2)))))
    right = mul(_c(x, 1 / np.sqrt(2 * np.pi)),
                exp(sub(mul(_c(x, -0.5), mul(xp, xp)), select(neg_x, zero, ans))))
    return mul(g, select(neg_x, left, right))


defjvp(log_ndtr_p, _log_ndtr_jvp)


def log_ndtr(x):
    return bind(log_ndtr_p, x)


# d ndtri(p) = sqrt(2 pi) exp(ndtri(p)^2 / 2) dp
ndtri_p = unary_op("ndtri", kernel_impl(_math_erf.ndtri), kinds="f")
defjvp(ndtri_p, lambda g, ans, p: mul(
    g, mul(_c(p, np.sqrt(2 * np.pi)), exp(mul(_c(p, 0.5), mul(ans, ans))))))


def ndtri(p):
    return bind(ndtri_p, p)


# d lgamma(x) = digamma(x) dx      (lgamma = log |Gamma|, so this holds for x < 0 too)
lgamma_p = unary_op("lgamma", kernel_impl(_math_gamma.lgamma), kinds="f")
defjvp(lgamma_p, lambda g, ans, x: mul(g, digamma(x)))


def lgamma(x):
    return bind(lgamma_p, x)


# d gamma(x) = gamma(x) digamma(x) dx
gamma_p = unary_op("gamma", kernel_impl(_math_gamma.gamma), kinds="f")
defjvp(gamma_p, lambda g, ans, x: mul(g, mul(ans, digamma(x))))


def gamma(x):
    return bind(gamma_p, x)


# d rgamma(x) = -digamma(x) rgamma(x) dx, an entire function. Where digamma has its poles
# (x = 0, -1, -2, ...) rgamma has its zeros, and the product is written through the reflection
# 1/Gamma(x) = sin(pi x) Gamma(1 - x) / pi instead: for x < 1/2
#     d rgamma(x) = Gamma(1 - x) (cos(pi x) - sin(pi x) digamma(1 - x) / pi) dx,
# which is (-1)^n n! at x = -n and is again differentiable there. sin(pi x) and cos(pi x) are
# taken of x - n (n the nearest integer, exact), so sin(pi x) is exactly 0 at the integers.
# Each branch sees a harmless stand-in for the other's inputs, so neither puts a nan into a
# derivative.
rgamma_p = unary_op("rgamma", kernel_impl(_math_extra.rgamma), kinds="f")


def _sincospi(x):
    """(sin(pi x), cos(pi x)) from r = x - n, n = floor(x + 1/2) (no derivative; r's is 1)."""
    n = floor(add(x, _c(x, 0.5)))
    r = sub(x, n)
    parity = sub(n, mul(_c(x, 2.0), floor(mul(n, _c(x, 0.5)))))
    sign_n = sub(_c(x, 1.0), mul(_c(x, 2.0), parity))
    pr = mul(_c(x, np.pi), r)
    return mul(sign_n, sin(pr)), mul(sign_n, cos(pr))


def _rgamma_jvp(g, ans, x):
    left = lt(x, _c(x, 0.5))
    xl = select(left, x, _c(x, 0.0))
    xr = select(left, _c(x, 1.0), x)
    one_minus = sub(_c(x, 1.0), xl)
    s, c = _sincospi(xl)
    reflected = mul(gamma(one_minus), sub(c, div(mul(s, digamma(one_minus)), _c(x, np.pi))))
    direct = neg(mul(digamma(xr), select(left, _c(x, 1.0), ans)))
    return mul(g, select(left, reflected, direct))


defjvp(rgamma_p, _rgamma_jvp)


def rgamma(x):
    return bind(rgamma_p, x)


# d digamma(x) = polygamma(1, x) dx
digamma_p = unary_op("digamma", kernel_impl(_math_gamma.digamma), kinds="f")
defjvp(digamma_p, lambda g, ans, x: mul(g, polygamma(_c(x, 1.0), x)))


def digamma(x):
    return bind(digamma_p, x)


# d polygamma(n, x) = polygamma(n + 1, x) dx; n is an integer order (given as a float array of
# x's dtype, as in jax.lax), with no derivative.
polygamma_p = binary_op("polygamma", kernel_impl(_math_gamma.polygamma), kinds="f")
defjvp(
    polygamma_p,
    not_differentiable("polygamma", "its order n"),
    lambda g, ans, n, x: mul(g, polygamma(add(n, _c(n, 1.0)), x)),
)


def polygamma(n, x):
    return bind(polygamma_p, n, x)


# d zeta(s, q) = -s zeta(s + 1, q) dq   (Hurwitz zeta; no derivative in s)
zeta_p = binary_op("zeta", kernel_impl(_math_gamma.zeta), kinds="f")
defjvp(
    zeta_p,
    not_differentiable("zeta", "its exponent s"),
    lambda g, ans, s, q: mul(g, neg(mul(s, zeta(add(s, _c(s, 1.0)), q)))),
)


def zeta(s, q):
    return bind(zeta_p, s, q)


# d betaln(a, b) = (digamma(a) - digamma(a + b)) da + (digamma(b) - digamma(a + b)) db
betaln_p = binary_op("betaln", kernel_impl(_math_gamma.betaln), kinds="f")
defjvp(
    betaln_p,
    lambda g, ans, a, b: mul(g, sub(digamma(a), digamma(add(a, b)))),
    lambda g, ans, a, b: mul(g, sub(digamma(b), digamma(add(a, b)))),
)


def betaln(a, b):
    return bind(betaln_p, a, b)


# d P(a, x) = dP/da da + x^(a-1) e^-x / Gamma(a) dx  (regularized lower incomplete gamma).
# The density is formed in log space with xlogy, so (a = 1, x = 0) gives 1 rather than 0 log 0;
# dP/da is its own primitive, igamma_grad_a, below.
def _igamma_density(a, x):
    return exp(sub(sub(xlogy(sub(a, _c(a, 1.0)), x), x), lgamma(a)))


igamma_p = binary_op("igamma", kernel_impl(_math_igamma.gammainc), kinds="f")
defjvp(
    igamma_p,
    lambda g, ans, a, x: mul(g, igamma_grad_a(a, x)),
    lambda g, ans, a, x: mul(g, _igamma_density(a, x)),
)


def igamma(a, x):
    return bind(igamma_p, a, x)


# d Q(a, x) = -d P(a, x)  (Q = 1 - P, computed without the cancellation)
igammac_p = binary_op("igammac", kernel_impl(_math_igamma.gammaincc), kinds="f")
defjvp(
    igammac_p,
    lambda g, ans, a, x: neg(mul(g, igamma_grad_a(a, x))),
    lambda g, ans, a, x: neg(mul(g, _igamma_density(a, x))),
)


def igammac(a, x):
    return bind(igammac_p, a, x)


# igamma_grad_a(a, x) = dP(a, x)/da (forward-mode derivative of P's series and continued
# fraction); d/dx of it = d/da of the density = density (log x - digamma(a)). Its own
# derivative in a (P's second derivative in a) is not implemented.
def _igamma_grad_a_grad_a(g, ans, a, x):
    raise NotImplementedError(
        "the second derivative of the incomplete gamma function with respect to its shape a is "
        "not implemented (first derivatives in a, and all derivatives in x, are)."
    )


igamma_grad_a_p = binary_op("igamma_grad_a", kernel_impl(_math_igamma.gammainc_grad_a), kinds="f")
defjvp(
    igamma_grad_a_p,
    _igamma_grad_a_grad_a,
    lambda g, ans, a, x: mul(g, mul(_igamma_density(a, x), sub(log(x), digamma(a)))),
)


def igamma_grad_a(a, x):
    return bind(igamma_grad_a_p, a, x)


# d I_x(a, b) = x^(a-1) (1-x)^(b-1) / B(a, b) dx   (regularized incomplete beta; like JAX, no
# derivative in a or b). Three operands, so the abstract rule of binary_op is spelled out.
regularized_incomplete_beta_p = Primitive("regularized_incomplete_beta")
regularized_incomplete_beta_p.def_impl(kernel_impl(_math_betainc.betainc))


@regularized_incomplete_beta_p.def_abstract_eval
def _betainc_abstract(a, b, x):
    _strict_avals("regularized_incomplete_beta", (a, b, x))
    _kind_check("regularized_incomplete_beta", "f", (a,))
    return ShapedArray(a.shape, a.dtype, a.weak_type and b.weak_type and x.weak_type)


def _betainc_density(g, ans, a, b, x):
    one = _c(x, 1.0)
    log_density = sub(add(xlogy(sub(a, one), x), xlog1py(sub(b, one), neg(x))), betaln(a, b))
    return mul(g, exp(log_density))


defjvp(
    regularized_incomplete_beta_p,
    not_differentiable("betainc", "a"),
    not_differentiable("betainc", "b"),
    _betainc_density,
)
regularized_incomplete_beta_p.def_batch(elementwise_batch(regularized_incomplete_beta_p))


def regularized_incomplete_beta(a, b, x):
    return bind(regularized_incomplete_beta_p, a, b, x)


# d i0e(x) = (i1e(x) - sign(x) i0e(x)) dx     (i0e(x) = exp(-|x|) I0(x))
bessel_i0e_p = unary_op("bessel_i0e", kernel_impl(_math_bessel.i0e), kinds="f")
defjvp(bessel_i0e_p, lambda g, ans, x: mul(g, sub(bessel_i1e(x), mul(sign(x), ans))))


def bessel_i0e(x):
    return bind(bessel_i0e_p, x)


# d i1e(x) = (i0e(x) - i1e(x) (sign(x) + 1/x)) dx, and 1/2 at x = 0 (its limit)
bessel_i1e_p = unary_op("bessel_i1e", kernel_impl(_math_bessel.i1e), kinds="f")


def _i1e_jvp(g, ans, x):
    at0 = eq(x, _c(x, 0.0))
    safe = select(at0, _c(x, 1.0), x)
    d = sub(bessel_i0e(x), mul(ans, add(sign(x), div(_c(x, 1.0), safe))))
    return mul(g, select(at0, _c(x, 0.5), d))


defjvp(bessel_i1e_p, _i1e_jvp)


def bessel_i1e(x):
    return bind(bessel_i1e_p, x)


# xlogy(x, y) = x log(y), 0 where x = 0 (also for y = 0 or inf; nan for y = nan). JAX's
# convention for the derivative, which a select-based composite would not give:
# d = log(y) dx + x / y dy everywhere.
def _xlogy_impl(x, y):
    with np.errstate(all="ignore"):
        return np.where((x == 0) & (y == y), np.zeros((), np.result_type(x)), x * np.log(y))[()]


xlogy_p = binary_op("xlogy", _xlogy_impl, kinds="f")
defjvp(
    xlogy_p,
    lambda g, ans, x, y: mul(g, log(y)),
    lambda g, ans, x, y: div(mul(g, x), y),
)


def xlogy(x, y):
    return bind(xlogy_p, x, y)


# xlog1py(x, y) = x log1p(y), 0 where x = 0 (unless y is nan); d = log1p(y) dx + x / (1 + y) dy
def _xlog1py_impl(x, y):
    with np.errstate(all="ignore"):
        return np.where((x == 0) & (y == y), np.zeros((), np.result_type(x)), x * np.log1p(y))[()]


xlog1py_p = binary_op("xlog1py", _xlog1py_impl, kinds="f")
defjvp(
    xlog1py_p,
    lambda g, ans, x, y: mul(g, log1p(y)),
    lambda g, ans, x, y: div(mul(g, x), add(_c(y, 1.0), y)),
)


def xlog1py(x, y):
    return bind(xlog1py_p, x, y)
