"""Matrix generators and checks shared by tests/test_linalg.py and tests/test_scipy_linalg.py.

Every generator takes (rng, shape) with shape (..., m, n) and returns float64 matrices in the
domain where the function under test is smooth: away from singularity, with distinct
eigenvalues or singular values where vectors are differentiated."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st

import fgrad

__all__ = [
    "general", "well_conditioned", "spd", "symmetric_distinct", "distinct_sv", "nonsymmetric",
    "batch_shapes", "square_shapes", "matrix_shapes", "draw_rng", "derivatives_vs_jax",
    "vmap_vs_loop",
]


def general(rng, shape):
    return rng.standard_normal(shape)


def well_conditioned(rng, shape):
    """A random matrix plus a diagonal of magnitude 2..3 (random signs)."""
    n = shape[-1]
    diag = np.where(rng.random(shape[:-1]) < 0.5, -1, 1) * rng.uniform(2, 3, shape[:-1])
    return 0.5 * rng.standard_normal(shape) + diag[..., None] * np.eye(n)


def spd(rng, shape):
    m = rng.standard_normal(shape)
    return m @ np.swapaxes(m, -1, -2) / max(shape[-1], 1) + np.eye(shape[-1])


def _orthogonal(rng, shape):
    q, r = np.linalg.qr(rng.standard_normal(shape))
    return q * np.where(np.diagonal(r, axis1=-2, axis2=-1) < 0, -1.0, 1.0)[..., None, :]


def _spaced(rng, shape, lo=0.5):
    steps = rng.uniform(0.4, 1.0, shape)
    return rng.permuted(lo + np.cumsum(steps, axis=-1), axis=-1)


def symmetric_distinct(rng, shape):
    """Exactly symmetric, eigenvalues at least 0.4 apart."""
    q = _orthogonal(rng, shape)
    w = _spaced(rng, shape[:-1]) - shape[-1] / 2
    a = (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)
    return (a + np.swapaxes(a, -1, -2)) / 2


def distinct_sv(rng, shape):
    """Singular values at least 0.4 apart and >= 0.5."""
    m, n = shape[-2:]
    k = min(m, n)
    u = _orthogonal(rng, shape[:-2] + (m, m))[..., :k]
    v = _orthogonal(rng, shape[:-2] + (n, n))[..., :k]
    s = _spaced(rng, shape[:-2] + (k,))
    return (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)


def nonsymmetric(rng, shape):
    """S D S^-1 with distinct (possibly complex-pair) eigenvalues, S near the identity."""
    n = shape[-1]
    out = np.empty(shape)
    for index in np.ndindex(shape[:-2]):
        re = rng.permutation(_spaced(rng, (n,)) - n / 2)
        d = np.diag(re)
        for j in range(0, n - 1, 2):
            if rng.random() < 0.5:
                im = rng.uniform(0.5, 1.5)
                d[j, j + 1], d[j + 1, j], d[j + 1, j + 1] = im, -im, re[j]
        s = np.eye(n) + 0.3 * rng.standard_normal((n, n))
        out[index] = s @ d @ np.linalg.inv(s)
    return out


def batch_shapes(max_ndim=2):
    return st.lists(st.integers(1, 2), max_size=max_ndim).map(tuple)


@st.composite
def square_shapes(draw, min_n=0, max_n=5, max_batch=2):
    return draw(batch_shapes(max_batch)) + (draw(st.integers(min_n, max_n)),) * 2


@st.composite
def matrix_shapes(draw, min_n=0, max_n=5, max_batch=2):
    batch = draw(batch_shapes(max_batch))
    return batch + (draw(st.integers(min_n, max_n)), draw(st.integers(min_n, max_n)))


def draw_rng(data):
    return np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))


def _random_like(rng, x):
    x = np.asarray(x)
    if x.dtype.kind == "c":
        return rng.standard_normal(x.shape) + 1j * rng.standard_normal(x.shape)
    return rng.standard_normal(x.shape).astype(x.dtype)


def _close(got, want, tol, what):
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        assert np.shape(g) == np.shape(w), (what, np.shape(g), np.shape(w))
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=tol, atol=tol,
                                   err_msg=what)


def derivatives_vs_jax(f_fgrad, f_jax, args, rng, tol=1e-9):
    """Value, jvp along random tangents and vjp of a random cotangent against jax, whose side
    is one jitted function (a single compile instead of one per operation)."""
    out, pull = fgrad.vjp(f_fgrad, *args)
    leaves, tree = jax.tree_util.tree_flatten(out)
    ct = [_random_like(rng, o) for o in leaves]
    ts = [_random_like(rng, a) for a in args]

    @jax.jit
    def reference(args, ts, ct):
        j_out, j_pull = jax.vjp(f_jax, *args)
        j_ct = jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(j_out), ct)
        return j_out, j_pull(j_ct), jax.jvp(f_jax, tuple(args), tuple(ts))[1]

    j_out, j_cts, j_t = reference([jnp.asarray(a) for a in args], ts, ct)
    _close(out, j_out, tol, "value vs jax")
    _close(pull(jax.tree_util.tree_unflatten(tree, ct)), j_cts, tol, "vjp vs jax")
    _close(fgrad.jvp(f_fgrad, tuple(args), tuple(ts))[1], j_t, tol, "jvp vs jax")


def vmap_vs_loop(f, args, in_axes, tol=1e-12):
    """fgrad.vmap of f over `in_axes` against a Python loop over the members."""
    size = next(np.shape(a)[d] for a, d in zip(args, in_axes) if d is not None)
    got = fgrad.vmap(f, in_axes=in_axes)(*args)
    members = [f(*[a if d is None else np.take(a, i, axis=d) for a, d in zip(args, in_axes)])
               for i in range(size)]
    want = jax.tree_util.tree_map(lambda *xs: np.stack(xs), *members)
    _close(got, want, tol, f"vmap(in_axes={in_axes}) vs loop")
