"""Array creation. Shapes, sizes and ranges are static, so most of these build constants with
numpy directly; only values that may be traced (fill values, linspace end points, sequences
holding tracers) go through primitives, so that derivatives flow through them."""

from __future__ import annotations

import numpy as np

from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.core.trace import EVAL_TRACE, Tracer, current_trace
from fgrad.numpy._promotion import asarray_operand, broadcast_to_shape, cast, result_type

__all__ = [
    "array",
    "asarray",
    "zeros",
    "ones",
    "empty",
    "zeros_like",
    "ones_like",
    "empty_like",
    "full",
    "full_like",
    "arange",
    "linspace",
    "eye",
    "identity",
]


def _fresh(a: np.ndarray):
    """A new array from a creation function. Inside a transform an inexact one becomes a value
    of the current trace that carries nothing yet, so that in-place writes such as
    `a[i] = traced` can be recorded (a numpy array cannot hold a traced value). Integer and
    bool arrays stay numpy arrays: they are indices and masks, which must stay concrete."""
    trace = current_trace()
    if trace is EVAL_TRACE or a.dtype.kind not in "fc":
        return a
    return trace.lift(a)


def _has_tracer(seq) -> bool:
    for e in seq:
        if isinstance(e, Tracer):
            return True
        if isinstance(e, (list, tuple)) and _has_tracer(e):
            return True
    return False


def _stack_sequence(seq, dtype):
    """A (nested) sequence holding tracers, stacked along a new leading axis. As in
    numpy.array, Python numbers in the sequence count as 64-bit values, not weak ones."""
    elems = [_stack_sequence(e, None) if isinstance(e, (list, tuple)) else e for e in seq]
    if not elems:
        return np.asarray(seq, dtype=dtype)
    avals = [get_aval(e) for e in elems]
    if dtype is None:
        dtype = np.result_type(*[a.dtype for a in avals])
    shape = avals[0].shape
    if any(a.shape != shape for a in avals):
        raise ValueError(
            "setting an array element with a sequence. The requested array has an inhomogeneous "
            f"shape: its elements have shapes {[a.shape for a in avals]}."
        )
    parts = [prims.expand_dims(_as_array(cast(e, dtype)), (0,)) for e in elems]
    return prims.concatenate(parts, 0)


def _as_array(x):
    """Static scalars become 0-d arrays so that shape primitives see arrays."""
    return np.asarray(x) if isinstance(x, (bool, int, float, complex, np.generic)) else x


def asarray(a, dtype=None, order=None, *, copy=None):
    """numpy.asarray that also accepts tracers (and sequences holding tracers)."""
    if isinstance(a, Tracer):
        return a if dtype is None else cast(a, dtype)
    if isinstance(a, (list, tuple)) and _has_tracer(a):
        return _stack_sequence(a, None if dtype is None else np.dtype(dtype))
    return np.asarray(a, dtype=dtype, order=order, copy=copy)


def array(object, dtype=None, *, copy=True, ndmin=0):
    """numpy.array that also accepts tracers; concrete inputs give numpy's own result."""
    if isinstance(object, Tracer) or (isinstance(object, (list, tuple)) and _has_tracer(object)):
        out = asarray(object, dtype)
        nd = get_aval(out).ndim
        if ndmin > nd:
            out = prims.expand_dims(out, tuple(range(ndmin - nd)))
        if out is object and copy is not False:
            out = out.__copy__()  # a new object: writes into it must not reach `object`
        return out
    out = np.array(object, dtype=dtype, copy=copy, ndmin=ndmin)
    return _fresh(out) if out is not object else out


def zeros(shape, dtype=float):
    return _fresh(np.zeros(shape, dtype))


def ones(shape, dtype=float):
    return _fresh(np.ones(shape, dtype))


def empty(shape, dtype=float):
    """Zeros: traced programs never read uninitialised memory, and tests stay deterministic."""
    return _fresh(np.zeros(shape, dtype))


def _like(a, dtype, shape):
    aval = get_aval(asarray_operand(a))
    return (aval.shape if shape is None else shape), (aval.dtype if dtype is None else dtype)


def zeros_like(a, dtype=None, shape=None):
    """A constant: zeros carry no dependence on `a`'s values, so no equation is needed."""
    return _fresh(np.zeros(*_like(a, dtype, shape)))


def ones_like(a, dtype=None, shape=None):
    return _fresh(np.ones(*_like(a, dtype, shape)))


def empty_like(a, dtype=None, shape=None):
    return _fresh(np.zeros(*_like(a, dtype, shape)))


def full(shape, fill_value, dtype=None):
    """The fill value may be traced (and broadcastable to `shape`)."""
    if not isinstance(fill_value, Tracer) and not (
        isinstance(fill_value, (list, tuple)) and _has_tracer(fill_value)
    ):
        return _fresh(np.full(shape, fill_value, dtype))
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    v = asarray(fill_value)
    if dtype is not None:
        v = cast(v, dtype)
    return broadcast_to_shape(v, shape)


def full_like(a, fill_value, dtype=None, shape=None):
    shape, dtype = _like(a, dtype, shape)
    return full(shape, fill_value, dtype)


def _static(x, fname: str):
    return x._concretize(fname) if isinstance(x, Tracer) else x


def arange(start, stop=None, step=None, dtype=None):
    """Static bounds only: the result's length must be known when tracing."""
    args = [_static(a, "arange") for a in (start, stop, step)]
    start, stop, step = args
    if stop is None and step is None:
        return np.arange(start, dtype=dtype)
    if step is None:
        return np.arange(start, stop, dtype=dtype)
    return np.arange(start, stop, step, dtype=dtype)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """numpy.linspace; start and stop may be traced (the number of points is static)."""
    num = int(_static(num, "linspace"))
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    if not isinstance(start, Tracer) and not isinstance(stop, Tracer):
        return np.linspace(start, stop, num, endpoint, retstep, dtype, axis)
    from fgrad.numpy._shape import moveaxis
    from fgrad.numpy._ufuncs import add, floor, multiply, subtract, true_divide

    dt = result_type(start, stop, float(num))
    start, stop = asarray(start), asarray(stop)
    start, stop = cast(start, dt), cast(stop, dt)
    div = (num - 1) if endpoint else num
    delta = subtract(stop, start)
    base = np.arange(num, dtype=dt).reshape((num,) + (1,) * get_aval(delta).ndim)
    step = true_divide(delta, div) if div > 0 else delta
    y = add(multiply(base, step), start)
    if endpoint and num > 1:
        stop_b = broadcast_to_shape(stop, get_aval(y).shape[1:])
        nd = get_aval(y).ndim
        head = prims.slice(y, (0,) * nd, (num - 1,) + get_aval(y).shape[1:])
        y = prims.concatenate([head, prims.expand_dims(stop_b, (0,))], 0)
    if axis != 0:
        y = moveaxis(y, 0, axis)
    if dtype is not None:
        if np.dtype(dtype).kind in "iu":
            y = floor(y)
        y = cast(y, dtype)
    if retstep:
        return y, step
    return y


def eye(N, M=None, k=0, dtype=float):
    return _fresh(np.eye(N, M, k, dtype))


def identity(n, dtype=None):
    return _fresh(np.identity(n, dtype))
