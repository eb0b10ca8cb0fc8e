"""numpy's own functions on traced values (NEP 13 `__array_ufunc__`, NEP 18
`__array_function__`): `np.sin(x)`, `np.sum(x)`, `np.dot(a, x)` run fgrad.numpy's function of
the same name, so unmodified numpy code is differentiated, vmapped and jitted.

The table maps numpy objects to fgrad.numpy functions and is built from fgrad.numpy's
`__all__`: a numpy name is supported exactly when fgrad.numpy defines it, so the table grows
with fgrad.numpy and never guesses. Anything else raises a TypeError that names the numpy
function; converting the tracer to an array instead would silently drop its derivative.
The table is built on first use because fgrad.numpy imports this layer while it is itself
being imported.
"""

from __future__ import annotations

import numpy as np

from fgrad._util import format_frame, user_frame
from fgrad.core.trace import Tracer

__all__ = ["array_ufunc", "array_function", "dispatch_table"]

_TABLE: dict | None = None
# numpy ufuncs whose meaning on bool arrays is fgrad.numpy's logical operation; they reach us
# from `ndarray & tracer`, so the operators' bool-only check applies.
_BOOL_UFUNCS = {"bitwise_and": "logical_and", "bitwise_or": "logical_or", "invert": "logical_not"}


def dispatch_table() -> dict:
    """{numpy function or ufunc: fgrad.numpy function}, one entry per shared public name."""
    global _TABLE
    if _TABLE is None:
        import fgrad.numpy as fnp

        table = {}
        for name in fnp.__all__:
            np_obj = getattr(np, name, None)
            ours = getattr(fnp, name, None)
            if np_obj is None or isinstance(np_obj, type) or not callable(np_obj):
                continue  # dtypes, constants
            if callable(ours) and ours is not np_obj:
                table[np_obj] = ours
        for sub in ("fft", "linalg"):  # np.fft.fft(x), np.linalg.inv(x) on a traced x
            np_mod, ours_mod = getattr(np, sub), getattr(fnp, sub)
            for name in ours_mod.__all__:
                np_obj = getattr(np_mod, name, None)
                if callable(np_obj) and not isinstance(np_obj, type):
                    table[np_obj] = getattr(ours_mod, name)
        api = Tracer._array_api
        for np_name, api_name in _BOOL_UFUNCS.items():
            table[getattr(np, np_name)] = getattr(api, api_name)
        _TABLE = table
    return _TABLE


def _qualname(func) -> str:
    module = getattr(func, "__module__", None) or "numpy"
    module = "numpy" if module.startswith("numpy._") or module == "numpy" else module
    return f"{module}.{func.__name__}"


def _unsupported(what: str) -> TypeError:
    return TypeError(
        f"{what} was called on a traced value, but fgrad.numpy has no "
        f"{what.removeprefix('numpy.')}, "
        "so it cannot be traced (converting the tracer to a numpy array would silently drop "
        "its derivative, batch axis or staging). Use an fgrad.numpy function that computes the "
        "same thing, or fgrad.stop_gradient(x) and np.asarray outside the transform if you "
        "really want a constant."
    )


def array_ufunc(ufunc, method: str, inputs, kwargs):
    if method == "__call__" and not kwargs:  # the common case: `ndarray @ tracer`, np.sin(x)
        fn = dispatch_table().get(ufunc)
        if fn is not None:
            return fn(*inputs)
    name = f"numpy.{ufunc.__name__}"
    if method != "__call__":
        raise _unsupported(f"{name}.{method}")
    fn = dispatch_table().get(ufunc)
    if fn is None:
        raise _unsupported(name)
    if kwargs.get("out") is not None:
        raise TypeError(
            f"{name}(..., out=...) cannot write a traced result into a numpy array (this is "
            f"also what `a += x` on a numpy array `a` does), at {format_frame(user_frame())}. "
            "Assign the result instead (`a = a + x`, `y = np.f(x)`), or make `a` with "
            "fgrad.numpy inside the function so that `a[i] = x` is recorded."
        )
    extra = {k: v for k, v in kwargs.items() if k != "out" and v is not None}
    if extra:
        raise TypeError(
            f"{name} on traced values does not support the keyword arguments "
            f"{sorted(extra)}; apply fgrad.numpy.{ufunc.__name__} and convert/where afterwards."
        )
    return fn(*inputs)


def array_function(func, types, args, kwargs):
    if not all(issubclass(t, (Tracer, np.ndarray)) for t in types):
        return NotImplemented
    fn = dispatch_table().get(func)
    if fn is None:
        raise _unsupported(_qualname(func))
    return fn(*args, **kwargs)
