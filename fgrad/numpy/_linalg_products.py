"""Products: matmul, dot, inner, outer, vdot, tensordot, all as one `dot_general` each.

dot_general puts batch axes first, then the left operand's free axes, then the right's, which
is already numpy's output order for dot, inner, outer and tensordot; matmul needs a transpose
only when the left operand is a plain matrix and the right one is batched."""

from __future__ import annotations

import numpy as np

from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.core.primitive import bind
from fgrad.core.trace import Tracer
from fgrad.numpy._promotion import (
    asarray_operand,
    broadcast_shapes,
    broadcast_to_shape,
    cast,
    normalize_axis_index,
    ufunc_dtypes,
)

__all__ = ["matmul", "dot", "outer", "inner", "vdot", "tensordot"]


def _operands(ufunc, a, b):
    a, b = asarray_operand(a), asarray_operand(b)
    dts = ufunc_dtypes(ufunc, [get_aval(a), get_aval(b)])
    return _array0(cast(a, dts[0])), _array0(cast(b, dts[1]))


def _array0(x):
    return np.asarray(x) if isinstance(x, (bool, int, float, complex, np.generic)) else x


def _contract(a, b, lc, rc):
    return prims.dot_general(a, b, ((tuple(lc), tuple(rc)), ((), ())))


# A matrix times a matrix or a vector: contract a's axis 1 with b's axis 0.
_MATRIX_PRODUCT = (((1,), (0,)), ((), ()))


def matmul(a, b):
    """numpy's rules: 1-D operands gain (and then lose) an axis; leading axes broadcast."""
    ta, tb = type(a), type(b)
    if (ta is np.ndarray or isinstance(a, Tracer)) and (tb is np.ndarray or isinstance(b, Tracer)):
        # The common case (a layer's x @ W): a matrix times a matrix or a vector of the same
        # inexact dtype, which numpy's loop keeps, is one dot_general, bound directly.
        xa = a if ta is np.ndarray else a.aval
        xb = b if tb is np.ndarray else b.aval
        sa, sb = xa.shape, xb.shape
        if (
            len(sa) == 2
            and 0 < len(sb) <= 2
            and sa[1] == sb[0]
            and xa.dtype == xb.dtype
            and xa.dtype.kind in "fc"
        ):
            return bind(prims.dot_general_p, a, b, dimension_numbers=_MATRIX_PRODUCT)
    a, b = _operands(np.matmul, a, b)
    sa, sb = get_aval(a).shape, get_aval(b).shape
    for i, s in enumerate((sa, sb)):
        if not s:
            raise ValueError(
                f"matmul: Input operand {i} does not have enough dimensions (has 0, gufunc core "
                "with signature (n?,k),(k,m?)->(n?,m?) requires 1)"
            )
    k_b = sb[0] if len(sb) == 1 else sb[-2]
    if sa[-1] != k_b:
        raise ValueError(
            "matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
            f"signature (n?,k),(k,m?)->(n?,m?) (size {k_b} is different from {sa[-1]})"
        )
    na, nb = len(sa), len(sb)
    if na <= 2 or nb <= 2:
        out = _contract(a, b, (na - 1,), (0 if nb == 1 else nb - 2,))
        if na == 2 and nb > 2:
            # (m, batch..., p) -> (batch..., m, p)
            out = prims.transpose(out, tuple(range(1, nb - 1)) + (0, nb - 1))
        return out
    batch = broadcast_shapes(sa[:-2], sb[:-2])
    a = broadcast_to_shape(a, batch + sa[-2:])
    b = broadcast_to_shape(b, batch + sb[-2:])
    nbatch = tuple(range(len(batch)))
    nd = len(batch) + 2
    return prims.dot_general(a, b, (((nd - 1,), (nd - 2,)), (nbatch, nbatch)))


def dot(a, b):
    """Sum over the last axis of a and the second-to-last of b (the only one, if 1-D)."""
    a, b = asarray_operand(a), asarray_operand(b)
    if get_aval(a).ndim == 0 or get_aval(b).ndim == 0:
        from fgrad.numpy._ufuncs import multiply

        return multiply(a, b)
    a, b = _operands(np.matmul, a, b)
    sa, sb = get_aval(a).shape, get_aval(b).shape
    rb = 0 if len(sb) == 1 else len(sb) - 2
    if sa[-1] != sb[rb]:
        raise ValueError(
            f"shapes {sa} and {sb} not aligned: {sa[-1]} (dim {len(sa) - 1}) != {sb[rb]} "
            f"(dim {rb})"
        )
    return _contract(a, b, (len(sa) - 1,), (rb,))


def inner(a, b):
    """Sum over the last axes of both."""
    a, b = asarray_operand(a), asarray_operand(b)
    if get_aval(a).ndim == 0 or get_aval(b).ndim == 0:
        from fgrad.numpy._ufuncs import multiply

        return multiply(a, b)
    a, b = _operands(np.matmul, a, b)
    sa, sb = get_aval(a).shape, get_aval(b).shape
    if sa[-1] != sb[-1]:
        raise ValueError("shapes of the last dimensions of a and b must match for inner")
    return _contract(a, b, (len(sa) - 1,), (len(sb) - 1,))


def _flat(x):
    return prims.reshape(x, (get_aval(x).size,))


def outer(a, b):
    a, b = _operands(np.multiply, a, b)
    return _contract(_flat(a), _flat(b), (), ())


def vdot(a, b):
    """Dot product of the flattened arrays, conjugating the first when it is complex."""
    a, b = _operands(np.matmul, a, b)
    a, b = _flat(a), _flat(b)
    if get_aval(a).dtype.kind == "c":
        a = prims.conj(a)
    if get_aval(a).size != get_aval(b).size:
        raise ValueError("cannot reshape array: vdot needs arrays of equal size")
    return _contract(a, b, (0,), (0,))


def tensordot(a, b, axes=2):
    """axes = N (last N of a with first N of b) or a pair of axis sequences."""
    a, b = _operands(np.matmul, a, b)
    sa, sb = get_aval(a).shape, get_aval(b).shape
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > len(sa) or n > len(sb):
            raise ValueError(f"tensordot: axes={n} is out of range for shapes {sa} and {sb}")
        la, lb = list(range(len(sa) - n, len(sa))), list(range(n))
    else:
        la, lb = axes
        la = [la] if isinstance(la, (int, np.integer)) else list(la)
        lb = [lb] if isinstance(lb, (int, np.integer)) else list(lb)
        if len(la) != len(lb):
            raise ValueError("shape-mismatch for sum")
        la = [normalize_axis_index(i, len(sa)) for i in la]
        lb = [normalize_axis_index(i, len(sb)) for i in lb]
    if any(sa[i] != sb[j] for i, j in zip(la, lb)):
        raise ValueError("shape-mismatch for sum")
    return _contract(a, b, la, lb)
