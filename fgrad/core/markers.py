"""Markers that rules receive instead of arrays.

`Zero(aval)` is a tangent or cotangent known to be zero: rules skip work for it and it is never
materialised unless a caller asks (`instantiate`). `UndefinedPrimal(aval)` marks the linear
input of a primitive being transposed: its value is what transposition computes.
"""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import ShapedArray, get_aval

__all__ = ["Zero", "UndefinedPrimal", "is_undefined", "zeros_like_aval"]


class Zero:
    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    @staticmethod
    def from_value(x) -> Zero:
        return Zero(get_aval(x).strip_weak())

    def __repr__(self) -> str:
        return f"Zero({self.aval.str_short()})"


class UndefinedPrimal:
    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self) -> str:
        return f"UndefinedPrimal({self.aval.str_short()})"


def is_undefined(x) -> bool:
    return type(x) is UndefinedPrimal


def zeros_like_aval(aval: ShapedArray) -> np.ndarray:
    """A concrete zero array. A constant needs no bind: every trace treats it as known."""
    return np.zeros(aval.shape, aval.dtype)
