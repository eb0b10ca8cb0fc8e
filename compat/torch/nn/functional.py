"""torch.nn.functional basics, each one op (one node, torch's name) over fgrad.lax."""

from __future__ import annotations

import numpy as np

from compat.torch import _ops, _reductions, _shape_ops
from compat.torch import _tensor as _t
from compat.torch._ops import broadcast_shapes, prep
from fgrad import lax

__all__ = [
    "relu", "softmax", "log_softmax", "mse_loss", "cross_entropy", "nll_loss",
    "binary_cross_entropy", "linear", "sigmoid", "tanh", "silu", "leaky_relu", "gelu",
]


def relu(input, inplace=False):
    return input.relu_() if inplace else _ops.relu(input)


def sigmoid(input):
    return _ops.sigmoid(input)


def tanh(input):
    return _ops.tanh(input)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _reductions.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _reductions.log_softmax(input, dim, dtype)


def _reduce(x, reduction):
    if reduction == "none":
        return x
    s = lax.reduce_sum(x, tuple(range(x.ndim)))
    if reduction == "sum":
        return s
    return lax.div(s, np.asarray(max(x.size, 1), x.dtype)[()])


def _mse(a, t, *, shape, reduction):
    d = lax.sub(prep(a, shape, a.dtype), prep(t, shape, a.dtype))
    return _reduce(lax.mul(d, d), reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    shape = broadcast_shapes(input.shape, target.shape)
    return _t.apply_op("MseLossBackward0", _mse, (input, target),
                       (("shape", tuple(shape)), ("reduction", reduction)))


def _nll(lp, target, *, reduction, ignore_index):
    if lp.ndim == 1:
        picked = lax.gather(lp, target, indexer=(("array", 0),))
        return lax.neg(picked)
    n = lp.shape[0]
    rows = np.arange(n, dtype=np.int64)
    idx = (("array", 0), ("array", 1)) + tuple(("slice", 0, s, 1) for s in lp.shape[2:])
    picked = lax.gather(lp, rows.reshape((n,) + (1,) * (target.ndim - 1)), target, indexer=idx)
    w = lax.convert_element_type(lax.ne(target, np.full(target.shape, ignore_index)), lp.dtype)
    picked = lax.mul(picked, w)
    if reduction == "none":
        return lax.neg(picked)
    s = lax.neg(lax.reduce_sum(picked, tuple(range(picked.ndim))))
    if reduction == "sum":
        return s
    return lax.div(s, lax.reduce_sum(w, tuple(range(w.ndim))))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    if weight is not None:
        raise NotImplementedError("nll_loss with class weights")
    tgt = target._data if isinstance(target, _t.Tensor) else np.asarray(target, np.int64)
    if input._data.ndim == 1:
        tgt = np.asarray(tgt).reshape(1)
        out = _t.apply_op("NllLossBackward0", _nll, (input, tgt),
                          (("reduction", "sum"), ("ignore_index", ignore_index)))
        return out.reshape(())
    return _t.apply_op("NllLossBackward0", _nll, (input, tgt),
                       (("reduction", reduction), ("ignore_index", ignore_index)))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    if label_smoothing:
        raise NotImplementedError("cross_entropy with label_smoothing")
    if isinstance(target, _t.Tensor) and target._data.dtype.kind == "f":
        lp = log_softmax(input, 1 if input.dim() > 1 else 0)
        loss = -(lp * target).sum(1 if input.dim() > 1 else 0)
        return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()
    return nll_loss(log_softmax(input, 1 if input.dim() > 1 else 0), target, weight,
                    ignore_index=ignore_index, reduction=reduction)


def _bce(p, t, *, reduction):
    floor = np.full(p.shape, -100.0, p.dtype)
    one = np.ones(p.shape, p.dtype)
    log_p = lax.max(lax.log(p), floor)
    log_q = lax.max(lax.log(lax.sub(one, p)), floor)
    loss = lax.neg(lax.add(lax.mul(t, log_p), lax.mul(lax.sub(one, t), log_q)))
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    return _t.apply_op("BinaryCrossEntropyBackward0", _bce, (input, target),
                       (("reduction", reduction),))


def _addmm(b, x, wt):
    y = lax.dot_general(x, wt, (((1,), (0,)), ((), ())))
    return lax.add(y, prep(b, y.shape, y.dtype))


def linear(input, weight, bias=None):
    wt = _shape_ops.t(weight)
    if bias is not None and input.dim() == 2:
        return _t.apply_op("AddmmBackward0", _addmm, (bias, input, wt))
    y = _reductions.matmul(input, wt)
    return y if bias is None else y + bias


def _silu(a):
    return lax.mul(a, lax.logistic(a))


def silu(input, inplace=False):
    return _t.apply_op("SiluBackward0", _silu, (input,))


def _leaky(a, *, slope):
    zero = np.zeros(a.shape, a.dtype)
    return lax.select(lax.gt(a, zero), a, lax.mul(a, np.full(a.shape, slope, a.dtype)))


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _t.apply_op("LeakyReluBackward0", _leaky, (input,), (("slope", negative_slope),))


def _gelu_tanh(a):
    c = np.full(a.shape, np.sqrt(2 / np.pi), a.dtype)
    inner = lax.mul(c, lax.add(a, lax.mul(np.full(a.shape, 0.044715, a.dtype),
                                          lax.integer_pow(a, 3))))
    half = np.full(a.shape, 0.5, a.dtype)
    return lax.mul(lax.mul(half, a), lax.add(np.ones(a.shape, a.dtype), lax.tanh(inner)))


def gelu(input, approximate="none"):
    if approximate != "tanh":
        raise NotImplementedError("gelu needs erf; use approximate='tanh'")
    return _t.apply_op("GeluBackward0", _gelu_tanh, (input,))
