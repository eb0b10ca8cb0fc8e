"""fgrad.scipy.signal: scipy.signal's convolutions on values that may be traced.

Every function computes the direct sum (method 'fft' and 'auto', and fftconvolve/oaconvolve, give
the same values up to rounding, as in scipy), from two traceable operations: a gather of the
sliding windows of the (padded) first input, shape (outputs..., kernel...), and a dot_general
contracting the window axes with the kernel. Derivatives in both inputs (and in convolve2d's
fillvalue) and vmap come from the rules of pad, gather and dot_general. Memory is
prod(output shape) * prod(kernel shape).

scipy's conventions, kept exactly:
- convolve: 'full' has length n1 + n2 - 1 per axis; 'same' is the part of 'full' of in1's shape
  starting at (n2 - 1) // 2; 'valid' the part where one input covers the other, which needs
  one input at least as large as the other in every axis (the inputs are swapped when in2 is
  the larger, convolution being commutative).
- correlate(in1, in2) = convolve(in1, conj(in2) reversed) in every mode.
- correlate2d's 'same' starts at n2 // 2 instead (it differs from correlate for even kernel
  sizes), and its 'valid' with the inputs swapped is correlate2d(in2, in1) reversed.
- convolve2d/correlate2d extend in1 beyond its edges by `boundary`: 'fill' (fillvalue),
  'wrap' (periodic) or 'symm' (mirrored with the edge repeated, numpy.pad's 'symmetric').
- fftconvolve/oaconvolve convolve along `axes` only; the other axes broadcast (except that
  'same' cuts the result back to in1's shape in every axis, as scipy does), and the result is
  floating (or complex) even for integer inputs (unless no axis needs a transform, as in
  scipy). convolve/correlate keep integer dtypes.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

import fgrad.numpy as fnp
from fgrad import lax

__all__ = ["convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve", "oaconvolve"]

_MODES = ("full", "same", "valid")
_BOUNDARIES = {"fill": "fill", "pad": "fill", "wrap": "wrap", "circular": "wrap",
               "symm": "symm", "symmetric": "symm"}


def _check_mode(mode):
    if mode not in _MODES:
        raise ValueError("acceptable mode flags are 'valid', 'same', or 'full'.")


def _check_method(method):
    if method not in ("auto", "direct", "fft"):
        raise ValueError("Acceptable method flags are 'auto', 'direct', or 'fft'.")


def _arrays(name, in1, in2, inexact=False):
    dtype = fnp.result_type(in1, in2)
    if inexact and dtype.kind not in "fc":
        dtype = np.dtype(np.float64)
    in1, in2 = fnp.asarray(in1, dtype=dtype), fnp.asarray(in2, dtype=dtype)
    if fnp.ndim(in1) != fnp.ndim(in2):
        raise ValueError(f"{name}: in1 and in2 should have the same dimensionality, got "
                         f"shapes {fnp.shape(in1)} and {fnp.shape(in2)}.")
    return in1, in2


def _conj(x):
    return fnp.conj(x) if fnp.result_type(x).kind == "c" else x


def _swap_needed(s1, s2, axes):
    """For 'valid': whether in2 is the larger input (then the inputs trade places)."""
    ok1 = all(s1[a] >= s2[a] for a in axes)
    ok2 = all(s2[a] >= s1[a] for a in axes)
    if not (ok1 or ok2):
        raise ValueError("For 'valid' mode, one must be at least as large as the other in "
                         "every dimension")
    return not ok1


def _sliding_dot(x, w, axes):
    """out[b, k] = sum_j x[b, k + j] w[b, j]: j runs over w's extent along `axes`, the other
    axes (equal in x and w) are batch axes. Needs x at least as large as w along `axes`."""
    ndim = fnp.ndim(x)
    batch = [a for a in range(ndim) if a not in axes]
    order = batch + list(axes)
    xt, wt = fnp.transpose(x, order), fnp.transpose(w, order)
    nb, d = len(batch), len(axes)
    n, m = fnp.shape(xt)[nb:], fnp.shape(wt)[nb:]
    out_len = [ni - mi + 1 for ni, mi in zip(n, m)]
    index = []
    for i in range(d):
        k = np.arange(out_len[i]).reshape([out_len[i] if a == i else 1 for a in range(2 * d)])
        j = np.arange(m[i]).reshape([m[i] if a == d + i else 1 for a in range(2 * d)])
        index.append(k + j)
    windows = xt[(slice(None),) * nb + tuple(index)]
    contract = (tuple(range(nb + d, nb + 2 * d)), tuple(range(nb, nb + d)))
    out = lax.dot_general(windows, wt, (contract, (tuple(range(nb)), tuple(range(nb)))))
    return fnp.transpose(out, tuple(np.argsort(order)))


def _extend(x, pads, boundary="fill", fillvalue=0):
    """x extended by pads[a] = (before, after) along each axis: by fillvalue, periodically
    ('wrap') or mirrored ('symm')."""
    if all(p == (0, 0) for p in pads):
        return x
    if boundary == "fill":
        value = fnp.asarray(fillvalue, dtype=fnp.result_type(x))
        return lax.pad(x, value, tuple((lo, hi, 0) for lo, hi in pads))
    mode = "wrap" if boundary == "wrap" else "symmetric"
    for a, p in enumerate(pads):
        if p != (0, 0):
            idx = np.pad(np.arange(fnp.shape(x)[a]), p, mode=mode)
            x = fnp.take(x, idx, axis=a)
    return x


def _convolve(in1, in2, mode, axes, same_start=None, boundary="fill", fillvalue=0):
    """The convolution of in1 and in2 along `axes` (equal shapes elsewhere). `same_start(m)`
    gives where 'same' starts within 'full' for a kernel of length m."""
    s1, s2 = fnp.shape(in1), fnp.shape(in2)
    if mode == "valid":
        if _swap_needed(s1, s2, axes):
            in1, in2, s1, s2 = in2, in1, s2, s1
        pads = [(0, 0)] * len(s1)
    else:
        pads = []
        for a in range(len(s1)):
            if a not in axes:
                pads.append((0, 0))
                continue
            m = s2[a]
            lo = m - 1 if mode == "full" else m - 1 - same_start(m)
            hi = m - 1 if mode == "full" else same_start(m)
            pads.append((lo, hi))
    x = _extend(in1, pads, boundary, fillvalue)
    w = fnp.flip(in2, axis=tuple(axes)) if axes else in2
    if not axes:
        return fnp.multiply(x, w)
    return _sliding_dot(x, w, tuple(axes))


def _conv_start(m):
    return (m - 1) // 2


def _corr2d_start(m):
    return m // 2


def _trivial(in1, in2):
    """scipy's answers for 0-d inputs (their product) and empty ones (an empty array); None
    for every other case."""
    if fnp.ndim(in1) == 0:
        return fnp.multiply(in1, in2)
    if fnp.size(in1) == 0 or fnp.size(in2) == 0:
        return fnp.zeros((0,), fnp.result_type(in1))
    return None


def convolve(in1, in2, mode="full", method="auto"):
    """The N-dimensional convolution of in1 and in2 (scipy.signal.convolve); `method` is
    accepted for compatibility, every method computes the direct sum."""
    _check_mode(mode)
    _check_method(method)
    in1, in2 = _arrays("convolve", in1, in2)
    trivial = _trivial(in1, in2)
    if trivial is not None:
        return trivial
    return _convolve(in1, in2, mode, tuple(range(fnp.ndim(in1))), _conv_start)


def correlate(in1, in2, mode="full", method="auto"):
    """The N-dimensional cross-correlation, z[k] = sum_l in1[l] conj(in2[l - k + n2 - 1]) for
    'full' (scipy.signal.correlate): the convolution of in1 with conj(in2) reversed."""
    _check_mode(mode)
    _check_method(method)
    in1, in2 = _arrays("correlate", in1, in2)
    trivial = _trivial(in1, in2)
    if trivial is not None:
        return trivial
    axes = tuple(range(fnp.ndim(in1)))
    return _convolve(in1, fnp.flip(_conj(in2), axis=axes), mode, axes, _conv_start)


def _check_2d(name, in1, in2, boundary):
    if fnp.ndim(in1) != 2 or fnp.ndim(in2) != 2:
        raise ValueError(f"{name} inputs must both be 2-D arrays")
    if boundary not in _BOUNDARIES:
        raise ValueError(f"Acceptable boundary flags are 'fill', 'wrap' (or 'circular'), and "
                         f"'symm' (or 'symmetric'), got {boundary!r}.")
    return _BOUNDARIES[boundary]


def _fillvalue(fillvalue):
    if fnp.ndim(fillvalue) != 0:
        raise ValueError("fillvalue must be scalar or an array with one element.")
    return fillvalue


def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """The 2-D convolution of in1 and in2 (scipy.signal.convolve2d), in1 extended beyond its
    edges by `boundary` ('fill' with fillvalue, 'wrap' or 'symm') in 'full' and 'same'."""
    _check_mode(mode)
    in1, in2 = _arrays("convolve2d", in1, in2)
    boundary = _check_2d("convolve2d", in1, in2, boundary)
    return _convolve(in1, in2, mode, (0, 1), _conv_start, boundary, _fillvalue(fillvalue))


def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """The 2-D cross-correlation (scipy.signal.correlate2d), with scipy's centering of 'same'
    (starting at n2 // 2 of 'full') and of 'valid' with the inputs swapped."""
    _check_mode(mode)
    in1, in2 = _arrays("correlate2d", in1, in2)
    boundary = _check_2d("correlate2d", in1, in2, boundary)
    fillvalue = _fillvalue(fillvalue)
    if mode == "valid" and _swap_needed(fnp.shape(in1), fnp.shape(in2), (0, 1)):
        out = _convolve(in2, fnp.flip(_conj(in1), axis=(0, 1)), mode, (0, 1))
        return fnp.flip(out, axis=(0, 1))
    return _convolve(in1, fnp.flip(_conj(in2), axis=(0, 1)), mode, (0, 1), _corr2d_start,
                     boundary, fillvalue)


def _conv_axes(name, in1, in2, axes):
    """Both inputs broadcast along the axes that are not convolved, where their sizes must
    agree or be 1; `axes` (non-negative) sorted."""
    ndim = fnp.ndim(in1)
    s1, s2 = list(fnp.shape(in1)), list(fnp.shape(in2))
    t1, t2 = list(s1), list(s2)
    for a in range(ndim):
        if a in axes:
            continue
        if s1[a] != s2[a] and 1 not in (s1[a], s2[a]):
            raise ValueError(f"{name}: incompatible shapes for in1 and in2: {tuple(s1)} and "
                             f"{tuple(s2)} (axes that are not convolved must be equal or 1).")
        t1[a] = t2[a] = max(s1[a], s2[a])
    in1 = fnp.broadcast_to(in1, tuple(t1)) if t1 != s1 else in1
    in2 = fnp.broadcast_to(in2, tuple(t2)) if t2 != s2 else in2
    return in1, in2, tuple(sorted(axes))


def fftconvolve(in1, in2, mode="full", axes=None):
    """scipy.signal.fftconvolve's result, computed as the direct sum: the convolution along
    `axes` (all by default), broadcasting the other axes; floating even for integer inputs."""
    _check_mode(mode)
    in1, in2 = _arrays("fftconvolve", in1, in2)
    ndim = fnp.ndim(in1)
    conv = range(ndim) if axes is None else normalize_axis_tuple(
        (axes,) if isinstance(axes, (int, np.integer)) else tuple(axes), ndim)
    # as in scipy, an axis where either input has length 1 is not transformed: the
    # convolution along it is a broadcast product (so it plays no part in 'valid's size check)
    conv = tuple(a for a in conv if fnp.shape(in1)[a] != 1 and fnp.shape(in2)[a] != 1)
    if conv:
        # scipy's transforms make the result floating even for integer inputs
        in1, in2 = _arrays("fftconvolve", in1, in2, inexact=True)
    trivial = _trivial(in1, in2)
    if trivial is not None:
        return trivial
    shape1 = fnp.shape(in1)
    in1, in2, axes = _conv_axes("fftconvolve", in1, in2, conv)
    out = _convolve(in1, in2, mode, axes, _conv_start)
    if mode == "same":
        # scipy centres 'same' on in1's whole shape: an axis of in1 that was broadcast from
        # length 1 is cut back to its middle entry
        for a, n in enumerate(shape1):
            size = fnp.shape(out)[a]
            if n != size:
                start = (size - n) // 2
                out = lax.slice(out, tuple(start if b == a else 0 for b in range(len(shape1))),
                                tuple(start + n if b == a else fnp.shape(out)[b]
                                      for b in range(len(shape1))))
    return out


def oaconvolve(in1, in2, mode="full", axes=None):
    """scipy.signal.oaconvolve's result (the overlap-add method gives fftconvolve's values)."""
    return fftconvolve(in1, in2, mode, axes)
