"""Bessel functions of real order, jv(v, z) and iv(v, z), as primitives (numerical methods in
fgrad.prims._math_bessel_v). Each primitive is one block: the derivative, the primitive with its
impl (float64 kernel, result in the input dtype) and the elementwise abstract and batch rules,
its jvp written with these wrappers (so it differentiates again, to any order), and the
wrapper.

The derivative is taken with respect to z only. HIPS autograd silently gives the order a zero
derivative; here differentiating with respect to v raises an error that says so (as jn/yn do for
their integer order), since a zero would be a wrong number. JAX has neither function.
"""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad.core.primitive import bind
from fgrad.prims import _math_bessel_v
from fgrad.prims.arith import add, mul, sub
from fgrad.prims.base import binary_op, defjvp, full_like
from fgrad.scipy._bessel import _order_not_differentiable
from fgrad.scipy._common import promote_inexact

__all__ = ["bessel_jv_p", "bessel_jv", "bessel_iv_p", "bessel_iv", "jv", "iv"]


def _kernel(fn):
    """An impl from a float64 kernel: compute in float64, return the input dtype (a numpy
    scalar for 0-d results). Overflow and nan outside the domain are intended results, so
    numpy's warnings about them are silenced."""

    def impl(v, z):
        dtype = np.result_type(v, z)
        with np.errstate(all="ignore"):
            out = np.asarray(fn(np.asarray(v, np.float64), np.asarray(z, np.float64)))
        out = out.astype(dtype, copy=False)
        return out[()] if out.ndim == 0 else out

    return impl


def _c(like, value):
    return full_like(like, value)


def _shift(v, k):
    return add(v, _c(v, float(k)))


# d jv(v, z) = (jv(v - 1, z) - jv(v + 1, z)) / 2 dz     (the order is not differentiable)
bessel_jv_p = binary_op("bessel_jv", _kernel(_math_bessel_v.jv), kinds="f")
defjvp(
    bessel_jv_p,
    _order_not_differentiable("jv", "order v"),
    lambda g, ans, v, z: mul(g, mul(_c(z, 0.5), sub(bessel_jv(_shift(v, -1), z),
                                                    bessel_jv(_shift(v, 1), z)))),
)


def bessel_jv(v, z):
    return bind(bessel_jv_p, v, z)


# d iv(v, z) = (iv(v - 1, z) + iv(v + 1, z)) / 2 dz     (the order is not differentiable)
bessel_iv_p = binary_op("bessel_iv", _kernel(_math_bessel_v.iv), kinds="f")
defjvp(
    bessel_iv_p,
    _order_not_differentiable("iv", "order v"),
    lambda g, ans, v, z: mul(g, mul(_c(z, 0.5), add(bessel_iv(_shift(v, -1), z),
                                                    bessel_iv(_shift(v, 1), z)))),
)


def bessel_iv(v, z):
    return bind(bessel_iv_p, v, z)


def _with_real_order(name, prim_fn, doc):
    def f(v, z):
        kind = fnp.result_type(v).kind
        if kind not in "iufb":
            raise TypeError(f"{name}'s order v must be real, got {fnp.result_type(v).name}")
        v, z = promote_inexact(name, v, z)
        return prim_fn(v, z)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


_COMMON = """

Real order v and real z, with scipy's conventions: z < 0 only for integer v (nan otherwise),
negative integer orders by symmetry; at z = 0 the value is 1 for v = 0, 0 for v > 0 or a
negative integer, and infinite for negative non-integer v, with the sign of 1 / Gamma(v + 1).
At z = +-inf the limits ({lim}), where scipy answers nan. About 1e-15 relative accuracy
({acc}) for |v| up to ~100 (see fgrad.prims._math_bessel_v).

Differentiable in z to any order by the recurrence {rec}. Not differentiable in v:
differentiating with respect to the order raises a ValueError (close over v, or stop_gradient)."""

jv = _with_real_order("jv", bessel_jv, "J_v(z), the Bessel function of the first kind."
                      + _COMMON.format(lim="J -> 0",
                                       acc="of the envelope sqrt(J_v^2 + Y_v^2) near zeros",
                                       rec="J_v' = (J_{v-1} - J_{v+1}) / 2"))
iv = _with_real_order("iv", bessel_iv, "I_v(z), the modified Bessel function of the first kind."
                      + _COMMON.format(lim="I -> inf, and (-1)^n inf at -inf",
                                       acc="5e-15 at worst for z up to ~150",
                                       rec="I_v' = (I_{v-1} + I_{v+1}) / 2"))
