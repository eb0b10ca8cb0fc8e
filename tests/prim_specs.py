"""ONE table of every primitive in fgrad/prims: the tests in test_prims_*.py are driven by it.

A row (`PrimSpec`) gives, for one primitive:
  fn       the fgrad wrapper, called as fn(*operands, **params) (static params bound per case)
  ref      the reference, same call convention: jax.lax where it has the op, else jax.numpy or
           jax.scipy.special, else (JAX lacks the function) scipy.special through `scipy_ref`
  nargs    number of array operands (None: variadic, decided by `shapes`)
  shapes   (draw, dtype) -> (operand shapes, static params): the shape generator (scalars and
           size-1 axes included)
  domain   per-operand value generators (rng, shape, dtype) -> array, or one joint generator
           (rng, shapes, dtype, params) -> operands, for inputs that constrain each other
  dtypes   dtypes of the value / vmap / staging tests; grad_dtypes those of derivative tests
  tol      value tolerance per dtype; grad_tol the check_grads tolerance (None: its default)
  order    derivative order for check_grads (0: no derivative tests)
  modes    check_grads modes; "fwd" compares with finite differences, so a primitive whose
           derivative is zero by fiat (stop_gradient) checks "rev" (the transpose identity) only
  jax_ad   False where jax cannot differentiate the reference (then check_grads alone checks)
  jax_ref  False where the reference is not a jax function (scipy_ref): it is called on the
           operands as they are, neither jitted nor differentiated (so jax_ad is False too)
  heavy    an expensive impl (series, continued fractions) that has its own deep tests: the
           fgrad-only tests run it on a fifth of their examples (see `thinned`)
  jax_dtypes  dtypes compared with jax (default: dtypes); pure data movement needs one, since
           the staging test already checks every dtype against abstract_eval
  diff     indices of the differentiable operands (None: every inexact one); the others are
           closed over in derivative tests (index arrays, predicates)

Adding a primitive = one block in fgrad/prims + one row here (test_rule_coverage enforces it).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import jax.scipy.special as jsp
import numpy as np
import scipy.special as ss
from hypothesis import settings
from hypothesis import strategies as st

import fgrad.numpy as fnp
from fgrad import prims as fl  # each block's own wrapper

F64, F32 = np.dtype(np.float64), np.dtype(np.float32)
I64, I32 = np.dtype(np.int64), np.dtype(np.int32)
BOOL = np.dtype(np.bool_)
C128, C64 = np.dtype(np.complex128), np.dtype(np.complex64)
FLOAT = (F64, F32)
NUM = (F64, F32, I64, I32)
ANY = (F64, F32, I64, I32, BOOL)

DEFAULT_TOL = {F64: 1e-12, F32: 2e-5, I64: 0, I32: 0, BOOL: 0, C128: 1e-12, C64: 2e-5}
COMPLEX = (C128, C64)
SPECIAL_TOL = {F64: 1e-10, F32: 1e-4}


# ----- value domains: (rng, shape, dtype) -> array ------------------------------------------


def _as(x, dtype):
    return np.asarray(x).astype(dtype)


def real(rng, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        return _as(rng.integers(-4, 5, shape), dtype)
    if dtype.kind == "c":
        return _as(rng.standard_normal(shape) + 1j * rng.standard_normal(shape), dtype)
    return _as(rng.standard_normal(shape), dtype)


def positive(rng, shape, dtype):
    """Positive reals; for complex dtypes, the right half plane (away from branch cuts)."""
    if np.dtype(dtype).kind in "iu":
        return _as(rng.integers(1, 5, shape), dtype)
    if np.dtype(dtype).kind == "c":
        return _as(rng.uniform(0.5, 2.0, shape) + 1j * rng.uniform(-1, 1, shape), dtype)
    return _as(rng.uniform(0.5, 2.0, shape), dtype)


def nonzero(rng, shape, dtype):
    sign = np.where(rng.random(shape) < 0.5, -1, 1)
    return _as(sign * positive(rng, shape, dtype), dtype)


def small(lo, hi):
    """Uniform in [lo, hi]: keeps tan away from its poles, log1p above -1."""

    def gen(rng, shape, dtype):
        return _as(rng.uniform(lo, hi, shape), dtype)

    return gen


def off_integers(rng, shape, dtype):
    """Away from the jumps of floor/ceil/trunc/sign: k + u with u in [0.1, 0.9]."""
    if np.dtype(dtype).kind in "iub":
        return real(rng, shape, dtype)
    k = rng.integers(-3, 3, shape)
    return _as(k + rng.uniform(0.1, 0.9, shape), dtype)


def off_half_integers(rng, shape, dtype):
    """Away from the jumps of round-half-to-even: k + u with u in [-0.4, 0.4]."""
    k = rng.integers(-3, 4, shape)
    return _as(k + rng.uniform(-0.4, 0.4, shape), dtype)


def distinct(rng, shape, dtype):
    """Values at least 0.3 apart, in random order: no ties for reductions and argmax."""
    n = int(np.prod(shape, dtype=np.int64))
    vals = (rng.permutation(n) - n / 2) * (1 if np.dtype(dtype).kind in "iu" else 0.37)
    return _as(vals.reshape(shape), dtype)


def boolean(rng, shape, dtype):
    return rng.random(shape) < 0.5


# joint domains: (rng, shapes, dtype, params) -> operands


def joint(gen):
    gen.joint = True
    return gen


@joint
def apart_pair(rng, shapes, dtype, params):
    """x and y differ by at least 0.2 everywhere: max/min stay away from their kink."""
    x = real(rng, shapes[0], dtype)
    if np.dtype(dtype).kind in "iub":
        return [x, real(rng, shapes[1], dtype)]
    gap = np.where(rng.random(shapes[1]) < 0.5, -1, 1) * rng.uniform(0.2, 1.0, shapes[1])
    return [x, _as(x + gap, dtype)]


@joint
def off_multiples(rng, shapes, dtype, params):
    """y != 0 and x / y away from integers: rem and floor_div are smooth there."""
    y = nonzero(rng, shapes[1], dtype)
    if np.dtype(dtype).kind in "iu":
        return [real(rng, shapes[0], dtype), y]
    q = rng.integers(-3, 3, shapes[0]) + rng.uniform(0.1, 0.9, shapes[0])
    return [_as(q * y, dtype), y]


@joint
def pow_domain(rng, shapes, dtype, params):
    return [positive(rng, shapes[0], dtype), _as(1.5 * real(rng, shapes[1], dtype), dtype)]


def uniform(lo, hi):
    """Independent uniform operands in [lo, hi] (one generator for every operand)."""

    @joint
    def gen(rng, shapes, dtype, params):
        return [_as(rng.uniform(lo, hi, s), dtype) for s in shapes]

    return gen


@joint
def polygamma_domain(rng, shapes, dtype, params):
    """An integer order n in 0..3 (as a float array, like jax.lax) and x in [0.5, 4]."""
    return [_as(rng.integers(0, 4, shapes[0]), dtype), _as(rng.uniform(0.5, 4, shapes[1]), dtype)]


@joint
def zeta_domain(rng, shapes, dtype, params):
    return [_as(rng.uniform(1.5, 4, shapes[0]), dtype), _as(rng.uniform(0.5, 3, shapes[1]), dtype)]


@joint
def betainc_domain(rng, shapes, dtype, params):
    a, b = (_as(rng.uniform(0.5, 4, s), dtype) for s in shapes[:2])
    return [a, b, _as(rng.uniform(0.05, 0.95, shapes[2]), dtype)]


@joint
def log_y_domain(rng, shapes, dtype, params):
    """xlogy / xlog1py: any x, y where the log is smooth."""
    return [real(rng, shapes[0], dtype), _as(rng.uniform(0.2, 3, shapes[1]), dtype)]


def signed(lo, hi):
    """Either sign, magnitude uniform in [lo, hi]: away from a kink or singularity at 0."""

    def gen(rng, shape, dtype):
        return _as(np.where(rng.random(shape) < 0.5, -1, 1) * rng.uniform(lo, hi, shape), dtype)

    return gen


def integer_order(lo, hi, x_domain):
    """An integer order n in lo..hi (a float array, like polygamma's) and x from x_domain."""

    @joint
    def gen(rng, shapes, dtype, params):
        return [_as(rng.integers(lo, hi + 1, shapes[0]), dtype), x_domain(rng, shapes[1], dtype)]

    return gen


@joint
def real_order_domain(rng, shapes, dtype, params):
    """jv / iv: a real order v in [-2.5, 2.5] (negative non-integer orders included) and z in
    [0.5, 4], where the series (their slowest path) need few terms."""
    v = rng.uniform(-2.5, 2.5, shapes[0])
    return [_as(v, dtype), _as(rng.uniform(0.5, 4, shapes[1]), dtype)]


@joint
def select_domain(rng, shapes, dtype, params):
    pred = boolean(rng, shapes[0], dtype)
    return [pred, real(rng, shapes[1], dtype), real(rng, shapes[2], dtype)]


@joint
def index_domain(rng, shapes, dtype, params):
    """Operand(s) of gather/scatter_add, then in-bounds (possibly negative) index arrays."""
    indexer = params["indexer"]
    x_shape = shapes[0]
    n_data = len(shapes) - _n_arrays(indexer)
    ops = [real(rng, s, dtype) for s in shapes[:n_data]]
    axis_of = array_axes(indexer)
    for j, s in enumerate(shapes[n_data:]):
        n = x_shape[axis_of[j]]
        ops.append(rng.integers(-n, n, s).astype(np.int64))
    return ops


# ----- shape generators: draw -> (shapes, params) --------------------------------------------


def shape_st(min_ndim=0, max_ndim=3, min_side=1, max_side=3):
    return st.lists(st.integers(min_side, max_side), min_size=min_ndim, max_size=max_ndim).map(
        tuple
    )


def unary_shapes(draw, dtype):
    return (draw(shape_st()),), {}


def binary_shapes(draw, dtype):
    s = draw(shape_st())
    return (s, s), {}


def ternary_shapes(draw, dtype):
    s = draw(shape_st())
    return (s, s, s), {}


def integer_pow_shapes(draw, dtype):
    lowest = 0 if np.dtype(dtype).kind in "iu" else -2  # integers to negative powers are errors
    return (draw(shape_st()),), {"y": draw(st.integers(lowest, 4))}


@joint
def integer_pow_domain(rng, shapes, dtype, params):
    if params["y"] < 0:
        return [nonzero(rng, shapes[0], dtype)]
    return [real(rng, shapes[0], dtype)]


def convert_shapes(draw, dtype):
    return (draw(shape_st()),), {"new_dtype": draw(st.sampled_from([F64, F32, I64, I32, BOOL]))}


def broadcast_shapes(draw, dtype):
    s = draw(shape_st(max_ndim=2))
    extra = draw(st.integers(0, 2))
    out_ndim = len(s) + extra
    dims = tuple(sorted(draw(st.permutations(range(out_ndim)))[: len(s)]))
    out = [draw(st.integers(1, 3)) for _ in range(out_ndim)]
    for i, d in enumerate(dims):
        out[d] = s[i] if s[i] != 1 else draw(st.integers(1, 3))
    return (s,), {"shape": tuple(out), "broadcast_dimensions": dims}


ELEMENTWISE_SHAPES = (unary_shapes, binary_shapes, ternary_shapes, integer_pow_shapes,
                      convert_shapes)


def reshape_shapes(draw, dtype):
    s = draw(shape_st())
    factors = [d for d in s if d != 1]
    factors = draw(st.permutations(factors)) if factors else []
    new, i = [], 0
    while i < len(factors):
        k = draw(st.integers(1, len(factors) - i))
        new.append(int(np.prod(factors[i : i + k])))
        i += k
    for _ in range(draw(st.integers(0, 2))):
        new.insert(draw(st.integers(0, len(new))), 1)
    return (s,), {"new_sizes": tuple(new)}


def transpose_shapes(draw, dtype):
    s = draw(shape_st())
    return (s,), {"permutation": tuple(draw(st.permutations(range(len(s)))))}


def squeeze_shapes(draw, dtype):
    s = list(draw(shape_st(max_ndim=3)))
    for _ in range(draw(st.integers(1, 2))):
        s.insert(draw(st.integers(0, len(s))), 1)
    ones = [i for i, d in enumerate(s) if d == 1]
    dims = draw(st.lists(st.sampled_from(ones), min_size=1, unique=True))
    return (tuple(s),), {"dimensions": tuple(sorted(dims))}


def expand_dims_shapes(draw, dtype):
    s = draw(shape_st())
    k = draw(st.integers(1, 2))
    dims = draw(st.permutations(range(len(s) + k)))[:k]
    return (s,), {"dimensions": tuple(sorted(dims))}


def rev_shapes(draw, dtype):
    s = draw(shape_st(min_ndim=1))
    dims = draw(st.lists(st.integers(0, len(s) - 1), min_size=1, unique=True))
    return (s,), {"dimensions": tuple(dims)}


def slice_shapes(draw, dtype):
    s = draw(shape_st(min_ndim=1, max_side=5))
    start, limit, strides = [], [], []
    for n in s:
        a = draw(st.integers(0, n))
        start.append(a)
        limit.append(draw(st.integers(a, n)))
        strides.append(draw(st.integers(1, 3)))
    return (s,), {
        "start_indices": tuple(start),
        "limit_indices": tuple(limit),
        "strides": tuple(strides),
    }


def pad_shapes(draw, dtype):
    s = draw(shape_st(max_side=3))
    cfg = tuple(
        (draw(st.integers(0, 2)), draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in s
    )
    return (s, ()), {"padding_config": cfg}


def concatenate_shapes(draw, dtype):
    s = draw(shape_st(min_ndim=1))
    dim = draw(st.integers(0, len(s) - 1))
    shapes = []
    for _ in range(draw(st.integers(1, 3))):
        t = list(s)
        t[dim] = draw(st.integers(1, 3))
        shapes.append(tuple(t))
    return tuple(shapes), {"dimension": dim}


def reduce_shapes(draw, dtype):
    s = draw(shape_st(min_ndim=1))
    axes = draw(st.lists(st.integers(0, len(s) - 1), min_size=1, unique=True))
    return (s,), {"axes": tuple(sorted(axes))}


def arg_reduce_shapes(draw, dtype):
    s = draw(shape_st(min_ndim=1))
    return (s,), {"axis": draw(st.integers(0, len(s) - 1))}


def cumsum_shapes(draw, dtype):
    s = draw(shape_st(min_ndim=1))
    return (s,), {"axis": draw(st.integers(0, len(s) - 1)), "reverse": draw(st.booleans())}


def searchsorted_shapes(draw, dtype):
    """Sorted rows a (B + (n,)) and queries v (B + Q), B of 0 or 1 batch axes."""
    batch = tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 1))))
    n = draw(st.integers(1, 4))
    return (batch + (n,), batch + draw(shape_st(max_ndim=2))), {
        "side": draw(st.sampled_from(["left", "right"])), "batch_dims": len(batch)}


@joint
def searchsorted_domain(rng, shapes, dtype, params):
    """Half-integers in [-1.5, 1.5]: queries often equal entries of a, so side matters."""
    a = np.sort(_as(rng.integers(-3, 4, shapes[0]) / 2, dtype), axis=-1)
    return [a, _as(rng.integers(-3, 4, shapes[1]) / 2, dtype)]


def dot_general_shapes(draw, dtype):
    """Batch, contracting and free axes in random positions on both sides."""
    nb, nc = draw(st.integers(0, 1)), draw(st.integers(0, 2))
    nlf, nrf = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    size = {}
    for kind, n in (("b", nb), ("c", nc), ("l", nlf), ("r", nrf)):
        for i in range(n):
            size[kind, i] = draw(st.integers(1, 3))
    lhs = draw(st.permutations([k for k in size if k[0] in "bcl"]))
    rhs = draw(st.permutations([k for k in size if k[0] in "bcr"]))
    c_order = draw(st.permutations(range(nc)))
    lc = tuple(lhs.index(("c", i)) for i in c_order)
    rc = tuple(rhs.index(("c", i)) for i in c_order)
    lb = tuple(lhs.index(("b", i)) for i in range(nb))
    rb = tuple(rhs.index(("b", i)) for i in range(nb))
    shapes = (tuple(size[k] for k in lhs), tuple(size[k] for k in rhs))
    return shapes, {"dimension_numbers": ((lc, rc), (lb, rb))}


def _n_arrays(indexer):
    return sum(1 for e in indexer if e[0] == "array")


def array_axes(indexer):
    """For each index array, the operand axis it indexes."""
    axes, axis = [], 0
    for e in indexer:
        if e[0] == "array":
            axes.append(axis)
        if e[0] != "newaxis":
            axis += 1
    return axes


def _draw_indexer(draw, x_shape):
    """A full indexer for x_shape (fgrad's gather form) and the shapes of its index arrays.

    Mixes slices (any step sign), static ints, broadcastable integer arrays and newaxis, so
    advanced indices land at the front, in the middle (kept in place) or split (moved first).
    The details come from a drawn seed: dozens of small hypothesis draws cost more than the
    test itself, and the failing case is printed whole anyway.
    """
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    bshape = tuple(int(d) for d in rng.integers(1, 4, rng.integers(0, 3)))
    entries, arr_shapes = [], []

    def maybe(choices):
        return choices[rng.integers(len(choices))]

    for n in x_shape:
        while rng.random() < 1 / 6:
            entries.append(("newaxis",))
        kind = maybe(["slice", "int", "array", "array"])
        if kind == "slice":
            bound = [None] + list(range(-n, n + 1))
            entries.append(("slice", maybe(bound), maybe(bound), maybe([None, 1, 2, -1])))
        elif kind == "int":
            entries.append(("int", int(rng.integers(-n, n))))
        else:
            tail = bshape[len(bshape) - int(rng.integers(0, len(bshape) + 1)) :]
            arr_shapes.append(tuple(d if rng.random() < 0.5 else 1 for d in tail))
            entries.append(("array", len(arr_shapes) - 1))
    if rng.random() < 1 / 6:
        entries.append(("newaxis",))
    return tuple(entries), tuple(arr_shapes)


def _indexed_shape(x_shape, indexer, arr_shapes):
    dummy = np.zeros(x_shape, np.int8)
    arrays = [np.zeros(s, np.int64) for s in arr_shapes]
    return dummy[np_index(indexer, arrays)].shape


def gather_shapes(draw, dtype):
    x = draw(shape_st(max_ndim=3))
    indexer, arr_shapes = _draw_indexer(draw, x)
    return (x,) + arr_shapes, {"indexer": indexer}


def scatter_add_shapes(draw, dtype):
    x = draw(shape_st(max_ndim=3))
    indexer, arr_shapes = _draw_indexer(draw, x)
    u = _indexed_shape(x, indexer, arr_shapes)
    return (x, u) + arr_shapes, {"indexer": indexer}


def fft_shapes(draw, dtype):
    """A transform type, one to three trailing lengths (odd and even, 1 included) and up to two
    leading axes; irfft's operand holds the n // 2 + 1 stored frequencies of its last axis."""
    fft_type = draw(st.sampled_from(("fft", "ifft", "rfft", "irfft")))
    lengths = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    lead = draw(shape_st(max_ndim=2))
    tail = lengths[:-1] + (lengths[-1] // 2 + 1,) if fft_type == "irfft" else lengths
    return (lead + tail,), {"fft_type": fft_type, "fft_lengths": lengths}


@joint
def fft_domain(rng, shapes, dtype, params):
    """Complex operands at the row's dtype; rfft's are real, of the same precision."""
    if params["fft_type"] == "rfft":
        dtype = np.finfo(dtype).dtype
    return [real(rng, shapes[0], dtype)]


# ----- linear algebra (fgrad/prims/linalg.py, linalg_solve.py, matfuncs.py) ----------------------
# Decompositions that are unique only up to signs (eigenvectors, singular vectors, QR factors)
# are compared after a sign normalization applied by the row's fn and ref alike; primitives
# with several results take an `output` param selecting one of them.

LINALG_TOL = {F64: 1e-9, F32: 2e-3}
# jax compiles its expm (and the Schur-based sylvester and sqrtm, which it cannot differentiate)
# for seconds per shape: these rows compare values with jax at float64 only, and their
# derivatives by check_grads here and against jax at one shape in tests/test_scipy_linalg.py
SLOW_JAX = {"jax_ad": False, "jax_dtypes": (F64,)}


def _batch_st():
    return shape_st(max_ndim=1, max_side=2)


def square_shapes(draw, dtype):
    n = draw(st.integers(1, 4))
    return (draw(_batch_st()) + (n, n),), {}


def square_pair_shapes(draw, dtype):
    (s,), _ = square_shapes(draw, dtype)
    return (s, s), {}


def _with_output(k):
    def shapes(draw, dtype):
        (s,), _ = square_shapes(draw, dtype)
        return (s,), {"output": draw(st.integers(0, k - 1))}

    return shapes


def triangular_solve_shapes(draw, dtype):
    batch, n, k = draw(_batch_st()), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    left = draw(st.booleans())
    params = {"left_side": left, "lower": draw(st.booleans()),
              "transpose_a": draw(st.booleans()), "unit_diagonal": draw(st.booleans())}
    return (batch + (n, n), batch + ((n, k) if left else (k, n))), params


def solve_shapes(draw, dtype):
    batch, n, k = draw(_batch_st()), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    return (batch + (n, n), batch + (n, k)), {}


def lu_shapes(draw, dtype):
    batch, m, n = draw(_batch_st()), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return (batch + (m, n),), {"output": draw(st.integers(0, 2))}


def svd_shapes(draw, dtype):
    """Full matrices only when square: their extra columns have no unique derivative (jax
    refuses them; tests/test_linalg.py checks the complement's projector instead)."""
    batch, m, n = draw(_batch_st()), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    full, uv = draw(st.booleans()), draw(st.booleans())
    if full:
        n = m
    return (batch + (m, n),), {"full_matrices": full, "compute_uv": uv,
                               "output": draw(st.integers(0, 2)) if uv else 0}


def qr_shapes(draw, dtype):
    """m >= n, complete only when square (the cases jax differentiates; tests/test_linalg.py
    checks the others)."""
    batch, n = draw(_batch_st()), draw(st.integers(1, 4))
    full = draw(st.booleans())
    m = n if full else n + draw(st.integers(0, 2))
    return (batch + (m, n),), {"full_matrices": full, "output": draw(st.integers(0, 1))}


def sylvester_shapes(draw, dtype):
    batch, p, q = draw(_batch_st()), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return (batch + (p, p), batch + (q, q), batch + (p, q)), {}


def _orthogonal(rng, shape):
    q, r = np.linalg.qr(rng.standard_normal(shape))
    return q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]


def _spaced(rng, shape, lo=0.5):
    """Values >= lo, at least 0.4 apart, in random order along the last axis."""
    steps = rng.uniform(0.4, 1.0, shape)
    return rng.permuted(lo + np.cumsum(steps, axis=-1), axis=-1)


def _noise(rng, shape, dtype):
    """Standard normal entries, complex ones for a complex dtype."""
    if np.dtype(dtype).kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2)
    return rng.standard_normal(shape)


def well_conditioned(rng, shape, dtype):
    """A random matrix pushed away from singularity by a diagonal of magnitude >= 2."""
    n = shape[-1]
    diag = np.where(rng.random(shape[:-1]) < 0.5, -1, 1) * rng.uniform(2, 3, shape[:-1])
    return _as(0.5 * _noise(rng, shape, dtype) + diag[..., None] * np.eye(n), dtype)


def spd(rng, shape, dtype):
    m = rng.standard_normal(shape)
    return _as(m @ np.swapaxes(m, -1, -2) + shape[-1] * np.eye(shape[-1]), dtype)


def distinct_eigenvalues(rng, shape, dtype):
    """Q diag(w) Q^T with eigenvalues 0.4 apart (of both signs)."""
    q = _orthogonal(rng, shape)
    w = _spaced(rng, shape[:-1]) - shape[-1] / 2
    return _as((q * w[..., None, :]) @ np.swapaxes(q, -1, -2), dtype)


def distinct_singular_values(rng, shape, dtype):
    m, n = shape[-2:]
    k = min(m, n)
    u = _orthogonal(rng, shape[:-2] + (m, m))[..., :k]
    v = _orthogonal(rng, shape[:-2] + (n, n))[..., :k]
    s = _spaced(rng, shape[:-2] + (k,))
    return _as((u * s[..., None, :]) @ np.swapaxes(v, -1, -2), dtype)


def expm_domain(rng, shape, dtype):
    """Norms from about 0.1 to 10: every Pade degree, with and without squaring."""
    scale = rng.choice([0.05, 0.5, 1.5, 4.0])
    return _as(scale * rng.standard_normal(shape), dtype)


def distinct_eigenvalues_general(rng, shape, dtype):
    """S D S^-1 with S near the identity and D holding eigenvalues whose real parts are 0.4
    apart, some of them complex-conjugate pairs (2 x 2 rotation blocks) for real dtypes,
    complex ones for complex dtypes."""
    n = shape[-1]
    out = np.empty(shape, np.dtype(dtype))
    for index in np.ndindex(shape[:-2]):
        re = rng.permutation(_spaced(rng, (n,)) - n / 2)
        d = np.diag(re).astype(complex if np.dtype(dtype).kind == "c" else float)
        if np.dtype(dtype).kind == "c":
            d += np.diag(1j * rng.uniform(-1, 1, n))
        else:
            for j in range(0, n - 1, 2):
                if rng.random() < 0.5:  # a pair re +- i im
                    im = rng.uniform(0.5, 1.5)
                    d[j, j + 1], d[j + 1, j], d[j + 1, j + 1] = im, -im, re[j]
        s = np.eye(n) + 0.3 * _noise(rng, (n, n), dtype)
        out[index] = s @ d @ np.linalg.inv(s)
    return out


@joint
def triangular_solve_domain(rng, shapes, dtype, params):
    return [well_conditioned(rng, shapes[0], dtype), real(rng, shapes[1], dtype)]


@joint
def solve_domain(rng, shapes, dtype, params):
    return [well_conditioned(rng, shapes[0], dtype), real(rng, shapes[1], dtype)]


@joint
def sylvester_domain(rng, shapes, dtype, params):
    """A and B with eigenvalues in the right half plane, so no sum of two vanishes."""
    a, b = (_as(0.5 * rng.standard_normal(s) + 2 * np.eye(s[-1]), dtype) for s in shapes[:2])
    return [a, b, real(rng, shapes[2], dtype)]


def _eigh_op(eigh, np_like):
    def op(a, *, output):
        w, v = eigh(a)
        if output == 0:
            return w
        return v * np_like.expand_dims(np_like.sign(np_like.sum(v, axis=-2)), -2)

    return op


def _svd_op(svd, np_like):
    def op(a, *, full_matrices, compute_uv, output):
        outs = svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
        if output == 0:
            return outs[0]
        signs = np_like.sign(np_like.sum(outs[1], axis=-2))
        if output == 1:
            return outs[1] * np_like.expand_dims(signs, -2)
        return outs[2] * np_like.expand_dims(signs, -1)

    return op


def _qr_op(qr, np_like):
    def op(a, *, full_matrices, output):
        q, r = qr(a, full_matrices=full_matrices)
        signs = np_like.sign(np_like.diagonal(r, axis1=-2, axis2=-1))
        return (q * np_like.expand_dims(signs, -2) if output == 0
                else r * np_like.expand_dims(signs, -1))

    return op


def _eig_op(eig, np_like, re, im):
    """Eigenvalues sorted by (real part, imaginary part), eigenvectors in the same order with
    their largest entry made positive (LAPACK leaves its sign free, and flips it under small
    perturbations of some matrices)."""

    def op(a, *, output):
        w, v = eig(a)
        order = np_like.argsort(np_like.add(re(w), np_like.multiply(1e-3, im(w))), axis=-1)
        if output == 0:
            return np_like.take_along_axis(w, order, axis=-1)
        idx = np_like.broadcast_to(np_like.expand_dims(order, -2), np_like.shape(v))
        v = np_like.take_along_axis(v, idx, axis=-1)
        k = np_like.expand_dims(np_like.argmax(np_like.abs(v), axis=-2), -2)
        return v * np_like.sign(re(np_like.take_along_axis(v, k, axis=-2)))

    return op


def _jax_eig(a):
    return jax.lax.linalg.eig(a, compute_left_eigenvectors=False, enable_eigvec_derivs=True)


def _jax_svd(a, *, full_matrices, compute_uv):
    if not compute_uv:
        return (jnp.linalg.svd(a, compute_uv=False),)
    u, s, vt = jnp.linalg.svd(a, full_matrices=full_matrices)
    return s, u, vt


def _jax_eigh(a):
    v, w = jax.lax.linalg.eigh(a, symmetrize_input=True)
    return w, v


def _jax_qr(a, *, full_matrices):
    return jnp.linalg.qr(a, mode="complete" if full_matrices else "reduced")


def _pick(fn):
    def op(*args, output, **params):
        return fn(*args, **params)[output]

    return op


def _jax_sqrtm(a):
    return jnp.real(_batched(jsl.sqrtm)(a))


def _jax_expm_frechet(a, e):
    """The top-right block of expm([[A, E], [0, A]]) (jax compiles its own expm_frechet, the
    jvp of expm, for about three seconds per shape)."""
    n = a.shape[-1]
    block = jnp.block([[a, e], [jnp.zeros_like(a), a]])
    return jsl.expm(block)[:n, n:]


def _jax_cholesky(a):
    return jax.lax.linalg.cholesky(a, symmetrize_input=True)


def _batched(fn, nargs=1):
    """A jax function of single matrices mapped over leading batch axes."""

    def op(*args):
        lead = args[0].shape[:-2]
        flat = [a.reshape((-1,) + a.shape[-2:]) for a in args[:nargs]]
        out = jax.vmap(fn)(*flat)
        return out.reshape(lead + out.shape[1:])

    return op


# ----- references --------------------------------------------------------------------------


def np_index(indexer, arrays):
    """The numpy/jax.numpy index tuple that an fgrad indexer stands for."""
    out = []
    for e in indexer:
        if e[0] == "slice":
            out.append(slice(e[1], e[2], e[3]))
        elif e[0] == "int":
            out.append(e[1])
        elif e[0] == "newaxis":
            out.append(None)
        else:
            out.append(arrays[e[1]])
    return tuple(out)


def _gather_ref(x, *idx, indexer):
    return jnp.asarray(x)[np_index(indexer, [jnp.asarray(i) for i in idx])]


def _scatter_add_ref(x, u, *idx, indexer):
    return jnp.asarray(x).at[np_index(indexer, [jnp.asarray(i) for i in idx])].add(u)


def _argmax_ref(x, *, axis):
    return jax.lax.argmax(x, axis, np.int64)


def _argmin_ref(x, *, axis):
    return jax.lax.argmin(x, axis, np.int64)


def _fft_ref(x, *, fft_type, fft_lengths):
    return jax.lax.fft(x, fft_type, fft_lengths)


def _argsort_ref(x, *, axis):
    return jnp.argsort(x, axis=axis, stable=True).astype(np.int64)


def _searchsorted_ref(a, v, *, side, batch_dims):
    def f(a, v):
        return jnp.searchsorted(a, v, side=side)

    for _ in range(batch_dims):
        f = jax.vmap(f)
    return f(a, v).astype(np.int64)


# ----- the table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PrimSpec:
    name: str
    fn: Callable[..., Any]
    ref: Callable[..., Any]
    nargs: int | None
    shapes: Callable[[Any, np.dtype], tuple[tuple, dict]]
    domain: Any = real
    dtypes: tuple = FLOAT
    grad_dtypes: tuple = (F64,)
    tol: dict = field(default_factory=lambda: dict(DEFAULT_TOL))
    grad_tol: float | None = None
    order: int = 2
    diff: tuple | None = None
    modes: tuple = ("fwd", "rev")
    jax_ad: bool = True
    jax_ref: bool = True
    jax_dtypes: tuple | None = None
    heavy: bool = False

    def op(self, params: dict) -> Callable:
        """The fgrad op over arrays with this case's static params bound."""
        return functools.partial(self.fn, **params)

    def ref_op(self, params: dict) -> Callable:
        return functools.partial(self.ref, **params)

    def make_args(self, rng, shapes, dtype, params) -> list[np.ndarray]:
        if isinstance(self.domain, tuple):
            return [d(rng, s, dtype) for d, s in zip(self.domain, shapes)]
        if getattr(self.domain, "joint", False):
            return list(self.domain(rng, shapes, dtype, params))
        return [self.domain(rng, s, dtype) for s in shapes]

    def diff_argnums(self, args) -> tuple[int, ...]:
        if self.diff is not None:
            return self.diff
        return tuple(i for i, a in enumerate(args) if np.asarray(a).dtype.kind in "fc")


def _unary(name, fn, ref, domain=real, dtypes=FLOAT, **kw):
    return PrimSpec(name, fn, ref, 1, unary_shapes, domain, dtypes, **kw)


def _binary(name, fn, ref, domain=real, dtypes=NUM, **kw):
    return PrimSpec(name, fn, ref, 2, binary_shapes, domain, dtypes, **kw)


def _special(name, fn, ref, domain=real, nargs=1, jax_dtypes=(F64,), **kw):
    """Special functions: float only, values from series and continued fractions (compared
    more loosely), heavy (tests/test_scipy_special*.py test them in depth), and jax compared
    at float64 only since jax compiles them slowly."""
    shapes = {1: unary_shapes, 2: binary_shapes, 3: ternary_shapes}[nargs]
    return PrimSpec(name, fn, ref, nargs, shapes, domain, FLOAT, tol=SPECIAL_TOL,
                    jax_dtypes=jax_dtypes, heavy=True, **kw)


def scipy_ref(fn):
    """A jax-free reference from a scipy.special ufunc, evaluated in float64 and rounded to the
    operands' dtype (as fgrad's special-function impls are)."""

    def ref(*args):
        dtype = np.result_type(*args)
        return np.asarray(fn(*(np.asarray(a, np.float64) for a in args))).astype(dtype)

    return ref


def _special_scipy(name, fn, ss_fn, domain=real, nargs=1, **kw):
    """A special function JAX lacks: values against scipy at every dtype (no jit, so cheap),
    derivatives by check_grads alone."""
    return _special(name, fn, scipy_ref(ss_fn), domain, nargs, jax_dtypes=None, jax_ad=False,
                    jax_ref=False, **kw)


def _jn_ref(n, x):
    """J_n(x) from jax.scipy.special.bessel_jn, which gives J_0 .. J_3 together."""
    table = jsp.bessel_jn(x, v=3)
    return jnp.take_along_axis(table, n.astype(np.int32)[None], axis=0)[0]


def _move(name, fn, ref, nargs, shapes):
    """Pure data movement: every dtype is staged, but one suffices against jax."""
    return PrimSpec(name, fn, ref, nargs, shapes, real, ANY, jax_dtypes=(F64,))


lax = jax.lax

SPECS: list[PrimSpec] = [
    # arith
    _unary("neg", fl.neg, lax.neg, dtypes=NUM),
    _binary("add", fl.add, lax.add),
    _binary("sub", fl.sub, lax.sub),
    _binary("mul", fl.mul, lax.mul),
    _binary("div", fl.div, lax.div, domain=(real, nonzero), dtypes=FLOAT),
    _binary("max", fl.max, lax.max, domain=apart_pair),
    _binary("min", fl.min, lax.min, domain=apart_pair),
    _binary("pow", fl.pow, lax.pow, domain=pow_domain, dtypes=FLOAT),
    _binary("rem", fl.rem, lax.rem, domain=off_multiples),
    _binary("floor_div", fl.floor_div, jnp.floor_divide, domain=off_multiples),
    _binary("eq", fl.eq, lax.eq, dtypes=NUM + (BOOL,)),
    _binary("ne", fl.ne, lax.ne, dtypes=NUM + (BOOL,)),
    _binary("lt", fl.lt, lax.lt),
    _binary("le", fl.le, lax.le),
    _binary("gt", fl.gt, lax.gt),
    _binary("ge", fl.ge, lax.ge),
    PrimSpec("select", fl.select, lax.select, 3, ternary_shapes, select_domain, ANY, diff=(1, 2)),
    PrimSpec("convert_element_type", fl.convert_element_type, lax.convert_element_type, 1,
             convert_shapes, real, ANY),
    _unary("stop_gradient", fl.stop_gradient, lax.stop_gradient, dtypes=NUM, modes=("rev",)),
    # elementwise
    PrimSpec("integer_pow", fl.integer_pow, lax.integer_pow, 1, integer_pow_shapes,
             integer_pow_domain, NUM),
    _unary("exp", fl.exp, lax.exp),
    _unary("log", fl.log, lax.log, positive),
    _unary("log1p", fl.log1p, lax.log1p, small(-0.5, 2.0)),
    _unary("expm1", fl.expm1, lax.expm1),
    _unary("sin", fl.sin, lax.sin),
    _unary("cos", fl.cos, lax.cos),
    _unary("tan", fl.tan, lax.tan, small(-1.2, 1.2)),
    _unary("tanh", fl.tanh, lax.tanh),
    _unary("logistic", fl.logistic, lax.logistic),
    _unary("sqrt", fl.sqrt, lax.sqrt, positive),
    _unary("rsqrt", fl.rsqrt, lax.rsqrt, positive),
    _unary("abs", fl.abs, lax.abs, nonzero, NUM),
    _unary("sign", fl.sign, lax.sign, off_integers, NUM),
    _unary("floor", fl.floor, lax.floor, off_integers),
    _unary("ceil", fl.ceil, lax.ceil, off_integers),
    _unary("round_toward_zero", fl.round_toward_zero, jnp.trunc, off_integers),
    _unary("atan", fl.atan, lax.atan),
    # complex parts (fgrad/prims/complex.py); conj also takes reals (the result is complex)
    _unary("real", fl.real, lax.real, dtypes=COMPLEX, grad_dtypes=(C128,)),
    _unary("imag", fl.imag, lax.imag, dtypes=COMPLEX, grad_dtypes=(C128,)),
    _unary("conj", fl.conj, lax.conj, dtypes=COMPLEX + FLOAT, grad_dtypes=(C128, F64)),
    _binary("complex", fl.complex, lax.complex, dtypes=FLOAT),
    # special functions (fgrad/prims/special.py); values from series and continued fractions,
    # so compared more loosely than numpy's ufuncs
    _special("erf", fl.erf, lax.erf),
    _special("erfc", fl.erfc, lax.erfc),
    _special("erfcx", fl.erfcx, jsp.erfcx),
    _special("erf_inv", fl.erf_inv, lax.erf_inv, small(-0.9, 0.9)),
    _special("ndtr", fl.ndtr, jsp.ndtr),
    _special("log_ndtr", fl.log_ndtr, jsp.log_ndtr),
    _special("ndtri", fl.ndtri, jsp.ndtri, small(0.05, 0.95)),
    _special("lgamma", fl.lgamma, lax.lgamma, small(0.3, 4.0)),
    _special("gamma", fl.gamma, jsp.gamma, small(0.3, 4.0)),
    _special("digamma", fl.digamma, lax.digamma, small(0.3, 4.0)),
    _special("bessel_i0e", fl.bessel_i0e, lax.bessel_i0e),
    _special("bessel_i1e", fl.bessel_i1e, lax.bessel_i1e),
    # the order n of polygamma and the exponent s of zeta have no derivative
    _special("polygamma", fl.polygamma, lax.polygamma, polygamma_domain, 2, diff=(1,)),
    _special("zeta", fl.zeta, lax.zeta, zeta_domain, 2, diff=(1,), jax_ad=False),
    _special("betaln", fl.betaln, jsp.betaln, uniform(0.5, 4.0), 2),
    # d/da of igamma is igamma_grad_a, whose own derivative in a is not implemented: order 1
    _special("igamma", fl.igamma, lax.igamma, uniform(0.5, 4.0), 2, order=1),
    _special("igammac", fl.igammac, lax.igammac, uniform(0.5, 4.0), 2, order=1),
    _special("igamma_grad_a", fl.igamma_grad_a, lax.igamma_grad_a, uniform(0.5, 4.0), 2,
             diff=(1,), jax_ad=False),
    # differentiable in x only (jax.lax.betainc: no derivative in a, b)
    _special("regularized_incomplete_beta", fl.regularized_incomplete_beta, lax.betainc,
             betainc_domain, 3, diff=(2,)),
    _special("xlogy", fl.xlogy, jsp.xlogy, log_y_domain, 2),
    _special("xlog1py", fl.xlog1py, jsp.xlog1py, log_y_domain, 2),
    _special_scipy("erfcinv", fl.erfcinv, ss.erfcinv, small(0.05, 1.95)),
    _special_scipy("rgamma", fl.rgamma, ss.rgamma, small(-3.5, 4.0)),
    # Bessel functions (fgrad/prims/bessel.py); orders carry no derivative. J_0 .. J_3 against
    # jax.scipy.special.bessel_jn, the others (JAX lacks them) against scipy
    _special("bessel_j0", fl.bessel_j0, lambda x: jsp.bessel_jn(x, v=1)[0], signed(0.25, 8.0)),
    _special("bessel_j1", fl.bessel_j1, lambda x: jsp.bessel_jn(x, v=1)[1], signed(0.25, 8.0)),
    _special("bessel_jn", fl.bessel_jn, _jn_ref, integer_order(0, 3, signed(0.25, 8.0)), 2,
             diff=(1,)),
    _special_scipy("bessel_y0", fl.bessel_y0, ss.y0, small(0.5, 8.0)),
    _special_scipy("bessel_y1", fl.bessel_y1, ss.y1, small(0.5, 8.0)),
    _special_scipy("bessel_yn", fl.bessel_yn, ss.yv, integer_order(-3, 3, small(0.5, 8.0)), 2,
                   diff=(1,)),
    _special_scipy("bessel_ive", fl.bessel_ive, ss.ive, integer_order(-3, 3, signed(0.25, 8.0)),
                   2, diff=(1,)),
    _special_scipy("bessel_jv", fl.bessel_jv, ss.jv, real_order_domain, 2, diff=(1,)),
    _special_scipy("bessel_iv", fl.bessel_iv, ss.iv, real_order_domain, 2, diff=(1,)),
    # more of numpy's real functions (issue 4, fgrad/prims/elementwise.py)
    _unary("sinh", fl.sinh, lax.sinh),
    _unary("cosh", fl.cosh, lax.cosh),
    _unary("asin", fl.asin, lax.asin, small(-0.95, 0.95)),
    _unary("acos", fl.acos, lax.acos, small(-0.95, 0.95)),
    _unary("asinh", fl.asinh, lax.asinh),
    _unary("acosh", fl.acosh, lax.acosh, small(1.05, 3.0)),
    _unary("atanh", fl.atanh, lax.atanh, small(-0.95, 0.95)),
    _unary("exp2", fl.exp2, lax.exp2),
    _unary("log2", fl.log2, jnp.log2, positive),
    _unary("log10", fl.log10, jnp.log10, positive),
    _unary("cbrt", fl.cbrt, lax.cbrt, nonzero),
    _unary("round_nearest_even", fl.round_nearest_even,
           functools.partial(lax.round, rounding_method=lax.RoundingMethod.TO_NEAREST_EVEN),
           off_half_integers),
    _unary("signbit", fl.signbit, jnp.signbit, nonzero),
    _binary("atan2", fl.atan2, lax.atan2, dtypes=FLOAT),
    _binary("hypot", fl.hypot, jnp.hypot, dtypes=FLOAT),
    _binary("logaddexp", fl.logaddexp, jnp.logaddexp, dtypes=FLOAT),
    # shape
    _move("broadcast_in_dim", fl.broadcast_in_dim, lax.broadcast_in_dim, 1, broadcast_shapes),
    _move("reshape", fl.reshape, lax.reshape, 1, reshape_shapes),
    _move("transpose", fl.transpose, lax.transpose, 1, transpose_shapes),
    _move("squeeze", fl.squeeze, lax.squeeze, 1, squeeze_shapes),
    _move("expand_dims", fl.expand_dims, lax.expand_dims, 1, expand_dims_shapes),
    _move("rev", fl.rev, lax.rev, 1, rev_shapes),
    _move("slice", fl.slice, lax.slice, 1, slice_shapes),
    _move("pad", fl.pad, lax.pad, 2, pad_shapes),
    _move("concatenate", lambda *xs, dimension: fl.concatenate(xs, dimension),
          lambda *xs, dimension: lax.concatenate(xs, dimension), None, concatenate_shapes),
    # reductions
    PrimSpec("reduce_sum", fl.reduce_sum, lax.reduce_sum, 1, reduce_shapes, real, NUM),
    PrimSpec("reduce_max", fl.reduce_max, lax.reduce_max, 1, reduce_shapes, distinct, NUM),
    PrimSpec("reduce_min", fl.reduce_min, lax.reduce_min, 1, reduce_shapes, distinct, NUM),
    PrimSpec("reduce_prod", fl.reduce_prod, lax.reduce_prod, 1, reduce_shapes, real, NUM),
    PrimSpec("argmax", fl.argmax, _argmax_ref, 1, arg_reduce_shapes, distinct, NUM),
    PrimSpec("argmin", fl.argmin, _argmin_ref, 1, arg_reduce_shapes, distinct, NUM),
    PrimSpec("cumsum", fl.cumsum, lax.cumsum, 1, cumsum_shapes, real, NUM),
    # order statistics (integer results: ties in the int rows check stability)
    PrimSpec("argsort", fl.argsort, _argsort_ref, 1, arg_reduce_shapes, real, NUM),
    PrimSpec("searchsorted", fl.searchsorted, _searchsorted_ref, 2, searchsorted_shapes,
             searchsorted_domain, NUM),
    # contraction and indexing
    PrimSpec("dot_general", fl.dot_general, lax.dot_general, 2, dot_general_shapes, real, NUM,
             tol={**DEFAULT_TOL, F32: 1e-4}),
    PrimSpec("gather", fl.gather, _gather_ref, None, gather_shapes, index_domain, NUM, diff=(0,),
             jax_dtypes=(F64,)),
    PrimSpec("scatter_add", fl.scatter_add, _scatter_add_ref, None, scatter_add_shapes,
             index_domain, NUM, diff=(0, 1), jax_dtypes=(F64, I32)),
    # Fourier transforms (fgrad/prims/fft.py)
    PrimSpec("fft", fl.fft, _fft_ref, 1, fft_shapes, fft_domain, COMPLEX, grad_dtypes=(C128,),
             tol={**DEFAULT_TOL, C64: 1e-4}),
    # linear algebra (fgrad/prims/linalg.py, linalg_solve.py, matfuncs.py)
    PrimSpec("cholesky", fl.cholesky, _jax_cholesky, 1, square_shapes, spd, tol=LINALG_TOL),
    PrimSpec("triangular_solve", fl.triangular_solve, jax.lax.linalg.triangular_solve, 2,
             triangular_solve_shapes, triangular_solve_domain, tol=LINALG_TOL),
    PrimSpec("solve", fl.solve, jnp.linalg.solve, 2, solve_shapes, solve_domain, tol=LINALG_TOL),
    PrimSpec("lu", _pick(fl.lu), _pick(jax.lax.linalg.lu), 1, lu_shapes,
             distinct_singular_values, tol=LINALG_TOL),
    PrimSpec("det", fl.det, jnp.linalg.det, 1, square_shapes, well_conditioned, tol=LINALG_TOL),
    PrimSpec("slogdet", _pick(fl.slogdet), _pick(jnp.linalg.slogdet), 1, _with_output(2),
             well_conditioned, tol=LINALG_TOL),
    PrimSpec("eigh", _eigh_op(fl.eigh, fnp), _eigh_op(_jax_eigh, jnp), 1, _with_output(2),
             distinct_eigenvalues, tol=LINALG_TOL),
    PrimSpec("svd", _svd_op(fl.svd, fnp), _svd_op(_jax_svd, jnp), 1, svd_shapes,
             distinct_singular_values, tol=LINALG_TOL),
    PrimSpec("qr", _qr_op(fl.qr, fnp), _qr_op(_jax_qr, jnp), 1, qr_shapes,
             distinct_singular_values, tol=LINALG_TOL),
    PrimSpec("expm", fl.expm, _batched(jsl.expm), 1, square_shapes, expm_domain, tol=LINALG_TOL,
             **SLOW_JAX),
    PrimSpec("expm_frechet", fl.expm_frechet, _batched(_jax_expm_frechet, 2), 2,
             square_pair_shapes, expm_domain, tol=LINALG_TOL, **SLOW_JAX),
    PrimSpec("sylvester", fl.sylvester, _batched(jsl.solve_sylvester, 3), 3, sylvester_shapes,
             sylvester_domain, tol=LINALG_TOL, **SLOW_JAX),
    PrimSpec("sqrtm", fl.sqrtm, _jax_sqrtm, 1, square_shapes, spd, tol=LINALG_TOL, **SLOW_JAX),
    PrimSpec("eig", _eig_op(fl.eig, fnp, fl.real, fl.imag), _eig_op(_jax_eig, jnp, jnp.real,
             jnp.imag), 1, _with_output(2), distinct_eigenvalues_general, tol=LINALG_TOL),
]

SPEC_BY_NAME: dict[str, PrimSpec] = {s.name: s for s in SPECS}
assert len(SPEC_BY_NAME) == len(SPECS), "duplicate rows in the primitive table"


def thinned(spec: PrimSpec, data, dtype=None) -> bool:
    """True when the test should return early: four examples in five of a heavy row, and two in
    three at a row's secondary dtypes (dtype slips show on the first example, not the 25th).

    The coin is a drawn seed, not a draw from range(5): hypothesis never runs the same example
    twice, so an early return decided by a small integer has only four distinct examples, after
    which every example ran in full (21 of 25 at the ci profile)."""
    if spec.heavy:
        keep_one_in = 5
    elif dtype is not None and np.dtype(dtype) != spec.dtypes[0]:
        keep_one_in = 3
    else:
        return False
    seed = data.draw(st.integers(0, 2**32 - 1), label="thinned")
    return np.random.default_rng(seed).integers(keep_one_in) != 0


@st.composite
def cases(draw, spec: PrimSpec, dtype):
    """(operands, params) for one example of `spec` at `dtype`."""
    shapes, params = spec.shapes(draw, dtype)
    seed = draw(st.integers(0, 2**32 - 1))
    args = spec.make_args(np.random.default_rng(seed), shapes, dtype, params)
    return args, params


# Comparisons against jax cost a jax compile per new case (~30 ms), so they draw fewer
# examples than the fgrad-only tests; the profile still scales them.
JAX_EXAMPLES = max(4, settings().max_examples // 6)


_JITTED: dict = {}
POOL = 32  # at least the largest operand the elementwise rows draw (3 x 3 x 3)


def _params_key(params: dict):
    return tuple(sorted((k, repr(v)) for k, v in params.items()))


def _jitted(key, build):
    f = _JITTED.get(key)
    if f is None:
        f = _JITTED[key] = jax.jit(build())
    return f


def pooled(spec: PrimSpec) -> bool:
    """Elementwise rows are evaluated by jax on operands flattened and cycled to POOL entries,
    so jax compiles once per (row, params, dtype) instead of once per drawn shape."""
    return spec.shapes in ELEMENTWISE_SHAPES


def _pool(a):
    a = np.asarray(a)
    return np.resize(a.ravel(), POOL).astype(a.dtype)


def _unpool(y, shape):
    return np.asarray(y)[: int(np.prod(shape, dtype=np.int64))].reshape(shape)


def jax_value(spec: PrimSpec, params: dict, args):
    """The reference's value at `args`, jitted once per (row, params) (a jax-free reference
    is called directly)."""
    if not spec.jax_ref:
        return spec.ref_op(params)(*args)
    f = _jitted(("value", spec.name, _params_key(params)), lambda: spec.ref_op(params))
    if pooled(spec):
        return _unpool(f(*map(_pool, args)), np.shape(args[0]))
    return f(*args)


def jax_derivatives(spec: PrimSpec, params: dict, args, diff, tangents, ct):
    """(out, jvp tangent, vjp cotangents or None) of the reference, differentiating the
    operands `diff` (the others are constants) along `tangents`, pulling back `ct`."""

    def build():
        ref = spec.ref_op(params)

        def g(args, tangents, ct):
            def f(*xs):
                full = list(args)
                for i, x in zip(diff, xs):
                    full[i] = x
                return ref(*full)

            xs = [args[i] for i in diff]
            out, t = jax.jvp(f, xs, list(tangents))
            return out, t, (None if ct is None else jax.vjp(f, *xs)[1](ct))

        return g

    g = _jitted(("ad", spec.name, _params_key(params), tuple(diff)), build)
    if not pooled(spec):
        return g(list(args), list(tangents), ct)
    shape = np.shape(args[0])
    out, t, cts = g([_pool(a) for a in args], [_pool(t) for t in tangents],
                    None if ct is None else _pool(ct))
    cts = None if cts is None else [_unpool(c, shape) for c in cts]
    return _unpool(out, shape), _unpool(t, shape), cts


def jax_value_rows():
    """Rows for values against jax. Where test_jvp_vjp_vs_jax runs (float64, jax can
    differentiate), it compares the primal output from the same jax call, so it is left out."""
    return [
        (s.name, d) for s in SPECS for d in (s.jax_dtypes or s.dtypes)
        if not (d in s.grad_dtypes and s.order > 0 and s.jax_ad)
    ]


def jax_ad_rows():
    return [r for r in grad_rows() if SPEC_BY_NAME[r[0]].jax_ad]


def _rows(keep):
    """(name, dtype) rows restricted to the dtypes in `keep` (all of a row's, if none is)."""
    return [(s.name, d) for s in SPECS for d in s.dtypes if d in keep or not set(keep) &
            set(s.dtypes)]


def vmap_rows():
    """Batch rules do not look at dtypes beyond float/int/bool: one of each kind suffices."""
    return _rows((F64, I32, BOOL))


def staging_rows():
    """abstract_eval against impl: both float widths, the narrow int (numpy widens it), bool."""
    return _rows((F64, F32, I32, BOOL))


# rows whose primitive takes complex operands (as jax.lax's does), checked at complex128 by
# test_complex_rows: values and derivatives against jax, and check_grads
COMPLEX_OPS = (
    "neg", "add", "sub", "mul", "div", "pow", "integer_pow", "exp", "log", "log1p", "expm1",
    "sin", "cos", "tan", "tanh", "logistic", "sqrt", "rsqrt", "abs", "sign", "select",
    "solve", "triangular_solve", "det", "eig",
    "reduce_sum", "cumsum", "dot_general", "gather", "scatter_add", "pad", "slice", "concatenate",
)


def complex_rows():
    return [(name, C128) for name in COMPLEX_OPS]


def value_rows():
    return [(s.name, d) for s in SPECS for d in s.dtypes]


def grad_rows():
    return [(s.name, d) for s in SPECS if s.order > 0 for d in s.grad_dtypes]


# ----- helpers shared by test_prims_*.py ---------------------------------------------------


def case_id(row) -> str:
    return f"{row[0]}-{np.dtype(row[1]).name}"


def assert_same(got, want, tol: float, what: str) -> None:
    """Equal shape and dtype, values within `tol` (relative and absolute)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, expected {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, expected {want.dtype}"
    if got.dtype.kind in "fc":
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)


def split_diff(spec: PrimSpec, args, params):
    """(f, f_ref, diff_args): the op and its reference as functions of the differentiable
    operands only (the others fixed at their values in `args`)."""
    diff = spec.diff_argnums(args)
    fixed = {i: a for i, a in enumerate(args) if i not in diff}
    op = spec.op(params)
    ref = spec.ref_op(params)

    def merge(xs):
        it = iter(xs)
        return [fixed[i] if i in fixed else next(it) for i in range(len(args))]

    def f(*xs):
        return op(*merge(xs))

    def f_ref(*xs):
        return ref(*merge(xs))

    return f, f_ref, [args[i] for i in diff]


def random_like(rng, x):
    x = np.asarray(x)
    if x.dtype.kind == "c":
        return (rng.standard_normal(x.shape) + 1j * rng.standard_normal(x.shape)).astype(x.dtype)
    return rng.standard_normal(x.shape).astype(x.dtype)
