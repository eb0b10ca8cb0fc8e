"""gather and scatter_add: numpy indexing with static parts and integer-array operands.

The `indexer` parameter is a static tuple with one entry per index position, already expanded
to cover every axis (no Ellipsis): ("slice", start, stop, step), ("int", i), ("newaxis",) or
("array", j) for the j-th integer-array operand. Numpy's own indexing runs the impl and also
gives the result shape, so every layout rule of numpy (including where advanced-index axes go)
holds by construction.
"""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.markers import UndefinedPrimal, Zero
from fgrad.core.primitive import Primitive, bind
from fgrad.prims.base import deflinear, full_like, instantiate, zero_tangent
from fgrad.prims.shape import bdim_to_front, broadcast_batch, expand_dims, transpose

__all__ = ["gather_p", "gather", "scatter_add_p", "scatter_add", "build_index"]


def build_index(indexer, arrays) -> tuple:
    out = []
    for e in indexer:
        kind = e[0]
        if kind == "slice":
            out.append(slice(e[1], e[2], e[3]))
        elif kind == "int":
            out.append(e[1])
        elif kind == "newaxis":
            out.append(None)
        else:
            out.append(arrays[e[1]])
    return tuple(out)


def _result_shape(shape, indexer, idx_avals):
    dummy = np.broadcast_to(np.zeros((), np.int8), shape)
    arrays = [np.broadcast_to(np.zeros((), np.int64), a.shape) for a in idx_avals]
    try:
        return dummy[build_index(indexer, arrays)].shape
    except IndexError as e:
        raise IndexError(f"{e} (indexing an array of shape {shape})") from None


def _check_indices(idx_avals):
    for a in idx_avals:
        if a.dtype.kind not in "iu":
            raise TypeError(f"index arrays must be integers, got {a.str_short()}")


# gather(x, *idx) = x[index]; linear in x; transpose: scatter-add the cotangent into zeros
gather_p = Primitive("gather")


@gather_p.def_impl
def _gather_impl(x, *idx, indexer):
    return np.asarray(x)[build_index(indexer, idx)]


@gather_p.def_abstract_eval
def _gather_abstract(x, *idx, indexer):
    _check_indices(idx)
    return ShapedArray(_result_shape(x.shape, indexer, idx), x.dtype, x.weak_type)


def _gather_transpose(ct, x, *idx, indexer):
    zeros = full_like(np.zeros((), x.aval.dtype), 0)
    base = bind_broadcast(zeros, x.aval.shape)
    return [scatter_add(base, ct, *idx, indexer=indexer)] + [None] * len(idx)


def bind_broadcast(scalar, shape):
    from fgrad.prims.shape import broadcast_in_dim

    return broadcast_in_dim(np.asarray(scalar), shape, ())


deflinear(gather_p, _gather_transpose)


def _layout(indexer, n_arrays):
    """(k, p): the advanced-index broadcast rank k and, when numpy keeps the advanced axes in
    place, the number p of output axes before them (0 when they move to the front)."""
    if n_arrays == 0:
        return 0, 0
    adv = [i for i, e in enumerate(indexer) if e[0] in ("array", "int")]
    adjacent = adv == list(range(adv[0], adv[-1] + 1))
    if not adjacent:
        return None, 0
    p = sum(1 for e in indexer[: adv[0]] if e[0] in ("slice", "newaxis"))
    return None, p


def _batched_index(args, bdims, indexer, n_idx):
    """Turn a batched gather/scatter into one whose first index is arange(B): every batch
    member reads its own slice. Returns (x, idx, indexer, size, k, p)."""
    x, idx = args[0], list(args[-n_idx:]) if n_idx else []
    xd, idx_d = bdims[0], list(bdims[-n_idx:]) if n_idx else []
    size = next(get_aval(a).shape[d] for a, d in zip(args, bdims) if d is not None)
    x = broadcast_batch(x, size) if xd is None else bdim_to_front(x, xd)
    k = max([get_aval(a).ndim - (d is not None) for a, d in zip(idx, idx_d)] + [0])
    new_idx = []
    for a, d in zip(idx, idx_d):
        if d is None:
            new_idx.append(a)
        else:
            a = bdim_to_front(a, d)
            missing = k - (get_aval(a).ndim - 1)
            new_idx.append(expand_dims(a, tuple(range(1, 1 + missing))) if missing else a)
    ar = np.arange(size, dtype=np.int64).reshape((size,) + (1,) * k)
    new_indexer = (("array", n_idx),) + tuple(indexer)
    _, p = _layout(indexer, n_idx)
    return x, new_idx + [ar], new_indexer, size, k, p


def _to_example_layout(y, k, p):
    """Batched result (B, bcast[k], rest...) -> (B, rest[:p], bcast, rest[p:])."""
    if p == 0 or k == 0:
        return y
    ndim = get_aval(y).ndim
    rest = list(range(1 + k, ndim))
    perm = [0] + rest[:p] + list(range(1, 1 + k)) + rest[p:]
    return transpose(y, perm)


def _from_example_layout(y, k, p):
    if p == 0 or k == 0:
        return y
    ndim = get_aval(y).ndim
    perm = [0] + list(range(1 + p, 1 + p + k)) + list(range(1, 1 + p)) + list(
        range(1 + p + k, ndim)
    )
    return transpose(y, perm)


@gather_p.def_batch
def _gather_batch(args, bdims, *, indexer):
    n_idx = len(args) - 1
    x, idx, new_indexer, size, k, p = _batched_index(args, bdims, indexer, n_idx)
    if n_idx == 0:
        k = 0
    out = gather(x, *idx, indexer=new_indexer)
    return _to_example_layout(out, k, p), 0


def gather(x, *idx, indexer):
    return bind(gather_p, x, *idx, indexer=tuple(indexer))


# scatter_add(x, u, *idx): x with u added at x[index] (repeated indices add up).
# Linear in (x, u) jointly; transpose: ct for x, gather(ct) for u
scatter_add_p = Primitive("scatter_add")


@scatter_add_p.def_impl
def _scatter_add_impl(x, updates, *idx, indexer):
    out = np.array(x, copy=True)
    np.add.at(out, build_index(indexer, idx), updates)
    return out


@scatter_add_p.def_abstract_eval
def _scatter_add_abstract(x, updates, *idx, indexer):
    _check_indices(idx)
    shape = _result_shape(x.shape, indexer, idx)
    if updates.shape != shape or updates.dtype != x.dtype:
        raise TypeError(
            f"scatter_add: updates {updates.str_short()} do not match the indexed shape "
            f"{shape} of {x.str_short()}"
        )
    return ShapedArray(x.shape, x.dtype, x.weak_type)


@scatter_add_p.def_jvp
def _scatter_add_jvp(primals, tangents, *, indexer):
    ans = bind(scatter_add_p, *primals, indexer=indexer)
    tx, tu = tangents[:2]
    if type(tx) is Zero and type(tu) is Zero:
        return ans, zero_tangent(ans)
    if type(tu) is Zero:
        return ans, tx
    t = bind(scatter_add_p, instantiate(tx), tu, *primals[2:], indexer=indexer)
    return ans, t


@scatter_add_p.def_transpose
def _scatter_add_transpose(ct, x, updates, *idx, indexer):
    return [
        ct if type(x) is UndefinedPrimal else None,
        gather(ct, *idx, indexer=indexer) if type(updates) is UndefinedPrimal else None,
    ] + [None] * len(idx)


@scatter_add_p.def_batch
def _scatter_add_batch(args, bdims, *, indexer):
    n_idx = len(args) - 2
    x_and_idx = [args[0]] + list(args[2:])
    d_and_idx = [bdims[0]] + list(bdims[2:])
    size = next(get_aval(a).shape[d] for a, d in zip(args, bdims) if d is not None)
    if all(d is None for d in d_and_idx):
        x_and_idx[0] = broadcast_batch(args[0], size)
        d_and_idx[0] = 0
    x, idx, new_indexer, size, k, p = _batched_index(x_and_idx, d_and_idx, indexer, n_idx)
    if n_idx == 0:
        k = 0
    u, ud = args[1], bdims[1]
    u = broadcast_batch(u, size) if ud is None else bdim_to_front(u, ud)
    u = _from_example_layout(u, k, p)
    return scatter_add(x, u, *idx, indexer=new_indexer), 0


def scatter_add(x, updates, *idx, indexer):
    return bind(scatter_add_p, x, updates, *idx, indexer=tuple(indexer))
