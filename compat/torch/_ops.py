"""torch's math functions, each a thin mapping onto fgrad.lax / fgrad.numpy through `apply_op`.

Each op is: torch's dtype promotion and argument checks in Python, then one call of a pure
module-level function of arrays (`_fn(*arrays, **static)`) that fgrad can differentiate. No
derivative appears here; names are torch's grad_fn class names for the overload used.
"""

from __future__ import annotations

import numpy as np

from compat.torch import _dtypes
from compat.torch import _tensor as _t
from fgrad import lax
from fgrad import numpy as fnp

__all__ = [
    "binary", "unary", "as_input", "broadcast_shapes", "add", "sub", "rsub", "mul", "div",
    "true_divide", "floor_divide", "remainder", "pow", "neg", "exp", "log", "log2", "log10",
    "log1p", "expm1", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "abs", "sqrt", "rsqrt",
    "square", "sign", "floor", "ceil", "round", "trunc", "reciprocal", "atan", "clamp", "clip",
    "maximum", "minimum", "where", "eq", "ne", "lt", "le", "gt", "ge", "logical_and",
    "logical_or", "logical_xor", "logical_not", "masked_fill", "isnan", "isfinite",
]

_FLOATS = "fc"


def _data(x):
    return x._data if isinstance(x, _t.Tensor) else x


def _shape(x):
    return tuple(x._data.shape) if isinstance(x, _t.Tensor) else ()


def broadcast_shapes(*shapes):
    """numpy's broadcasting, with torch's error text (checked from the last dimension)."""
    out = tuple(shapes[0])
    for s in shapes[1:]:
        s = tuple(s)
        nd = max(len(out), len(s))
        a = (1,) * (nd - len(out)) + out
        b = (1,) * (nd - len(s)) + s
        res = []
        for j in range(nd - 1, -1, -1):
            x, y = a[j], b[j]
            if x != y and x != 1 and y != 1:
                raise RuntimeError(
                    f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                    f"non-singleton dimension {j}"
                )
            res.append(y if x == 1 else x)
        out = tuple(reversed(res))
    return out


def prep(x, shape, dtype):
    """Cast and broadcast one operand (inside an op's function, so grads are reduced and cast
    back by fgrad's rules for broadcast_in_dim and convert_element_type)."""
    if x.dtype != dtype:
        x = lax.convert_element_type(x, dtype)
    if x.shape != shape:
        x = lax.broadcast_in_dim(x, shape, tuple(range(len(shape) - x.ndim, len(shape))))
    return x


def as_input(x, dtype):
    """A Python number becomes a 0-d array of the op's dtype (torch's "wrapped number")."""
    if isinstance(x, _t.Tensor):
        return x
    return np.asarray(x, dtype=dtype.np)


def _elementwise2(a, b, *, prim, shape, dtype):
    return prim(prep(a, shape, dtype), prep(b, shape, dtype))


def _elementwise1(a, *, prim, dtype):
    return prim(prep(a, a.shape, dtype))


def binary(name, prim, a, b, *, dtype=None, float_only=False):
    dt = _dtypes.result_type(a, b) if dtype is None else dtype
    if float_only and not _dtypes.is_floating(dt):
        dt = _dtypes.float32
    A, B = as_input(a, dt), as_input(b, dt)
    shape = broadcast_shapes(_shape(a), _shape(b))
    static = (("prim", prim), ("shape", shape), ("dtype", dt.np))
    return _t.apply_op(name, _elementwise2, (A, B), static)


def unary(name, prim, x, *, float_only=True, saves_result=False):
    dt = x._data.dtype
    if float_only and dt.kind not in _FLOATS:
        dt = np.dtype(np.float32)
    return _t.apply_op(
        name, _elementwise1, (x,), (("prim", prim), ("dtype", dt)), saves_result=saves_result
    )


# ----- arithmetic -------------------------------------------------------------------------
def _add_alpha(a, b, *, shape, dtype, alpha):
    return lax.add(prep(a, shape, dtype), lax.mul(prep(b, shape, dtype), np.asarray(alpha, dtype)))


def _sub_alpha(a, b, *, shape, dtype, alpha):
    return lax.sub(prep(a, shape, dtype), lax.mul(prep(b, shape, dtype), np.asarray(alpha, dtype)))


def add(input, other, *, alpha=1):
    if alpha == 1:
        return binary("AddBackward0", lax.add, input, other)
    dt = _dtypes.result_type(input, other)
    shape = broadcast_shapes(_shape(input), _shape(other))
    return _t.apply_op(
        "AddBackward0", _add_alpha, (as_input(input, dt), as_input(other, dt)),
        (("shape", shape), ("dtype", dt.np), ("alpha", alpha)),
    )


def sub(input, other, *, alpha=1):
    if input.dtype is _dtypes.bool if isinstance(input, _t.Tensor) else False:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
            "`^` or `logical_xor()` operator instead."
        )
    if alpha == 1:
        return binary("SubBackward0", lax.sub, input, other)
    dt = _dtypes.result_type(input, other)
    shape = broadcast_shapes(_shape(input), _shape(other))
    return _t.apply_op(
        "SubBackward0", _sub_alpha, (as_input(input, dt), as_input(other, dt)),
        (("shape", shape), ("dtype", dt.np), ("alpha", alpha)),
    )


def _rsub_scalar(a, *, value, dtype):
    a = prep(a, a.shape, dtype)
    return lax.sub(lax.broadcast_in_dim(np.asarray(value, dtype), a.shape, ()), a)


def rsub(input, other, *, alpha=1):
    """other - input; with a Python number `other` this is torch's RsubBackward1."""
    if isinstance(other, _t.Tensor):
        return sub(other, input, alpha=alpha)
    dt = _dtypes.result_type(input, other)
    static = (("value", other), ("dtype", dt.np))
    return _t.apply_op("RsubBackward1", _rsub_scalar, (input,), static)


def mul(input, other):
    return binary("MulBackward0", lax.mul, input, other)


def _div_fn(a, b, *, shape, dtype, mode):
    q = lax.div(prep(a, shape, dtype), prep(b, shape, dtype))
    if mode == "trunc":
        return lax.round_toward_zero(q)
    if mode == "floor":
        return lax.floor(q)
    return q


def div(input, other, *, rounding_mode=None):
    dt = _dtypes.result_type(input, other)
    if rounding_mode is None:
        return binary("DivBackward0", lax.div, input, other, dtype=dt, float_only=True)
    if not _dtypes.is_floating(dt):
        return binary("DivBackward1", lax.floor_div if rounding_mode == "floor" else
                      _trunc_div, input, other, dtype=dt)
    shape = broadcast_shapes(_shape(input), _shape(other))
    return _t.apply_op(
        "DivBackward1", _div_fn, (as_input(input, dt), as_input(other, dt)),
        (("shape", shape), ("dtype", dt.np), ("mode", rounding_mode)),
    )


def _trunc_div(a, b):
    """Integer division rounded toward zero: floor division, plus one where the signs differ
    and there is a remainder."""
    q = fnp.floor_divide(a, b)
    fix = fnp.logical_and(fnp.not_equal(fnp.remainder(a, b), 0), fnp.not_equal(a < 0, b < 0))
    return fnp.where(fix, q + 1, q)


true_divide = div


def floor_divide(input, other):
    return div(input, other, rounding_mode="floor")


def _remainder(a, b):
    r = lax.rem(a, b)
    zero = prep(np.zeros((), a.dtype), a.shape, a.dtype)
    fix = lax.ne(lax.lt(r, zero), lax.lt(b, zero))
    fix = lax.select(lax.ne(r, zero), fix, lax.ne(zero, zero))
    return lax.select(fix, lax.add(r, b), r)


def remainder(input, other):
    return binary("RemainderBackward0", _remainder, input, other)


def _pow_scalar(a, *, exponent, dtype):
    # The general pow primitive (not integer_pow) on purpose: its derivative rule reads
    # x ** (p - 1) through pow again, the structure torch's PowBackward0 has, so second
    # derivatives under create_graph depend on x (and print a grad_fn) exactly as in torch.
    a = prep(a, a.shape, dtype)
    if dtype.kind in "iub":
        if exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if not exponent:
            return lax.broadcast_in_dim(np.ones((), dtype), a.shape, ())
        return lax.integer_pow(a, int(exponent))
    return lax.pow(a, lax.broadcast_in_dim(np.asarray(exponent, dtype), a.shape, ()))


def _rpow_scalar(a, *, base, dtype):
    a = prep(a, a.shape, dtype)
    return lax.pow(lax.broadcast_in_dim(np.asarray(base, dtype), a.shape, ()), a)


def pow(input, exponent):
    if isinstance(input, _t.Tensor) and not isinstance(exponent, _t.Tensor):
        dt = _dtypes.result_type(input, exponent)
        static = (("exponent", exponent), ("dtype", dt.np))
        return _t.apply_op("PowBackward0", _pow_scalar, (input,), static)
    if not isinstance(input, _t.Tensor):
        dt = _dtypes.result_type(input, exponent)
        static = (("base", input), ("dtype", dt.np))
        return _t.apply_op("PowBackward2", _rpow_scalar, (exponent,), static)
    return binary("PowBackward1", lax.pow, input, exponent)


def neg(x):
    if x._data.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return unary("NegBackward0", lax.neg, x, float_only=False)


def exp(x):
    return unary("ExpBackward0", lax.exp, x, saves_result=True)


def log(x):
    return unary("LogBackward0", lax.log, x)


def _log2(a):
    return lax.div(lax.log(a), lax.broadcast_in_dim(np.asarray(np.log(2), a.dtype), a.shape, ()))


def _log10(a):
    return lax.div(lax.log(a), lax.broadcast_in_dim(np.asarray(np.log(10), a.dtype), a.shape, ()))


def log2(x):
    return unary("Log2Backward0", _log2, x)


def log10(x):
    return unary("Log10Backward0", _log10, x)


def log1p(x):
    return unary("Log1PBackward0", lax.log1p, x)


def expm1(x):
    return unary("Expm1Backward0", lax.expm1, x, saves_result=True)


def sin(x):
    return unary("SinBackward0", lax.sin, x)


def cos(x):
    return unary("CosBackward0", lax.cos, x)


def tan(x):
    return unary("TanBackward0", lax.tan, x, saves_result=True)


def atan(x):
    return unary("AtanBackward0", lax.atan, x)


def tanh(x):
    return unary("TanhBackward0", lax.tanh, x, saves_result=True)


def sigmoid(x):
    return unary("SigmoidBackward0", lax.logistic, x, saves_result=True)


def _relu(a):
    zero = lax.broadcast_in_dim(np.zeros((), a.dtype), a.shape, ())
    return lax.select(lax.gt(a, zero), a, zero)


def relu(x):
    return unary("ReluBackward0", _relu, x, float_only=False, saves_result=True)


def abs(x):
    return unary("AbsBackward0", lax.abs, x, float_only=False)


def sqrt(x):
    return unary("SqrtBackward0", lax.sqrt, x, saves_result=True)


def rsqrt(x):
    return unary("RsqrtBackward0", lax.rsqrt, x, saves_result=True)


def _square(a):
    return _pow_scalar(a, exponent=2, dtype=a.dtype)


def square(x):
    return unary("PowBackward0", _square, x, float_only=False)


def sign(x):
    return unary("SignBackward0", lax.sign, x, float_only=False)


def floor(x):
    return unary("FloorBackward0", lax.floor, x, float_only=False)


def ceil(x):
    return unary("CeilBackward0", lax.ceil, x, float_only=False)


def _round_half_even(a):
    return fnp.round(a) if hasattr(fnp, "round") else lax.floor(
        lax.add(a, lax.broadcast_in_dim(np.asarray(0.5, a.dtype), a.shape, ())))


def round(x):
    return unary("RoundBackward0", _round_half_even, x, float_only=False)


def trunc(x):
    return unary("TruncBackward0", lax.round_toward_zero, x, float_only=False)


def _reciprocal(a):
    return lax.div(lax.broadcast_in_dim(np.ones((), a.dtype), a.shape, ()), a)


def reciprocal(x):
    return unary("ReciprocalBackward0", _reciprocal, x, saves_result=True)


def _clamp(a, *, lo, hi, dtype):
    a = prep(a, a.shape, dtype)
    if lo is not None:
        lo_a = lax.broadcast_in_dim(np.asarray(lo, dtype), a.shape, ())
        a = lax.select(lax.lt(a, lo_a), lo_a, a)
    if hi is not None:
        hi_a = lax.broadcast_in_dim(np.asarray(hi, dtype), a.shape, ())
        a = lax.select(lax.gt(a, hi_a), hi_a, a)
    return a


def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, _t.Tensor) or isinstance(max, _t.Tensor):
        out = input
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    dt = _dtypes.result_type(input, *[v for v in (min, max) if v is not None])
    return _t.apply_op("ClampBackward1", _clamp, (input,),
                       (("lo", min), ("hi", max), ("dtype", dt.np)))


clip = clamp


def maximum(input, other):
    return binary("MaximumBackward0", lax.max, input, other)


def minimum(input, other):
    return binary("MinimumBackward0", lax.min, input, other)


def _where(c, a, b, *, shape, dtype):
    return lax.select(prep(c, shape, c.dtype), prep(a, shape, dtype), prep(b, shape, dtype))


def where(condition, input=None, other=None):
    if input is None and other is None:
        from compat.torch._shape_ops import nonzero

        return nonzero(condition, as_tuple=True)
    dt = _dtypes.result_type(input, other)
    shape = broadcast_shapes(_shape(condition), _shape(input), _shape(other))
    c = condition if isinstance(condition, _t.Tensor) else np.asarray(condition, bool)
    return _t.apply_op(
        "WhereBackward0", _where, (c, as_input(input, dt), as_input(other, dt)),
        (("shape", shape), ("dtype", dt.np)),
    )


def _masked_fill(a, m, *, value, dtype):
    fill = lax.broadcast_in_dim(np.asarray(value, dtype), a.shape, ())
    return lax.select(prep(m, a.shape, m.dtype), fill, a)


def masked_fill(input, mask, value):
    if isinstance(value, _t.Tensor):
        value = value.item()
    return _t.apply_op("MaskedFillBackward0", _masked_fill, (input, mask),
                       (("value", value), ("dtype", input._data.dtype)))


# ----- comparisons and logic (no gradient: boolean results) --------------------------------
def _compare(prim, a, b):
    dt = _dtypes.result_type(a, b)
    return binary("CompareBackward", prim, a, b, dtype=dt)


def eq(input, other):
    return _compare(lax.eq, input, other)


def ne(input, other):
    return _compare(lax.ne, input, other)


def lt(input, other):
    return _compare(lax.lt, input, other)


def le(input, other):
    return _compare(lax.le, input, other)


def gt(input, other):
    return _compare(lax.gt, input, other)


def ge(input, other):
    return _compare(lax.ge, input, other)


def _bool2(a, b, *, prim, shape):
    return prim(prep(a, shape, np.dtype(bool)), prep(b, shape, np.dtype(bool)))


def _logical(prim, a, b):
    shape = broadcast_shapes(_shape(a), _shape(b))
    return _t.apply_op("LogicalBackward", _bool2, (as_input(a, _dtypes.bool),
                       as_input(b, _dtypes.bool)), (("prim", prim), ("shape", shape)))


def logical_and(input, other):
    return _logical(fnp.logical_and, input, other)


def logical_or(input, other):
    return _logical(fnp.logical_or, input, other)


def logical_xor(input, other):
    return _logical(fnp.logical_xor, input, other)


def _not(a):
    return fnp.logical_not(a)


def logical_not(input):
    return _t.apply_op("LogicalNot", _not, (input,))


def _isnan(a):
    return lax.ne(a, a)


def isnan(input):
    return _t.apply_op("IsNan", _isnan, (input,))


def _isfinite(a):
    return lax.lt(lax.abs(lax.sub(a, a)), np.ones(a.shape, a.dtype)) if a.dtype.kind in "fc" else \
        lax.eq(a, a)


def isfinite(input):
    return _t.apply_op("IsFinite", _isfinite, (input,))
