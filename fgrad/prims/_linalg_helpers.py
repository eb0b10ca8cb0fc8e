"""The pieces every linear-algebra primitive module (linalg, linalg_solve, matfuncs) shares:
traceable matrix operations on stacks of matrices (leading axes are batch axes), written with
the wrappers of the other primitive families so that jvps built from them differentiate again;
the operand checks of the abstract_eval rules; and the one way each kind of rule of this family
is registered: `_jvp` (binds the primitive and skips the rule when every tangent is zero),
`_linear_in_last` (transpose of a primitive linear in its last operand), and
`_linalg_primitive` (the Primitive with its batching rule: numpy.linalg maps over leading axes).
"""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.markers import UndefinedPrimal, Zero
from fgrad.core.primitive import Primitive, bind
from fgrad.prims.arith import add, div, eq, mul, select, sub
from fgrad.prims.base import full_like, zero_tangent
from fgrad.prims.dot import dot_general
from fgrad.prims.reduce import reduce_sum
from fgrad.prims.shape import (
    bdim_to_front,
    broadcast_batch,
    broadcast_in_dim,
    concatenate,
    slice,
    transpose,
)

__all__ = ["matrix_transpose", "batch_matmul"]


def matrix_transpose(x):
    nd = get_aval(x).ndim
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def batch_matmul(a, b):
    """a (..., m, k) @ b (..., k, n), equal batch axes."""
    nd = get_aval(a).ndim
    batch = tuple(range(nd - 2))
    return dot_general(a, b, (((nd - 1,), (nd - 2,)), (batch, batch)))


_T = matrix_transpose
_mm = batch_matmul


def _matrix_const(x, c, dtype=None):
    """A constant matrix (or vector) broadcast over the batch axes of x, in x's dtype unless
    given (bool masks for select)."""
    aval = get_aval(x)
    c = np.asarray(c, aval.dtype if dtype is None else dtype)
    shape = aval.shape[: aval.ndim - c.ndim] + c.shape
    n = len(shape)
    return broadcast_in_dim(c, shape, tuple(range(n - c.ndim, n)))


def _tri(x, k: int, lower: bool):
    """tril(x, k) or triu(x, k) on the last two axes."""
    m, n = get_aval(x).shape[-2:]
    keep = np.tri(m, n, k, dtype=bool) if lower else ~np.tri(m, n, k - 1, dtype=bool)
    return mul(x, _matrix_const(x, keep))


def _eye_mask(x):
    m, n = get_aval(x).shape[-2:]
    return _matrix_const(x, np.eye(m, n))


def _diagonal(x):
    """(..., n, n) -> (..., n)."""
    return reduce_sum(mul(x, _eye_mask(x)), (get_aval(x).ndim - 1,))


def _trace(x):
    nd = get_aval(x).ndim
    return reduce_sum(mul(x, _eye_mask(x)), (nd - 2, nd - 1))


def _cols(x, v):
    """x[..., i, j] * v[..., j]."""
    shape = get_aval(x).shape
    nd = len(shape)
    return mul(x, broadcast_in_dim(v, shape, tuple(range(nd - 2)) + (nd - 1,)))


def _rows(x, v):
    """x[..., i, j] * v[..., i]."""
    shape = get_aval(x).shape
    nd = len(shape)
    return mul(x, broadcast_in_dim(v, shape, tuple(range(nd - 1))))


def _concat(xs, axis: int):
    """concatenate along a negative axis."""
    return concatenate(xs, get_aval(xs[0]).ndim + axis)


def _sym(x):
    return mul(add(x, _T(x)), full_like(x, 0.5))


def _block(x, rows, cols):
    """x[..., r0:r1, c0:c1]."""
    shape = get_aval(x).shape
    nb = len(shape) - 2
    return slice(x, (0,) * nb + (rows[0], cols[0]), shape[:nb] + (rows[1], cols[1]))


def _reciprocal_gaps(w):
    """F[..., i, j] = 1 / (w_j - w_i) off the diagonal, 0 on it."""
    shape = get_aval(w).shape
    nd = len(shape)
    sq = shape + shape[-1:]
    wj = broadcast_in_dim(w, sq, tuple(range(nd - 1)) + (nd,))
    wi = broadcast_in_dim(w, sq, tuple(range(nd)))
    eye = _matrix_const(wj, np.eye(shape[-1]))
    return sub(div(full_like(wj, 1.0), add(sub(wj, wi), eye)), eye)


def _safe_reciprocal(s):
    """1 / s, and 0 where s == 0."""
    zero = eq(s, full_like(s, 0.0))
    return select(zero, full_like(s, 0.0), div(full_like(s, 1.0), select(zero, full_like(s, 1.0),
                                                                        s)))


def _check_square(name, x: ShapedArray):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise TypeError(f"{name} needs square matrices (..., n, n), got {x.str_short()}")


def _check_inexact(name, *avals, kinds="f"):
    for a in avals:
        if a.dtype.kind not in kinds:
            what = "float" if kinds == "f" else "float or complex"
            raise TypeError(
                f"{name} needs {what} matrices, got {a.str_short()} (fgrad.numpy.linalg "
                "converts integer input to float64 for you)"
            )


def _check_pair(name, a: ShapedArray, b: ShapedArray):
    if a.dtype != b.dtype or a.shape[:-2] != b.shape[:-2] or b.ndim != a.ndim:
        raise TypeError(
            f"{name} needs operands of one dtype with equal batch axes, got {a.str_short()} and "
            f"{b.str_short()} (fgrad.numpy.linalg broadcasts them for you)"
        )


def _square_abstract(name, kinds="f"):
    """abstract_eval of a primitive taking square matrices to matrices of the same shape and
    dtype."""

    def abstract_eval(a):
        _check_square(name, a)
        _check_inexact(name, a, kinds=kinds)
        return a.strip_weak()

    return abstract_eval


def _jvp(prim):
    """Installs prim's jvp from `rule(ans, *primals, *tangents, **params)`, the tangent (or list
    of tangents) of the result `ans`; it is called only when some tangent is nonzero, all-zero
    tangents give zero tangents."""

    def register(rule):
        def jvp(primals, tangents, **params):
            ans = bind(prim, *primals, **params)
            if all(type(t) is Zero for t in tangents):
                if prim.multiple_results:
                    return ans, [zero_tangent(o) for o in ans]
                return ans, zero_tangent(ans)
            return ans, rule(ans, *primals, *tangents, **params)

        prim.def_jvp(jvp)
        return rule

    return register


def _linear_in_last(prim, what):
    """Installs prim's transpose for a primitive linear in its last operand (`what`, as the error
    names it) only, from `adjoint(ct, *other_operands, **params)`, the transposed map."""

    def register(adjoint):
        def transpose(ct, *args, **params):
            if any(type(x) is UndefinedPrimal for x in args[:-1]):
                raise TypeError(f"{prim.name} is linear in its {what} only")
            if type(ct) is Zero:
                return [None] * len(args)
            return [None] * (len(args) - 1) + [adjoint(ct, *args[:-1], **params)]

        prim.def_transpose(transpose)
        return adjoint

    return register


def _front_batch(prim):
    """numpy.linalg maps over leading axes: the batch axis goes first, and unbatched operands
    get a leading axis too (a broadcast view)."""

    def batch(args, bdims, **params):
        size = next(get_aval(a).shape[d] for a, d in zip(args, bdims) if d is not None)
        moved = [broadcast_batch(a, size) if d is None else bdim_to_front(a, d)
                 for a, d in zip(args, bdims)]
        out = bind(prim, *moved, **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)

    return batch


def _linalg_primitive(name, *, multiple_results=False):
    """A Primitive with the batching rule every linear-algebra primitive has (`_front_batch`)."""
    prim = Primitive(name, multiple_results=multiple_results)
    prim.def_batch(_front_batch(prim))
    return prim


def _scalar_result(x):
    x = np.asarray(x)
    return x[()] if x.ndim == 0 else x
