"""Bessel functions J0, J1, Y0, Y1, J_n, Y_n and ive(n, x) as primitives (numerical methods in
`_bessel_kernels`). Each primitive is one block: the derivative, the primitive with its impl
(float64 kernel, result rounded to the input dtype) and the family's abstract and batch rules,
its jvp written with these wrappers (so it differentiates again), and the wrapper. The orders n
are float arrays of x's dtype holding integers, as in jax.lax; they carry no derivative.

They live here rather than in fgrad.prims because they are scipy-only functions with no
jax.lax counterpart for tests/prim_specs.py to compare against; tests/test_scipy_special_more.py
exercises every rule.
"""

from __future__ import annotations

import numpy as np

from fgrad.core.primitive import bind
from fgrad.prims.arith import add, div, eq, mul, neg, select, sub
from fgrad.prims.base import binary_op, defjvp, full_like, unary_op
from fgrad.prims.elementwise import sign
from fgrad.scipy import _bessel_kernels as _k

__all__ = [
    "bessel_j0_p", "bessel_j0", "bessel_j1_p", "bessel_j1", "bessel_y0_p", "bessel_y0",
    "bessel_y1_p", "bessel_y1", "bessel_jn_p", "bessel_jn", "bessel_yn_p", "bessel_yn",
    "bessel_ive_p", "bessel_ive",
]


def _kernel(fn):
    """An impl from a float64 kernel: compute in float64, return the input dtype (a numpy
    scalar for 0-d results). nan outside the domain and overflow are intended results, so
    numpy's warnings about them are silenced."""

    def impl(*args):
        dtype = np.result_type(*args)
        with np.errstate(all="ignore"):
            out = np.asarray(fn(*(np.asarray(a, np.float64) for a in args)))
        out = out.astype(dtype, copy=False)
        return out[()] if out.ndim == 0 else out

    return impl


def _c(like, value):
    return full_like(like, value)


def _order_not_differentiable(name, order="integer order n"):
    def rule(g, ans, n, x):
        raise ValueError(
            f"{name} is not differentiable with respect to its {order}; mark it as a "
            "constant (close over it or use stop_gradient) and differentiate with respect to x."
        )

    return rule


# d j0(x) = -j1(x) dx
bessel_j0_p = unary_op("bessel_j0", _kernel(_k.j0), kinds="f")
defjvp(bessel_j0_p, lambda g, ans, x: neg(mul(g, bessel_j1(x))))


def bessel_j0(x):
    return bind(bessel_j0_p, x)


# d j1(x) = (j0(x) - j1(x)/x) dx, and 1/2 at x = 0 (its limit)
bessel_j1_p = unary_op("bessel_j1", _kernel(_k.j1), kinds="f")


def _j1_jvp(g, ans, x):
    at0 = eq(x, _c(x, 0.0))
    safe = select(at0, _c(x, 1.0), x)
    return mul(g, select(at0, _c(x, 0.5), sub(bessel_j0(x), div(ans, safe))))


defjvp(bessel_j1_p, _j1_jvp)


def bessel_j1(x):
    return bind(bessel_j1_p, x)


# d y0(x) = -y1(x) dx
bessel_y0_p = unary_op("bessel_y0", _kernel(_k.y0), kinds="f")
defjvp(bessel_y0_p, lambda g, ans, x: neg(mul(g, bessel_y1(x))))


def bessel_y0(x):
    return bind(bessel_y0_p, x)


# d y1(x) = (y0(x) - y1(x)/x) dx
bessel_y1_p = unary_op("bessel_y1", _kernel(_k.y1), kinds="f")
defjvp(bessel_y1_p, lambda g, ans, x: mul(g, sub(bessel_y0(x), div(ans, x))))


def bessel_y1(x):
    return bind(bessel_y1_p, x)


# d jn(n, x) = (jn(n - 1, x) - jn(n + 1, x)) / 2 dx     (J_-n = (-1)^n J_n covers n = 0)
bessel_jn_p = binary_op("bessel_jn", _kernel(_k.jn), kinds="f")
defjvp(
    bessel_jn_p,
    _order_not_differentiable("jn"),
    lambda g, ans, n, x: mul(g, mul(_c(x, 0.5), sub(bessel_jn(sub(n, _c(n, 1.0)), x),
                                                    bessel_jn(add(n, _c(n, 1.0)), x)))),
)


def bessel_jn(n, x):
    return bind(bessel_jn_p, n, x)


# d yn(n, x) = (yn(n - 1, x) - yn(n + 1, x)) / 2 dx
bessel_yn_p = binary_op("bessel_yn", _kernel(_k.yn), kinds="f")
defjvp(
    bessel_yn_p,
    _order_not_differentiable("yn"),
    lambda g, ans, n, x: mul(g, mul(_c(x, 0.5), sub(bessel_yn(sub(n, _c(n, 1.0)), x),
                                                    bessel_yn(add(n, _c(n, 1.0)), x)))),
)


def bessel_yn(n, x):
    return bind(bessel_yn_p, n, x)


# d ive(n, x) = ((ive(n - 1, x) + ive(n + 1, x)) / 2 - sign(x) ive(n, x)) dx
# (ive = exp(-|x|) I_n and I_n' = (I_n-1 + I_n+1) / 2)
bessel_ive_p = binary_op("bessel_ive", _kernel(_k.ive), kinds="f")
defjvp(
    bessel_ive_p,
    _order_not_differentiable("ive"),
    lambda g, ans, n, x: mul(g, sub(
        mul(_c(x, 0.5), add(bessel_ive(sub(n, _c(n, 1.0)), x), bessel_ive(add(n, _c(n, 1.0)), x))),
        mul(sign(x), ans))),
)


def bessel_ive(n, x):
    return bind(bessel_ive_p, n, x)
