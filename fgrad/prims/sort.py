"""Order statistics: a stable argsort and searchsorted. Both return integer positions, so they
carry no derivative; sorting values is `gather(x, argsort(x))`, whose derivative moves each
tangent with its entry (ties keep their input order, as JAX's stable sort does)."""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.primitive import Primitive, bind
from fgrad.prims.base import def_zero_jvp
from fgrad.prims.shape import bdim_to_front, broadcast_batch

__all__ = ["argsort_p", "argsort", "searchsorted_p", "searchsorted"]

_I64 = np.dtype(np.int64)


# argsort(x, axis): the stable sorting permutation along one axis (NaNs last, as numpy);
# integer-valued, no derivative
argsort_p = Primitive("argsort")


@argsort_p.def_impl
def _argsort_impl(x, *, axis):
    return np.argsort(x, axis=axis, kind="stable").astype(np.int64, copy=False)


@argsort_p.def_abstract_eval
def _argsort_abstract(x, *, axis):
    if not 0 <= axis < x.ndim:
        raise TypeError(f"argsort axis {axis} is out of range for {x.str_short()}")
    if x.dtype.kind == "c":
        raise TypeError("argsort of complex values is not supported (numpy orders them "
                        "lexicographically by real, then imaginary part: sort those instead)")
    return ShapedArray(x.shape, _I64)


def_zero_jvp(argsort_p)


@argsort_p.def_batch
def _argsort_batch(args, bdims, *, axis):
    x = bdim_to_front(args[0], bdims[0])
    return argsort(x, axis + 1), 0


def argsort(x, axis: int):
    return bind(argsort_p, x, axis=int(axis))


# searchsorted(a, v, side, batch_dims): for a of shape B + (n,) sorted along its last axis and
# v of shape B + Q (B has batch_dims axes), the insertion positions of v into a, per member of
# B. Integer-valued, no derivative (numpy's NaN order: NaN sorts last)
searchsorted_p = Primitive("searchsorted")


@searchsorted_p.def_impl
def _searchsorted_impl(a, v, *, side, batch_dims):
    a, v = np.asarray(a), np.asarray(v)
    if batch_dims == 0:
        return np.asarray(np.searchsorted(a, v, side=side), dtype=np.int64)
    batch = a.shape[:batch_dims]
    out = np.empty(v.shape, np.int64)
    for idx in np.ndindex(*batch):
        out[idx] = np.searchsorted(a[idx], v[idx], side=side)
    return out


@searchsorted_p.def_abstract_eval
def _searchsorted_abstract(a, v, *, side, batch_dims):
    if side not in ("left", "right"):
        raise TypeError(f"searchsorted side must be 'left' or 'right', got {side!r}")
    if a.dtype != v.dtype:
        raise TypeError(f"searchsorted requires equal dtypes, got {a.str_short()} and "
                        f"{v.str_short()} (fgrad.numpy promotes them for you)")
    if a.ndim != batch_dims + 1 or v.shape[:batch_dims] != a.shape[:batch_dims]:
        raise TypeError(f"searchsorted with {batch_dims} batch axes cannot search "
                        f"{v.str_short()} in {a.str_short()}")
    return ShapedArray(v.shape, _I64)


def_zero_jvp(searchsorted_p)


@searchsorted_p.def_batch
def _searchsorted_batch(args, bdims, *, side, batch_dims):
    (a, v), (ad, vd) = args, bdims
    if ad is None and batch_dims == 0:
        return searchsorted(a, v, side=side), vd  # each member searches the same a
    size = get_aval(a).shape[ad] if ad is not None else get_aval(v).shape[vd]
    a = broadcast_batch(a, size) if ad is None else bdim_to_front(a, ad)
    v = broadcast_batch(v, size) if vd is None else bdim_to_front(v, vd)
    return searchsorted(a, v, side=side, batch_dims=batch_dims + 1), 0


def searchsorted(a, v, *, side: str = "left", batch_dims: int = 0):
    return bind(searchsorted_p, a, v, side=str(side), batch_dims=int(batch_dims))
