"""fgrad.scipy.special.jv and iv: scipy's signatures and promotion over the real-order Bessel
primitives of fgrad.prims.bessel (numerical methods in fgrad.prims._math_bessel_v).

The derivative is taken with respect to z only. HIPS autograd silently gives the order a zero
derivative; here differentiating with respect to v raises an error that says so (as jn/yn do for
their integer order), since a zero would be a wrong number. JAX has neither function.
"""

from __future__ import annotations

import fgrad.numpy as fnp
from fgrad.prims.bessel import bessel_iv, bessel_jv
from fgrad.scipy._common import promote_inexact

__all__ = ["jv", "iv"]


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
