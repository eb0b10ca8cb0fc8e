"""fgrad.numpy functions of issue 4 (flip, roll, tile, repeat, split, stacking, diagonals,
take, ptp, average, cumprod, nan-reductions, einsum, kron, cross): numpy's exact results on
concrete inputs, gradients against jax.grad (x64), and vmap against a loop for a few."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from fnp_checks import assert_close, assert_like_numpy, check_staged

import fgrad
import fgrad.numpy as fnp

# (id, f(module, *arrays), shapes of the float operands). `module` is numpy, jax.numpy or
# fgrad.numpy, so one lambda serves the value check and both gradients.
CASES = [
    ("atleast_1d", lambda m, x: m.atleast_1d(x), [()]),
    ("atleast_2d", lambda m, x: m.atleast_2d(x), [(3,)]),
    ("atleast_3d_1d", lambda m, x: m.atleast_3d(x), [(3,)]),
    ("atleast_3d_2d", lambda m, x: m.atleast_3d(x), [(2, 3)]),
    ("flip_none", lambda m, x: m.flip(x), [(2, 3)]),
    ("flip_int", lambda m, x: m.flip(x, 1), [(2, 3)]),
    ("flip_tuple", lambda m, x: m.flip(x, (0, -1)), [(2, 3, 2)]),
    ("fliplr", lambda m, x: m.fliplr(x), [(2, 3)]),
    ("flipud", lambda m, x: m.flipud(x), [(2, 3)]),
    ("roll_none", lambda m, x: m.roll(x, 4), [(2, 3)]),
    ("roll_axis", lambda m, x: m.roll(x, -1, axis=1), [(2, 3)]),
    ("roll_tuple", lambda m, x: m.roll(x, (1, 2), axis=(0, 1)), [(2, 3)]),
    ("tile_int", lambda m, x: m.tile(x, 2), [(2, 3)]),
    ("tile_tuple", lambda m, x: m.tile(x, (2, 1, 2)), [(3,)]),
    ("repeat_none", lambda m, x: m.repeat(x, 2), [(2, 3)]),
    ("repeat_axis", lambda m, x: m.repeat(x, 3, axis=0), [(2, 3)]),
    ("repeat_list", lambda m, x: m.repeat(x, np.array([1, 0, 2]), axis=1), [(2, 3)]),
    ("split_int", lambda m, x: m.split(x, 2, axis=1)[1], [(2, 4)]),
    ("split_list", lambda m, x: m.split(x, [1, 3])[2], [(5, 2)]),
    ("array_split", lambda m, x: m.array_split(x, 3)[0], [(5, 2)]),
    ("vstack", lambda m, x, y: m.vstack([x, y]), [(3,), (2, 3)]),
    ("hstack", lambda m, x, y: m.hstack([x, y]), [(2, 1), (2, 3)]),
    ("hstack_1d", lambda m, x, y: m.hstack([x, y]), [(2,), (3,)]),
    ("dstack", lambda m, x, y: m.dstack([x, y]), [(2, 3), (2, 3)]),
    ("column_stack", lambda m, x, y: m.column_stack([x, y]), [(3,), (3, 2)]),
    ("diag_1d", lambda m, x: m.diag(x), [(3,)]),
    ("diag_1d_k", lambda m, x: m.diag(x, -2), [(3,)]),
    ("diag_2d", lambda m, x: m.diag(x, 1), [(3, 4)]),
    ("diagonal", lambda m, x: m.diagonal(x, -1), [(4, 3)]),
    ("diagonal_axes", lambda m, x: m.diagonal(x, 1, 2, 0), [(3, 2, 4)]),
    ("trace", lambda m, x: m.trace(x), [(3, 4)]),
    ("trace_offset", lambda m, x: m.trace(x, 1, 1, 2), [(2, 3, 3)]),
    ("tril", lambda m, x: m.tril(x), [(3, 4)]),
    ("triu_k", lambda m, x: m.triu(x, -1), [(2, 3, 3)]),
    ("take_none", lambda m, x: m.take(x, np.array([[0, 5], [2, 2]])), [(2, 3)]),
    ("take_axis", lambda m, x: m.take(x, np.array([2, 0, 2]), axis=1), [(2, 3)]),
    ("take_along_axis", lambda m, x: m.take_along_axis(
        x, np.array([[2, 0], [1, 1]]), axis=1), [(2, 3)]),
    ("ptp", lambda m, x: m.ptp(x, axis=0), [(3, 2)]),
    ("average", lambda m, x: m.average(x), [(2, 3)]),
    ("average_w", lambda m, x, w: m.average(x, axis=1, weights=w), [(2, 3), (3,)]),
    ("average_w_full", lambda m, x, w: m.average(x, weights=w), [(2, 3), (2, 3)]),
    ("cumprod", lambda m, x: m.cumprod(x), [(2, 3)]),
    ("cumprod_axis", lambda m, x: m.cumprod(x, axis=1), [(2, 5)]),
    ("cumprod_zero", lambda m, x: m.cumprod(x * np.array([1.0, 0.0, 1.0, 0.0, 1.0]), axis=0),
     [(5,)]),
    ("nansum", lambda m, x: m.nansum(m.where(x > 0.5, np.nan, x), axis=0), [(3, 2)]),
    ("nanmean", lambda m, x: m.nanmean(m.where(x > 0.5, np.nan, x)), [(3, 2)]),
    ("einsum_matmul", lambda m, x, y: m.einsum("ij,jk->ik", x, y), [(2, 3), (3, 4)]),
    ("einsum_batch", lambda m, x, y: m.einsum("bij,bjk->bki", x, y), [(2, 2, 3), (2, 3, 2)]),
    ("einsum_outer", lambda m, x, y: m.einsum("i,j", x, y), [(2,), (3,)]),
    ("einsum_sumout", lambda m, x, y: m.einsum("ij,kj->k", x, y), [(2, 3), (4, 3)]),
    ("einsum_trace", lambda m, x: m.einsum("ii", x), [(3, 3)]),
    ("einsum_transpose", lambda m, x: m.einsum("ijk->kji", x), [(2, 3, 4)]),
    ("einsum_reduce", lambda m, x: m.einsum("ijk->j", x), [(2, 3, 4)]),
    ("einsum_diag", lambda m, x: m.einsum("ii->i", x), [(3, 3)]),
    ("einsum_three", lambda m, x, y, z: m.einsum("ij,jk,k->i", x, y, z), [(2, 3), (3, 4), (4,)]),
    ("kron", lambda m, x, y: m.kron(x, y), [(2, 3), (3, 2)]),
    ("kron_1d", lambda m, x, y: m.kron(x, y), [(2,), (2, 3)]),
    ("cross", lambda m, x, y: m.cross(x, y), [(3,), (3,)]),
    ("cross_batch", lambda m, x, y: m.cross(x, y), [(2, 3), (3,)]),
]


def _args(shapes, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.0, 1.0, s).astype(dtype) for s in shapes]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,f,shapes", CASES, ids=[c[0] for c in CASES])
def test_values_like_numpy(name, f, shapes, dtype):
    args = _args(shapes, dtype)
    assert_like_numpy(f(fnp, *args), f(np, *args), rtol=1e-5 if dtype == np.float32 else 1e-12,
                      atol=1e-6 if dtype == np.float32 else 1e-14)


@pytest.mark.parametrize("name,f,shapes", CASES, ids=[c[0] for c in CASES])
def test_grad_like_jax(name, f, shapes):
    args = _args(shapes)
    out_shape = np.shape(f(np, *args))
    w = np.random.default_rng(1).standard_normal(out_shape)
    argnums = tuple(range(len(args)))
    got = fgrad.grad(lambda *xs: fnp.sum(f(fnp, *xs) * w), argnums)(*args)
    want = jax.grad(lambda *xs: jnp.sum(f(jnp, *xs) * w), argnums)(*map(jnp.asarray, args))
    for g, h in zip(got, want):
        assert np.asarray(g).dtype == np.float64
        assert_close(g, h)


@pytest.mark.parametrize("name,f,shapes", CASES, ids=[c[0] for c in CASES])
def test_staged(name, f, shapes):
    check_staged(lambda *xs: f(fnp, *xs), *_args(shapes))


def test_cumprod_grad_with_zeros_is_exact():
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    got = fgrad.grad(lambda v: fnp.sum(fnp.cumprod(v)))(x)
    want = jax.grad(lambda v: jnp.sum(jnp.cumprod(v)))(jnp.asarray(x))
    assert_close(got, want)
    assert np.all(np.isfinite(got))


@pytest.mark.parametrize("dtype", [np.int32, np.bool_, np.int64])
def test_integer_inputs_like_numpy(dtype):
    x = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    for f in [lambda m: m.flip(x, 0), lambda m: m.roll(x, 1, 1), lambda m: m.tile(x, 2),
              lambda m: m.repeat(x, 2, 1), lambda m: m.diag(x), lambda m: m.trace(x),
              lambda m: m.tril(x, 1), lambda m: m.take(x, [0, 2], axis=1),
              lambda m: m.cumprod(x, 1), lambda m: m.nansum(x), lambda m: m.kron(x, x),
              lambda m: m.vstack([x, x]), lambda m: m.diagonal(x, 1)]:
        assert_like_numpy(f(fnp), f(np))
    if dtype != np.bool_:
        for f in [lambda m: m.ptp(x, 1), lambda m: m.average(x, 0, weights=[1, 2, 3]),
                  lambda m: m.nanmean(x)]:
            assert_like_numpy(f(fnp), f(np))


def test_atleast_and_split_structure():
    a, b = np.float64(1.0), np.ones(3)
    got, ref = fnp.atleast_2d(a, b), np.atleast_2d(a, b)
    assert len(got) == len(ref)
    for g, r in zip(got, ref):
        assert_like_numpy(g, r)
    x = np.arange(10.0)
    for f in [lambda m: m.split(x, 5), lambda m: m.array_split(x, 3),
              lambda m: m.split(x, [2, 7, 20])]:
        got, ref = f(fnp), f(np)
        assert len(got) == len(ref)
        for g, r in zip(got, ref):
            assert_like_numpy(g, r)
    with pytest.raises(ValueError):
        fnp.split(x, 3)


VMAP_CASES = [
    lambda m, x: m.roll(x, 1),
    lambda m, x: m.cumprod(x, axis=-1),
    lambda m, x: m.diag(x[:3]),
    lambda m, x: m.einsum("i,j->ij", x, x),
    lambda m, x: m.cross(x[:3], x[1:]),
    lambda m, x: m.take(x, np.array([3, 0, 0])),
]


@pytest.mark.parametrize("f", VMAP_CASES)
def test_vmap_matches_loop(f):
    xs = _args([(3, 4)])[0]
    got = fgrad.vmap(lambda x: f(fnp, x))(xs)
    want = np.stack([f(np, x) for x in xs])
    assert_close(got, want)
