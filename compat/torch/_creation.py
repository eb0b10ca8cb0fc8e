"""Tensor creation: torch's dtype inference (Python floats are float32, ints int64) and the
factory functions. `manual_seed` drives a numpy Generator, the RNG state compat may keep;
values differ from torch's own generator, shapes and dtypes do not."""

from __future__ import annotations

import numbers

import numpy as np

from compat.torch import _dtypes
from compat.torch import _tensor as _t
from fgrad.extend import Tracer

__all__ = [
    "tensor", "as_tensor", "from_numpy", "ones", "zeros", "full", "empty", "ones_like",
    "zeros_like", "full_like", "empty_like", "rand", "randn", "rand_like", "randn_like",
    "randint", "randperm", "arange", "linspace", "eye", "manual_seed", "seed", "initial_seed",
    "Generator", "scalar_tensor",
]


class Generator:
    """A seeded source of random numbers (numpy's PCG64 underneath)."""

    def __init__(self, device="cpu"):
        self._seed = 0
        self._rng = np.random.default_rng(0)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rng = np.random.default_rng(int(seed))
        return self

    def initial_seed(self):
        return self._seed


_default_generator = Generator()


def manual_seed(seed):
    return _default_generator.manual_seed(seed)


def seed():
    s = int(np.random.SeedSequence().entropy % (2**63))
    _default_generator.manual_seed(s)
    return s


def initial_seed():
    return _default_generator.initial_seed()


def _infer_dtype(data):
    """torch's inference for nested Python data: bool < int64 < float32 (< complex64)."""
    kind = 0
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, _t.Tensor):
            kind = max(kind, {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}[x._data.dtype.kind])
        elif isinstance(x, (bool, np.bool_)):
            pass
        elif isinstance(x, numbers.Integral):
            kind = max(kind, 1)
        elif isinstance(x, numbers.Real):
            kind = max(kind, 2)
        elif isinstance(x, numbers.Complex):
            kind = 3
        else:
            raise TypeError(f"Could not infer dtype of {type(x).__name__}")
    return (_dtypes.bool, _dtypes.int64, _dtypes.float32, _dtypes.complex64)[kind]


def _unwrap(data):
    if isinstance(data, _t.Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_unwrap(x) for x in data]
    return data


def _finish(arr, requires_grad):
    t = _t.make_tensor(arr)
    if requires_grad:
        if arr.dtype.kind not in "fc":
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"
            )
        t._requires_grad = True
    return t


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data`."""
    if isinstance(data, Tracer) or (isinstance(data, _t.Tensor) and isinstance(data._data,
                                                                               Tracer)):
        d = data._data if isinstance(data, _t.Tensor) else data
        if dtype is not None:
            from fgrad import lax

            d = lax.convert_element_type(d, _dtypes.to_numpy_dtype(dtype))
        return _finish(d, requires_grad)
    if isinstance(data, np.ndarray):
        np_dtype = _dtypes.to_numpy_dtype(dtype) if dtype is not None else data.dtype
        arr = np.array(data, dtype=np_dtype, copy=True)
        _dtypes.from_numpy_dtype(arr.dtype)
    elif isinstance(data, np.generic):
        arr = np.array(data, dtype=_dtypes.to_numpy_dtype(dtype) if dtype else data.dtype)
    else:
        dt = _infer_dtype(data) if dtype is None else dtype
        arr = np.array(_unwrap(data), dtype=_dtypes.to_numpy_dtype(dt))
    return _finish(arr, requires_grad)


def scalar_tensor(s, *, dtype=None, requires_grad=False):
    return tensor(s, dtype=dtype or _dtypes.float32, requires_grad=requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Shares memory with a numpy array or tensor of the same dtype; copies otherwise."""
    if isinstance(data, _t.Tensor):
        return data if dtype is None or data.dtype is dtype else data.to(dtype)
    if isinstance(data, Tracer):
        return tensor(data, dtype=dtype)
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype.np):
        _dtypes.from_numpy_dtype(data.dtype)
        return _t.make_tensor(data)
    return tensor(data, dtype=dtype)


def from_numpy(ndarray):
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtypes.from_numpy_dtype(ndarray.dtype)
    return _t.make_tensor(ndarray)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(int(s) for s in size)


def _factory(fill, size, dtype, requires_grad, default=None):
    dt = dtype or default or _dtypes.float32
    arr = np.full(_size(size), fill, dtype=_dtypes.to_numpy_dtype(dt))
    return _finish(arr, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _factory(1, size, dtype, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _factory(0, size, dtype, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    return _factory(0, size, dtype, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = (_dtypes.bool if isinstance(fill_value, bool) else
                 _dtypes.int64 if isinstance(fill_value, numbers.Integral) else
                 _dtypes.complex64 if isinstance(fill_value, complex) else _dtypes.float32)
    return _factory(fill_value, (tuple(size),), dtype, requires_grad)


def _like(x, fill, dtype, requires_grad):
    return _factory(fill, (tuple(x.shape),), dtype or x.dtype, requires_grad)


def ones_like(input, *, dtype=None, requires_grad=False):
    return _like(input, 1, dtype, requires_grad)


def zeros_like(input, *, dtype=None, requires_grad=False):
    return _like(input, 0, dtype, requires_grad)


def empty_like(input, *, dtype=None, requires_grad=False):
    return _like(input, 0, dtype, requires_grad)


def full_like(input, fill_value, *, dtype=None, requires_grad=False):
    return _like(input, fill_value, dtype, requires_grad)


def rand(*size, generator=None, dtype=None, requires_grad=False):
    g = generator or _default_generator
    dt = _dtypes.to_numpy_dtype(dtype or _dtypes.float32)
    return _finish(g._rng.random(_size(size)).astype(dt), requires_grad)


def randn(*size, generator=None, dtype=None, requires_grad=False):
    g = generator or _default_generator
    dt = _dtypes.to_numpy_dtype(dtype or _dtypes.float32)
    return _finish(g._rng.standard_normal(_size(size)).astype(dt), requires_grad)


def rand_like(input, *, dtype=None, requires_grad=False):
    return rand(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, requires_grad=False):
    return randn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None):
    if high is None:
        low, high = 0, low
    g = generator or _default_generator
    dt = _dtypes.to_numpy_dtype(dtype or _dtypes.int64)
    return _t.make_tensor(g._rng.integers(low, high, size=tuple(size)).astype(dt))


def randperm(n, *, generator=None, dtype=None):
    g = generator or _default_generator
    return _t.make_tensor(g._rng.permutation(n).astype(_dtypes.to_numpy_dtype(
        dtype or _dtypes.int64)))


def arange(start, end=None, step=1, *, dtype=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    vals = [start, end, step]
    if dtype is None:
        dtype = _dtypes.int64 if all(
            isinstance(v, numbers.Integral) for v in vals) else _dtypes.float32
    n = int(np.ceil((end - start) / step))
    arr = (start + step * np.arange(max(n, 0), dtype=np.float64)).astype(
        _dtypes.to_numpy_dtype(dtype)) if dtype.is_floating_point else np.arange(
        start, end, step).astype(_dtypes.to_numpy_dtype(dtype))
    return _finish(arr, requires_grad)


def linspace(start, end, steps, *, dtype=None, requires_grad=False):
    dt = _dtypes.to_numpy_dtype(dtype or _dtypes.float32)
    return _finish(np.linspace(start, end, steps).astype(dt), requires_grad)


def eye(n, m=None, *, dtype=None, requires_grad=False):
    dt = _dtypes.to_numpy_dtype(dtype or _dtypes.float32)
    return _finish(np.eye(n, m, dtype=dt), requires_grad)
