"""erfcinv and rgamma as primitives (numerical methods in fgrad.prims._math_extra), each one
block: the derivative, the primitive with its impl (float64 kernel, result in the input dtype)
and the elementwise abstract and batch rules, its jvp written with traceable wrappers (so it
differentiates again), and the wrapper.

They live in fgrad.scipy, as the Bessel primitives of `_bessel` do, because they are
scipy-only functions with no jax.lax counterpart for tests/prim_specs.py to compare against;
tests/test_scipy_special_v.py exercises every rule.
"""

from __future__ import annotations

import numpy as np

from fgrad.core.primitive import bind
from fgrad.prims import _math_extra
from fgrad.prims.arith import add, div, eq, lt, mul, neg, select, sub
from fgrad.prims.base import defjvp, full_like, unary_op
from fgrad.prims.elementwise import cos, exp, floor, sin
from fgrad.prims.special import digamma, erfcx, gamma
from fgrad.scipy._common import promote_inexact

__all__ = ["erfcinv_p", "erfcinv", "rgamma_p", "rgamma"]


def _kernel(fn):
    """An impl from a float64 kernel: compute in float64, return the input dtype (a numpy
    scalar for 0-d results). Overflow and nan outside the domain are intended results, so
    numpy's warnings about them are silenced."""

    def impl(x):
        dtype = np.result_type(x)
        with np.errstate(all="ignore"):
            out = np.asarray(fn(np.asarray(x, np.float64)))
        out = out.astype(dtype, copy=False)
        return out[()] if out.ndim == 0 else out

    return impl


def _c(like, value):
    return full_like(like, value)


# d erfcinv(y) = -sqrt(pi)/2 exp(erfcinv(y)^2) dy. exp(x^2) is written erfcx(|x|) / q with
# q = min(y, 2 - y) = erfc(|x|): in the tail the rounding of x costs exp(x^2) a relative
# 2 x^2 ulp (~1e-13 at y = 1e-250), while erfcx(|x|) / q is accurate to a few ulp. At q = 0
# (y = 0 or 2, x infinite) the derivative is -inf, from the exp form.
erfcinv_p = unary_op("erfcinv", _kernel(_math_extra.erfcinv), kinds="f")


def _erfcinv_jvp(g, ans, y):
    low = lt(y, _c(y, 1.0))
    q = select(low, y, sub(_c(y, 2.0), y))
    edge = eq(q, _c(y, 0.0))
    ax = select(low, ans, neg(ans))
    ratio = div(erfcx(select(edge, _c(y, 0.0), ax)), select(edge, _c(y, 1.0), q))
    e = select(edge, exp(mul(ans, ans)), ratio)
    return mul(g, mul(_c(y, -float(np.sqrt(np.pi)) / 2), e))


defjvp(erfcinv_p, _erfcinv_jvp)


def erfcinv(y):
    """The inverse of erfc on [0, 2]: erfcinv(erfc(x)) = x. Accurate to ~1 ulp everywhere,
    including subnormal y (erfcinv(5e-324) = 27.21...; scipy returns inf below ~1e-308).
    Its derivative -sqrt(pi)/2 exp(erfcinv(y)^2) overflows to -inf only where the exact
    derivative is beyond the float64 range (y below ~1e-310)."""
    (y,) = promote_inexact("erfcinv", y)
    return bind(erfcinv_p, y)


# d rgamma(x) = -digamma(x) rgamma(x) dx, an entire function. Where digamma has its poles
# (x = 0, -1, -2, ...) rgamma has its zeros, and the product is written through the reflection
# 1/Gamma(x) = sin(pi x) Gamma(1 - x) / pi instead: for x < 1/2
#     d rgamma(x) = Gamma(1 - x) (cos(pi x) - sin(pi x) digamma(1 - x) / pi) dx,
# which is (-1)^n n! at x = -n and is again differentiable there. sin(pi x) and cos(pi x) are
# taken of x - n (n the nearest integer, exact), so sin(pi x) is exactly 0 at the integers.
# Each branch sees a harmless stand-in for the other's inputs, so neither puts a nan into a
# derivative.
rgamma_p = unary_op("rgamma", _kernel(_math_extra.rgamma), kinds="f")


def _sincospi(x):
    """(sin(pi x), cos(pi x)) from r = x - n, n = floor(x + 1/2) (no derivative; r's is 1)."""
    n = floor(add(x, _c(x, 0.5)))
    r = sub(x, n)
    parity = sub(n, mul(_c(x, 2.0), floor(mul(n, _c(x, 0.5)))))
    sign = sub(_c(x, 1.0), mul(_c(x, 2.0), parity))
    pr = mul(_c(x, np.pi), r)
    return mul(sign, sin(pr)), mul(sign, cos(pr))


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
    """1 / Gamma(x), entire: exact zeros at 0, -1, -2, ..., finite (and subnormal rather
    than 0) up to x ~ 178, 0 beyond and at -inf (as scipy); +-inf between the zeros below
    x ~ -171.6, where |1/Gamma| exceeds the float64 range. Differentiable to any order, with
    the derivative (-1)^n n! at x = -n (the limit of -digamma(x) rgamma(x))."""
    (x,) = promote_inexact("rgamma", x)
    return bind(rgamma_p, x)
