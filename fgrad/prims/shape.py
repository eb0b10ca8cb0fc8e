"""Shape primitives. All are linear in their array operand; each transpose undoes the move."""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.markers import UndefinedPrimal, Zero
from fgrad.core.primitive import Primitive, bind
from fgrad.prims.base import deflinear, zero_tangent

__all__ = [
    "broadcast_in_dim_p",
    "broadcast_in_dim",
    "reshape_p",
    "reshape",
    "transpose_p",
    "transpose",
    "squeeze_p",
    "squeeze",
    "expand_dims_p",
    "expand_dims",
    "rev_p",
    "rev",
    "slice_p",
    "slice",
    "pad_p",
    "pad",
    "concatenate_p",
    "concatenate",
    "bdim_to_front",
    "moveaxis",
    "broadcast_batch",
]


# broadcast_in_dim(x, shape, dims): operand axis i becomes output axis dims[i] (size 1 or equal);
# transpose: sum over the new and the stretched axes
broadcast_in_dim_p = Primitive("broadcast_in_dim")


@broadcast_in_dim_p.def_impl
def _broadcast_in_dim_impl(x, *, shape, broadcast_dimensions):
    x = np.asarray(x)
    if x.ndim == 0 and len(shape) == 1 and shape[0] <= 4096:
        return np.full(shape, x)  # a small filled array costs less than a broadcast view
    expanded = [1] * len(shape)
    for i, d in enumerate(broadcast_dimensions):
        expanded[d] = x.shape[i]
    return np.broadcast_to(x.reshape(expanded), shape)


@broadcast_in_dim_p.def_abstract_eval
def _broadcast_in_dim_abstract(x, *, shape, broadcast_dimensions):
    if len(broadcast_dimensions) != x.ndim or any(
        x.shape[i] not in (1, shape[d]) for i, d in enumerate(broadcast_dimensions)
    ):
        raise TypeError(
            f"broadcast_in_dim cannot broadcast {x.str_short()} to {shape} along "
            f"{broadcast_dimensions}"
        )
    return ShapedArray(tuple(shape), x.dtype, x.weak_type)


def _broadcast_in_dim_transpose(ct, x, *, shape, broadcast_dimensions):
    in_shape = x.aval.shape
    new = tuple(i for i in range(len(shape)) if i not in broadcast_dimensions)
    stretched = tuple(
        d for i, d in enumerate(broadcast_dimensions) if in_shape[i] == 1 and shape[d] != 1
    )
    from fgrad.prims.reduce import reduce_sum

    summed = reduce_sum(ct, tuple(sorted(new + stretched))) if new or stretched else ct
    return [reshape(summed, in_shape)]


deflinear(broadcast_in_dim_p, _broadcast_in_dim_transpose)


@broadcast_in_dim_p.def_batch
def _broadcast_in_dim_batch(args, bdims, *, shape, broadcast_dimensions):
    (x,), (bd,) = args, bdims
    x = bdim_to_front(x, bd)
    n = get_aval(x).shape[0]
    dims = (0,) + tuple(d + 1 for d in broadcast_dimensions)
    return broadcast_in_dim(x, (n,) + tuple(shape), dims), 0


def broadcast_in_dim(x, shape, broadcast_dimensions):
    shape, dims = tuple(shape), tuple(broadcast_dimensions)
    aval = get_aval(x)
    if aval.shape == shape and dims == tuple(range(len(shape))):
        return x
    return bind(broadcast_in_dim_p, x, shape=shape, broadcast_dimensions=dims)


# reshape(x, new_sizes) in C order; transpose: reshape back
reshape_p = Primitive("reshape")
reshape_p.def_impl(lambda x, *, new_sizes: np.reshape(x, new_sizes))


@reshape_p.def_abstract_eval
def _reshape_abstract(x, *, new_sizes):
    if int(np.prod(new_sizes, dtype=np.int64)) != x.size:
        raise TypeError(f"reshape cannot turn {x.str_short()} into shape {new_sizes}")
    return ShapedArray(tuple(new_sizes), x.dtype, x.weak_type)


deflinear(reshape_p, lambda ct, x, *, new_sizes: [reshape(ct, x.aval.shape)])


@reshape_p.def_batch
def _reshape_batch(args, bdims, *, new_sizes):
    x = bdim_to_front(args[0], bdims[0])
    return reshape(x, (get_aval(x).shape[0],) + tuple(new_sizes)), 0


def reshape(x, new_sizes):
    new_sizes = tuple(int(d) for d in new_sizes)
    if get_aval(x).shape == new_sizes:
        return x
    return bind(reshape_p, x, new_sizes=new_sizes)


# transpose(x, permutation); transpose rule: the inverse permutation
transpose_p = Primitive("transpose")
transpose_p.def_impl(lambda x, *, permutation: np.transpose(x, permutation))


@transpose_p.def_abstract_eval
def _transpose_abstract(x, *, permutation):
    if sorted(permutation) != list(range(x.ndim)):
        raise TypeError(f"transpose: {permutation} is not a permutation of {x.ndim} axes")
    return ShapedArray(tuple(x.shape[p] for p in permutation), x.dtype, x.weak_type)


deflinear(
    transpose_p,
    lambda ct, x, *, permutation: [transpose(ct, tuple(int(i) for i in np.argsort(permutation)))],
)


@transpose_p.def_batch
def _transpose_batch(args, bdims, *, permutation):
    x = bdim_to_front(args[0], bdims[0])
    return transpose(x, (0,) + tuple(p + 1 for p in permutation)), 0


def transpose(x, permutation):
    permutation = tuple(int(p) for p in permutation)
    if permutation == tuple(range(len(permutation))):
        return x
    return bind(transpose_p, x, permutation=permutation)


# squeeze(x, dimensions): drop size-1 axes; transpose: reshape back
squeeze_p = Primitive("squeeze")
squeeze_p.def_impl(lambda x, *, dimensions: np.squeeze(x, dimensions))


@squeeze_p.def_abstract_eval
def _squeeze_abstract(x, *, dimensions):
    if any(x.shape[d] != 1 for d in dimensions):
        raise TypeError(f"squeeze: axes {dimensions} of {x.str_short()} are not all of size 1")
    shape = tuple(s for i, s in enumerate(x.shape) if i not in dimensions)
    return ShapedArray(shape, x.dtype, x.weak_type)


deflinear(squeeze_p, lambda ct, x, *, dimensions: [reshape(ct, x.aval.shape)])


@squeeze_p.def_batch
def _squeeze_batch(args, bdims, *, dimensions):
    x = bdim_to_front(args[0], bdims[0])
    return squeeze(x, tuple(d + 1 for d in dimensions)), 0


def squeeze(x, dimensions):
    dimensions = tuple(sorted(int(d) for d in dimensions))
    if not dimensions:
        return x
    return bind(squeeze_p, x, dimensions=dimensions)


# expand_dims(x, dimensions): insert size-1 axes at output positions; transpose: reshape back
expand_dims_p = Primitive("expand_dims")
expand_dims_p.def_impl(lambda x, *, dimensions: np.expand_dims(x, dimensions))


@expand_dims_p.def_abstract_eval
def _expand_dims_abstract(x, *, dimensions):
    ndim = x.ndim + len(dimensions)
    it = iter(x.shape)
    shape = tuple(1 if i in dimensions else next(it) for i in range(ndim))
    return ShapedArray(shape, x.dtype, x.weak_type)


deflinear(expand_dims_p, lambda ct, x, *, dimensions: [reshape(ct, x.aval.shape)])


@expand_dims_p.def_batch
def _expand_dims_batch(args, bdims, *, dimensions):
    x = bdim_to_front(args[0], bdims[0])
    return expand_dims(x, tuple(d + 1 for d in dimensions)), 0


def expand_dims(x, dimensions):
    dimensions = tuple(sorted(int(d) for d in dimensions))
    if not dimensions:
        return x
    return bind(expand_dims_p, x, dimensions=dimensions)


# rev(x, dimensions): reverse axes; its own transpose
rev_p = Primitive("rev")
rev_p.def_impl(lambda x, *, dimensions: np.flip(x, dimensions))
rev_p.def_abstract_eval(lambda x, *, dimensions: x)
deflinear(rev_p, lambda ct, x, *, dimensions: [rev(ct, dimensions)])


@rev_p.def_batch
def _rev_batch(args, bdims, *, dimensions):
    x = bdim_to_front(args[0], bdims[0])
    return rev(x, tuple(d + 1 for d in dimensions)), 0


def rev(x, dimensions):
    dimensions = tuple(int(d) for d in dimensions)
    if not dimensions:
        return x
    return bind(rev_p, x, dimensions=dimensions)


# slice(x, start, limit, strides); transpose: pad the cotangent back with zeros
slice_p = Primitive("slice")


@slice_p.def_impl
def _slice_impl(x, *, start_indices, limit_indices, strides):
    strides = strides or (1,) * len(start_indices)
    return x[tuple(np.s_[a:b:s] for a, b, s in zip(start_indices, limit_indices, strides))]


@slice_p.def_abstract_eval
def _slice_abstract(x, *, start_indices, limit_indices, strides):
    strides = strides or (1,) * x.ndim
    if not (len(start_indices) == len(limit_indices) == len(strides) == x.ndim) or any(
        not 0 <= a <= b <= n for a, b, n in zip(start_indices, limit_indices, x.shape)
    ):
        raise TypeError(
            f"slice {start_indices}:{limit_indices} is out of bounds for {x.str_short()}"
        )
    shape = tuple(
        max(0, -(-(b - a) // s)) for a, b, s in zip(start_indices, limit_indices, strides)
    )
    return ShapedArray(shape, x.dtype, x.weak_type)


def _slice_transpose(ct, x, *, start_indices, limit_indices, strides):
    shape = x.aval.shape
    strides = strides or (1,) * len(shape)
    config = []
    for a, n, s, m in zip(start_indices, shape, strides, get_aval(ct).shape):
        real_limit = a + (m - 1) * s + 1 if m else a
        config.append((a, n - real_limit, s - 1) if m else (a, n - a, 0))
    from fgrad.prims.base import full_like

    zero = full_like(np.zeros((), x.aval.dtype), 0)
    if any(m == 0 for m in get_aval(ct).shape):
        return [broadcast_in_dim(np.zeros((), x.aval.dtype), shape, ())]
    return [pad(ct, zero, tuple(config))]


deflinear(slice_p, _slice_transpose)


@slice_p.def_batch
def _slice_batch(args, bdims, *, start_indices, limit_indices, strides):
    x = bdim_to_front(args[0], bdims[0])
    n = get_aval(x).shape[0]
    strides = (1,) + tuple(strides or (1,) * len(start_indices))
    return slice(x, (0,) + tuple(start_indices), (n,) + tuple(limit_indices), strides), 0


def slice(x, start_indices, limit_indices, strides=None):
    start, limit = tuple(int(i) for i in start_indices), tuple(int(i) for i in limit_indices)
    strides = (
        None if strides is None or all(s == 1 for s in strides) else tuple(int(s) for s in strides)
    )
    if strides is None and start == (0,) * len(start) and limit == get_aval(x).shape:
        return x
    return bind(slice_p, x, start_indices=start, limit_indices=limit, strides=strides)


# pad(x, value, config): config[i] = (low, high, interior), all >= 0.
# d pad(x, v) = pad(dx, dv); transpose: slice out x's cotangent, the rest sums into v's
pad_p = Primitive("pad")


@pad_p.def_impl
def _pad_impl(x, value, *, padding_config):
    x = np.asarray(x)
    shape = tuple(
        lo + hi + n + max(n - 1, 0) * it for n, (lo, hi, it) in zip(x.shape, padding_config)
    )
    out = np.full(shape, value, dtype=x.dtype)
    idx = tuple(
        np.s_[lo : lo + (n - 1) * (it + 1) + 1 : it + 1] if n else np.s_[lo:lo]
        for n, (lo, hi, it) in zip(x.shape, padding_config)
    )
    out[idx] = x
    return out


@pad_p.def_abstract_eval
def _pad_abstract(x, value, *, padding_config):
    if value.shape != () or value.dtype != x.dtype:
        raise TypeError(
            f"pad: the padding value must be a {x.dtype} scalar, got {value.str_short()}"
        )
    if len(padding_config) != x.ndim or any(min(c) < 0 for c in padding_config):
        raise TypeError(f"pad: bad padding_config {padding_config} for {x.str_short()}")
    shape = tuple(
        lo + hi + n + max(n - 1, 0) * it for n, (lo, hi, it) in zip(x.shape, padding_config)
    )
    return ShapedArray(shape, x.dtype, x.weak_type)


@pad_p.def_jvp
def _pad_jvp(primals, tangents, *, padding_config):
    from fgrad.prims.base import instantiate

    ans = bind(pad_p, *primals, padding_config=padding_config)
    tx, tv = tangents
    if type(tx) is Zero and type(tv) is Zero:
        return ans, zero_tangent(ans)
    return ans, bind(pad_p, instantiate(tx), instantiate(tv), padding_config=padding_config)


@pad_p.def_transpose
def _pad_transpose(ct, x, value, *, padding_config):
    from fgrad.prims.arith import sub
    from fgrad.prims.reduce import reduce_sum

    ct_shape = get_aval(ct).shape
    start = tuple(lo for lo, _, _ in padding_config)
    limit = tuple(n - hi for n, (_, hi, _) in zip(ct_shape, padding_config))
    strides = tuple(it + 1 for _, _, it in padding_config)
    ct_x = slice(ct, start, limit, strides)
    out_x = ct_x if type(x) is UndefinedPrimal else None
    out_v = None
    if type(value) is UndefinedPrimal:
        total = reduce_sum(ct, tuple(range(len(ct_shape))))
        inner = reduce_sum(ct_x, tuple(range(len(ct_shape))))
        out_v = sub(total, inner)
    return [out_x, out_v]


@pad_p.def_batch
def _pad_batch(args, bdims, *, padding_config):
    (x, v), (xd, vd) = args, bdims
    size = get_aval(x).shape[xd] if xd is not None else get_aval(v).shape[vd]
    x = broadcast_batch(x, size) if xd is None else bdim_to_front(x, xd)
    config = ((0, 0, 0),) + tuple(padding_config)
    if vd is None:
        return pad(x, v, config), 0
    # one padding value per member: pad with zeros, then select each member's value where the
    # padding went (a constant mask)
    from fgrad.prims.arith import select

    aval = get_aval(x)
    padded = pad(x, np.zeros((), aval.dtype), config)
    mask = pad(np.zeros(aval.shape, np.bool_), np.ones((), np.bool_), config)
    out_shape = get_aval(padded).shape
    fill = broadcast_in_dim(v, out_shape, (0,))
    return select(mask, fill, padded), 0


def pad(x, value, padding_config):
    config = tuple((int(a), int(b), int(c)) for a, b, c in padding_config)
    return bind(pad_p, x, value, padding_config=config)


# concatenate(*xs, dimension); transpose: slice each operand's piece out of the cotangent
concatenate_p = Primitive("concatenate")
concatenate_p.def_impl(lambda *xs, dimension: np.concatenate(xs, axis=dimension))


@concatenate_p.def_abstract_eval
def _concatenate_abstract(*xs, dimension):
    x0 = xs[0]
    for x in xs[1:]:
        if (
            x.dtype != x0.dtype
            or x.ndim != x0.ndim
            or any(a != b for i, (a, b) in enumerate(zip(x.shape, x0.shape)) if i != dimension)
        ):
            raise TypeError(
                f"concatenate along axis {dimension} needs equal dtypes and other axes, got "
                f"{', '.join(a.str_short() for a in xs)}"
            )
    shape = list(x0.shape)
    shape[dimension] = sum(x.shape[dimension] for x in xs)
    return ShapedArray(tuple(shape), x0.dtype, all(x.weak_type for x in xs))


@concatenate_p.def_jvp
def _concatenate_jvp(primals, tangents, *, dimension):
    from fgrad.prims.base import instantiate

    ans = bind(concatenate_p, *primals, dimension=dimension)
    if all(type(t) is Zero for t in tangents):
        return ans, zero_tangent(ans)
    return ans, bind(concatenate_p, *[instantiate(t) for t in tangents], dimension=dimension)


@concatenate_p.def_transpose
def _concatenate_transpose(ct, *xs, dimension):
    shape = get_aval(ct).shape
    out, offset = [], 0
    for x in xs:
        n = (
            get_aval(x).shape[dimension]
            if type(x) is not UndefinedPrimal
            else x.aval.shape[dimension]
        )
        if type(x) is UndefinedPrimal:
            start = [0] * len(shape)
            limit = list(shape)
            start[dimension], limit[dimension] = offset, offset + n
            out.append(slice(ct, start, limit))
        else:
            out.append(None)
        offset += n
    return out


@concatenate_p.def_batch
def _concatenate_batch(args, bdims, *, dimension):
    size = next(get_aval(a).shape[d] for a, d in zip(args, bdims) if d is not None)
    moved = [
        broadcast_batch(a, size) if d is None else bdim_to_front(a, d) for a, d in zip(args, bdims)
    ]
    return concatenate(moved, dimension + 1), 0


def concatenate(xs, dimension):
    xs = list(xs)
    if len(xs) == 1:
        return xs[0]
    return bind(concatenate_p, *xs, dimension=int(dimension))


def moveaxis(x, src: int, dst: int):
    ndim = get_aval(x).ndim
    if src == dst:
        return x
    perm = [i for i in range(ndim) if i != src]
    perm.insert(dst, src)
    return transpose(x, perm)


def bdim_to_front(x, bdim: int):
    """Batching helper: the batch axis moved to position 0."""
    return x if bdim == 0 else moveaxis(x, bdim, 0)


def broadcast_batch(x, size: int):
    """Batching helper: an unbatched operand given a leading batch axis (a numpy view)."""
    shape = get_aval(x).shape
    return broadcast_in_dim(x, (size,) + shape, tuple(range(1, len(shape) + 1)))
