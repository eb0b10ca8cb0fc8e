"""What makes a tracer behave like a numpy array: its operators and its methods.

`fgrad.core.trace.Tracer` cannot import this layer (core sits below it), so its operators
call `Tracer._array_api`, and `fgrad/numpy/__init__.py` installs one `ArrayAPI` there at
import. Methods are looked up in explicit tables, one entry per supported name.
"""

from __future__ import annotations

from fgrad.core.avals import get_aval
from fgrad.numpy import (
    _complex,
    _dispatch,
    _indexing,
    _linalg_products,
    _more_shape,
    _reductions,
    _shape,
    _sorting,
    _ufuncs,
    _ufuncs_more,
)
from fgrad.numpy._promotion import asarray_operand, cast

__all__ = ["ArrayAPI"]


def _bool_only(op: str, *xs) -> None:
    """`&`, `|`, `~` mean logical operations on bools; on integers numpy means bitwise ones,
    which fgrad does not implement, so refuse rather than silently compute the logical op."""
    for x in xs:
        dtype = get_aval(asarray_operand(x)).dtype
        if dtype.kind != "b":
            raise TypeError(
                f"The {op} operator on traced {dtype.name} values would be a bitwise operation, "
                "which fgrad.numpy does not implement. On bool arrays it is the logical "
                "operation; for truth values of numbers use fnp.logical_and / logical_or / "
                "logical_not (or compare first, e.g. (x > 0) & (y > 0))."
            )


def _shape_args(args):
    """x.reshape(2, 3) and x.reshape((2, 3)) mean the same, as do the forms of transpose."""
    if len(args) == 1 and (args[0] is None or isinstance(args[0], (tuple, list))):
        return args[0]
    return args


def _reshape(x, *shape, order="C"):
    return _shape.reshape(x, _shape_args(shape), order)


def _transpose(x, *axes):
    axes = _shape_args(axes)
    return _shape.transpose(x, axes if axes else None)


def _astype(x, dtype, copy=True):
    return cast(x, dtype)


def _clip(x, min=None, max=None):
    return _shape.clip(x, min, max)


def _flatten(x, order="C"):
    return _shape.ravel(x, order)


def _mT(x):
    nd = get_aval(x).ndim
    if nd < 2:
        raise ValueError("matrix transpose with ndim < 2 is undefined")
    return _shape.swapaxes(x, -1, -2)


def _copy(x, order="C"):
    """A new array object with the same value: assigning into the copy (`y[i] = v`) must not
    change `x`."""
    return x.__copy__()


def _sort_in_place(x, axis=-1, kind=None, order=None, *, stable=None):
    """numpy's x.sort() sorts in place and returns None; so does a traced array made inside
    the transformed function (recorded as x = sort(x), see Tracer.__setitem__)."""
    x._assign(_sorting.sort(x, axis, kind, order, stable=stable), "x.sort()")


_METHODS = {
    "reshape": _reshape,
    "transpose": _transpose,
    "astype": _astype,
    "squeeze": _shape.squeeze,
    "ravel": _shape.ravel,
    "flatten": _flatten,
    "swapaxes": _shape.swapaxes,
    "clip": _clip,
    "dot": _linalg_products.dot,
    "sum": _reductions.sum,
    "prod": _reductions.prod,
    "mean": _reductions.mean,
    "var": _reductions.var,
    "std": _reductions.std,
    "max": _reductions.max,
    "min": _reductions.min,
    "argmax": _reductions.argmax,
    "argmin": _reductions.argmin,
    "cumsum": _reductions.cumsum,
    "any": _reductions.any,
    "all": _reductions.all,
    "conj": _complex.conjugate,
    "conjugate": _complex.conjugate,
    "copy": _copy,
    "round": _ufuncs_more.round,
    "argsort": _sorting.argsort,
    "searchsorted": _sorting.searchsorted,
    "sort": _sort_in_place,
    "cumprod": _more_shape.cumprod,
    "diagonal": _more_shape.diagonal,
    "trace": _more_shape.trace,
    "repeat": _more_shape.repeat,
    "take": _more_shape.take,
    "ptp": _more_shape.ptp,
}

_PROPERTIES = {
    "T": lambda x: _shape.transpose(x),
    "mT": _mT,
    "real": _complex.real,
    "imag": _complex.imag,
    "at": _indexing.IndexUpdateHelper,
}


class _BoundMethod:
    """A method of a traced array, e.g. `x.sum`, with a readable repr."""

    __slots__ = ("fn", "x", "name")

    def __init__(self, fn, x, name):
        self.fn, self.x, self.name = fn, x, name

    def __call__(self, *args, **kwargs):
        return self.fn(self.x, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<bound method {self.name} of {self.x!r}>"


class ArrayAPI:
    """The operators and methods of tracers, with numpy semantics."""

    add = staticmethod(_ufuncs.add)
    subtract = staticmethod(_ufuncs.subtract)
    multiply = staticmethod(_ufuncs.multiply)
    true_divide = staticmethod(_ufuncs.true_divide)
    floor_divide = staticmethod(_ufuncs.floor_divide)
    remainder = staticmethod(_ufuncs.remainder)
    power = staticmethod(_ufuncs.power)
    matmul = staticmethod(_linalg_products.matmul)
    negative = staticmethod(_ufuncs.negative)
    abs = staticmethod(_ufuncs.absolute)
    equal = staticmethod(_ufuncs.equal)
    not_equal = staticmethod(_ufuncs.not_equal)
    less = staticmethod(_ufuncs.less)
    less_equal = staticmethod(_ufuncs.less_equal)
    greater = staticmethod(_ufuncs.greater)
    greater_equal = staticmethod(_ufuncs.greater_equal)
    getitem = staticmethod(_indexing.getitem)
    round = staticmethod(_ufuncs_more.round)

    @staticmethod
    def setitem(x, index, value):
        return _indexing.IndexUpdateRef(x, index).set(value)

    array_ufunc = staticmethod(_dispatch.array_ufunc)
    array_function = staticmethod(_dispatch.array_function)

    @staticmethod
    def logical_and(x, y):
        _bool_only("&", x, y)
        return _ufuncs.logical_and(x, y)

    @staticmethod
    def logical_or(x, y):
        _bool_only("|", x, y)
        return _ufuncs.logical_or(x, y)

    @staticmethod
    def logical_xor(x, y):
        _bool_only("^", x, y)
        return _ufuncs.logical_xor(x, y)

    @staticmethod
    def logical_not(x):
        _bool_only("~", x)
        return _ufuncs.logical_not(x)

    def getattr(self, x, name: str):
        prop = _PROPERTIES.get(name)
        if prop is not None:
            return prop(x)
        fn = _METHODS.get(name)
        if fn is not None:
            return _BoundMethod(fn, x, name)
        raise AttributeError(
            f"traced arrays have no attribute {name!r} (fgrad.numpy supports the array "
            f"methods {', '.join(sorted(_METHODS))} and the properties "
            f"{', '.join(sorted(_PROPERTIES))})"
        )
