"""numpy.gradient and numpy.real_if_close on values that may be traced.

gradient follows numpy's formulas operation for operation (second-order central differences
inside, first- or second-order one-sided differences at the edges, the non-uniform-spacing
weights of Fornberg's three-point stencil), so concrete results agree with numpy's to the last
bit, and it is differentiable in f and in the spacing (a scalar step, or the coordinates).
The one concrete decision numpy makes, replacing evenly spaced coordinates by their common
step, is made only for concrete coordinates: traced ones (being differentiated, batched or
staged) always take the non-uniform formula, whose derivative with respect to each coordinate
is the right one, and whose value equals the uniform one up to rounding.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.core.trace import Tracer, find_concrete
from fgrad.numpy._differences import diff
from fgrad.numpy._indexing import getitem
from fgrad.numpy._promotion import asarray_operand, cast
from fgrad.numpy._shape import concatenate, reshape
from fgrad.numpy._ufuncs import add, multiply, negative, subtract, true_divide

__all__ = ["gradient", "real_if_close"]


def _array(x):
    """A tracer as is; anything else as numpy's asanyarray (numpy's first step)."""
    x = asarray_operand(x)
    return x if isinstance(x, Tracer) else np.asanyarray(x)


def _spacings(varargs, axes, shape):
    """Per axis: a scalar step, or the 1-d differences of the coordinates (numpy's rules and
    messages; evenly spaced concrete coordinates become their step, as in numpy)."""
    n = len(varargs)
    if n == 0:
        return [1.0] * len(axes)
    if n == 1 and get_aval(asarray_operand(varargs[0])).ndim == 0:
        return [varargs[0]] * len(axes)
    if n != len(axes):
        raise TypeError("invalid number of arguments")
    out = []
    for ax, spacing in zip(axes, varargs):
        d = _array(spacing)
        aval = get_aval(d)
        if aval.ndim == 0:
            out.append(spacing)
            continue
        if aval.ndim != 1:
            raise ValueError("distances must be either scalars or 1d")
        if aval.shape[0] != shape[ax]:
            raise ValueError("when 1d, distances must match the length of the corresponding "
                             "dimension")
        if aval.dtype.kind in "iu":
            d = cast(d, np.float64)  # no modular arithmetic in the differences
        if isinstance(d, Tracer):
            out.append(diff(d))
            continue
        steps = np.diff(d)  # concrete: numpy's decision, made with numpy
        out.append(steps[0] if (steps == steps[0]).all() else steps)
    return out


def _slab(f, ax, start, stop):
    nd = get_aval(f).ndim
    return getitem(f, (slice(None),) * ax + (slice(start, stop),) + (slice(None),) * (nd - ax - 1))


def _combine(a, f0, b, f1, c, f2):
    """a f0 + b f1 + c f2, in numpy's order."""
    return add(add(multiply(a, f0), multiply(b, f1)), multiply(c, f2))


def _interior(f, ax, dx, uniform):
    lo, mid, hi = _slab(f, ax, None, -2), _slab(f, ax, 1, -1), _slab(f, ax, 2, None)
    if uniform:
        return true_divide(subtract(hi, lo), multiply(2.0, dx))
    dx1, dx2 = getitem(dx, slice(0, -1)), getitem(dx, slice(1, None))
    a = true_divide(negative(dx2), multiply(dx1, add(dx1, dx2)))
    b = true_divide(subtract(dx2, dx1), multiply(dx1, dx2))
    c = true_divide(dx1, multiply(dx2, add(dx1, dx2)))
    nd = get_aval(f).ndim
    shape = tuple(-1 if i == ax else 1 for i in range(nd))
    a, b, c = (reshape(w, shape) for w in (a, b, c))
    return _combine(a, lo, b, mid, c, hi)


def _edges(f, ax, dx, uniform, edge_order):
    """The first and the last slab (one wide along ax)."""
    if edge_order == 1:
        d0 = dx if uniform else getitem(dx, 0)
        dn = dx if uniform else getitem(dx, -1)
        first = true_divide(subtract(_slab(f, ax, 1, 2), _slab(f, ax, 0, 1)), d0)
        last = true_divide(subtract(_slab(f, ax, -1, None), _slab(f, ax, -2, -1)), dn)
        return first, last
    if uniform:
        a, b, c = (true_divide(k, dx) for k in (-1.5, 2.0, -0.5))
    else:
        dx1, dx2 = getitem(dx, 0), getitem(dx, 1)
        a = true_divide(negative(add(multiply(2.0, dx1), dx2)), multiply(dx1, add(dx1, dx2)))
        b = true_divide(add(dx1, dx2), multiply(dx1, dx2))
        c = true_divide(negative(dx1), multiply(dx2, add(dx1, dx2)))
    first = _combine(a, _slab(f, ax, 0, 1), b, _slab(f, ax, 1, 2), c, _slab(f, ax, 2, 3))
    if uniform:
        a, b, c = (true_divide(k, dx) for k in (0.5, -2.0, 1.5))
    else:
        dx1, dx2 = getitem(dx, -2), getitem(dx, -1)
        a = true_divide(dx2, multiply(dx1, add(dx1, dx2)))
        b = true_divide(negative(add(dx2, dx1)), multiply(dx1, dx2))
        c = true_divide(add(multiply(2.0, dx2), dx1), multiply(dx2, add(dx1, dx2)))
    last = _combine(a, _slab(f, ax, -3, -2), b, _slab(f, ax, -2, -1), c, _slab(f, ax, -1, None))
    return first, last


def _store(x, dtype):
    """What numpy's write into an `out` of `dtype` keeps: a complex value loses its imaginary
    part (with numpy's ComplexWarning) when the output is real."""
    if get_aval(x).dtype.kind == "c" and dtype.kind != "c":
        warnings.warn("Casting complex values to real discards the imaginary part",
                      np.exceptions.ComplexWarning, stacklevel=4)
        x = prims.real(x)
    return cast(x, dtype)


def gradient(f, *varargs, axis=None, edge_order=1):
    """The gradient of sampled values f, numpy's signature and results: one array for one
    axis, a tuple for several. The spacing (varargs) is a scalar for all axes, or one scalar
    or coordinate array per axis; derivatives flow to f and to traced spacings."""
    f = _array(f)
    aval = get_aval(f)
    axes = tuple(range(aval.ndim)) if axis is None else normalize_axis_tuple(axis, aval.ndim)
    dxs = _spacings(varargs, axes, aval.shape)
    if edge_order > 2:
        raise ValueError("'edge_order' greater than 2 not supported")
    otype = aval.dtype
    if otype.kind not in "fc":
        if otype.kind in "iu":
            f = cast(f, np.float64)  # no modular arithmetic in the differences
        otype = np.dtype(np.float64)
    outs = []
    for ax, dx in zip(axes, dxs):
        if aval.shape[ax] < edge_order + 1:
            raise ValueError("Shape of array too small to calculate a numerical gradient, at "
                             "least (edge_order + 1) elements are required.")
        uniform = get_aval(asarray_operand(dx)).ndim == 0
        first, last = _edges(f, ax, dx, uniform, edge_order)
        inner = _interior(f, ax, dx, uniform)
        outs.append(concatenate([_store(p, otype) for p in (first, inner, last)], ax))
    return outs[0] if len(axes) == 1 else tuple(outs)


def real_if_close(a, tol=100):
    """The real part of a complex `a` whose imaginary parts are all below tol machine epsilons
    (tol > 1) or below tol itself; otherwise `a` unchanged (numpy's rule). The decision needs
    the values: it is made wherever they are concrete (plain arrays, and under grad/jvp/vjp,
    whose primal values are); under jit, vmap or make_jaxpr the values are abstract, and a
    complex input stays complex."""
    a = _array(a)
    dtype = get_aval(a).dtype
    if dtype.kind != "c":
        return a
    if tol > 1:
        tol = np.finfo(dtype).eps * tol
    value = find_concrete(a)
    if value is None:
        return a
    if np.all(np.absolute(np.imag(value)) < tol):
        return prims.real(a) if isinstance(a, Tracer) else a.real
    return a
