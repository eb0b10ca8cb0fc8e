"""dot_general: the one contraction primitive (matmul, dot, einsum pairs, batched products)."""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.primitive import Primitive, bind
from fgrad.prims.base import _strict_avals, defbilinear
from fgrad.prims.shape import bdim_to_front, transpose

__all__ = ["dot_general_p", "dot_general"]

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _ranges(dimension_numbers, lhs_ndim, rhs_ndim):
    (lc, rc), (lb, rb) = dimension_numbers
    lf = [i for i in range(lhs_ndim) if i not in lc and i not in lb]
    rf = [i for i in range(rhs_ndim) if i not in rc and i not in rb]
    return lc, rc, lb, rb, lf, rf


def _einsum_spec(dimension_numbers, lhs_ndim, rhs_ndim) -> str:
    lc, rc, lb, rb, lf, rf = _ranges(dimension_numbers, lhs_ndim, rhs_ndim)
    lhs = [""] * lhs_ndim
    rhs = [""] * rhs_ndim
    it = iter(_LETTERS)
    out = []
    for a, b in zip(lb, rb):
        lhs[a] = rhs[b] = c = next(it)
        out.append(c)
    for a, b in zip(lc, rc):
        lhs[a] = rhs[b] = next(it)
    for a in lf:
        lhs[a] = c = next(it)
        out.append(c)
    for b in rf:
        rhs[b] = c = next(it)
        out.append(c)
    return f"{''.join(lhs)},{''.join(rhs)}->{''.join(out)}"


# out[batch, lhs_free, rhs_free] = sum over contracted axes of lhs * rhs
# d out = dot(dlhs, rhs) + dot(lhs, drhs); transposes contract the cotangent with the other side
dot_general_p = Primitive("dot_general")


@dot_general_p.def_impl
def _dot_general_impl(lhs, rhs, *, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    lhs, rhs = np.asarray(lhs), np.asarray(rhs)
    if not lb and lhs.ndim == 2 and rhs.ndim == 2 and len(lc) == 1:
        # any 2-D contraction is one BLAS call on (transposed) views; einsum would copy
        return np.matmul(lhs.T if lc == (0,) else lhs, rhs.T if rc == (1,) else rhs)
    if not lb and lhs.ndim <= 2 and rhs.ndim <= 2 and len(lc) == 1:
        if lc == (lhs.ndim - 1,) and rc == (0,):
            return np.matmul(lhs, rhs) if lhs.ndim and rhs.ndim else np.dot(lhs, rhs)
    if not lb and not lc:
        return np.multiply.outer(lhs, rhs)
    spec = _einsum_spec(dimension_numbers, lhs.ndim, rhs.ndim)
    # with nothing to contract (batched outer products, per-example gradients) there is no
    # BLAS call to find, and the path search only costs: einsum's own loop is ~1.5x faster
    return np.einsum(spec, lhs, rhs, optimize=bool(lc))


@dot_general_p.def_abstract_eval
def _dot_general_abstract(lhs, rhs, *, dimension_numbers):
    _strict_avals("dot_general", (ShapedArray((), lhs.dtype), ShapedArray((), rhs.dtype)))
    lc, rc, lb, rb, lf, rf = _ranges(dimension_numbers, lhs.ndim, rhs.ndim)
    if any(lhs.shape[a] != rhs.shape[b] for a, b in zip(lc + lb, rc + rb)) or len(lc) != len(
        rc
    ) or len(lb) != len(rb):
        raise TypeError(
            f"dot_general: contracting/batch axes do not match for {lhs.str_short()} and "
            f"{rhs.str_short()} with dimension_numbers {dimension_numbers}"
        )
    shape = tuple(lhs.shape[a] for a in lb) + tuple(lhs.shape[a] for a in lf) + tuple(
        rhs.shape[b] for b in rf
    )
    return ShapedArray(shape, lhs.dtype, lhs.weak_type and rhs.weak_type)


def _dot_lhs_transpose(ct, x_aval, y, *, dimension_numbers):
    """ct has axes (batch, lhs_free, rhs_free); contract rhs_free with y's free axes."""
    x_ndim, y_ndim = x_aval.ndim, get_aval(y).ndim
    lc, rc, lb, rb, lf, rf = _ranges(dimension_numbers, x_ndim, y_ndim)
    nb, nlf = len(lb), len(lf)
    ct_rf = tuple(range(nb + nlf, nb + nlf + len(rf)))
    dims = ((ct_rf, tuple(rf)), (tuple(range(nb)), tuple(rb)))
    # result axes: batch, lhs_free (from ct), rhs contracted (from y) -> lhs's own order
    out = dot_general(ct, y, dims)
    y_kept = [b for b in range(y_ndim) if b not in rf and b not in rb]  # = rc in y's order
    src_of = {}
    for i, a in enumerate(lb):
        src_of[a] = i
    for i, a in enumerate(lf):
        src_of[a] = nb + i
    for i, b in enumerate(y_kept):
        src_of[lc[rc.index(b)]] = nb + nlf + i
    return transpose(out, tuple(src_of[a] for a in range(x_ndim)))


def _dot_rhs_transpose(ct, x, y_aval, *, dimension_numbers):
    x_ndim, y_ndim = get_aval(x).ndim, y_aval.ndim
    lc, rc, lb, rb, lf, rf = _ranges(dimension_numbers, x_ndim, y_ndim)
    nb, nlf = len(lb), len(lf)
    ct_lf = tuple(range(nb, nb + nlf))
    dims = ((ct_lf, tuple(lf)), (tuple(range(nb)), tuple(lb)))
    out = dot_general(ct, x, dims)  # axes: batch, rhs_free, x's kept (contracted) axes
    x_kept = [a for a in range(x_ndim) if a not in lf and a not in lb]
    src_of = {}
    for i, b in enumerate(rb):
        src_of[b] = i
    for i, b in enumerate(rf):
        src_of[b] = nb + i
    for i, a in enumerate(x_kept):
        src_of[rc[lc.index(a)]] = nb + len(rf) + i
    return transpose(out, tuple(src_of[b] for b in range(y_ndim)))


defbilinear(dot_general_p, _dot_lhs_transpose, _dot_rhs_transpose)


@dot_general_p.def_batch
def _dot_general_batch(args, bdims, *, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    lhs, rhs = args
    ld, rd = bdims
    if ld is not None and rd is not None:
        lhs, rhs = bdim_to_front(lhs, ld), bdim_to_front(rhs, rd)
        sh = lambda axes: tuple(a + 1 for a in axes)  # noqa: E731
        dims = ((sh(lc), sh(rc)), ((0,) + sh(lb), (0,) + sh(rb)))
        return dot_general(lhs, rhs, dims), 0
    if ld is not None:
        lhs = bdim_to_front(lhs, ld)
        sh = lambda axes: tuple(a + 1 for a in axes)  # noqa: E731
        dims = ((sh(lc), rc), (sh(lb), rb))
        out = dot_general(lhs, rhs, dims)
        return out, len(lb)  # the batch axis is the first free lhs axis
    rhs = bdim_to_front(rhs, rd)
    sh = lambda axes: tuple(a + 1 for a in axes)  # noqa: E731
    dims = ((lc, sh(rc)), (lb, sh(rb)))
    out = dot_general(lhs, rhs, dims)
    n_lf = get_aval(lhs).ndim - len(lc) - len(lb)
    return out, len(lb) + n_lf


def dot_general(lhs, rhs, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    dims = ((tuple(int(a) for a in lc), tuple(int(b) for b in rc)),
            (tuple(int(a) for a in lb), tuple(int(b) for b in rb)))
    return bind(dot_general_p, lhs, rhs, dimension_numbers=dims)
