"""Reductions, softmax family and products (matmul and friends), mapped onto fgrad.lax.

Names follow torch's overloads: `sum()` is SumBackward0 and `sum(dim)` SumBackward1; a full
`max()` is MaxBackward1 (ties share the gradient, fgrad's reduce_max rule) while `max(dim)` is
MaxBackward0 and sends the gradient to the returned index only (a gather at argmax).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from compat.torch import _dtypes
from compat.torch import _tensor as _t
from compat.torch._ops import prep
from fgrad import lax

__all__ = [
    "sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std",
    "norm", "logsumexp", "softmax", "log_softmax", "cumsum", "all", "any", "matmul", "mm",
    "bmm", "mv", "dot", "outer", "normalize_dims",
]

_builtin_max, _builtin_min, _builtin_sum, _builtin_any, _builtin_all = max, min, sum, any, all
values_indices = namedtuple("return_types", ["values", "indices"])


def normalize_dims(dim, ndim):
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    n = _builtin_max(ndim, 1)
    out = []
    for d in dims:
        if not -n <= d < n:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})"
            )
        out.append(d % n)
    if ndim == 0:
        return ()
    return tuple(sorted(set(out)))


def _keep(y, in_shape, axes, keepdim):
    if not keepdim:
        return y
    shape = tuple(1 if i in axes else s for i, s in enumerate(in_shape))
    return lax.reshape(y, shape)


def _sum(a, *, axes, keepdim, dtype):
    return _keep(lax.reduce_sum(prep(a, a.shape, dtype), axes), a.shape, axes, keepdim)


def _acc_dtype(x, dtype):
    if dtype is not None:
        return _dtypes.to_numpy_dtype(dtype)
    d = x._data.dtype
    return np.dtype(np.int64) if d.kind in "biu" else d


def sum(input, dim=None, keepdim=False, *, dtype=None):
    axes = normalize_dims(dim, input._data.ndim)
    name = "SumBackward0" if dim is None else "SumBackward1"
    static = (("axes", axes), ("keepdim", bool(keepdim)), ("dtype", _acc_dtype(input, dtype)))
    return _t.apply_op(name, _sum, (input,), static)


def _mean(a, *, axes, keepdim, dtype):
    a = prep(a, a.shape, dtype)
    n = 1
    for i in axes:
        n *= a.shape[i]
    s = lax.reduce_sum(a, axes)
    return _keep(lax.div(s, prep(np.asarray(n, dtype), s.shape, dtype)), a.shape, axes, keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    d = _acc_dtype(input, dtype)
    if d.kind not in "fc":
        got = _dtypes.from_numpy_dtype(input._data.dtype).name.capitalize()
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {got}"
        )
    axes = normalize_dims(dim, input._data.ndim)
    name = "MeanBackward0" if dim is None else "MeanBackward1"
    return _t.apply_op(name, _mean, (input,), (("axes", axes), ("keepdim", bool(keepdim)),
                                               ("dtype", d)))


def _prod(a, *, axes, keepdim, dtype):
    return _keep(lax.reduce_prod(prep(a, a.shape, dtype), axes), a.shape, axes, keepdim)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    axes = normalize_dims(dim, input._data.ndim)
    name = "ProdBackward0" if dim is None else "ProdBackward1"
    static = (("axes", axes), ("keepdim", bool(keepdim)), ("dtype", _acc_dtype(input, dtype)))
    return _t.apply_op(name, _prod, (input,), static)


def _reduce_ext(a, *, prim, axes, keepdim):
    return _keep(prim(a, axes), a.shape, axes, keepdim)


def _take_along(a, idx, *, axis, keepdim):
    """a's elements at idx along axis (idx has the reduced shape): the gradient goes to the
    chosen index only, as torch's max(dim) / min(dim)."""
    shape = a.shape
    arrays, indexer = [], []
    out_shape = tuple(s for i, s in enumerate(shape) if i != axis)
    for i, n in enumerate(shape):
        if i == axis:
            indexer.append(("array", len(arrays)))
            arrays.append(idx)
        else:
            grid_shape = [1] * len(out_shape)
            j = i if i < axis else i - 1
            grid_shape[j] = n
            indexer.append(("array", len(arrays)))
            arrays.append(np.arange(n, dtype=np.int64).reshape(grid_shape))
    y = lax.gather(a, *arrays, indexer=tuple(indexer))
    return _keep(y, shape, (axis,), keepdim)


def _max_min(kind, input, dim, keepdim, other):
    if other is not None:
        from compat.torch._ops import maximum, minimum

        return (maximum if kind == "max" else minimum)(input, other)
    prim = lax.reduce_max if kind == "max" else lax.reduce_min
    Name = "Max" if kind == "max" else "Min"
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(
                f"{kind}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        axes = tuple(range(input._data.ndim))
        return _t.apply_op(f"{Name}Backward1", _reduce_ext, (input,),
                           (("prim", prim), ("axes", axes), ("keepdim", False)))
    (axis,) = normalize_dims(dim, input._data.ndim) or (0,)
    d = input._data
    if d.ndim == 0:
        idx = np.zeros((), np.int64)
        vals = _t.apply_op(f"{Name}Backward0", _reduce_ext, (input,),
                           (("prim", prim), ("axes", ()), ("keepdim", False)))
        return values_indices(vals, _t.make_tensor(idx))
    idx = (lax.argmax if kind == "max" else lax.argmin)(d, axis)
    vals = _t.apply_op(f"{Name}Backward0", _take_along, (input, idx),
                       (("axis", axis), ("keepdim", bool(keepdim))))
    if keepdim:
        idx = lax.reshape(idx, tuple(1 if i == axis else s for i, s in enumerate(d.shape)))
    return values_indices(vals, _t.make_tensor(idx))


def max(input, dim=None, keepdim=False, *, other=None):
    if isinstance(dim, _t.Tensor):
        return _max_min("max", input, None, False, dim)
    return _max_min("max", input, dim, keepdim, other)


def min(input, dim=None, keepdim=False, *, other=None):
    if isinstance(dim, _t.Tensor):
        return _max_min("min", input, None, False, dim)
    return _max_min("min", input, dim, keepdim, other)


def amax(input, dim=(), keepdim=False):
    axes = normalize_dims(dim if dim != () else None, input._data.ndim)
    return _t.apply_op("AmaxBackward0", _reduce_ext, (input,),
                       (("prim", lax.reduce_max), ("axes", axes), ("keepdim", bool(keepdim))))


def amin(input, dim=(), keepdim=False):
    axes = normalize_dims(dim if dim != () else None, input._data.ndim)
    return _t.apply_op("AminBackward0", _reduce_ext, (input,),
                       (("prim", lax.reduce_min), ("axes", axes), ("keepdim", bool(keepdim))))


def _arg(prim, input, dim, keepdim):
    d = input._data
    if dim is None:
        flat = lax.reshape(d, (d.size,)) if d.ndim != 1 else d
        out = prim(flat, 0)
        if keepdim:
            out = lax.reshape(out, (1,) * d.ndim)
        return _t.make_tensor(np.asarray(out) if not hasattr(out, "_trace") else out)
    (axis,) = normalize_dims(dim, d.ndim)
    out = prim(d, axis)
    if keepdim:
        out = lax.reshape(out, tuple(1 if i == axis else s for i, s in enumerate(d.shape)))
    return _t.make_tensor(np.asarray(out) if not hasattr(out, "_trace") else out)


def argmax(input, dim=None, keepdim=False):
    return _arg(lax.argmax, input, dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    return _arg(lax.argmin, input, dim, keepdim)


def _var(a, *, axes, correction, keepdim):
    n = 1
    for i in axes:
        n *= a.shape[i]
    m = lax.div(lax.reduce_sum(a, axes), prep(np.asarray(n, a.dtype), (), a.dtype)
                if not axes or len(axes) == a.ndim else
                prep(np.asarray(n, a.dtype), tuple(s for i, s in enumerate(a.shape)
                                                   if i not in axes), a.dtype))
    kept = tuple(i for i in range(a.ndim) if i not in axes)
    c = lax.sub(a, lax.broadcast_in_dim(m, a.shape, kept))
    ss = lax.reduce_sum(lax.mul(c, c), axes)
    denom = np.asarray(_builtin_max(n - correction, 0), a.dtype)
    return _keep(lax.div(ss, prep(denom, ss.shape, a.dtype)), a.shape, axes, keepdim)


def _sqrt_var(a, **kw):
    return lax.sqrt(_var(a, **kw))


def _var_args(input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    if correction is None:
        correction = 1 if unbiased in (None, True) else 0
    axes = normalize_dims(dim, input._data.ndim)
    return (("axes", axes), ("correction", correction), ("keepdim", bool(keepdim)))


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    static = _var_args(input, dim, unbiased, keepdim, correction)
    name = "VarBackward0"
    return _t.apply_op(name, _var, (input,), static)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    static = _var_args(input, dim, unbiased, keepdim, correction)
    return _t.apply_op("StdBackward0", _sqrt_var, (input,), static, saves_result="also")


def _norm2(a, *, axes, keepdim):
    return _keep(lax.sqrt(lax.reduce_sum(lax.mul(a, a), axes)), a.shape, axes, keepdim)


def norm(input, p="fro", dim=None, keepdim=False):
    if p not in ("fro", 2, 2.0):
        raise NotImplementedError("compat.torch.norm supports the 2-norm only")
    axes = normalize_dims(dim, input._data.ndim)
    return _t.apply_op("LinalgVectorNormBackward0", _norm2, (input,),
                       (("axes", axes), ("keepdim", bool(keepdim))), saves_result="also")


def _logsumexp(a, *, axes, keepdim):
    m = lax.stop_gradient(lax.reduce_max(a, axes))
    kept = tuple(i for i in range(a.ndim) if i not in axes)
    m_b = lax.broadcast_in_dim(m, a.shape, kept)
    s = lax.reduce_sum(lax.exp(lax.sub(a, m_b)), axes)
    return _keep(lax.add(lax.log(s), m), a.shape, axes, keepdim)


def logsumexp(input, dim, keepdim=False):
    axes = normalize_dims(dim, input._data.ndim)
    return _t.apply_op("LogsumexpBackward0", _logsumexp, (input,),
                       (("axes", axes), ("keepdim", bool(keepdim))), saves_result="also")


def _softmax(a, *, axis, log, dtype):
    a = prep(a, a.shape, dtype)
    kept = tuple(i for i in range(a.ndim) if i != axis)
    m = lax.stop_gradient(lax.reduce_max(a, (axis,)))
    z = lax.sub(a, lax.broadcast_in_dim(m, a.shape, kept))
    s = lax.reduce_sum(lax.exp(z), (axis,))
    if log:
        return lax.sub(z, lax.broadcast_in_dim(lax.log(s), a.shape, kept))
    return lax.div(lax.exp(z), lax.broadcast_in_dim(s, a.shape, kept))


def _softmax_op(input, dim, dtype, log):
    d = input._data
    if dim is None:
        dim = 0 if d.ndim in (0, 1, 3) else 1
    (axis,) = normalize_dims(dim, d.ndim) or (0,)
    dt = _dtypes.to_numpy_dtype(dtype) if dtype is not None else d.dtype
    name = "LogSoftmaxBackward0" if log else "SoftmaxBackward0"
    if d.ndim == 0:
        return _t.apply_op(name, _softmax, (input.reshape(1),), (
            ("axis", 0), ("log", log), ("dtype", dt)), saves_result=True).reshape(())
    return _t.apply_op(name, _softmax, (input,), (("axis", axis), ("log", log), ("dtype", dt)),
                       saves_result=True)


def softmax(input, dim=None, dtype=None):
    return _softmax_op(input, dim, dtype, False)


def log_softmax(input, dim=None, dtype=None):
    return _softmax_op(input, dim, dtype, True)


def _cumsum(a, *, axis, dtype):
    return lax.cumsum(prep(a, a.shape, dtype), axis)


def cumsum(input, dim, *, dtype=None):
    (axis,) = normalize_dims(dim, input._data.ndim) or (0,)
    if input._data.ndim == 0:
        return input.clone()
    return _t.apply_op("CumsumBackward0", _cumsum, (input,),
                       (("axis", axis), ("dtype", _acc_dtype(input, dtype))))


def all(input, dim=None, keepdim=False):
    d = np.asarray(input._data)
    return _t.make_tensor(np.asarray(np.all(d, axis=dim, keepdims=keepdim)))


def any(input, dim=None, keepdim=False):
    d = np.asarray(input._data)
    return _t.make_tensor(np.asarray(np.any(d, axis=dim, keepdims=keepdim)))


# ----- products ---------------------------------------------------------------------------
def _dot_general(a, b, *, dims):
    return lax.dot_general(a, b, dims)


def _check_same_dtype(a, b, what):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"expected {what} to have the same dtype, but got: "
            f"{_dtypes.from_numpy_dtype(a._data.dtype).name.replace('float32', 'float')} != "
            f"{_dtypes.from_numpy_dtype(b._data.dtype).name.replace('float32', 'float')}"
        )


def mm(input, mat2):
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
            f"{b.shape[0]}x{b.shape[1]})"
        )
    _check_same_dtype(input, mat2, "mat1 and mat2")
    return _t.apply_op("MmBackward0", _dot_general, (input, mat2),
                       (("dims", (((1,), (0,)), ((), ()))),))


def mv(input, vec):
    a, b = input._data, vec._data
    if a.ndim != 2 or b.ndim != 1 or a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[-1]}), "
            f"vec ({b.shape[0]})"
        )
    return _t.apply_op("MvBackward0", _dot_general, (input, vec),
                       (("dims", (((1,), (0,)), ((), ()))),))


def dot(input, tensor):
    a, b = input._data, tensor._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors"
        )
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(
            "inconsistent tensor size, expected tensor [{}] and src [{}] to have the same "
            "number of elements, but got {} and {} elements respectively".format(
                a.shape[0], b.shape[0], a.shape[0], b.shape[0])
        )
    return _t.apply_op("DotBackward0", _dot_general, (input, tensor),
                       (("dims", (((0,), (0,)), ((), ()))),))


def bmm(input, mat2):
    a, b = input._data, mat2._data
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}]."
        )
    return _t.apply_op("BmmBackward0", _dot_general, (input, mat2),
                       (("dims", (((2,), (1,)), ((0,), (0,)))),))


def _batched_matmul(a, b, *, shape_a, shape_b):
    a = lax.broadcast_in_dim(a, shape_a, tuple(range(len(shape_a) - a.ndim, len(shape_a))))
    b = lax.broadcast_in_dim(b, shape_b, tuple(range(len(shape_b) - b.ndim, len(shape_b))))
    nb = len(shape_a) - 2
    batch = tuple(range(nb))
    return lax.dot_general(a, b, (((nb + 1,), (nb,)), (batch, batch)))


def matmul(input, other):
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            "both arguments to matmul need to be at least 1D, but they are "
            f"{a.ndim}D and {b.ndim}D"
        )
    if a.ndim == 1 and b.ndim == 1:
        return dot(input, other)
    if a.ndim == 2 and b.ndim == 1:
        return mv(input, other)
    if a.ndim == 1 and b.ndim == 2:
        return mm(input.unsqueeze(0), other).squeeze(0)
    if a.ndim == 2 and b.ndim == 2:
        return mm(input, other)
    x = input.unsqueeze(0) if a.ndim == 1 else input
    y = other.unsqueeze(-1) if b.ndim == 1 else other
    xs, ys = x._data.shape, y._data.shape
    if xs[-1] != ys[-2]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{xs[-1]}, {ys[-2]}] but got: [{ys[-2]}, {ys[-1]}]."
        )
    from compat.torch._ops import broadcast_shapes

    batch = broadcast_shapes(xs[:-2], ys[:-2])
    out = _t.apply_op("UnsafeViewBackward0", _batched_matmul, (x, y),
                      (("shape_a", batch + xs[-2:]), ("shape_b", batch + ys[-2:])))
    if a.ndim == 1:
        out = out.squeeze(-2)
    if b.ndim == 1:
        out = out.squeeze(-1)
    return out


def outer(input, vec2):
    return input.reshape(-1, 1) * vec2


_ = (_builtin_min, _builtin_sum, _builtin_any, _builtin_all)
