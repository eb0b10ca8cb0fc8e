"""Shape ops, views, joining and splitting, indexing and dtype conversion.

View ops (reshape/view, squeeze, unsqueeze, transpose, permute, t, expand, indexing with ints
and slices, narrow, select) return tensors that share the input's buffer and version counter and
remember how they were cut from their base (`_view_chain`), so an in-place write through them
can be replayed onto the base as CopySlices.
"""

from __future__ import annotations

import numpy as np

from compat.torch import _dtypes
from compat.torch import _tensor as _t
from compat.torch._indexing import parse_index
from compat.torch._reductions import normalize_dims
from fgrad import lax

__all__ = [
    "reshape", "view", "flatten", "squeeze", "unsqueeze", "transpose", "permute", "t",
    "expand", "broadcast_to", "cat", "concat", "stack", "split", "chunk", "unbind", "flip",
    "repeat", "narrow", "select", "index_select", "gather", "getitem", "clone", "to_dtype",
    "nonzero", "movedim",
]


def _infer_shape(shape, size):
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for d in shape:
        if d != -1:
            known *= d
    if -1 in shape:
        if known == 0 or size % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
        shape[shape.index(-1)] = size // known
    elif known != size:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
    return tuple(int(d) for d in shape)


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(int(s) for s in shape)


def _reshape(a, *, shape):
    return lax.reshape(a, shape)


def reshape(input, *shape):
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    return _t.apply_op("ViewBackward0", _reshape, (input,), (("shape", shape),), view=True)


def view(input, *shape):
    if len(shape) == 1 and isinstance(shape[0], _dtypes.dtype):
        raise NotImplementedError("view(dtype) is not supported")
    d = input._data
    if isinstance(d, np.ndarray) and not d.flags.c_contiguous and d.size > 1:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    return reshape(input, *shape)


def flatten(input, start_dim=0, end_dim=-1):
    s = input._data.shape
    if not s:
        return reshape(input, 1)
    a, b = normalize_dims(start_dim, len(s))[0], normalize_dims(end_dim, len(s))[0]
    n = 1
    for d in s[a:b + 1]:
        n *= d
    new = s[:a] + (n,) + s[b + 1:]
    if new == s:
        return input
    return reshape(input, *new)


def _squeeze(a, *, dims):
    return lax.squeeze(a, dims)


def squeeze(input, dim=None):
    s = input._data.shape
    if dim is None:
        dims = tuple(i for i, d in enumerate(s) if d == 1)
        name = "SqueezeBackward0"
    else:
        dims = tuple(i for i in normalize_dims(dim, len(s)) if s and s[i] == 1)
        name = "SqueezeBackward1" if isinstance(dim, int) else "SqueezeBackward2"
    return _t.apply_op(name, _squeeze, (input,), (("dims", dims),), view=True)


def _unsqueeze(a, *, dim):
    return lax.expand_dims(a, (dim,))


def unsqueeze(input, dim):
    n = input._data.ndim + 1
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return _t.apply_op("UnsqueezeBackward0", _unsqueeze, (input,), (("dim", dim % n),),
                       view=True)


def _permute(a, *, perm):
    return lax.transpose(a, perm)


def permute(input, *dims, _name="PermuteBackward0"):
    dims = _shape_arg(dims)
    n = input._data.ndim
    perm = tuple(d % n if n else 0 for d in dims)
    if sorted(perm) != list(range(n)):
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            "length of the desired ordering of dimensions i.e. input.dim() = "
            f"{n} is not equal to len(dims) = {len(dims)}"
        )
    return _t.apply_op(_name, _permute, (input,), (("perm", perm),), view=True)


def transpose(input, dim0, dim1):
    n = input._data.ndim
    if n == 0:
        return _t.apply_op("TransposeBackward0", _permute, (input,), (("perm", ()),), view=True)
    a, b = normalize_dims(dim0, n)[0], normalize_dims(dim1, n)[0]
    perm = list(range(n))
    perm[a], perm[b] = perm[b], perm[a]
    return _t.apply_op("TransposeBackward0", _permute, (input,), (("perm", tuple(perm)),),
                       view=True)


swapaxes = transpose


def t(input):
    n = input._data.ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    perm = (1, 0) if n == 2 else tuple(range(n))
    return _t.apply_op("TBackward0", _permute, (input,), (("perm", perm),), view=True)


def _expand(a, *, shape):
    return lax.broadcast_in_dim(a, shape, tuple(range(len(shape) - a.ndim, len(shape))))


def expand(input, *sizes):
    sizes = _shape_arg(sizes)
    s = input._data.shape
    if len(sizes) < len(s):
        raise RuntimeError(
            f"expand(torch.FloatTensor{{{list(s)}}}, size={list(sizes)}): the number of sizes "
            "provided (" + str(len(sizes)) + ") must be greater or equal to the number of "
            f"dimensions in the tensor ({len(s)})"
        )
    off = len(sizes) - len(s)
    out = []
    for i, d in enumerate(sizes):
        src = s[i - off] if i >= off else 1
        if d == -1:
            d = src
        elif src != 1 and src != d:
            raise RuntimeError(
                f"The expanded size of the tensor ({d}) must match the existing size ({src}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(s)}"
            )
        out.append(d)
    return _t.apply_op("ExpandBackward0", _expand, (input,), (("shape", tuple(out)),),
                       view=True)


def broadcast_to(input, shape):
    return expand(input, *shape)


def _cat(*xs, dim, dtype):
    xs = [x if x.dtype == dtype else lax.convert_element_type(x, dtype) for x in xs]
    return lax.concatenate(xs, dim) if len(xs) > 1 else lax.add(xs[0], np.zeros(xs[0].shape,
                                                                               dtype))


def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    shapes = [x._data.shape for x in tensors]
    ref = next((s for s in shapes if s != (0,)), shapes[0])
    if not ref:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    (axis,) = normalize_dims(dim, len(ref))
    for i, s in enumerate(shapes):
        if s == (0,) and ref != (0,):
            continue
        if len(s) != len(ref) or any(a != b for k, (a, b) in enumerate(zip(s, ref)) if k != axis):
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {axis}. Expected size "
                f"{ref[1 - axis if len(ref) > 1 else 0]} but got size "
                f"{s[1 - axis if len(s) > 1 else 0]} for tensor number {i} in the list."
            )
    keep = [x for x, s in zip(tensors, shapes) if not (s == (0,) and ref != (0,))]
    dt = _dtypes.result_type(*keep)
    return _t.apply_op("CatBackward0", _cat, tuple(keep), (("dim", axis), ("dtype", dt.np)))


concat = cat


def _stack(*xs, dim, dtype):
    xs = [lax.expand_dims(x if x.dtype == dtype else lax.convert_element_type(x, dtype), (dim,))
          for x in xs]
    return lax.concatenate(xs, dim) if len(xs) > 1 else xs[0]


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    s0 = tensors[0]._data.shape
    for i, x in enumerate(tensors):
        if x._data.shape != s0:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(s0)} at entry 0 and "
                f"{list(x._data.shape)} at entry {i}"
            )
    (axis,) = normalize_dims(dim, len(s0) + 1)
    dt = _dtypes.result_type(*tensors)
    return _t.apply_op("StackBackward0", _stack, tuple(tensors), (("dim", axis),
                                                                   ("dtype", dt.np)))


def _split(a, *, axis, bounds):
    outs = []
    for lo, hi in bounds:
        start = [0] * a.ndim
        limit = list(a.shape)
        start[axis], limit[axis] = lo, hi
        outs.append(lax.slice(a, start, limit))
    return tuple(outs)


def split(tensor, split_size_or_sections, dim=0, *, _name="SplitBackward0"):
    (axis,) = normalize_dims(dim, tensor._data.ndim)
    n = tensor._data.shape[axis]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        sizes = [step] * (n // step) + ([n % step] if n % step else [])
        if not sizes:
            sizes = [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                f"at dimension {axis}), but got split_sizes={sizes}"
            )
        _name = "SplitWithSizesBackward0"
    bounds, lo = [], 0
    for s in sizes:
        bounds.append((lo, lo + s))
        lo += s
    return _t.apply_op(_name, _split, (tensor,), (("axis", axis), ("bounds", tuple(bounds))),
                       multi=True)


def chunk(input, chunks, dim=0):
    (axis,) = normalize_dims(dim, input._data.ndim)
    n = input._data.shape[axis]
    size = -(-n // chunks) if n else 1
    return split(input, size, dim)


def _unbind(a, *, axis):
    outs = []
    for i in range(a.shape[axis]):
        start = [0] * a.ndim
        limit = list(a.shape)
        start[axis], limit[axis] = i, i + 1
        outs.append(lax.squeeze(lax.slice(a, start, limit), (axis,)))
    return tuple(outs)


def unbind(input, dim=0):
    (axis,) = normalize_dims(dim, input._data.ndim)
    return _t.apply_op("UnbindBackward0", _unbind, (input,), (("axis", axis),), multi=True)


def _flip(a, *, dims):
    return lax.rev(a, dims)


def flip(input, dims):
    dims = normalize_dims(dims, input._data.ndim)
    return _t.apply_op("FlipBackward0", _flip, (input,), (("dims", dims),))


def _repeat(a, *, reps):
    nd = len(reps)
    a = lax.reshape(a, (1,) * (nd - a.ndim) + tuple(a.shape))
    inter = []
    for r, s in zip(reps, a.shape):
        inter += [r, s]
    b = lax.broadcast_in_dim(a, tuple(inter), tuple(range(1, 2 * nd, 2)))
    return lax.reshape(b, tuple(r * s for r, s in zip(reps, a.shape)))


def repeat(input, *sizes):
    reps = _shape_arg(sizes)
    if len(reps) < input._data.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions "
            "of tensor"
        )
    return _t.apply_op("RepeatBackward0", _repeat, (input,), (("reps", reps),))


def _gather_idx(a, *idx, indexer):
    return lax.gather(a, *idx, indexer=indexer)


def getitem(input, index):
    indexer, arrays, name, advanced, _ = parse_index(input._data.shape, index, _t.Tensor)
    if not advanced and all(e[0] == "slice" for e in indexer) and name == "AliasBackward0":
        return _t.apply_op(name, _alias, (input,), view=True)
    return _t.apply_op(name, _gather_idx, (input, *arrays), (("indexer", indexer),),
                       view=not advanced)


def _alias(a):
    return a


def narrow(input, dim, start, length):
    (axis,) = normalize_dims(dim, input._data.ndim)
    n = input._data.shape[axis]
    start = start % n if start < 0 else start
    if start + length > n:
        raise RuntimeError(
            f"start ({start}) + length ({length}) exceeds dimension size ({n})."
        )
    idx = (slice(None),) * axis + (slice(start, start + length),)
    return getitem(input, idx)


def select(input, dim, index):
    (axis,) = normalize_dims(dim, input._data.ndim)
    return getitem(input, (slice(None),) * axis + (int(index),))


def _index_select(a, idx, *, axis):
    indexer = tuple(("slice", 0, n, 1) if i != axis else ("array", 0)
                    for i, n in enumerate(a.shape))
    return lax.gather(a, idx, indexer=indexer)


def index_select(input, dim, index):
    (axis,) = normalize_dims(dim, input._data.ndim)
    idx = index._data if isinstance(index, _t.Tensor) else np.asarray(index, np.int64)
    return _t.apply_op("IndexSelectBackward0", _index_select, (input, idx),
                       (("axis", axis),))


def _gather_dim(a, idx, *, axis):
    arrays, indexer = [], []
    for i in range(a.ndim):
        if i == axis:
            arrays.append(idx)
        else:
            shape = [1] * idx.ndim
            shape[i] = idx.shape[i]
            arrays.append(np.arange(idx.shape[i], dtype=np.int64).reshape(shape))
        indexer.append(("array", i))
    return lax.gather(a, *arrays, indexer=tuple(indexer))


def gather(input, dim, index):
    (axis,) = normalize_dims(dim, input._data.ndim)
    return _t.apply_op("GatherBackward0", _gather_dim, (input, index._data), (("axis", axis),))


def _copy(a):
    return lax.add(a, np.zeros(a.shape, a.dtype)) if a.dtype.kind != "b" else \
        lax.convert_element_type(lax.convert_element_type(a, np.int8), np.bool_)


def clone(input, *, memory_format=None):
    out = _t.apply_op("CloneBackward0", _alias, (input,))
    if out._data is input._data:
        out._data = np.array(input._data, copy=True) if isinstance(input._data, np.ndarray) \
            else input._data
    return out


def _convert(a, *, dtype):
    return lax.convert_element_type(a, dtype)


def to_dtype(input, dtype, copy=False):
    dt = _dtypes.to_numpy_dtype(dtype)
    if dt == input._data.dtype and not copy:
        return input
    if dt == input._data.dtype:
        return clone(input)
    if input._requires_grad and dt.kind not in "fc":
        out = _t.make_tensor(_convert(input._data, dtype=dt))
        return out
    return _t.apply_op("ToCopyBackward0", _convert, (input,), (("dtype", dt),))


def nonzero(input, *, as_tuple=False):
    d = np.asarray(input._data)
    nz = np.nonzero(d)
    if as_tuple:
        return tuple(_t.make_tensor(a.astype(np.int64)) for a in nz)
    return _t.make_tensor(np.stack(nz, axis=1).astype(np.int64) if nz else
                          np.zeros((0, 0), np.int64))


def movedim(input, source, destination):
    n = input._data.ndim
    src, dst = normalize_dims(source, n)[0], normalize_dims(destination, n)[0]
    perm = [i for i in range(n) if i != src]
    perm.insert(dst, src)
    return permute(input, *perm)
