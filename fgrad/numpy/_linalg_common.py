"""What every group of fgrad.numpy.linalg shares: argument handling as numpy.linalg does it
(integer input becomes float64, float16 and non-numeric dtypes are refused, complex only where
the function supports it), shape and dtype access, and the singular values that svd, the norms
and lstsq take.
"""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp
from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.numpy._promotion import asarray_operand, broadcast_to_shape, cast

LinAlgError = np.linalg.LinAlgError


def _inexact_dtype(name: str, dtype, complex_ok: bool) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype == np.float16:
        raise TypeError("array type float16 is unsupported in linalg")
    if dtype.kind == "c" and not complex_ok:
        raise TypeError(
            f"fgrad.numpy.linalg.{name} is implemented for real matrices only, got {dtype.name}"
        )
    if dtype.kind not in "fc":
        raise TypeError(f"array type {dtype.name} is unsupported in linalg")
    return dtype


def _operand(x):
    x = asarray_operand(x)
    if isinstance(x, (bool, int, float, complex, np.generic)):
        x = np.asarray(x)
    return x


def _matrix(name: str, a, *, square: bool = False, complex_ok: bool = False):
    a = _operand(a)
    aval = get_aval(a)
    if aval.ndim < 2:
        raise LinAlgError(
            f"{aval.ndim}-dimensional array given. Array must be at least two-dimensional"
        )
    if square and aval.shape[-1] != aval.shape[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")
    return cast(a, _inexact_dtype(name, aval.dtype, complex_ok))


def _common(name: str, *xs, complex_ok: bool = False):
    xs = [_operand(x) for x in xs]
    dtype = _inexact_dtype(name, fnp.result_type(*xs), complex_ok)
    return [cast(x, dtype) for x in xs]


def _shape(x):
    return get_aval(x).shape


def _dtype(x):
    return get_aval(x).dtype


def _real_dtype(dtype) -> np.dtype:
    return np.finfo(dtype).dtype


def _float_operand(x):
    x = _operand(x)
    dtype = _dtype(x)
    if dtype.kind in "biu":
        return cast(x, np.float64)
    return x


def _mT(x):
    return fnp.swapaxes(x, -1, -2)


def _eye_like(a):
    """The identity broadcast over a's batch axes (a free view)."""
    n = _shape(a)[-1]
    return broadcast_to_shape(np.eye(n, dtype=_dtype(a)), _shape(a))


def _singular_values(a):
    """svd(a, compute_uv=False) for a matrix stack that `_matrix` accepts."""
    return prims.svd(_matrix("svd", a), full_matrices=False, compute_uv=False)[0]
