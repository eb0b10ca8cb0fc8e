"""Shared checks for the fgrad.numpy tests: numpy's exact result on concrete inputs, jax.numpy's
values and derivatives (x64), and staging (make_jaxpr's types agree with the eager result)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fgrad
from fgrad.core import typecheck_jaxpr

__all__ = [
    "bounded", "seeds", "shapes", "jax_shapes", "jax_pairs", "JAX_SHAPES", "JAX_PAIRS",
    "make", "tol", "assert_like_numpy", "assert_close",
    "to_jax", "check_staged", "check_vjp", "check_jvp", "check_low_precision", "same_error",
]

seeds = st.integers(0, 2**32 - 1)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)

# Comparisons with jax draw from small pools of shapes: jax compiles every operation once per
# shape and dtype, and that compile (tens of milliseconds) dominates these tests otherwise.
# The pools still hold scalars, size-1 axes and every broadcasting pattern; the checks against
# numpy draw from all shapes.
JAX_SHAPES = [(), (1,), (3,), (2, 3), (3, 1), (1, 2, 3)]
JAX_PAIRS = [
    ((), ()), ((3,), ()), ((), (2, 3)), ((2, 3), (3,)), ((3, 1), (1, 3)), ((2, 3), (2, 3)),
    ((1,), (2, 3)), ((1, 2, 3), (2, 1)),
]
jax_shapes = st.sampled_from(JAX_SHAPES)
jax_pairs = st.sampled_from(JAX_PAIRS)


def bounded(n: int):
    """n examples under the "ci" profile (25 examples per test), scaled with the loaded
    profile's budget ("dev" runs 12x as many): these tests compare with jax, whose compile per
    new shape dominates their time, so each keeps its own share."""
    return settings(max_examples=max(1, n * settings().max_examples // 25))


_DOMAINS = {
    "any": (-2.0, 2.0),
    "pos": (0.2, 3.0),
    "unit": (-0.9, 0.9),
    "gt-1": (-0.8, 3.0),
    "tan": (-1.2, 1.2),
    "exp": (-3.0, 3.0),
}


def make(rng, shape, dtype, domain="any"):
    """A random array (or Python scalar, for dtype "pyfloat"/"pyint"/"pybool") in a domain.
    "nonzero" keeps values away from 0; "frac" away from integers (for floor/ceil/trunc)."""
    if dtype == "pyfloat":
        return float(make(rng, (), np.float64, domain))
    if dtype == "pyint":
        return int(make(rng, (), np.int64, domain))
    if dtype == "pybool":
        return domain == "nonzero" or bool(rng.random() < 0.5)
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return np.ones(shape, bool) if domain == "nonzero" else rng.random(shape) < 0.5
    if domain == "nonzero":
        mag = rng.uniform(0.5, 2.0, shape) if dtype.kind == "f" else rng.integers(1, 4, shape)
        sgn = np.where(rng.random(shape) < 0.5, -1, 1)
        return np.asarray(mag * sgn).astype(dtype)
    if domain == "frac":
        base = rng.integers(-3, 3, shape) + rng.uniform(0.1, 0.9, shape)
        return np.asarray(base if dtype.kind == "f" else np.floor(base)).astype(dtype)
    lo, hi = _DOMAINS[domain]
    if dtype.kind in "iu":
        lo_i, hi_i = (1, 5) if domain == "pos" else (-3, 4)
        if dtype.kind == "u":
            lo_i = max(lo_i, 0)
        return np.asarray(rng.integers(lo_i, hi_i, shape)).astype(dtype)
    return np.asarray(rng.uniform(lo, hi, shape)).astype(dtype)


def tol(*dtypes) -> dict:
    kinds = {np.dtype(d) for d in dtypes if not isinstance(d, str)}
    if np.dtype(np.float16) in kinds:
        return dict(rtol=2e-2, atol=2e-2)
    if np.dtype(np.float32) in kinds:
        return dict(rtol=2e-5, atol=2e-5)
    return dict(rtol=1e-10, atol=1e-12)


def assert_like_numpy(out, ref, **tolerance):
    """fgrad.numpy on concrete inputs returns numpy results: same type family, dtype, shape,
    and the same values."""
    assert isinstance(out, (np.ndarray, np.generic)), f"got a {type(out).__name__}"
    ref = np.asarray(ref) if not isinstance(ref, (np.ndarray, np.generic)) else ref
    assert np.shape(out) == np.shape(ref), (np.shape(out), np.shape(ref))
    assert np.asarray(out).dtype == np.asarray(ref).dtype, (np.asarray(out).dtype, ref.dtype)
    if np.asarray(ref).dtype.kind in "biu":
        np.testing.assert_array_equal(out, ref)
    else:
        np.testing.assert_allclose(out, ref, **(tolerance or dict(rtol=1e-12, atol=1e-14)))


def assert_close(out, ref, **tolerance):
    assert np.shape(out) == np.shape(ref), (np.shape(out), np.shape(ref))
    np.testing.assert_allclose(
        np.asarray(out, dtype=np.result_type(np.asarray(out).dtype, np.float64)),
        np.asarray(ref, dtype=np.result_type(np.asarray(ref).dtype, np.float64)),
        **(tolerance or dict(rtol=1e-10, atol=1e-12)),
    )


def to_jax(x):
    return jnp.asarray(x) if isinstance(x, (np.ndarray, np.generic)) else x


def check_staged(f, *args):
    """Staging the function gives a well-typed jaxpr whose avals and values match eager."""
    eager = f(*args)
    closed = fgrad.make_jaxpr(f)(*args)
    typecheck_jaxpr(closed.jaxpr)
    (aval,) = closed.out_avals
    assert aval.shape == np.shape(eager), (aval, np.shape(eager))
    assert aval.dtype == np.asarray(eager).dtype, (aval, np.asarray(eager).dtype)
    (staged,) = closed(*args)
    if np.asarray(eager).dtype.kind in "biu":
        np.testing.assert_array_equal(staged, eager)
    else:
        np.testing.assert_allclose(staged, eager, rtol=1e-6, atol=1e-7)


def check_vjp(f_fgrad, f_jax, args, rng, **tolerance):
    """Reverse mode against jax.vjp with a random cotangent; gradient dtypes are the inputs'."""
    out, pull = fgrad.vjp(f_fgrad, *args)
    ct = np.asarray(rng.standard_normal(np.shape(out))).astype(np.asarray(out).dtype)
    got = pull(ct)
    j_out, j_pull = jax.vjp(f_jax, *[jnp.asarray(a) for a in args])
    want = j_pull(jnp.asarray(ct))
    assert_close(out, j_out, **tolerance)
    for a, g, w in zip(args, got, want):
        assert np.asarray(g).dtype == np.asarray(a).dtype, (np.asarray(g).dtype, a.dtype)
        assert_close(g, w, **tolerance)


def check_jvp(f_fgrad, args, rng, **tolerance):
    """Forward mode agrees with reverse mode: <ct, J t> = <J^T ct, t> for random t and ct.
    With reverse mode checked against jax, this checks forward mode without another jax
    compile."""
    tangents = [np.asarray(rng.standard_normal(np.shape(a))).astype(a.dtype) for a in args]
    out, t_out = fgrad.jvp(f_fgrad, tuple(args), tuple(tangents))
    assert np.asarray(t_out).dtype == np.asarray(out).dtype
    ct = np.asarray(rng.standard_normal(np.shape(out)))
    _, pull = fgrad.vjp(f_fgrad, *args)
    cts = pull(ct.astype(np.asarray(out).dtype))
    lhs = np.sum(ct * np.asarray(t_out, np.float64))
    rhs = sum(np.sum(np.asarray(c, np.float64) * t) for c, t in zip(cts, tangents))
    assert_close(lhs, rhs, **tolerance)


def check_low_precision(f_fgrad, args, rng, dtype=np.float32):
    """The same function on `dtype` inputs: value and gradients keep that dtype and agree
    with the float64 computation."""
    low = [np.asarray(a).astype(dtype) for a in args]
    out, pull = fgrad.vjp(f_fgrad, *low)
    out64, pull64 = fgrad.vjp(f_fgrad, *[a.astype(np.float64) for a in low])
    assert np.asarray(out).dtype == dtype, np.asarray(out).dtype
    ct = np.asarray(rng.standard_normal(np.shape(out)))
    t = tol(dtype)
    assert_close(out, out64, **t)
    for a, g, g64 in zip(low, pull(ct.astype(dtype)), pull64(ct)):
        assert np.asarray(g).dtype == dtype
        assert_close(g, g64, rtol=t["rtol"] * 10, atol=t["atol"] * 10)


def same_error(f_ref, f_got):
    """When numpy refuses (e.g. `-` on bools), fgrad.numpy refuses with the same error type.
    Returns numpy's result, or None after checking the errors."""
    try:
        ref = f_ref()
    except Exception as e:  # noqa: BLE001 - any numpy error must be mirrored
        try:
            f_got()
        except type(e):
            return None
        raise AssertionError(f"numpy raised {type(e).__name__}: {e}, fgrad.numpy did not")
    return ref
