"""Complex parts: real, imag, conj and complex (x + i y from two reals).

All four are linear over the reals, so each jvp applies the primitive to the tangent and each
has a transpose. The transposes follow JAX's convention, in which reverse mode never conjugates
a cotangent on its own: a cotangent w of an output pairs with a tangent t by Re sum(w * t)
(that is what `fgrad.test_util.check_grads` checks), and each rule below is the adjoint for
that pairing:

    real:     Re(w Re t)        = Re((w + 0i) t)         ->  ct_x = w + 0i
    imag:     Re(w Im t)        = Re((-i w) t)           ->  ct_x = -i w
    complex:  Re(w (tx + i ty)) = Re(w) tx + Re(i w) ty  ->  ct_x = Re w, ct_y = Im(-w)
    conj:     Re(w conj(t))     = Re(conj(w) t)          ->  ct_x = conj(w)

The wrapper `complex` shadows the builtin inside this module and, by the star import in
fgrad/prims/__init__.py, the module name `fgrad.prims.complex` (as `fft` does for its module).
"""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.markers import UndefinedPrimal, Zero
from fgrad.core.primitive import Primitive, bind
from fgrad.prims.arith import neg
from fgrad.prims.base import _strict_avals, deflinear, elementwise_batch, full_like, instantiate

__all__ = [
    "real_p", "real", "imag_p", "imag", "conj_p", "conj", "complex_p", "complex",
    "real_dtype", "complex_dtype",
]

_TO_COMPLEX = {
    np.dtype(np.float32): np.dtype(np.complex64),
    np.dtype(np.float64): np.dtype(np.complex128),
}


def real_dtype(dtype) -> np.dtype:
    """The real dtype of a complex one's parts (complex128 -> float64); others unchanged."""
    dtype = np.dtype(dtype)
    return np.finfo(dtype).dtype if dtype.kind == "c" else dtype


def complex_dtype(dtype) -> np.dtype:
    """The complex dtype with parts of this float dtype (float32 -> complex64)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return dtype
    if dtype not in _TO_COMPLEX:
        raise TypeError(
            f"there is no complex dtype with {dtype.name} parts; convert to float32 or float64 "
            "first."
        )
    return _TO_COMPLEX[dtype]


def _as_result(y):
    """numpy's real/imag of an array are strided views into it: return owned values, and a
    numpy scalar for 0-d, as the other impls do."""
    y = np.array(y)
    return y[()] if y.ndim == 0 else y


def _needs_complex(name: str, x: ShapedArray) -> None:
    if x.dtype.kind != "c":
        raise TypeError(
            f"{name} needs a complex operand, got {x.str_short()} (fgrad.numpy.{name} also "
            "takes real arrays)."
        )


def _part_aval(name: str):
    def abstract(x):
        _needs_complex(name, x)
        return ShapedArray(x.shape, real_dtype(x.dtype), x.weak_type)

    return abstract


# d Re(x) = Re(dx)
real_p = Primitive("real")
real_p.def_impl(lambda x: _as_result(np.real(x)))
real_p.def_abstract_eval(_part_aval("real"))
deflinear(real_p, lambda ct, x: [complex(ct, full_like(ct, 0.0))])
real_p.def_batch(elementwise_batch(real_p))


def real(x):
    return bind(real_p, x)


# d Im(x) = Im(dx)
imag_p = Primitive("imag")
imag_p.def_impl(lambda x: _as_result(np.imag(x)))
imag_p.def_abstract_eval(_part_aval("imag"))
deflinear(imag_p, lambda ct, x: [complex(full_like(ct, 0.0), neg(ct))])
imag_p.def_batch(elementwise_batch(imag_p))


def imag(x):
    return bind(imag_p, x)


# d conj(x) = conj(dx); a real x gives a complex result with zero imaginary part, as lax.conj
conj_p = Primitive("conj")


@conj_p.def_impl
def _conj_impl(x):
    dtype = complex_dtype(np.result_type(x))
    return _as_result(np.conjugate(np.asarray(x, dtype)))


@conj_p.def_abstract_eval
def _conj_abstract(x):
    if x.dtype.kind not in "fc":
        raise TypeError(f"conj needs a float or complex operand, got {x.str_short()}")
    return ShapedArray(x.shape, complex_dtype(x.dtype), x.weak_type)


def _conj_transpose(ct, x):
    # a real input only sees the real part of the cotangent (the pairing Re(w t), t real)
    return [conj(ct) if x.aval.dtype.kind == "c" else real(ct)]


deflinear(conj_p, _conj_transpose)
conj_p.def_batch(elementwise_batch(conj_p))


def conj(x):
    return bind(conj_p, x)


# d (x + i y) = dx + i dy
complex_p = Primitive("complex")


@complex_p.def_impl
def _complex_impl(x, y):
    x, y = np.asarray(x), np.asarray(y)
    # assigning the parts keeps infinities where x + 1j * y would make nan (1j * inf)
    out = np.empty(x.shape, complex_dtype(x.dtype))
    out.real, out.imag = x, y
    return out[()] if out.ndim == 0 else out


@complex_p.def_abstract_eval
def _complex_abstract(x, y):
    _strict_avals("complex", (x, y))
    if x.dtype.kind != "f":
        raise TypeError(
            f"complex needs float operands (the real and imaginary parts), got {x.str_short()}"
        )
    return ShapedArray(x.shape, complex_dtype(x.dtype), x.weak_type and y.weak_type)


@complex_p.def_jvp
def _complex_jvp(primals, tangents):
    tx, ty = tangents
    ans = bind(complex_p, *primals)
    if type(tx) is Zero and type(ty) is Zero:
        return ans, Zero(get_aval(ans).strip_weak())
    return ans, bind(complex_p, instantiate(tx), instantiate(ty))


@complex_p.def_transpose
def _complex_transpose(ct, x, y):
    return [
        real(ct) if type(x) is UndefinedPrimal else None,
        neg(imag(ct)) if type(y) is UndefinedPrimal else None,
    ]


complex_p.def_batch(elementwise_batch(complex_p))


def complex(x, y):
    """x + i y. A Python float part becomes a constant of the other part's dtype."""
    x, y = _float_pair(x, y)
    return bind(complex_p, x, y)


def _float_pair(x, y):
    py = (bool, int, float)
    if type(x) in py and type(y) in py:
        return np.float64(x), np.float64(y)
    if type(x) in py:
        return full_like(y, float(x)), y
    if type(y) in py:
        return x, full_like(x, float(y))
    return x, y
