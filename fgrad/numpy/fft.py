"""fgrad.numpy.fft: numpy.fft's functions, traceable (`fnp.fft.fft(x)`).

Every transform is one `fft` primitive (fgrad/prims/fft.py) over the trailing axes, with
numpy's arguments done here: the transformed axes are moved last and back, the input is
cropped or zero-padded to the lengths `n` / `s`, and the norm ("backward", "ortho",
"forward") is a constant factor on the primitive's "backward" result. Dtypes are numpy's:
float32 and complex64 stay single precision, everything else computes in double.
"""

from __future__ import annotations

import math

import numpy as np

from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.numpy._complex import conjugate
from fgrad.numpy._more_shape import roll
from fgrad.numpy._promotion import asarray_operand, cast, normalize_axis_index
from fgrad.numpy._ufuncs import multiply, true_divide

__all__ = [
    "fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
    "fftn", "ifftn", "rfftn", "irfftn", "fftshift", "ifftshift", "fftfreq", "rfftfreq",
]

_NORMS = (None, "backward", "ortho", "forward")
_SWAP = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


def _check_norm(norm):
    if norm not in _NORMS:
        raise ValueError(
            f'Invalid norm value {norm}; should be "backward", "ortho" or "forward".'
        )
    return norm


def _no_out(out):
    if out is not None:
        raise NotImplementedError(
            "fgrad.numpy.fft functions return new arrays; out= is not supported (arrays may be "
            "traced, and traced values cannot be written into)."
        )


def _operand(a):
    a = asarray_operand(a)
    if isinstance(a, (bool, int, float, complex, np.generic)):
        a = np.asarray(a)
    return a


def _cook(shape, s, axes, invreal: bool):
    """numpy's lengths and axes for the n-dimensional transforms: s defaults to the input's
    sizes (for irfftn the last to 2 (m - 1)), a None or -1 in s to the input's size on that
    axis, axes to the last len(s) axes."""
    if s is None:
        shapeless = True
        s = list(shape) if axes is None else [shape[normalize_axis_index(a, len(shape))]
                                              for a in axes]
    else:
        shapeless = False
        s = list(s)
    axes = list(range(-len(s), 0)) if axes is None else list(axes)
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    axes = [normalize_axis_index(int(a), len(shape)) for a in axes]
    if invreal and (shapeless or s[-1] is None):
        s[-1] = (shape[axes[-1]] - 1) * 2
    s = [shape[a] if n is None or n == -1 else int(n) for n, a in zip(s, axes)]
    for n in s:
        if n < 1:
            raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    return s, axes


def _resize(x, axis: int, n: int):
    """x cropped or zero-padded at the end to n entries along `axis` (numpy's `n`)."""
    aval = get_aval(x)
    have = aval.shape[axis]
    if have == n:
        return x
    if have > n:
        limit = aval.shape[:axis] + (n,) + aval.shape[axis + 1:]
        return prims.slice(x, (0,) * aval.ndim, limit)
    config = [(0, 0, 0)] * aval.ndim
    config[axis] = (0, n - have, 0)
    return prims.pad(x, np.zeros((), aval.dtype), tuple(config))


def _apply(x, fft_type: str, lengths, axes):
    """One primitive over distinct `axes` (moved last, in order, then back), the input
    resized to the lengths the primitive expects."""
    for i, (n, a) in enumerate(zip(lengths, axes)):
        last = i == len(axes) - 1
        x = _resize(x, a, n // 2 + 1 if fft_type == "irfft" and last else n)
    nd = get_aval(x).ndim
    perm = tuple(i for i in range(nd) if i not in axes) + tuple(axes)
    moved = perm != tuple(range(nd))
    if moved:
        x = prims.transpose(x, perm)
    y = prims.fft(x, fft_type, tuple(lengths))
    if moved:
        y = prims.transpose(y, tuple(int(i) for i in np.argsort(perm)))
    return y


def _scale(y, norm, n_total: int, inverse: bool):
    """The primitive computes numpy's "backward" norm; the others differ by a constant."""
    if norm in (None, "backward"):
        return y
    if norm == "ortho":
        factor = math.sqrt(n_total) if inverse else 1 / math.sqrt(n_total)
    else:
        factor = float(n_total) if inverse else 1 / n_total
    return prims.mul(y, factor)


def _complex_input(a):
    """numpy computes complex transforms in complex64 for float16/float32/complex64 input,
    complex128 otherwise."""
    return cast(a, np.result_type(get_aval(a).dtype, 1j))


def _c2c(a, s, axes, norm, fft_type: str):
    a = _operand(a)
    _check_norm(norm)
    if axes is not None and len(axes) == 0 and s is None:
        return a  # numpy transforms nothing and returns the input as it is
    s, axes = _cook(get_aval(a).shape, s, axes, invreal=False)
    x = _complex_input(a)
    if len(set(axes)) == len(axes):
        y = _apply(x, fft_type, s, axes)
    else:  # a repeated axis is transformed again, one axis at a time, as numpy does
        y = x
        for n, ax in reversed(list(zip(s, axes))):
            y = _apply(y, fft_type, [n], [ax])
    return _scale(y, norm, math.prod(s), inverse=fft_type == "ifft")


def _r2c(a, s, axes, norm):
    a = _operand(a)
    _check_norm(norm)
    dtype = get_aval(a).dtype
    if dtype.kind == "c":
        raise TypeError(
            f"rfft needs real input, got {dtype.name}: use fft for complex input (or take "
            "fnp.real first)."
        )
    s, axes = _cook(get_aval(a).shape, s, axes, invreal=False)
    x = cast(a, np.finfo(np.result_type(dtype, 1j)).dtype)
    if len(set(axes)) == len(axes):
        y = _apply(x, "rfft", s, axes)
    else:
        y = _apply(x, "rfft", s[-1:], axes[-1:])
        for n, ax in reversed(list(zip(s[:-1], axes[:-1]))):
            y = _apply(y, "fft", [n], [ax])
    return _scale(y, norm, math.prod(s), inverse=False)


def _c2r(a, s, axes, norm):
    a = _operand(a)
    _check_norm(norm)
    dtype = get_aval(a).dtype
    out_dtype = np.result_type(np.finfo(dtype).dtype if dtype.kind == "c" else dtype, 1.0)
    s, axes = _cook(get_aval(a).shape, s, axes, invreal=True)
    x = _complex_input(a)
    if len(set(axes)) == len(axes):
        y = _apply(x, "irfft", s, axes)
    else:
        y = x
        for n, ax in zip(s[:-1], axes[:-1]):
            y = _apply(y, "ifft", [n], [ax])
        y = _apply(y, "irfft", s[-1:], axes[-1:])
    return cast(_scale(y, norm, math.prod(s), inverse=True), out_dtype)


# ----- one axis ----------------------------------------------------------------------------


def fft(a, n=None, axis=-1, norm=None, out=None):
    _no_out(out)
    return _c2c(a, [n], [axis], norm, "fft")


def ifft(a, n=None, axis=-1, norm=None, out=None):
    _no_out(out)
    return _c2c(a, [n], [axis], norm, "ifft")


def rfft(a, n=None, axis=-1, norm=None, out=None):
    _no_out(out)
    return _r2c(a, [n], [axis], norm)


def irfft(a, n=None, axis=-1, norm=None, out=None):
    _no_out(out)
    return _c2r(a, [n], [axis], norm)


def hfft(a, n=None, axis=-1, norm=None, out=None):
    """The real spectrum of a signal with Hermitian symmetry whose first half is `a`: irfft
    of conj(a) with the norm's direction swapped, as numpy defines it."""
    _no_out(out)
    _check_norm(norm)
    return _c2r(conjugate(_operand(a)), [n], [axis], _SWAP[norm])


def ihfft(a, n=None, axis=-1, norm=None, out=None):
    """The inverse of hfft: conj(rfft(a)) with the norm's direction swapped."""
    _no_out(out)
    _check_norm(norm)
    return conjugate(_r2c(a, [n], [axis], _SWAP[norm]))


# ----- several axes ------------------------------------------------------------------------


def fftn(a, s=None, axes=None, norm=None, out=None):
    _no_out(out)
    return _c2c(a, s, axes, norm, "fft")


def ifftn(a, s=None, axes=None, norm=None, out=None):
    _no_out(out)
    return _c2c(a, s, axes, norm, "ifft")


def rfftn(a, s=None, axes=None, norm=None, out=None):
    _no_out(out)
    return _r2c(a, s, axes, norm)


def irfftn(a, s=None, axes=None, norm=None, out=None):
    _no_out(out)
    return _c2r(a, s, axes, norm)


def fft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return fftn(a, s, axes, norm, out)


def ifft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return ifftn(a, s, axes, norm, out)


def rfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return rfftn(a, s, axes, norm, out)


def irfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return irfftn(a, s, axes, norm, out)


# ----- helpers -----------------------------------------------------------------------------


def _shifts(shape, axes, sign: int):
    if axes is None:
        axes = tuple(range(len(shape)))
        return [sign * (d // 2) for d in shape], axes
    if isinstance(axes, (int, np.integer)):
        return sign * (shape[axes] // 2), axes
    return [sign * (shape[ax] // 2) for ax in axes], axes


def fftshift(x, axes=None):
    """The zero frequency moved to the middle: a roll by n // 2 on each axis."""
    x = _operand(x)
    shift, axes = _shifts(get_aval(x).shape, axes, 1)
    return roll(x, shift, axes)


def ifftshift(x, axes=None):
    """fftshift undone: a roll by -(n // 2)."""
    x = _operand(x)
    shift, axes = _shifts(get_aval(x).shape, axes, -1)
    return roll(x, shift, axes)


def _frequencies(ints, n, d):
    """ints / (n d) as numpy computes it, ints * (1 / (n d)); d may be traced."""
    return multiply(ints, true_divide(1.0, multiply(n, d)))


def _check_n(n):
    if not isinstance(n, (int, np.integer)) or isinstance(n, (bool, np.bool_)):
        raise ValueError("n should be an integer")


def fftfreq(n, d=1.0, device=None):
    """The sample frequencies of an n-point fft: [0, 1, ..., -(n // 2), ..., -1] / (n d)."""
    _check_n(n)
    ints = np.concatenate([np.arange(0, (n - 1) // 2 + 1), np.arange(-(n // 2), 0)])
    return _frequencies(ints, n, d)


def rfftfreq(n, d=1.0, device=None):
    """The sample frequencies of an n-point rfft: [0, 1, ..., n // 2] / (n d)."""
    _check_n(n)
    return _frequencies(np.arange(0, n // 2 + 1), n, d)
