"""fgrad.numpy.gradient and real_if_close: values, dtypes, return types and errors against numpy
(bit for bit where the values are concrete), derivatives with respect to f and to the spacing
against jax.numpy.gradient (edge_order 1, the only one JAX has) and check_grads to second
order, vmap against a loop, jit and make_jaxpr."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fgrad
import fgrad.numpy as fnp
from fgrad.test_util import check_grads

RNG = np.random.default_rng(0)
F3 = RNG.normal(size=(5, 4, 3))
X5 = np.cumsum(RNG.uniform(0.5, 1.5, 5))  # non-uniform coordinates for axis 0
Z3 = np.array([0.0, 0.5, 2.0])  # for axis 2


def assert_same(got, want):
    """Same type (array vs tuple), dtype, shape and bits."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            assert_same(g, w)
        return
    assert type(got) is type(want), (type(got), type(want))
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


CASES = [
    ((F3,), {}),
    ((F3, 2.0), {}),
    ((F3, X5, 1.5, Z3), {}),
    ((F3, X5, np.float32(0.5), np.arange(3)), {}),
    ((F3,), {"edge_order": 2}),
    ((F3, X5, 0.5, Z3), {"edge_order": 2}),
    ((F3, X5), {"axis": 0}),
    ((F3, Z3), {"axis": -1, "edge_order": 2}),
    ((F3, 3.0), {"axis": (2, 0)}),
    ((F3, Z3, X5), {"axis": (2, 0), "edge_order": 2}),
    ((np.arange(6),), {}),  # integers: float64 result
    ((np.arange(6, dtype=np.int8) * 40,), {}),  # no modular arithmetic
    ((np.arange(5, dtype=np.float32), 2.0), {}),  # float32 stays float32
    ((np.arange(5, dtype=np.float32), np.float64(2.0)), {}),  # computed in f64, stored f32
    ((np.arange(5, dtype=np.float32), np.arange(5.0) ** 2), {}),
    ((np.arange(5.0) ** 2, np.arange(5) * 3), {}),  # uniform integer coordinates
    ((np.arange(5.0) ** 2, np.arange(5.0) * 0.1), {"edge_order": 2}),  # uniform: the step
    ((np.exp(1j * np.arange(5.0)), np.arange(5.0) ** 2), {}),
    ((np.exp(1j * np.arange(5.0)),), {"edge_order": 2}),
    ((np.array([1.0, 4.0]),), {}),  # two points: no interior
    ((np.array([1.0, 4.0, 2.0]),), {"edge_order": 2}),
    ((np.array(3.0),), {}),  # 0-d: no axes, ()
    (([[1.0, 2.0, 4.0], [2.0, 2.0, 1.0]],), {}),  # nested lists
]


@pytest.mark.parametrize("args,kw", CASES)
def test_values_match_numpy_bit_for_bit(args, kw):
    assert_same(fnp.gradient(*args, **kw), np.gradient(*args, **kw))


@pytest.mark.parametrize("args,kw", CASES[:10])
def test_values_under_jit(args, kw):
    """Traced f with concrete spacing: the same formulas, the same bits."""
    f, rest = np.asarray(args[0], np.float64), args[1:]
    got = fgrad.jit(lambda f: fnp.gradient(f, *rest, **kw))(f)
    assert_same(tuple(np.asarray(g) for g in got) if isinstance(got, tuple) else np.asarray(got),
                np.gradient(f, *rest, **kw))


def test_complex_spacing_with_real_f_warns_and_drops_the_imaginary_part():
    x = np.arange(5.0) ** 2 + 1j
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = fnp.gradient(np.arange(5.0), x)
    assert any(issubclass(c.category, np.exceptions.ComplexWarning) for c in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(got, np.gradient(np.arange(5.0), x))


@pytest.mark.parametrize("args,kw", [
    ((F3, 1.0, 2.0), {}),
    ((F3, X5, X5, X5), {}),
    ((F3, np.ones((5, 2)), 1.0, 1.0), {}),
    ((F3,), {"edge_order": 3}),
    ((np.arange(2.0),), {"edge_order": 2}),
    ((np.arange(1.0),), {}),
    ((F3,), {"axis": (0, 0)}),
    ((F3,), {"axis": 3}),
    ((np.array([True, False, True]),), {}),
])
def test_errors_match_numpy(args, kw):
    with pytest.raises(Exception) as want:
        np.gradient(*args, **kw)
    with pytest.raises(want.type) as got:
        fnp.gradient(*args, **kw)
    assert str(got.value) == str(want.value)


# -- derivatives -----------------------------------------------------------------------------


def _jax_vjp(fun, args, ct):
    out, pull = jax.vjp(fun, *args)
    return pull(ct)


@pytest.mark.parametrize("spacing", ["none", "scalar", "coords"])
def test_vjp_matches_jax(spacing):
    f = RNG.normal(size=(6, 4))
    x = np.cumsum(RNG.uniform(0.5, 1.5, 6))
    ct = RNG.normal(size=(6, 4))
    if spacing == "none":
        args = (f,)
        fg, fj = (lambda f: fnp.gradient(f, axis=0)), (lambda f: jnp.gradient(f, axis=0))
    elif spacing == "scalar":
        args = (f, 0.7)
        fg = lambda f, h: fnp.gradient(f, h, axis=0)  # noqa: E731
        fj = lambda f, h: jnp.gradient(f, h, axis=0)  # noqa: E731
    else:
        args = (f, x)
        fg = lambda f, x: fnp.gradient(f, x, axis=0)  # noqa: E731
        fj = lambda f, x: jnp.gradient(f, x, axis=0)  # noqa: E731
    np.testing.assert_allclose(np.asarray(fgrad.jit(fg)(*args)), np.asarray(fj(*args)),
                               rtol=1e-13, atol=1e-13)
    got = fgrad.vjp(fg, *args)[1](ct)
    want = jax.jit(lambda *a: _jax_vjp(fj, a, ct))(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-12, atol=1e-12)


def test_jvp_in_the_coordinates_matches_jax_all_axes():
    f = RNG.normal(size=(4, 5))
    x, y = np.cumsum(RNG.uniform(0.5, 1.5, 4)), np.cumsum(RNG.uniform(0.5, 1.5, 5))
    tx, ty = RNG.normal(size=4), RNG.normal(size=5)
    got = fgrad.jvp(lambda x, y: fnp.stack(fnp.gradient(f, x, y)), (x, y), (tx, ty))
    want = jax.jvp(lambda x, y: jnp.stack(jnp.gradient(f, x, y)), (x, y), (tx, ty))
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("spacing", ["scalar", "coords"])
def test_check_grads_order_2(edge_order, spacing):
    f = RNG.normal(size=(5, 3))
    if spacing == "scalar":
        fun = lambda f, h: fnp.gradient(f, h, 0.5, edge_order=edge_order)[0]  # noqa: E731
        args = (f, 0.8)
    else:
        z = np.array([0.0, 0.3, 1.0])

        def fun(f, x):
            gx, gz = fnp.gradient(f, x, z, edge_order=edge_order)
            return fnp.sin(gx) + gz * gz

        args = (f, np.cumsum(RNG.uniform(0.5, 1.5, 5)))
    check_grads(fun, args, order=2)


def test_uniform_coordinates_traced_give_each_coordinate_its_derivative():
    """numpy replaces evenly spaced coordinates by their step; traced coordinates keep the
    non-uniform formula, so moving one coordinate moves the estimate (here, the central
    difference at point 2 depends on x1, x2 and x3)."""
    f = np.arange(6.0) ** 3
    x = np.arange(6.0)
    jac = fgrad.jacfwd(lambda x: fnp.gradient(f, x))(x)
    want = jax.jacfwd(lambda x: jnp.gradient(f, x))(x)
    np.testing.assert_allclose(np.asarray(jac), np.asarray(want), rtol=1e-12, atol=1e-12)
    assert np.count_nonzero(np.asarray(jac)[2]) == 3
    np.testing.assert_allclose(np.asarray(fgrad.jit(lambda x: fnp.gradient(f, x))(x)),
                               np.gradient(f, x), rtol=1e-15)


def test_vmap_matches_loop():
    fs = RNG.normal(size=(3, 6, 3))
    xs = np.cumsum(RNG.uniform(0.5, 1.5, (3, 6)), axis=1)
    got = fgrad.vmap(lambda f, x: fnp.gradient(f, x, 1.0, edge_order=2))(fs, xs)
    for i in range(3):
        want = np.gradient(fs[i], xs[i], 1.0, edge_order=2)
        for g, w in zip(got, want):
            np.testing.assert_allclose(np.asarray(g)[i], w, rtol=1e-14, atol=1e-14)


def test_make_jaxpr_has_no_concrete_decisions_about_traced_coordinates():
    text = str(fgrad.make_jaxpr(lambda x: fnp.gradient(np.arange(4.0) ** 2, x))(np.arange(4.0)))
    assert "div" in text


@given(
    shape=st.lists(st.integers(3, 5), min_size=1, max_size=3),
    edge_order=st.sampled_from([1, 2]),
    data=st.data(),
)
def test_hypothesis_against_numpy(shape, edge_order, data):
    rng = np.random.default_rng(len(shape) * 10 + edge_order)
    f = rng.normal(size=shape)
    nd = len(shape)
    axes = data.draw(st.one_of(st.none(), st.integers(-nd, nd - 1),
                               st.permutations(range(nd)).map(tuple)))
    ax_list = list(range(nd)) if axes is None else (
        [axes % nd] if isinstance(axes, int) else [a % nd for a in axes])
    kinds = data.draw(st.lists(st.sampled_from(["scalar", "uniform", "coords"]),
                               min_size=len(ax_list), max_size=len(ax_list)))
    spacing = []
    for ax, kind in zip(ax_list, kinds):
        n = shape[ax]
        spacing.append({"scalar": 0.25, "uniform": np.arange(n) * 0.5,
                        "coords": np.cumsum(rng.uniform(0.2, 1.0, n))}[kind])
    want = np.gradient(f, *spacing, axis=axes, edge_order=edge_order)
    assert_same(fnp.gradient(f, *spacing, axis=axes, edge_order=edge_order), want)
    got = fgrad.jit(lambda f, *s: fnp.gradient(f, *s, axis=axes, edge_order=edge_order))(
        f, *spacing)
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-12, atol=1e-12)


# -- real_if_close ---------------------------------------------------------------------------


@pytest.mark.parametrize("a,tol", [
    (np.array([1 + 1e-15j, 2 - 3e-16j]), 100),
    (np.array([1 + 1e-13j, 2.0]), 100),
    (np.array([1 + 1e-13j, 2.0]), 1000),
    (np.array([1 + 0.01j, 2.0]), 0.1),  # tol <= 1: an absolute bound
    (np.array([1 + 0.2j, 2.0]), 0.1),
    (np.array([1 + 1e-6j], np.complex64), 100),  # float32's epsilon
    (np.array([1.0, 2.0]), 100),
    (np.arange(3), 100),
    ([1 + 0j, 2 + 0j], 100),
    (1 + 0j, 100),
    (np.complex128(1 + 1e-20j), 100),
])
def test_real_if_close_matches_numpy(a, tol):
    got, want = fnp.real_if_close(a, tol), np.real_if_close(a, tol)
    assert type(got) is type(want) and got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_real_if_close_under_transforms():
    z = np.array([1 + 1e-17j, 2 + 0j])
    # under grad the primal values are concrete: numpy's decision, derivative through real()
    g = fgrad.grad(lambda t: fnp.sum(fnp.real_if_close(t * z)))(2.0)
    assert g == 3.0
    # under jit / vmap the values are abstract: a complex input stays complex
    out = fgrad.jit(fnp.real_if_close)(z)
    assert np.asarray(out).dtype == np.complex128
    out = fgrad.vmap(fnp.real_if_close)(z)
    assert np.asarray(out).dtype == np.complex128
    # real inputs pass through everywhere
    assert np.asarray(fgrad.jit(fnp.real_if_close)(np.ones(2))).dtype == np.float64
    assert fgrad.grad(lambda x: fnp.real_if_close(x) * 3.0)(1.0) == 3.0
