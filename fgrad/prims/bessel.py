"""Bessel functions as primitives: J0, J1, Y0, Y1, J_n, Y_n and ive(n, x) = exp(-|x|) I_n(x) of
integer order (float64 kernels in `_math_bessel_n`), and J_v, I_v of real order (in
`_math_bessel_v`). The scaled i0e and i1e, which jax.lax has, are in `fgrad.prims.special`.

Orders are float arrays of the argument's dtype (integer-valued for jn, yn and ive, as in
jax.lax's polygamma), with no derivative: differentiating with respect to an order raises
instead of giving a zero, which would be a wrong number (HIPS autograd gives jv and iv that
silent zero). Every jvp is written with these wrappers, so it differentiates again, to any
order; the order-n functions share one rule, the three-term recurrence of their neighbours.
"""

from __future__ import annotations

from fgrad.core.primitive import bind
from fgrad.prims import _math_bessel_n, _math_bessel_v
from fgrad.prims.arith import add, div, eq, mul, neg, select, sub
from fgrad.prims.base import binary_op, defjvp, full_like, unary_op
from fgrad.prims.elementwise import sign
from fgrad.prims.special import kernel_impl, not_differentiable

__all__ = [
    "bessel_j0_p", "bessel_j0", "bessel_j1_p", "bessel_j1", "bessel_y0_p", "bessel_y0",
    "bessel_y1_p", "bessel_y1", "bessel_jn_p", "bessel_jn", "bessel_yn_p", "bessel_yn",
    "bessel_ive_p", "bessel_ive", "bessel_jv_p", "bessel_jv", "bessel_iv_p", "bessel_iv",
]


def _c(like, value):
    return full_like(like, value)


def _neighbours(f, n, x, plus):
    """(f(n - 1, x) + f(n + 1, x)) / 2 if plus (I's derivative), else with a minus (J's, Y's)."""
    below, above = f(sub(n, _c(n, 1.0)), x), f(add(n, _c(n, 1.0)), x)
    return mul(_c(x, 0.5), add(below, above) if plus else sub(below, above))


# d j0(x) = -j1(x) dx
bessel_j0_p = unary_op("bessel_j0", kernel_impl(_math_bessel_n.j0), kinds="f")
defjvp(bessel_j0_p, lambda g, ans, x: neg(mul(g, bessel_j1(x))))


def bessel_j0(x):
    return bind(bessel_j0_p, x)


# d j1(x) = (j0(x) - j1(x)/x) dx, and 1/2 at x = 0 (its limit)
bessel_j1_p = unary_op("bessel_j1", kernel_impl(_math_bessel_n.j1), kinds="f")


def _j1_jvp(g, ans, x):
    at0 = eq(x, _c(x, 0.0))
    safe = select(at0, _c(x, 1.0), x)
    return mul(g, select(at0, _c(x, 0.5), sub(bessel_j0(x), div(ans, safe))))


defjvp(bessel_j1_p, _j1_jvp)


def bessel_j1(x):
    return bind(bessel_j1_p, x)


# d y0(x) = -y1(x) dx
bessel_y0_p = unary_op("bessel_y0", kernel_impl(_math_bessel_n.y0), kinds="f")
defjvp(bessel_y0_p, lambda g, ans, x: neg(mul(g, bessel_y1(x))))


def bessel_y0(x):
    return bind(bessel_y0_p, x)


# d y1(x) = (y0(x) - y1(x)/x) dx
bessel_y1_p = unary_op("bessel_y1", kernel_impl(_math_bessel_n.y1), kinds="f")
defjvp(bessel_y1_p, lambda g, ans, x: mul(g, sub(bessel_y0(x), div(ans, x))))


def bessel_y1(x):
    return bind(bessel_y1_p, x)


# d jn(n, x) = (jn(n - 1, x) - jn(n + 1, x)) / 2 dx     (J_-n = (-1)^n J_n covers n = 0)
bessel_jn_p = binary_op("bessel_jn", kernel_impl(_math_bessel_n.jn), kinds="f")
defjvp(
    bessel_jn_p,
    not_differentiable("jn", "its integer order n"),
    lambda g, ans, n, x: mul(g, _neighbours(bessel_jn, n, x, plus=False)),
)


def bessel_jn(n, x):
    return bind(bessel_jn_p, n, x)


# d yn(n, x) = (yn(n - 1, x) - yn(n + 1, x)) / 2 dx
bessel_yn_p = binary_op("bessel_yn", kernel_impl(_math_bessel_n.yn), kinds="f")
defjvp(
    bessel_yn_p,
    not_differentiable("yn", "its integer order n"),
    lambda g, ans, n, x: mul(g, _neighbours(bessel_yn, n, x, plus=False)),
)


def bessel_yn(n, x):
    return bind(bessel_yn_p, n, x)


# d ive(n, x) = ((ive(n - 1, x) + ive(n + 1, x)) / 2 - sign(x) ive(n, x)) dx
# (ive = exp(-|x|) I_n and I_n' = (I_n-1 + I_n+1) / 2)
bessel_ive_p = binary_op("bessel_ive", kernel_impl(_math_bessel_n.ive), kinds="f")
defjvp(
    bessel_ive_p,
    not_differentiable("ive", "its integer order n"),
    lambda g, ans, n, x: mul(g, sub(_neighbours(bessel_ive, n, x, plus=True), mul(sign(x), ans))),
)


def bessel_ive(n, x):
    return bind(bessel_ive_p, n, x)


# d jv(v, z) = (jv(v - 1, z) - jv(v + 1, z)) / 2 dz     (real order v, not differentiable)
bessel_jv_p = binary_op("bessel_jv", kernel_impl(_math_bessel_v.jv), kinds="f")
defjvp(
    bessel_jv_p,
    not_differentiable("jv", "its order v"),
    lambda g, ans, v, z: mul(g, _neighbours(bessel_jv, v, z, plus=False)),
)


def bessel_jv(v, z):
    return bind(bessel_jv_p, v, z)


# d iv(v, z) = (iv(v - 1, z) + iv(v + 1, z)) / 2 dz     (real order v, not differentiable)
bessel_iv_p = binary_op("bessel_iv", kernel_impl(_math_bessel_v.iv), kinds="f")
defjvp(
    bessel_iv_p,
    not_differentiable("iv", "its order v"),
    lambda g, ans, v, z: mul(g, _neighbours(bessel_iv, v, z, plus=True)),
)


def bessel_iv(v, z):
    return bind(bessel_iv_p, v, z)
