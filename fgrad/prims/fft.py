"""The discrete Fourier transform over an array's trailing axes: one primitive, as lax.fft.

`fft_type` is "fft" / "ifft" (complex to complex), "rfft" (real to the n // 2 + 1 non-negative
frequencies of the last axis) or "irfft" (their inverse, to n real values); `fft_lengths` are
the transform's lengths over the trailing axes. Inverses carry numpy's default ("backward")
1 / n; fgrad.numpy.fft adds the other norms, cropping, padding and axis moves around it.

Every type is linear over the reals, so the jvp transforms the tangent, and the transposes are
the adjoints for the pairing Re sum(w * t) that JAX's convention uses (cotangents are never
conjugated on their own). With F the DFT matrix, which is symmetric:

    fft, ifft:  the transpose of F is F (and of the inverse, the inverse).
    rfft:       x -> first m entries of F x. Re sum_k w_k (F x)_k = sum_j x_j Re (F w')_j, where
                w' is w zero-padded to n entries: ct_x = Re fft(w').
    irfft:      z -> (1/n) sum_k c_k Re(z_k e^(2 pi i j k / n)), with c_k = 1 for the zero and
                (even n) Nyquist frequencies, whose conjugate twins are not stored, and 2 for
                the others. Pairing with a real w: ct_z = c_k conj(rfft(w))_k / n.
Over several axes the leading axes are a complex transform, which transposes to itself, so the
same formulas hold with n the product of the lengths.
"""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.primitive import Primitive, bind
from fgrad.prims.arith import mul
from fgrad.prims.base import deflinear
from fgrad.prims.complex import complex_dtype, conj, real, real_dtype
from fgrad.prims.shape import bdim_to_front, broadcast_in_dim, pad

__all__ = ["fft_p", "fft", "FFT_TYPES"]

FFT_TYPES = ("fft", "ifft", "rfft", "irfft")

_NUMPY = {"fft": np.fft.fftn, "ifft": np.fft.ifftn, "rfft": np.fft.rfftn, "irfft": np.fft.irfftn}


fft_p = Primitive("fft")


@fft_p.def_impl
def _fft_impl(x, *, fft_type, fft_lengths):
    k = len(fft_lengths)
    out = _NUMPY[fft_type](x, s=fft_lengths, axes=tuple(range(-k, 0)))
    aval = _fft_abstract(get_aval(x), fft_type=fft_type, fft_lengths=fft_lengths)
    return out.astype(aval.dtype, copy=False)


@fft_p.def_abstract_eval
def _fft_abstract(x, *, fft_type, fft_lengths):
    k = len(fft_lengths)
    if fft_type not in FFT_TYPES:
        raise TypeError(f"fft_type must be one of {FFT_TYPES}, got {fft_type!r}")
    if not 0 < k <= x.ndim or any(n < 1 for n in fft_lengths):
        raise TypeError(
            f"fft over lengths {fft_lengths} does not fit an operand {x.str_short()} (one to "
            "ndim positive lengths, for the trailing axes)"
        )
    lead, tail = x.shape[:-k], x.shape[-k:]
    if fft_type == "rfft":
        if x.dtype.kind != "f":
            raise TypeError(f"rfft needs a float operand, got {x.str_short()}")
        expect, shape = fft_lengths, lead + fft_lengths[:-1] + (fft_lengths[-1] // 2 + 1,)
        dtype = complex_dtype(x.dtype)
    else:
        if x.dtype.kind != "c":
            raise TypeError(f"{fft_type} needs a complex operand, got {x.str_short()}")
        if fft_type == "irfft":
            expect = fft_lengths[:-1] + (fft_lengths[-1] // 2 + 1,)
            shape, dtype = lead + fft_lengths, real_dtype(x.dtype)
        else:
            expect, shape, dtype = fft_lengths, x.shape, x.dtype
    if tail != expect:
        raise TypeError(
            f"{fft_type} with fft_lengths {fft_lengths} needs trailing axes {expect}, got an "
            f"operand {x.str_short()}"
        )
    return ShapedArray(shape, dtype, x.weak_type)


def _hermitian_weights(ct, n: int):
    """c_k along the last axis, broadcast to ct's shape: 1 at frequency 0 and (even n) at the
    Nyquist frequency n / 2, 2 elsewhere."""
    aval = get_aval(ct)
    m = aval.shape[-1]
    c = np.full(m, 2.0)
    c[0] = 1.0
    if n % 2 == 0:
        c[-1] = 1.0
    return broadcast_in_dim(c.astype(aval.dtype), aval.shape, (aval.ndim - 1,))


def _fft_transpose(ct, x, *, fft_type, fft_lengths):
    if fft_type in ("fft", "ifft"):
        return [fft(ct, fft_type, fft_lengths)]
    if fft_type == "rfft":
        n, m = fft_lengths[-1], get_aval(ct).shape[-1]
        zero = np.zeros((), get_aval(ct).dtype)
        widened = pad(ct, zero, ((0, 0, 0),) * (get_aval(ct).ndim - 1) + ((0, n - m, 0),))
        return [real(fft(widened, "fft", fft_lengths))]
    z = conj(fft(ct, "rfft", fft_lengths))
    scale = 1.0 / float(np.prod(fft_lengths))
    return [mul(z, mul(_hermitian_weights(z, fft_lengths[-1]), scale))]


deflinear(fft_p, _fft_transpose)


@fft_p.def_batch
def _fft_batch(args, bdims, *, fft_type, fft_lengths):
    return fft(bdim_to_front(args[0], bdims[0]), fft_type, fft_lengths), 0


def fft(x, fft_type: str, fft_lengths):
    """The `fft_type` transform over the trailing len(fft_lengths) axes."""
    return bind(fft_p, x, fft_type=str(fft_type), fft_lengths=tuple(int(n) for n in fft_lengths))
