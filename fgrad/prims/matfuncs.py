"""Matrix-function primitives: expm, its Frechet derivative expm_frechet, and sqrtm (whose
derivative solves a Sylvester equation, fgrad/prims/linalg_solve.py), with numpy-only impls
(fgrad/prims/_math_linalg.py). Stacks of matrices as in fgrad/prims/linalg.py.

Linear primitive (transpose rule): expm_frechet in its direction E.
"""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import get_aval
from fgrad.core.markers import Zero
from fgrad.core.primitive import bind
from fgrad.prims import _math_linalg
from fgrad.prims._linalg_helpers import (
    _T,
    _block,
    _check_inexact,
    _check_square,
    _concat,
    _jvp,
    _linalg_primitive,
    _linear_in_last,
    _square_abstract,
)
from fgrad.prims.arith import add_any
from fgrad.prims.base import full_like
from fgrad.prims.linalg_solve import sylvester

__all__ = ["expm_p", "expm", "expm_frechet_p", "expm_frechet", "sqrtm_p", "sqrtm"]


# ----- expm ----------------------------------------------------------------------------------

# d expm(A) = L(A, dA), the Frechet derivative (expm_frechet below)
expm_p = _linalg_primitive("expm")
expm_p.def_impl(_math_linalg.expm)
expm_p.def_abstract_eval(_square_abstract("expm", kinds="fc"))


@_jvp(expm_p)
def _expm_jvp(ans, a, da):
    return expm_frechet(a, da)


def expm(a):
    return bind(expm_p, a)


# ----- sqrtm ---------------------------------------------------------------------------------

# X = A^(1/2) (principal); X dX + dX X = dA, so dX = sylvester(X, X, dA)
sqrtm_p = _linalg_primitive("sqrtm")


@sqrtm_p.def_impl
def _sqrtm_impl(a):
    try:
        return _math_linalg.sqrtm(a)
    except _math_linalg.NoRealSquareRoot as e:
        raise ValueError(
            f"sqrtm: this real matrix has the eigenvalue {float(e.args[0]):.6g} on the negative "
            "real axis, so its principal square root is complex; pass a complex matrix "
            "(a.astype(complex)) to get it."
        ) from None


sqrtm_p.def_abstract_eval(_square_abstract("sqrtm", kinds="fc"))


@_jvp(sqrtm_p)
def _sqrtm_jvp(x, a, da):
    return sylvester(x, x, da)


def sqrtm(a):
    return bind(sqrtm_p, a)


# ----- expm_frechet --------------------------------------------------------------------------

# L(A, E) = top-right block of expm([[A, E], [0, A]]); linear in E, with adjoint L(A^T, .).
# d_A L(A, E) = top-right block of L(B, diag(dA, dA)), B = [[A, E], [0, A]]
expm_frechet_p = _linalg_primitive("expm_frechet")


def _upper_block(a, e):
    """[[A, E], [0, A]] as a (..., 2n, 2n) array, numpy or traced."""
    if isinstance(a, np.ndarray) and isinstance(e, np.ndarray):
        zero = np.zeros_like(a)
        return np.concatenate([np.concatenate([a, e], -1), np.concatenate([zero, a], -1)], -2)
    zero = full_like(a, 0.0)
    return _concat([_concat([a, e], -1), _concat([zero, a], -1)], -2)


@expm_frechet_p.def_impl
def _expm_frechet_impl(a, e):
    a, e = np.asarray(a), np.asarray(e)
    n = a.shape[-1]
    return _math_linalg.expm(_upper_block(a, e))[..., :n, n:]


@expm_frechet_p.def_abstract_eval
def _expm_frechet_abstract(a, e):
    _check_square("expm_frechet", a)
    _check_inexact("expm_frechet", a, kinds="fc")
    if a.shape != e.shape or a.dtype != e.dtype:
        raise TypeError(f"expm_frechet needs A and E of one shape and dtype, got "
                        f"{a.str_short()} and {e.str_short()}")
    return e.strip_weak()


@_jvp(expm_frechet_p)
def _expm_frechet_jvp(ans, a, e, da, de):
    out = Zero(get_aval(ans))
    if type(de) is not Zero:
        out = expm_frechet(a, de)
    if type(da) is not Zero:
        n = get_aval(a).shape[-1]
        zero = full_like(da, 0.0)
        direction = _concat([_concat([da, zero], -1), _concat([zero, da], -1)], -2)
        big = expm_frechet(_upper_block(a, e), direction)
        out = add_any(out, _block(big, (0, n), (n, 2 * n)))
    return out


@_linear_in_last(expm_frechet_p, "direction E")
def _expm_frechet_transpose(ct, a):
    return expm_frechet(_T(a), ct)


def expm_frechet(a, e):
    return bind(expm_frechet_p, a, e)
