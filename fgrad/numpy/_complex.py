"""Complex numbers in numpy's API: parts, conjugate, angle and the is-complex predicates.

On complex values these bind the complex-part primitives (fgrad/prims/complex.py), whose
derivatives follow JAX's convention; on real values they are what numpy makes of them (the real
part is the value itself, the imaginary part zeros of its dtype), so real code pays nothing.
"""

from __future__ import annotations

import numpy as np

from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.numpy._promotion import asarray_operand, ufunc_operands
from fgrad.prims.base import full_like

__all__ = [
    "real", "imag", "conj", "conjugate", "angle", "iscomplexobj", "isrealobj", "iscomplex",
    "isreal",
]


def _operand(x):
    """An array operand; a Python scalar becomes its numpy scalar (numpy answers with those)."""
    x = asarray_operand(x)
    if isinstance(x, (bool, int, float, complex)):
        return get_aval(x).dtype.type(x)
    return x


def _is_complex(x) -> bool:
    return get_aval(x).dtype.kind == "c"


def real(val):
    val = _operand(val)
    return prims.real(val) if _is_complex(val) else val


def imag(val):
    """Zeros of the input's dtype for real input (no derivative), as numpy returns."""
    val = _operand(val)
    return prims.imag(val) if _is_complex(val) else full_like(val, 0)


def conjugate(x):
    """numpy's ufunc: real values keep their value, in the dtype numpy's loop gives them."""
    (x,), _ = ufunc_operands(np.conjugate, x)
    return prims.conj(x) if _is_complex(x) else x


conj = conjugate


def angle(z, deg=False):
    """atan2(Im z, Re z), in degrees if `deg`; for real z, atan2(0, z) (0 or pi), as numpy.
    Its derivative in z is Im(dz / z) for complex z (nan at z = 0, as in JAX)."""
    z = _operand(z)
    if _is_complex(z):
        y, x = prims.imag(z), prims.real(z)
    else:
        y, x = 0, z
    (y, x), _ = ufunc_operands(np.arctan2, y, x)
    a = prims.atan2(y, x)
    return prims.mul(a, 180 / np.pi) if deg else a


def iscomplexobj(x) -> bool:
    """Whether the dtype is complex (a static question, so a Python bool even when traced)."""
    return _is_complex(asarray_operand(x))


def isrealobj(x) -> bool:
    return not iscomplexobj(x)


def _bools(x, value: bool):
    aval = get_aval(x)
    out = np.full(aval.shape, value)
    return out[()] if not aval.shape else out


def iscomplex(x):
    """Elementwise: a nonzero imaginary part (all False for real dtypes)."""
    x = _operand(x)
    return prims.ne(prims.imag(x), 0) if _is_complex(x) else _bools(x, False)


def isreal(x):
    """Elementwise: a zero imaginary part (all True for real dtypes)."""
    x = _operand(x)
    return prims.eq(prims.imag(x), 0) if _is_complex(x) else _bools(x, True)
