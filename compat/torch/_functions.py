"""Small torch functions that are not ops on the graph: predicates and comparisons."""

from __future__ import annotations

import numpy as np

from compat.torch import _dtypes
from compat.torch._tensor import Tensor

__all__ = ["is_tensor", "is_floating_point", "numel", "allclose", "isclose", "equal",
           "result_type"]


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool:
    return input.is_floating_point()


def numel(input) -> int:
    return input.numel()


def _np(x):
    return np.asarray(x._data) if isinstance(x, Tensor) else np.asarray(x)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(np.allclose(_np(input), _np(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    from compat.torch._tensor import make_tensor

    return make_tensor(np.isclose(_np(input), _np(other), rtol=rtol, atol=atol,
                                  equal_nan=equal_nan))


def equal(input, other) -> bool:
    a, b = _np(input), _np(other)
    return a.shape == b.shape and bool(np.array_equal(a, b))


def result_type(tensor1, tensor2):
    return _dtypes.result_type(tensor1, tensor2)
