"""Reductions over static axes, arg-reductions and cumulative sums."""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.primitive import Primitive, bind
from fgrad.prims.arith import convert_element_type, div, eq, mul
from fgrad.prims.base import def_zero_jvp, deflinear
from fgrad.prims.shape import bdim_to_front, broadcast_in_dim, pad, reshape, rev, slice, transpose

__all__ = [
    "reduce_sum_p", "reduce_sum", "reduce_max_p", "reduce_max", "reduce_min_p", "reduce_min",
    "argmax_p", "argmax", "argmin_p", "argmin", "cumsum_p", "cumsum", "reduce_prod_p",
    "reduce_prod",
]


def _reduced_aval(x: ShapedArray, axes, dtype=None) -> ShapedArray:
    if any(not 0 <= a < x.ndim for a in axes) or len(set(axes)) != len(axes):
        raise TypeError(f"reduction axes {axes} are invalid for {x.str_short()}")
    shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    return ShapedArray(shape, x.dtype if dtype is None else dtype, x.weak_type)


def _reducer_batch(prim):
    """Batch rule of a reducer: the batch axis goes first and the reduced axes shift by one."""

    def batch(args, bdims, *, axes, **params):
        x = bdim_to_front(args[0], bdims[0])
        return bind(prim, x, axes=tuple(a + 1 for a in axes), **params), 0

    return batch


def _expand_back(y, in_shape, axes):
    """Broadcast a reduced result back over the reduced axes of `in_shape`."""
    kept = tuple(i for i in range(len(in_shape)) if i not in axes)
    return broadcast_in_dim(y, in_shape, kept)


# d sum(x) = sum(dx); transpose: broadcast back
reduce_sum_p = Primitive("reduce_sum")
# dtype= keeps numpy from widening small integers (np.sum of int32 is int64)
reduce_sum_p.def_impl(lambda x, *, axes: np.sum(x, axis=axes, dtype=np.result_type(x)))
reduce_sum_p.def_abstract_eval(lambda x, *, axes: _reduced_aval(x, axes))
deflinear(reduce_sum_p, lambda ct, x, *, axes: [_expand_back(ct, x.aval.shape, axes)])
reduce_sum_p.def_batch(_reducer_batch(reduce_sum_p))


def reduce_sum(x, axes):
    axes = tuple(sorted(int(a) for a in axes))
    if not axes:
        return x
    return bind(reduce_sum_p, x, axes=axes)


# d max(x) = mean of dx over the positions attaining the max (ties share evenly)
def _extremum_jvp(prim):
    def jvp(primals, tangents, *, axes):
        (x,), (t,) = primals, tangents
        ans = bind(prim, x, axes=axes)
        shape = get_aval(x).shape
        mask = convert_element_type(eq(x, _expand_back(ans, shape, axes)), get_aval(x).dtype)
        count = reduce_sum(mask, axes)
        return ans, div(reduce_sum(mul(t, mask), axes), count)

    return jvp


reduce_max_p = Primitive("reduce_max")
reduce_max_p.def_impl(lambda x, *, axes: np.max(x, axis=axes))
reduce_max_p.def_abstract_eval(lambda x, *, axes: _reduced_aval(x, axes))
reduce_max_p.def_jvp(_extremum_jvp(reduce_max_p))
reduce_max_p.def_batch(_reducer_batch(reduce_max_p))


def reduce_max(x, axes):
    axes = tuple(sorted(int(a) for a in axes))
    return bind(reduce_max_p, x, axes=axes) if axes else x


# d min(x) = mean of dx over the positions attaining the min
reduce_min_p = Primitive("reduce_min")
reduce_min_p.def_impl(lambda x, *, axes: np.min(x, axis=axes))
reduce_min_p.def_abstract_eval(lambda x, *, axes: _reduced_aval(x, axes))
reduce_min_p.def_jvp(_extremum_jvp(reduce_min_p))
reduce_min_p.def_batch(_reducer_batch(reduce_min_p))


def reduce_min(x, axes):
    axes = tuple(sorted(int(a) for a in axes))
    return bind(reduce_min_p, x, axes=axes) if axes else x


# d prod(x) = sum_i (prod_{j != i} x_j) dx_i. The products of the others come from prefix and
# suffix products (scans of mul), never from prod(x) / x_i, so entries equal to zero get exact
# derivatives; the scans are traceable, so the rule differentiates again.
reduce_prod_p = Primitive("reduce_prod")
reduce_prod_p.def_impl(lambda x, *, axes: np.prod(x, axis=axes, dtype=np.asarray(x).dtype))
reduce_prod_p.def_abstract_eval(lambda x, *, axes: _reduced_aval(x, axes))


def _shift_in_ones(y, k: int):
    """y shifted right by k along its last axis, with ones entering on the left."""
    shape = get_aval(y).shape
    nd = len(shape)
    kept = slice(y, (0,) * nd, shape[:-1] + (shape[-1] - k,))
    one = np.ones((), get_aval(y).dtype)
    return pad(kept, one, ((0, 0, 0),) * (nd - 1) + ((k, 0, 0),))


def _exclusive_cumprod(y):
    """out[..., i] = prod(y[..., :i]) by Hillis-Steele doubling: log2(n) multiplications."""
    n = get_aval(y).shape[-1]
    k = 1
    while k < n:
        y = mul(y, _shift_in_ones(y, k))
        k *= 2
    return _shift_in_ones(y, 1)


def _prod_of_others(x, axes):
    """For each entry of x, the product of the other entries that share its reduction."""
    shape = get_aval(x).shape
    kept = [i for i in range(len(shape)) if i not in axes]
    perm = tuple(kept) + tuple(axes)
    n = int(np.prod([shape[a] for a in axes], dtype=np.int64))
    if n == 0:
        return x
    flat = reshape(transpose(x, perm), tuple(shape[i] for i in kept) + (n,))
    last = (len(kept),)
    others = mul(_exclusive_cumprod(flat), rev(_exclusive_cumprod(rev(flat, last)), last))
    back = reshape(others, tuple(shape[i] for i in perm))
    return transpose(back, tuple(int(i) for i in np.argsort(perm)))


@reduce_prod_p.def_jvp
def _reduce_prod_jvp(primals, tangents, *, axes):
    (x,), (t,) = primals, tangents
    ans = bind(reduce_prod_p, x, axes=axes)
    return ans, reduce_sum(mul(t, _prod_of_others(x, axes)), axes)


reduce_prod_p.def_batch(_reducer_batch(reduce_prod_p))


def reduce_prod(x, axes):
    axes = tuple(sorted(int(a) for a in axes))
    return bind(reduce_prod_p, x, axes=axes) if axes else x


# argmax / argmin along one axis: integer results, no derivative
_I64 = np.dtype(np.int64)

argmax_p = Primitive("argmax")
argmax_p.def_impl(lambda x, *, axes: np.argmax(x, axis=axes[0]).astype(np.int64))
argmax_p.def_abstract_eval(lambda x, *, axes: _reduced_aval(x, axes, _I64).strip_weak())
def_zero_jvp(argmax_p)
argmax_p.def_batch(_reducer_batch(argmax_p))

argmin_p = Primitive("argmin")
argmin_p.def_impl(lambda x, *, axes: np.argmin(x, axis=axes[0]).astype(np.int64))
argmin_p.def_abstract_eval(lambda x, *, axes: _reduced_aval(x, axes, _I64).strip_weak())
def_zero_jvp(argmin_p)
argmin_p.def_batch(_reducer_batch(argmin_p))


def argmax(x, axis: int):
    return bind(argmax_p, x, axes=(int(axis),))


def argmin(x, axis: int):
    return bind(argmin_p, x, axes=(int(axis),))


# d cumsum(x) = cumsum(dx); transpose: cumsum in the other direction
cumsum_p = Primitive("cumsum")


@cumsum_p.def_impl
def _cumsum_impl(x, *, axis, reverse):
    dtype = np.result_type(x)  # numpy would widen small integers
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis=axis, dtype=dtype), axis)
    return np.cumsum(x, axis=axis, dtype=dtype)


@cumsum_p.def_abstract_eval
def _cumsum_abstract(x, *, axis, reverse):
    if not 0 <= axis < max(x.ndim, 1):
        raise TypeError(f"cumsum axis {axis} is out of range for {x.str_short()}")
    return x


deflinear(
    cumsum_p,
    lambda ct, x, *, axis, reverse: [cumsum(ct, axis, reverse=not reverse)],
)


@cumsum_p.def_batch
def _cumsum_batch(args, bdims, *, axis, reverse):
    x = bdim_to_front(args[0], bdims[0])
    return cumsum(x, axis + 1, reverse=reverse), 0


def cumsum(x, axis: int, *, reverse: bool = False):
    return bind(cumsum_p, x, axis=int(axis), reverse=bool(reverse))
