"""fgrad.numpy.fft (issue 4) against numpy.fft (values, dtypes, errors) and jax.numpy.fft
(jvp and vjp, x64), with check_grads to order 2, vmap against a loop, staging, and numpy's
own np.fft functions on traced values."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from fnp_checks import assert_like_numpy, bounded, check_staged, same_error, seeds
from hypothesis import given
from hypothesis import strategies as st

import fgrad
import fgrad.numpy as fnp
from fgrad.test_util import check_grads

ONE_AXIS = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
N_AXES = ["fftn", "ifftn", "rfftn", "irfftn"]
TWO_AXES = ["fft2", "ifft2", "rfft2", "irfft2"]
ALL = ONE_AXIS + N_AXES + TWO_AXES
REAL_INPUT = {"rfft", "ihfft", "rfftn", "rfft2"}
NORMS = [None, "backward", "ortho", "forward"]
DTYPES = [np.float64, np.float32, np.complex128, np.complex64, np.int64, np.bool_]


def _array(rng, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        return rng.integers(-3, 4, shape).astype(dtype)
    x = rng.standard_normal(shape)
    if dtype.kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


@st.composite
def fft_case(draw, name, min_ndim=1):
    """(input shape, keyword arguments) for one call of numpy.fft.<name>: any axis or axes
    (negative too, in any order), lengths that crop, pad or keep, and every norm."""
    ndim = draw(st.integers(max(min_ndim, 2 if name in TWO_AXES else 1), 3))
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=ndim, max_size=ndim)))
    kw = {"norm": draw(st.sampled_from(NORMS))}
    if name in ONE_AXIS:
        kw["axis"] = draw(st.integers(-ndim, ndim - 1))
        kw["n"] = draw(st.none() | st.integers(1, 6))
    else:
        k = 2 if name in TWO_AXES else draw(st.integers(1, ndim))
        axes = draw(st.permutations(range(ndim)))[:k]
        axes = [a - ndim if draw(st.booleans()) else a for a in axes]
        if name in TWO_AXES and draw(st.booleans()):
            axes = None  # the default (-2, -1)
        elif name in N_AXES and k == ndim and draw(st.booleans()):
            axes = None  # every axis
        if axes is not None:
            kw["axes"] = tuple(axes)
        if axes is not None and draw(st.booleans()):
            kw["s"] = tuple(draw(st.integers(1, 6)) for _ in axes)
    return shape, kw


def _tol(dtype):
    single = np.dtype(dtype) in (np.dtype(np.float32), np.dtype(np.complex64))
    return dict(rtol=2e-4, atol=2e-4) if single else dict(rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", ALL)
@bounded(20)
@given(data=st.data(), dtype=st.sampled_from(DTYPES), seed=seeds)
def test_values_vs_numpy(name, data, dtype, seed):
    """numpy's values and dtypes (float32/complex64 stay single; ints and bools compute in
    double), for every n / axis / s / axes / norm; numpy's error type where it refuses."""
    shape, kw = data.draw(fft_case(name), label="case")
    x = _array(np.random.default_rng(seed), shape, dtype)
    f, ref = getattr(fnp.fft, name), getattr(np.fft, name)
    want = same_error(lambda: ref(x, **kw), lambda: f(x, **kw))
    if want is None:
        return
    assert_like_numpy(f(x, **kw), want, **_tol(want.dtype))


@pytest.mark.parametrize("name", ALL)
@bounded(6)
@given(data=st.data(), seed=seeds)
def test_check_grads_and_staging(name, data, seed):
    """Derivatives to order 2 in both modes (the transposes of rfft and irfft included), and
    the staged jaxpr agrees with eager."""
    shape, kw = data.draw(fft_case(name), label="case")
    dtype = np.float64 if name in REAL_INPUT else np.complex128
    x = _array(np.random.default_rng(seed), shape, dtype)
    f = lambda x: getattr(fnp.fft, name)(x, **kw)  # noqa: E731
    try:
        getattr(np.fft, name)(x, **kw)
    except ValueError:
        return  # e.g. irfft's default length 2 (m - 1) = 0 for m = 1
    check_grads(f, (x,), 2)
    check_staged(f, x)


# jax compiles once per call signature; a fixed list of cases keeps that bounded
JAX_CASES = [
    ("fft", (5,), {}), ("fft", (2, 4), {"n": 6, "axis": 0, "norm": "ortho"}),
    ("ifft", (3, 4), {"n": 3, "norm": "forward"}), ("ifft", (4,), {}),
    ("rfft", (6,), {}), ("rfft", (3, 5), {"axis": 0, "norm": "ortho"}),
    ("rfft", (2, 5), {"n": 8, "norm": "forward"}),
    ("irfft", (4,), {}), ("irfft", (3, 4), {"n": 7, "axis": -1, "norm": "ortho"}),
    ("irfft", (3, 2), {"axis": 0, "norm": "forward"}),
    ("hfft", (4,), {}), ("hfft", (2, 3), {"n": 5, "norm": "ortho"}),
    ("ihfft", (5,), {}), ("ihfft", (2, 6), {"norm": "forward"}),
    ("fftn", (2, 3, 4), {}), ("fftn", (2, 3, 4), {"axes": (2, 0), "s": (3, 5)}),
    ("ifftn", (3, 4), {"norm": "ortho"}), ("ifftn", (2, 3, 2), {"axes": (0, 1), "s": (4, 2)}),
    ("rfftn", (3, 4), {}), ("rfftn", (2, 3, 4), {"axes": (0, 2), "s": (3, 6), "norm": "ortho"}),
    ("rfftn", (4, 3), {"axes": (1, 0), "norm": "forward"}),
    ("irfftn", (3, 4), {}), ("irfftn", (2, 3, 3), {"axes": (2, 1), "s": (5, 4)}),
    ("irfftn", (4, 3), {"axes": (1, 0), "s": (3, 6), "norm": "forward"}),
    ("fft2", (3, 4), {}), ("ifft2", (2, 3, 4), {"norm": "ortho"}),
    ("rfft2", (2, 5), {"s": (3, 4)}), ("irfft2", (3, 3), {"norm": "forward"}),
]


@pytest.mark.parametrize("name,shape,kw", JAX_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(JAX_CASES)])
def test_jvp_vjp_vs_jax(name, shape, kw):
    """Forward and reverse mode against jax.numpy.fft: the cotangents follow JAX's convention
    (no conjugation), including rfft's and irfft's transposes over the Hermitian half."""
    rng = np.random.default_rng(len(name) + len(shape))
    dtype = np.float64 if name in REAL_INPUT else np.complex128
    x, t = _array(rng, shape, dtype), _array(rng, shape, dtype)
    f = lambda x: getattr(fnp.fft, name)(x, **kw)  # noqa: E731
    ref = lambda x: getattr(jnp.fft, name)(x, **kw)  # noqa: E731
    out, t_out = fgrad.jvp(f, (x,), (t,))
    ct = _array(rng, np.shape(out), np.asarray(out).dtype)

    @jax.jit  # one compile costs less than jax's op-by-op dispatch
    def reference(x, t, ct):
        j_out, j_t = jax.jvp(ref, (x,), (t,))
        return j_out, j_t, jax.vjp(ref, x)[1](ct)[0]

    j_out, j_t, want = reference(x, t, ct)
    assert np.asarray(out).dtype == j_out.dtype
    np.testing.assert_allclose(out, j_out, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(t_out, j_t, rtol=1e-10, atol=1e-10)
    (got,) = fgrad.vjp(f, x)[1](ct)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_grad_of_a_real_loss_vs_jax():
    """A spectrum loss of real signals: grad through rfft, irfft, fft and abs as jax's."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 8))

    def loss(x, n):
        spec = n.fft.rfft(x, axis=-1, norm="ortho")
        back = n.fft.irfft(spec * (1 + 0.5j), n=8)
        return n.sum(n.abs(n.fft.fft2(back)) ** 2) + n.sum(n.angle(spec[:, 1:3]))

    np.testing.assert_allclose(fgrad.grad(lambda x: loss(x, fnp))(x),
                               jax.jit(jax.grad(lambda x: loss(x, jnp)))(x), rtol=1e-10)
    check_grads(lambda x: loss(x, fnp), (x,), 2)


@pytest.mark.parametrize("name", ALL)
@bounded(4)
@given(data=st.data(), seed=seeds, in_axis=st.integers(0, 3))
def test_vmap_vs_loop(name, data, seed, in_axis):
    """vmap over a batch axis at any position equals the loop (also of the vjp)."""
    shape, kw = data.draw(fft_case(name), label="case")
    dtype = np.float64 if name in REAL_INPUT else np.complex128
    rng = np.random.default_rng(seed)
    members = [_array(rng, shape, dtype) for _ in range(3)]
    f = lambda x: getattr(fnp.fft, name)(x, **kw)  # noqa: E731
    try:
        outs = [f(m) for m in members]
    except ValueError:
        return
    axis = min(in_axis, len(shape))
    got = fgrad.vmap(f, in_axes=axis)(np.stack(members, axis))
    np.testing.assert_allclose(got, np.stack(outs), rtol=1e-12, atol=1e-12)
    cts = [_array(rng, np.shape(o), np.asarray(o).dtype) for o in outs]
    pull = fgrad.vmap(lambda x, c: fgrad.vjp(f, x)[1](c)[0])
    want = np.stack([fgrad.vjp(f, m)[1](c)[0] for m, c in zip(members, cts)])
    np.testing.assert_allclose(pull(np.stack(members), np.stack(cts)), want, rtol=1e-12,
                               atol=1e-12)


# ----- the helpers, errors and numpy's own functions -------------------------------------


@bounded(10)
@given(seed=seeds, shape=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple),
       data=st.data())
def test_shifts_vs_numpy(seed, shape, data):
    """(numpy's own shifts fail on 0-d arrays, in np.roll.)"""
    x = _array(np.random.default_rng(seed), shape, np.complex128)
    axes = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1) |
                     st.permutations(range(len(shape))).map(tuple))
    for name in ("fftshift", "ifftshift"):
        assert_like_numpy(getattr(fnp.fft, name)(x, axes), getattr(np.fft, name)(x, axes))
    back = fnp.fft.ifftshift(fnp.fft.fftshift(x, axes), axes)
    np.testing.assert_array_equal(back, x)


@pytest.mark.parametrize("n", [1, 2, 5, 8])
@pytest.mark.parametrize("d", [1.0, 0.1, np.float32(0.5), 3])
def test_frequencies_vs_numpy_and_jax(n, d):
    assert_like_numpy(fnp.fft.fftfreq(n, d), np.fft.fftfreq(n, d))
    assert_like_numpy(fnp.fft.rfftfreq(n, d), np.fft.rfftfreq(n, d))
    if isinstance(d, float) and n in (5, 8):  # the spacing is differentiable
        for name in ("fftfreq", "rfftfreq"):
            got = fgrad.grad(lambda d: fnp.sum(getattr(fnp.fft, name)(n, d) ** 2))(d)
            want = jax.grad(lambda d: jnp.sum(getattr(jnp.fft, name)(n, d) ** 2))(d)
            np.testing.assert_allclose(got, want, rtol=1e-12)


ERRORS = [
    ("fft", np.ones(3), {"norm": "sideways"}, ValueError),
    ("fft", np.ones(3), {"n": 0}, ValueError),
    ("irfft", np.ones(1, complex), {}, ValueError),
    ("rfft", np.ones(3, complex), {}, TypeError),
    ("fftn", np.ones((2, 3)), {"s": (2, 3, 4), "axes": (0, 1)}, ValueError),
    ("fft", np.ones(3), {"axis": 1}, IndexError),  # numpy's AxisError is an IndexError
    ("fft2", np.ones(3), {}, IndexError),
    ("fft", np.float64(2.0), {}, IndexError),
]


@pytest.mark.parametrize("name,x,kw,err", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_like_numpy(name, x, kw, err):
    with pytest.raises(err):
        getattr(np.fft, name)(x, **kw)
    with pytest.raises(err):
        getattr(fnp.fft, name)(x, **kw)


def test_repeated_and_empty_axes_like_numpy():
    """numpy transforms a repeated axis again, and with axes=() returns the input as it is."""
    x = _array(np.random.default_rng(1), (2, 3, 4), np.float64)
    for name, kw in (("fftn", {"axes": (0, 2, 0)}), ("ifftn", {"axes": (1, 1)}),
                     ("rfftn", {"axes": (1, 2, 1)}), ("fftn", {"axes": ()})):
        assert_like_numpy(getattr(fnp.fft, name)(x, **kw), getattr(np.fft, name)(x, **kw))
    y = np.fft.rfftn(x, axes=(0, 2))
    assert_like_numpy(fnp.fft.irfftn(y, axes=(2, 0, 2)), np.fft.irfftn(y, axes=(2, 0, 2)))
    check_grads(lambda x: fnp.fft.rfftn(x, axes=(1, 2, 1)), (x,), 1)


def test_numpy_fft_on_traced_values():
    """np.fft.* on a traced value runs fgrad.numpy.fft's function (NEP 18), so unmodified
    numpy code is differentiated."""
    x = np.linspace(0.0, 1.0, 6)

    def f(x):
        return np.sum(np.abs(np.fft.rfft(x * x)) ** 2) + np.real(np.fft.ifft(x)[1])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = fgrad.grad(f)(x)
    want = jax.grad(lambda x: jnp.sum(jnp.abs(jnp.fft.rfft(x * x)) ** 2) +
                    jnp.real(jnp.fft.ifft(x)[1]))(x)
    np.testing.assert_allclose(g, want, rtol=1e-12)
