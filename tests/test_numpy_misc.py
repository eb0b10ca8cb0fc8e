"""Exported names that no other test file exercises: numpy 2's unique_* family, the array-API
linalg aliases, issubdtype. Values against numpy, derivatives against JAX (x64)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import fgrad
import fgrad.numpy as fnp

A = np.array([3.0, 1.0, 3.0, 2.0, 1.0, 3.0])


def test_unique_family_matches_numpy():
    for name in ("unique_values", "unique_counts", "unique_inverse", "unique_all"):
        got, want = getattr(fnp, name)(A), getattr(np, name)(A)
        got = got if isinstance(got, tuple) else (got,)
        want = want if isinstance(want, tuple) else (want,)
        assert len(got) == len(want), name
        for g, w in zip(got, want):
            np.testing.assert_array_equal(np.asarray(g), np.asarray(w), err_msg=name)


def test_unique_values_gradient_goes_to_the_first_occurrence_like_jax():
    g = fgrad.grad(lambda x: (fnp.unique_values(x) ** 2).sum())(A)
    ref = jax.grad(lambda x: (jnp.unique_values(x, size=3) ** 2).sum())(A)
    np.testing.assert_allclose(g, ref)


def test_array_api_linalg_aliases():
    rng = np.random.default_rng(0)
    m = rng.normal(size=(2, 3, 4))
    np.testing.assert_array_equal(fnp.linalg.matrix_transpose(m), np.linalg.matrix_transpose(m))
    u, v = rng.normal(size=(2, 5, 3))
    np.testing.assert_allclose(fnp.linalg.vecdot(u, v), np.linalg.vecdot(u, v), rtol=1e-14)
    gu = fgrad.grad(lambda u: fnp.linalg.vecdot(u, v).sum())(u)
    np.testing.assert_allclose(gu, jax.grad(lambda u: jnp.linalg.vecdot(u, v).sum())(u))
    gm = fgrad.grad(lambda m: (fnp.linalg.matrix_transpose(m) * m.sum()).sum())(m)
    ref = jax.grad(lambda m: (jnp.linalg.matrix_transpose(m) * m.sum()).sum())(m)
    np.testing.assert_allclose(gm, ref, rtol=1e-14)


def test_issubdtype_is_numpys():
    assert fnp.issubdtype(fnp.float32, fnp.floating)
    assert not fnp.issubdtype(np.int64, fnp.inexact)
    assert fgrad.jit(lambda x: x * fnp.issubdtype(x.dtype, fnp.floating))(2.0) == 2.0
