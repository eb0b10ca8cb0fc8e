"""Vector and matrix norms of fgrad.numpy.linalg (norm, vector_norm, matrix_norm), and the
safe square root and |x| they are built on: at a zero vector the 2-norm (and 'fro' and the
p-norms) has gradient 0, the subgradient of smallest norm, and second derivatives 0.
"""

from __future__ import annotations

import operator

import numpy as np

import fgrad.numpy as fnp
from fgrad import prims
from fgrad.numpy._linalg_common import _dtype, _float_operand, _real_dtype, _shape, _singular_values
from fgrad.numpy._promotion import cast, normalize_axis_index


def _abs2(x):
    if _dtype(x).kind == "c":
        return fnp.add(fnp.square(prims.real(x)), fnp.square(prims.imag(x)))
    return fnp.multiply(x, x)


def _safe_root(s, p=2):
    """s ** (1 / p) with 0 at s == 0 and a zero derivative there (not inf * 0 = nan)."""
    positive = fnp.greater(s, 0)
    safe = fnp.where(positive, s, np.ones((), _dtype(s)))
    root = fnp.sqrt(safe) if p == 2 else fnp.power(safe, 1.0 / p)
    return fnp.where(positive, root, np.zeros((), _dtype(s)))


def _abs(x):
    """|x|, with a zero derivative at 0 also for complex x."""
    return _safe_root(_abs2(x)) if _dtype(x).kind == "c" else fnp.abs(x)


def _vector_norm(x, ord, axes, keepdims):  # noqa: A002 - numpy's name
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if ord is None or ord == 2:
        return _safe_root(fnp.sum(_abs2(x), axis=axes, keepdims=keepdims))
    if ord == np.inf:
        return fnp.max(_abs(x), axis=axes, keepdims=keepdims)
    if ord == -np.inf:
        return fnp.min(_abs(x), axis=axes, keepdims=keepdims)
    if ord == 0:
        nonzero = fnp.not_equal(x, np.zeros((), _dtype(x)))
        return fnp.sum(cast(nonzero, _real_dtype(_dtype(x))), axis=axes, keepdims=keepdims)
    if ord == 1:
        return fnp.sum(_abs(x), axis=axes, keepdims=keepdims)
    p = float(ord)
    powered = fnp.power(_abs(x), np.asarray(p, _real_dtype(_dtype(x))))
    return _safe_root(fnp.sum(powered, axis=axes, keepdims=keepdims), p)


def _matrix_norm(x, ord, axes, keepdims):  # noqa: A002 - numpy's name
    row, col = axes
    if ord in (None, "fro", "f"):
        out = _safe_root(fnp.sum(_abs2(x), axis=axes))
    elif ord in ("nuc", 2, -2):
        s = _singular_values(fnp.moveaxis(x, (row, col), (-2, -1)))
        reduce = {"nuc": fnp.sum, 2: fnp.max, -2: fnp.min}[ord]
        out = reduce(s, axis=-1)
    elif ord in (1, -1, np.inf, -np.inf):
        summed, kept = (row, col) if ord in (1, -1) else (col, row)
        sums = fnp.sum(_abs(x), axis=summed)
        kept = kept - 1 if kept > summed else kept
        out = (fnp.max if ord in (1, np.inf) else fnp.min)(sums, axis=kept)
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        out = fnp.expand_dims(out, tuple(sorted((row, col))))
    return out


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - numpy's name
    """numpy.linalg.norm: vector norms along one axis (ord None/2, 1, inf, -inf, 0, any p),
    matrix norms along two (None/'fro', 'nuc', 1, -1, 2, -2, inf, -inf). The gradient of the
    2-norm (and of 'fro' and p-norms) at a zero vector is 0, the subgradient of smallest norm;
    the second derivatives there are 0 too."""
    x = _float_operand(x)
    nd = len(_shape(x))
    if axis is None:
        if ord is None:
            out = _safe_root(fnp.sum(_abs2(fnp.ravel(x))))
            return fnp.reshape(out, (1,) * nd) if keepdims else out
        if nd == 1:
            axis = (0,)
        elif nd == 2:
            axis = (0, 1)
        else:
            raise ValueError("Improper number of dimensions to norm.")
    elif isinstance(axis, (int, np.integer)):
        axis = (int(axis),)
    axis = tuple(normalize_axis_index(operator.index(a), nd) for a in axis)
    if len(axis) == 1:
        return _vector_norm(x, ord, axis[0], keepdims)
    if len(axis) == 2:
        if axis[0] == axis[1]:
            raise ValueError("Duplicate axes given.")
        return _matrix_norm(x, ord, axis, keepdims)
    raise ValueError("Improper number of dimensions to norm.")


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):  # noqa: A002 - numpy's name
    """The norm of x as a vector along `axis` (several axes at once are flattened together;
    axis=None: all of x)."""
    x = _float_operand(x)
    nd = len(_shape(x))
    if axis is None:
        out = _vector_norm(fnp.ravel(x), ord, 0, False)
        return fnp.reshape(out, (1,) * nd) if keepdims else out
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(sorted(normalize_axis_index(a, nd) for a in axes))
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    rest = [i for i in range(nd) if i not in axes]
    moved = fnp.transpose(x, rest + list(axes))
    flat = fnp.reshape(moved, tuple(_shape(x)[i] for i in rest) + (-1,))
    out = _vector_norm(flat, ord, -1, False)
    return fnp.expand_dims(out, axes) if keepdims else out


def matrix_norm(x, /, *, keepdims=False, ord="fro"):  # noqa: A002 - numpy's name
    x = _float_operand(x)
    nd = len(_shape(x))
    if nd < 2:
        raise ValueError("matrix_norm needs an array of at least two dimensions")
    return _matrix_norm(x, ord, (nd - 2, nd - 1), keepdims)
