"""Tensor's operators and op methods: one-line forwards to the torch functions.

Kept apart from the Tensor core so each file stays about one concept; `Tensor` inherits this.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TensorOps"]


def _num(x):
    return isinstance(x, (int, float, bool, complex, np.number, np.bool_))


class TensorOps:
    __slots__ = ()

    # ----- operators -------------------------------------------------------------------
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self) if not _num(other) else _ops.add(self, other)

    def __sub__(self, other):
        return _ops.sub(self, other)

    def __rsub__(self, other):
        return _ops.rsub(self, other)

    def __mul__(self, other):
        return _ops.mul(self, other)

    def __rmul__(self, other):
        return _ops.mul(self, other) if _num(other) else _ops.mul(other, self)

    def __truediv__(self, other):
        return _ops.div(self, other)

    def __rtruediv__(self, other):
        if _num(other):
            return _ops.mul(_ops.reciprocal(self), other)
        return _ops.div(other, self)

    def __floordiv__(self, other):
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops.floor_divide(_creation.as_tensor(other), self)

    def __mod__(self, other):
        return _ops.remainder(self, other)

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):
        return _ops.pow(other, self)

    def __matmul__(self, other):
        return _red.matmul(self, other)

    def __rmatmul__(self, other):
        return _red.matmul(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __invert__(self):
        return _ops.logical_not(self)

    def __and__(self, other):
        return _ops.logical_and(self, other)

    def __or__(self, other):
        return _ops.logical_or(self, other)

    def __xor__(self, other):
        return _ops.logical_xor(self, other)

    def __eq__(self, other):
        return _ops.eq(self, other)

    def __ne__(self, other):
        return _ops.ne(self, other)

    def __lt__(self, other):
        return _ops.lt(self, other)

    def __le__(self, other):
        return _ops.le(self, other)

    def __gt__(self, other):
        return _ops.gt(self, other)

    def __ge__(self, other):
        return _ops.ge(self, other)

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __getitem__(self, index):
        return _shape.getitem(self, index)

    def __setitem__(self, index, value):
        from compat.torch._indexing import parse_index

        _, _, _, advanced, np_index = parse_index(self._data.shape, index, type(self))
        _inplace.setitem(self, np_index, advanced, value)

    # ----- math methods ----------------------------------------------------------------
    def add(self, other, *, alpha=1):
        return _ops.add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        return _ops.sub(self, other, alpha=alpha)

    subtract = sub

    def mul(self, other):
        return _ops.mul(self, other)

    multiply = mul

    def div(self, other, *, rounding_mode=None):
        return _ops.div(self, other, rounding_mode=rounding_mode)

    divide = true_divide = div

    def pow(self, exponent):
        return _ops.pow(self, exponent)

    def neg(self):
        return _ops.neg(self)

    negative = neg

    def exp(self):
        return _ops.exp(self)

    def log(self):
        return _ops.log(self)

    def log2(self):
        return _ops.log2(self)

    def log10(self):
        return _ops.log10(self)

    def log1p(self):
        return _ops.log1p(self)

    def expm1(self):
        return _ops.expm1(self)

    def sin(self):
        return _ops.sin(self)

    def cos(self):
        return _ops.cos(self)

    def tan(self):
        return _ops.tan(self)

    def atan(self):
        return _ops.atan(self)

    def tanh(self):
        return _ops.tanh(self)

    def sigmoid(self):
        return _ops.sigmoid(self)

    def relu(self):
        return _ops.relu(self)

    def abs(self):
        return _ops.abs(self)

    def sqrt(self):
        return _ops.sqrt(self)

    def rsqrt(self):
        return _ops.rsqrt(self)

    def square(self):
        return _ops.square(self)

    def sign(self):
        return _ops.sign(self)

    def floor(self):
        return _ops.floor(self)

    def ceil(self):
        return _ops.ceil(self)

    def round(self):
        return _ops.round(self)

    def trunc(self):
        return _ops.trunc(self)

    def reciprocal(self):
        return _ops.reciprocal(self)

    def clamp(self, min=None, max=None):
        return _ops.clamp(self, min, max)

    clip = clamp

    def maximum(self, other):
        return _ops.maximum(self, other)

    def minimum(self, other):
        return _ops.minimum(self, other)

    def masked_fill(self, mask, value):
        return _ops.masked_fill(self, mask, value)

    def where(self, condition, other):
        return _ops.where(condition, self, other)

    def eq(self, other):
        return _ops.eq(self, other)

    def ne(self, other):
        return _ops.ne(self, other)

    def lt(self, other):
        return _ops.lt(self, other)

    def le(self, other):
        return _ops.le(self, other)

    def gt(self, other):
        return _ops.gt(self, other)

    def ge(self, other):
        return _ops.ge(self, other)

    def logical_not(self):
        return _ops.logical_not(self)

    def isnan(self):
        return _ops.isnan(self)

    def sum(self, dim=None, keepdim=False, *, dtype=None):
        return _red.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        return _red.mean(self, dim, keepdim, dtype=dtype)

    def prod(self, dim=None, keepdim=False, *, dtype=None):
        return _red.prod(self, dim, keepdim, dtype=dtype)

    def max(self, dim=None, keepdim=False):
        return _red.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return _red.min(self, dim, keepdim)

    def amax(self, dim=(), keepdim=False):
        return _red.amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim=False):
        return _red.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return _red.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return _red.argmin(self, dim, keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _red.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _red.std(self, dim, unbiased, keepdim, correction=correction)

    def norm(self, p="fro", dim=None, keepdim=False):
        return _red.norm(self, p, dim, keepdim)

    def logsumexp(self, dim, keepdim=False):
        return _red.logsumexp(self, dim, keepdim)

    def softmax(self, dim, dtype=None):
        return _red.softmax(self, dim, dtype)

    def log_softmax(self, dim, dtype=None):
        return _red.log_softmax(self, dim, dtype)

    def cumsum(self, dim, *, dtype=None):
        return _red.cumsum(self, dim, dtype=dtype)

    def all(self, dim=None, keepdim=False):
        return _red.all(self, dim, keepdim)

    def any(self, dim=None, keepdim=False):
        return _red.any(self, dim, keepdim)

    def matmul(self, other):
        return _red.matmul(self, other)

    def mm(self, mat2):
        return _red.mm(self, mat2)

    def bmm(self, mat2):
        return _red.bmm(self, mat2)

    def mv(self, vec):
        return _red.mv(self, vec)

    def dot(self, other):
        return _red.dot(self, other)

    def outer(self, other):
        return _red.outer(self, other)

    # ----- shape methods ---------------------------------------------------------------
    def reshape(self, *shape):
        return _shape.reshape(self, *shape)

    def view(self, *shape):
        return _shape.view(self, *shape)

    def view_as(self, other):
        return _shape.view(self, *other.shape)

    def reshape_as(self, other):
        return _shape.reshape(self, *other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return _shape.flatten(self, start_dim, end_dim)

    def squeeze(self, dim=None):
        return _shape.squeeze(self, dim)

    def unsqueeze(self, dim):
        return _shape.unsqueeze(self, dim)

    def transpose(self, dim0, dim1):
        return _shape.transpose(self, dim0, dim1)

    swapaxes = transpose

    def permute(self, *dims):
        return _shape.permute(self, *dims)

    def t(self):
        return _shape.t(self)

    @property
    def T(self):
        n = self._data.ndim
        return _shape.permute(self, *reversed(range(n)))

    @property
    def mT(self):
        return _shape.transpose(self, -2, -1)

    def expand(self, *sizes):
        return _shape.expand(self, *sizes)

    def expand_as(self, other):
        return _shape.expand(self, *other.shape)

    def split(self, split_size, dim=0):
        return _shape.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return _shape.chunk(self, chunks, dim)

    def unbind(self, dim=0):
        return _shape.unbind(self, dim)

    def flip(self, *dims):
        return _shape.flip(self, dims[0] if len(dims) == 1 and not isinstance(dims[0], int)
                           else dims)

    def repeat(self, *sizes):
        return _shape.repeat(self, *sizes)

    def narrow(self, dim, start, length):
        return _shape.narrow(self, dim, start, length)

    def select(self, dim, index):
        return _shape.select(self, dim, index)

    def index_select(self, dim, index):
        return _shape.index_select(self, dim, index)

    def gather(self, dim, index):
        return _shape.gather(self, dim, index)

    def nonzero(self, *, as_tuple=False):
        return _shape.nonzero(self, as_tuple=as_tuple)

    def movedim(self, source, destination):
        return _shape.movedim(self, source, destination)

    def clone(self, *, memory_format=None):
        return _shape.clone(self)

    def contiguous(self, memory_format=None):
        d = self._data
        if isinstance(d, np.ndarray) and not d.flags.c_contiguous:
            out = _shape.clone(self)
            out._data = np.ascontiguousarray(out._data)
            return out
        return self

    # ----- dtype conversion ------------------------------------------------------------
    def to(self, *args, dtype=None, copy=False, **kwargs):
        for a in args:
            if isinstance(a, _dtypes.dtype):
                dtype = a
            elif isinstance(a, TensorOps):
                dtype = a.dtype
        if dtype is None:
            return self
        return _shape.to_dtype(self, dtype, copy)

    def type(self, dtype=None):
        if dtype is None:
            return _TYPE_STR.get(self._data.dtype.name, "torch.Tensor")
        return _shape.to_dtype(self, dtype)

    def type_as(self, other):
        return _shape.to_dtype(self, other.dtype)

    def float(self):
        return _shape.to_dtype(self, _dtypes.float32)

    def double(self):
        return _shape.to_dtype(self, _dtypes.float64)

    def half(self):
        return _shape.to_dtype(self, _dtypes.float16)

    def long(self):
        return _shape.to_dtype(self, _dtypes.int64)

    def int(self):
        return _shape.to_dtype(self, _dtypes.int32)

    def bool(self):
        return _shape.to_dtype(self, _dtypes.bool)

    def cpu(self):
        return self

    # ----- in-place methods ------------------------------------------------------------
    def add_(self, other, *, alpha=1):
        return _iop(self, "add", other, alpha=alpha)

    def sub_(self, other, *, alpha=1):
        return _iop(self, "sub", other, alpha=alpha)

    def mul_(self, other):
        return _iop(self, "mul", other)

    def div_(self, other, *, rounding_mode=None):
        return _iop(self, "div", other, rounding_mode=rounding_mode)

    def pow_(self, exponent):
        return _iop(self, "pow", exponent)

    def neg_(self):
        return _iop(self, "neg")

    def exp_(self):
        return _iop(self, "exp")

    def log_(self):
        return _iop(self, "log")

    def sin_(self):
        return _iop(self, "sin")

    def cos_(self):
        return _iop(self, "cos")

    def tanh_(self):
        return _iop(self, "tanh")

    def sigmoid_(self):
        return _iop(self, "sigmoid")

    def relu_(self):
        return _iop(self, "relu")

    def sqrt_(self):
        return _iop(self, "sqrt")

    def abs_(self):
        return _iop(self, "abs")

    def clamp_(self, min=None, max=None):
        return _iop(self, "clamp", min, max)

    clip_ = clamp_

    def zero_(self):
        return _iop(self, "zero")

    def fill_(self, value):
        return _iop(self, "fill", value)

    def copy_(self, src, non_blocking=False):
        return _iop(self, "copy", src)

    def masked_fill_(self, mask, value):
        return _iop(self, "masked_fill", mask, value)

    def requires_grad_(self, requires_grad=True):  # pragma: no cover - overridden in Tensor
        raise NotImplementedError


_TYPE_STR = {
    "float32": "torch.FloatTensor",
    "float64": "torch.DoubleTensor",
    "int64": "torch.LongTensor",
    "int32": "torch.IntTensor",
    "bool": "torch.BoolTensor",
}


def _iop(t, name, *args, **kwargs):
    return _inplace.run(t, name, *args, **kwargs)


from compat.torch import _creation, _dtypes, _inplace, _ops  # noqa: E402
from compat.torch import _reductions as _red  # noqa: E402
from compat.torch import _shape_ops as _shape  # noqa: E402
