"""Argument handling shared by fgrad.scipy: scipy's functions take anything array-like, while
the primitives below them take equal shapes and one inexact dtype."""

from __future__ import annotations

import numpy as np

import fgrad.numpy as fnp

__all__ = ["promote_inexact"]


def promote_inexact(name: str, *args):
    """The arguments as arrays of one floating dtype and one broadcast shape. The dtype follows
    numpy's promotion (NEP 50: a Python float does not widen a float32 array), and integer or
    bool inputs become float64, as in scipy and in JAX with x64. Complex inputs are refused:
    these functions are implemented for real arguments only."""
    dtype = fnp.result_type(*args)
    if dtype.kind == "c":
        raise TypeError(
            f"fgrad.scipy.special.{name} supports real arguments only, got {dtype.name}; pass "
            "the real and imaginary parts separately if the function is defined for them."
        )
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    arrays = [fnp.asarray(a, dtype=dtype) for a in args]
    shape = np.broadcast_shapes(*(fnp.shape(a) for a in arrays))
    return [fnp.broadcast_to(a, shape) if fnp.shape(a) != shape else a for a in arrays]

