"""torch dtypes over numpy dtypes, and torch's type promotion.

torch promotes differently from numpy: a Python float never widens a float32 tensor, an int64
tensor times a Python float is float32 (the default dtype), and zero-dim tensors count less than
dimensioned ones. Every op asks `result_type` for its dtype and converts its operands *inside*
the function it differentiates, so a float32 input of a float64 op still gets a float32 grad.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "dtype",
    "float16",
    "float32",
    "float64",
    "bfloat16",
    "complex64",
    "complex128",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "bool",
    "half",
    "float",
    "double",
    "short",
    "int",
    "long",
    "cfloat",
    "cdouble",
    "from_numpy_dtype",
    "to_numpy_dtype",
    "result_type",
    "promote_types",
    "get_default_dtype",
    "is_floating",
]

_builtin_bool = bool
_builtin_float = float
_builtin_int = int
_builtin_complex = complex


class dtype:
    """A torch dtype: a name, the numpy dtype that stores it, and its promotion category."""

    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize")

    def __init__(self, name: str, np_dtype):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.is_complex = self.np.kind == "c"
        self.is_signed = self.np.kind in "fci"
        self.itemsize = self.np.itemsize

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_complex(self) -> dtype:
        return complex128 if self is float64 else complex64

    def to_real(self) -> dtype:
        return float64 if self is complex128 else float32


float16 = dtype("float16", np.float16)
float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
# numpy has no bfloat16; it is listed so code that names it imports, and stored as float32.
bfloat16 = dtype("bfloat16", np.float32)
complex64 = dtype("complex64", np.complex64)
complex128 = dtype("complex128", np.complex128)
int8 = dtype("int8", np.int8)
int16 = dtype("int16", np.int16)
int32 = dtype("int32", np.int32)
int64 = dtype("int64", np.int64)
uint8 = dtype("uint8", np.uint8)
bool = dtype("bool", np.bool_)  # noqa: A001  (torch.bool is the public name)

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
cfloat, cdouble = complex64, complex128

_ALL = (float16, float32, float64, complex64, complex128, int8, int16, int32, int64, uint8, bool)
_FROM_NP = {d.np: d for d in _ALL}
_NAMES = {d.name: d for d in _ALL + (bfloat16,)}


def _by_name(name: str) -> dtype:
    return _NAMES[name]


def from_numpy_dtype(np_dtype) -> dtype:
    d = _FROM_NP.get(np_dtype)
    if d is None:
        d = _FROM_NP.get(np.dtype(np_dtype))
        if d is None:
            raise TypeError(f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype)}.")
    return d


def to_numpy_dtype(d) -> np.dtype:
    if type(d) is dtype:
        return d.np
    if d is _builtin_float:
        return float64.np
    if d is _builtin_int:
        return int64.np
    if d is _builtin_bool:
        return bool.np
    return np.dtype(d)


def get_default_dtype() -> dtype:
    return float32


def is_floating(d: dtype) -> _builtin_bool:
    return d.is_floating_point or d.is_complex


# Categories in increasing order: bool < integer < floating < complex.
def _category(d: dtype) -> _builtin_int:
    k = d.np.kind
    return 0 if k == "b" else 1 if k in "iu" else 2 if k == "f" else 3


def promote_types(a: dtype, b: dtype) -> dtype:
    """Promotion of two tensor dtypes on torch's lattice: across categories the higher one
    wins (int64 with float32 is float32, unlike numpy); within one, numpy's widening applies."""
    if a is b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        hi, lo = (a, b) if ca > cb else (b, a)
        if _category(hi) == 3 and lo is float64:
            return complex128
        return hi
    return from_numpy_dtype(np.promote_types(a.np, b.np))


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    """Merge a higher-priority result with a lower-priority one: the lower only matters when
    it belongs to a higher category (an int tensor times a float scalar becomes a float)."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    ch, cl = _category(higher), _category(lower)
    if ch == 3:
        return higher
    if cl == 3:
        return higher.to_complex() if ch == 2 else lower
    if ch == 2:
        return higher
    if ch == 0 or cl == 2:
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> dtype:
    """torch.result_type for any mix of Tensors and Python scalars.

    Three tiers decide, highest first: tensors with dimensions, zero-dim tensors, Python
    numbers (a float counts as the default dtype, an int as int64).
    """
    dim = zero = scalar = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if type(d) is dtype:
            if x._data.ndim if hasattr(x, "_data") else len(x.shape):
                dim = d if dim is None else promote_types(dim, d)
            else:
                zero = d if zero is None else promote_types(zero, d)
            continue
        t = type(x)
        if t is _builtin_bool or isinstance(x, np.bool_):
            s = bool
        elif t is _builtin_int or isinstance(x, np.integer):
            s = int64
        elif t is _builtin_float or isinstance(x, np.floating):
            s = float32
        elif t is _builtin_complex or isinstance(x, np.complexfloating):
            s = complex64
        else:
            raise TypeError(f"unsupported operand type {t.__name__}")
        scalar = s if scalar is None else promote_types(scalar, s)
    out = _combine(dim, _combine(zero, scalar))
    if out is None:
        raise TypeError("result_type needs at least one operand")
    return out
