"""Abstract values: what every transform knows about an array without its numbers.

An aval is a shape, a dtype and a weak-type bit. The weak bit marks values that came from
Python scalars, so that numpy 2's promotion rules (NEP 50: a Python float does not upcast a
float32 array) can be reproduced on traced values.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ShapedArray",
    "get_aval",
    "is_float",
    "is_complex",
    "is_inexact",
    "dtype_short",
    "tangent_dtype",
]


class ShapedArray:
    """The static type of an array value: shape, dtype, and whether it is a weak Python scalar."""

    __slots__ = ("shape", "dtype", "weak_type")

    shape: tuple[int, ...]
    dtype: np.dtype
    weak_type: bool

    def __init__(self, shape: tuple[int, ...], dtype, weak_type: bool = False):
        self.shape = shape
        self.dtype = np.dtype(dtype)
        self.weak_type = weak_type

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def strip_weak(self) -> ShapedArray:
        return ShapedArray(self.shape, self.dtype) if self.weak_type else self

    def update(self, shape=None, dtype=None, weak_type=None) -> ShapedArray:
        return ShapedArray(
            self.shape if shape is None else tuple(shape),
            self.dtype if dtype is None else dtype,
            self.weak_type if weak_type is None else weak_type,
        )

    def str_short(self) -> str:
        return f"{dtype_short(self.dtype)}[{','.join(map(str, self.shape))}]"

    def __eq__(self, other) -> bool:
        return (
            type(other) is ShapedArray
            and self.shape == other.shape
            and self.dtype == other.dtype
            and self.weak_type == other.weak_type
        )

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.weak_type))

    def __repr__(self) -> str:
        return f"ShapedArray({self.str_short()}{', weak' if self.weak_type else ''})"


_SHORT = {
    "float64": "f64",
    "float32": "f32",
    "float16": "f16",
    "int64": "i64",
    "int32": "i32",
    "int16": "i16",
    "int8": "i8",
    "uint64": "u64",
    "uint32": "u32",
    "uint16": "u16",
    "uint8": "u8",
    "bool": "bool",
    "complex64": "c64",
    "complex128": "c128",
}


def dtype_short(dtype) -> str:
    name = np.dtype(dtype).name
    return _SHORT.get(name, name)


_F64 = np.dtype(np.float64)
_I64 = np.dtype(np.int64)
_C128 = np.dtype(np.complex128)
_BOOL = np.dtype(np.bool_)
_SCALAR_AVALS = {
    float: ShapedArray((), _F64, True),
    int: ShapedArray((), _I64, True),
    complex: ShapedArray((), _C128, True),
    bool: ShapedArray((), _BOOL, False),
}


def get_aval(x) -> ShapedArray:
    """The aval of a concrete value or a tracer. Hot path: keep it a few type checks."""
    t = type(x)
    if t is np.ndarray:
        return ShapedArray(x.shape, x.dtype)
    aval = _SCALAR_AVALS.get(t)
    if aval is not None:
        return aval
    av = getattr(x, "aval", None)
    if av is not None and type(av) is ShapedArray:
        return av
    if isinstance(x, np.generic):
        return ShapedArray((), x.dtype)
    if isinstance(x, (bool, int, float, complex)):  # subclasses such as np.float64 handled above
        return _SCALAR_AVALS[bool if isinstance(x, bool) else type(x).__mro__[1]]
    if isinstance(x, np.ndarray):
        return ShapedArray(x.shape, x.dtype)
    raise TypeError(
        f"fgrad cannot use a value of type {type(x).__name__} as an array: {x!r:.80}. "
        "Pass numpy arrays, Python numbers, or pytrees (tuples, lists, dicts) of them."
    )


def is_float(dtype) -> bool:
    return np.dtype(dtype).kind == "f"


def is_complex(dtype) -> bool:
    return np.dtype(dtype).kind == "c"


def is_inexact(dtype) -> bool:
    return np.dtype(dtype).kind in "fc"


def tangent_dtype(dtype) -> np.dtype | None:
    """Tangents exist only for inexact dtypes; integers and bools are not differentiable."""
    dtype = np.dtype(dtype)
    return dtype if dtype.kind in "fc" else None
