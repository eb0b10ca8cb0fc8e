"""fgrad.scipy.signal against scipy.signal (values: every mode, boundary, axes, dtype, the
'same' centring and the 'valid' swaps) and jax.scipy.signal (values, vjp and jvp in both
inputs); check_grads to second order; vmap against a loop; jit; errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.signal as jss
import numpy as np
import pytest
import scipy.signal as ss
from hypothesis import given
from hypothesis import strategies as st
from special_checks import RUN_SLOW

import fgrad
import fgrad.scipy.signal as fs
from fgrad.test_util import check_grads

MODES = ("full", "same", "valid")
# (in1 shape, in2 shape): odd and even kernels, kernels larger than the input (valid swaps),
# and pairs that are not ordered in every axis (valid refuses them)
SHAPES = [((7,), (3,)), ((5,), (4,)), ((3,), (6,)), ((1,), (1,)), ((5, 6), (2, 2)),
          ((5, 6), (3, 4)), ((4, 4), (5, 6)), ((3, 7), (4, 2)), ((3, 4, 5), (2, 3, 2)),
          ((2, 2, 2), (3, 3, 3))]


def _rand(rng, shape, dtype=np.float64):
    x = rng.normal(size=shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.normal(size=shape)
    if np.dtype(dtype).kind == "i":
        x = rng.integers(-5, 6, size=shape)
    return x.astype(dtype)


def _both(f_ours, f_ref, *args):
    """(ours, scipy's) or, when scipy raises ValueError, check that we do too."""
    try:
        want = f_ref(*args)
    except ValueError:
        with pytest.raises(ValueError):
            f_ours(*args)
        return None, None
    return np.asarray(f_ours(*args)), want


def _check(got, want, rtol=1e-13):
    if want is None:
        return
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, want.shape,
                                                                 got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * (1 + np.abs(want).max()))


@pytest.mark.parametrize("name", ["convolve", "correlate", "fftconvolve", "oaconvolve"])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.int64, np.float32])
def test_nd_values_vs_scipy(name, dtype, rng):
    ours, ref = getattr(fs, name), getattr(ss, name)
    for s1, s2 in SHAPES:
        a, b = _rand(rng, s1, dtype), _rand(rng, s2, dtype)
        for mode in MODES:
            got, want = _both(ours, ref, a, b, mode)
            _check(got, want, 1e-5 if dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm", "circular", "symmetric"])
def test_2d_values_vs_scipy(name, boundary, rng):
    ours, ref = getattr(fs, name), getattr(ss, name)
    for s1, s2 in SHAPES:
        if len(s1) != 2:
            continue
        for dtype in (np.float64, np.complex128):
            a, b = _rand(rng, s1, dtype), _rand(rng, s2, dtype)
            for mode in MODES:
                for fill in ((0, 1.5) if boundary == "fill" else (0,)):
                    got, want = _both(lambda *x: ours(*x, mode, boundary, fill),
                                      lambda *x: ref(*x, mode, boundary, fill), a, b)
                    _check(got, want)


def test_method_and_trivial_inputs():
    a, b = np.arange(5.0), np.array([1.0, -2.0, 0.5])
    for method in ("auto", "direct", "fft"):
        _check(np.asarray(fs.convolve(a, b, "same", method)), ss.convolve(a, b, "same", method))
        _check(np.asarray(fs.correlate(a, b, "full", method)),
               ss.correlate(a, b, "full", method))
    np.testing.assert_equal(fs.convolve(2.0, 3.0), ss.convolve(2.0, 3.0))
    assert fs.convolve(np.zeros((0, 3)), np.ones((2, 2))).size == 0
    assert fs.fftconvolve(np.arange(3), np.arange(2)).dtype == np.float64  # as scipy's
    assert fs.convolve(np.arange(3), np.arange(2)).dtype == np.int64


@pytest.mark.parametrize("axes", [None, 0, 1, -1, (0, 2), [2, 0]])
def test_fftconvolve_axes_vs_scipy(axes, rng):
    pairs = [((3, 6, 5), (3, 2, 4)), ((3, 1, 6), (1, 4, 2)), ((1, 5, 6), (4, 5, 2)),
             ((2, 3, 4), (2, 3, 4))]
    for s1, s2 in pairs:
        a, b = _rand(rng, s1), _rand(rng, s2)
        for mode in MODES:
            got, want = _both(lambda *x: fs.fftconvolve(*x, mode, axes),
                              lambda *x: ss.fftconvolve(*x, mode, axes), a, b)
            _check(got, want)


@given(st.data())
def test_hypothesis_shapes_vs_scipy(data):
    ndim = data.draw(st.integers(1, 3))
    s1 = tuple(data.draw(st.lists(st.integers(1, 5), min_size=ndim, max_size=ndim)))
    s2 = tuple(data.draw(st.lists(st.integers(1, 5), min_size=ndim, max_size=ndim)))
    mode = data.draw(st.sampled_from(MODES))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    a, b = _rand(rng, s1), _rand(rng, s2)
    for name in ("convolve", "correlate"):
        got, want = _both(getattr(fs, name), getattr(ss, name), a, b, mode)
        _check(got, want)
    if ndim == 2:
        boundary = data.draw(st.sampled_from(["fill", "wrap", "symm"]))
        for name in ("convolve2d", "correlate2d"):
            got, want = _both(lambda *x: getattr(fs, name)(*x, mode, boundary),
                              lambda *x: getattr(ss, name)(*x, mode, boundary), a, b)
            _check(got, want)


# JAX supports every function here with boundary='fill', fillvalue=0 (and fftconvolve's axes
# only for equal non-convolved sizes). JAX compiles each case for a second or more: the first
# four run always, the rest with the "dev" profile (or FGRAD_SLOW_TESTS=1).
JAX_CASES = [("convolve", (7,), (3,)), ("correlate2d", (5, 6), (2, 3)),
             ("fftconvolve", (3, 6), (2, 3)), ("correlate", (4, 5), (3, 2)),
             ("convolve", (4,), (6,)), ("correlate", (5,), (4,)),
             ("convolve", (4, 5), (2, 3)), ("convolve2d", (5, 4), (2, 2)),
             ("correlate2d", (2, 3), (4, 4)), ("correlate", (2, 3, 3), (2, 2, 2))]


@pytest.mark.parametrize("k", range(len(JAX_CASES)))
def test_values_vjp_jvp_vs_jax(k, rng):
    if k >= 4 and not RUN_SLOW:
        pytest.skip("slow JAX comparison: dev profile only")
    name, s1, s2 = JAX_CASES[k]
    a, b = _rand(rng, s1), _rand(rng, s2)
    for mode in MODES:
        if mode == "valid" and not (all(x >= y for x, y in zip(s1, s2))
                                    or all(y >= x for x, y in zip(s1, s2))):
            continue
        f = lambda x, y: getattr(fs, name)(x, y, mode)  # noqa: E731, B023
        jf = lambda x, y: getattr(jss, name)(x, y, mode)  # noqa: E731, B023
        out, pullback = fgrad.vjp(f, a, b)
        jout, jpullback = jax.vjp(jf, jnp.asarray(a), jnp.asarray(b))
        _check(np.asarray(out), np.asarray(jout), 1e-12)
        ct = _rand(rng, np.shape(jout))
        for got, want in zip(pullback(ct), jpullback(jnp.asarray(ct))):
            _check(np.asarray(got), np.asarray(want), 1e-12)
        ta, tb = _rand(rng, s1), _rand(rng, s2)
        _, t_out = fgrad.jvp(f, (a, b), (ta, tb))
        _, jt_out = jax.jvp(jf, (jnp.asarray(a), jnp.asarray(b)), (jnp.asarray(ta),
                                                                    jnp.asarray(tb)))
        _check(np.asarray(t_out), np.asarray(jt_out), 1e-12)


@pytest.mark.parametrize("name,s1,s2", [("convolve", (5,), (3,)), ("correlate", (3, 4), (2, 3)),
                                        ("convolve2d", (3, 4), (2, 2)),
                                        ("correlate2d", (3, 3), (2, 2)),
                                        ("fftconvolve", (2, 4), (2, 3))])
def test_check_grads_order_2(name, s1, s2, rng):
    a, b = _rand(rng, s1), _rand(rng, s2)
    for mode in MODES:
        check_grads(lambda x, y: getattr(fs, name)(x, y, mode), (a, b), order=2,  # noqa: B023
                    modes=("fwd", "rev"))


def test_check_grads_boundaries_and_fillvalue(rng):
    a, b = _rand(rng, (3, 4)), _rand(rng, (2, 3))
    for boundary in ("wrap", "symm"):
        check_grads(lambda x, y: fs.convolve2d(x, y, "same", boundary), (a, b),  # noqa: B023
                    order=2, modes=("fwd", "rev"))
    check_grads(lambda x, v: fs.correlate2d(x, b, "full", "fill", v), (a, 0.7), order=2,
                modes=("fwd", "rev"))
    g = fgrad.grad(lambda v: fgrad.numpy.sum(fs.convolve2d(a, b, "full", "fill", v)))(0.0)
    # each output sums the kernel over the entries that fall outside a
    want = np.sum(ss.convolve2d(np.zeros_like(a), b, "full", "fill", 1.0))
    np.testing.assert_allclose(g, want, rtol=1e-13)


def test_vmap_matches_loop(rng):
    xs, ws = _rand(rng, (4, 6)), _rand(rng, (4, 3))
    for mode in MODES:
        got = fgrad.vmap(lambda x, w: fs.convolve(x, w, mode))(xs, ws)  # noqa: B023
        np.testing.assert_allclose(got, np.stack([ss.convolve(x, w, mode)
                                                  for x, w in zip(xs, ws)]), rtol=1e-13)
        got = fgrad.vmap(lambda x: fs.correlate(x, ws[0], mode), in_axes=1)(xs.T)  # noqa: B023
        np.testing.assert_allclose(got, np.stack([ss.correlate(x, ws[0], mode) for x in xs]),
                                   rtol=1e-13)
    imgs = _rand(rng, (3, 4, 5))
    got = fgrad.vmap(lambda im: fs.convolve2d(im, ws[:2, :2], "same", "symm"))(imgs)
    np.testing.assert_allclose(got, np.stack([ss.convolve2d(im, ws[:2, :2], "same", "symm")
                                              for im in imgs]), rtol=1e-13)
    grads = fgrad.vmap(fgrad.grad(lambda w: fgrad.numpy.sum(fs.convolve(xs[0], w) ** 2)))(ws)
    for w, g in zip(ws, grads):
        np.testing.assert_allclose(
            g, fgrad.grad(lambda w: fgrad.numpy.sum(fs.convolve(xs[0], w) ** 2))(w), rtol=1e-13)


def test_jit(rng):
    a, b = _rand(rng, (4, 5)), _rand(rng, (2, 3))
    f = fgrad.jit(lambda x, y: fs.correlate2d(x, y, "same", "wrap"))
    np.testing.assert_allclose(f(a, b), ss.correlate2d(a, b, "same", "wrap"), rtol=1e-13)
    g = fgrad.jit(fgrad.grad(lambda x, y: fgrad.numpy.sum(fs.convolve(x, y) ** 2)))
    np.testing.assert_allclose(g(a, b), fgrad.grad(
        lambda x, y: fgrad.numpy.sum(fs.convolve(x, y) ** 2))(a, b), rtol=1e-13)


def test_errors():
    a, b = np.ones((3, 4)), np.ones((4, 3))
    with pytest.raises(ValueError, match="acceptable mode"):
        fs.convolve(a, b, "middle")
    with pytest.raises(ValueError, match="method"):
        fs.correlate(a, b, method="magic")
    with pytest.raises(ValueError, match="same dimensionality"):
        fs.convolve(a, np.ones(3))
    with pytest.raises(ValueError, match="at least as large"):
        fs.convolve(a, b, "valid")
    with pytest.raises(ValueError, match="2-D"):
        fs.convolve2d(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="boundary"):
        fs.convolve2d(a, b, boundary="reflect")
    with pytest.raises(ValueError, match="scalar"):
        fs.convolve2d(a, b, fillvalue=np.ones(2))
    with pytest.raises(ValueError, match="incompatible shapes"):
        fs.fftconvolve(np.ones((2, 3)), np.ones((3, 3)), axes=1)
