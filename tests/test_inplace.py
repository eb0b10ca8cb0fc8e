"""In-place writes under transforms (issue 7, item 5): `a[i] = v` on an array made inside the
traced function is the functional update `a.at[i].set(v)`; `a += b` rebinds (as in JAX and
autograd); writes into inputs, closed-over values and numpy arrays raise explained errors.
References: the same programs written with jax's `.at[].set` (x64)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fgrad
import fgrad.numpy as fnp
from fgrad.core.trace import MutationError, TracerConversionError


def f_fg(x):
    a = fnp.zeros(4)
    a[0] = x[0]
    a[1:3] = x[1:] * 2.0
    alias = a  # the same object: it sees the writes, as in numpy
    a[3] = a[2] * x[0]
    a[[0, 1]] = fnp.sin(a[[0, 1]])
    b = fnp.ones((2, 2))
    b[0, :] = x[:2]
    b[:, 1] += a[:2]  # read-modify-write through an index
    return (a * alias).sum() + fnp.tanh(b).sum()


def f_jax(x):
    a = jnp.zeros(4)
    a = a.at[0].set(x[0])
    a = a.at[1:3].set(x[1:] * 2.0)
    a = a.at[3].set(a[2] * x[0])
    a = a.at[jnp.array([0, 1])].set(jnp.sin(a[jnp.array([0, 1])]))
    b = jnp.ones((2, 2))
    b = b.at[0, :].set(x[:2])
    b = b.at[:, 1].add(a[:2])
    return (a * a).sum() + jnp.tanh(b).sum()


floats = st.floats(-2.0, 2.0, allow_nan=False)


@given(st.lists(floats, min_size=3, max_size=3))
def test_setitem_values_and_derivatives_match_jax(xs):
    x = np.array(xs)
    np.testing.assert_allclose(f_fg(x), f_jax(x), rtol=1e-12)
    g_ref = jax.grad(f_jax)(x)
    np.testing.assert_allclose(fgrad.grad(f_fg)(x), g_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fgrad.jit(fgrad.grad(f_fg))(x), g_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fgrad.grad(fgrad.jit(f_fg))(x), g_ref, rtol=1e-12, atol=1e-14)
    h_ref = jax.hessian(f_jax)(x)
    np.testing.assert_allclose(fgrad.hessian(f_fg)(x), h_ref, rtol=1e-10, atol=1e-12)
    _, t = fgrad.jvp(f_fg, (x,), (np.ones(3),))
    _, t_ref = jax.jvp(f_jax, (x,), (jnp.ones(3),))
    np.testing.assert_allclose(t, t_ref, rtol=1e-12, atol=1e-14)


def test_setitem_under_vmap_matches_a_loop():
    xs = np.random.default_rng(0).normal(size=(5, 3))
    out = fgrad.vmap(fgrad.grad(f_fg))(xs)
    loop = np.stack([jax.grad(f_jax)(x) for x in xs])
    np.testing.assert_allclose(out, loop, rtol=1e-12, atol=1e-14)


def test_setitem_on_an_intermediate_and_a_copy_of_an_input():
    def f(x):
        h = x * 3.0  # made inside: writable
        h[0] = 1.0
        y = x.copy()  # a copy of an input is a new array
        y[1] = h[2] ** 2
        z = fnp.array(x)  # so is fnp.array(x)
        z[2] = 0.0
        return (h * y * z).sum() + x.sum()

    def f_ref(x):
        h = (x * 3.0).at[0].set(1.0)
        y = x.at[1].set(h[2] ** 2)
        z = x.at[2].set(0.0)
        return (h * y * z).sum() + x.sum()

    x = np.array([0.3, -1.2, 0.7])
    np.testing.assert_allclose(fgrad.grad(f)(x), jax.grad(f_ref)(x), rtol=1e-12)
    np.testing.assert_allclose(fgrad.jit(f)(x), f_ref(jnp.asarray(x)), rtol=1e-12)


def test_setitem_with_a_constant_value_keeps_the_array_traced():
    def f(x):
        a = x * 1.0
        a[0] = 5.0  # the result no longer depends on x[0]
        return (a * a).sum()

    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(fgrad.grad(f)(x), [0.0, 4.0])
    np.testing.assert_allclose(fgrad.vmap(fgrad.grad(f))(np.stack([x, 2 * x])), [[0, 4], [0, 8]])


def test_repeated_concrete_index_writes_the_mean_like_at_set():
    def f(x):
        a = fnp.zeros(3)
        a[[0, 0, 1]] = x
        return a

    x = np.array([1.0, 3.0, 5.0])
    np.testing.assert_allclose(fgrad.jit(f)(x), [2.0, 5.0, 0.0])
    at_set = fgrad.jit(lambda x: (0 * x).at[[0, 0, 1]].set(x))
    np.testing.assert_allclose(fgrad.jit(f)(x), at_set(x))
    np.testing.assert_allclose(fgrad.jacfwd(f)(x), [[0.5, 0.5, 0], [0, 0, 1], [0, 0, 0]])


def test_augmented_assignment_rebinds_as_in_jax():
    def f(x):
        a = x
        a += 1.0  # rebinding: the input is not modified
        a *= x
        return a.sum() + x.sum()

    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(fgrad.grad(f)(x), 2 * x + 2)
    np.testing.assert_allclose(x, [1.0, 2.0])


def test_writing_into_an_input_is_an_explained_error():
    def f(x):
        x[0] = 0.0
        return x.sum()

    for transform in (fgrad.grad, fgrad.jit, fgrad.vmap):
        with pytest.raises(MutationError, match=r"test_inplace\.py:\d+.*argument.*copy"):
            transform(f)(np.ones(3) if transform is not fgrad.vmap else np.ones((2, 3)))


def test_writing_into_a_closed_over_traced_value_is_an_explained_error():
    def outer(x):
        made_outside = x * 2.0

        def inner(y):
            made_outside[0] = y
            return made_outside.sum()

        return fgrad.grad(inner)(x[0])

    with pytest.raises(MutationError, match=r"test_inplace\.py:\d+.*closed over"):
        fgrad.grad(outer)(np.ones(3))


def test_writing_a_traced_value_into_a_numpy_array_names_the_fix():
    def f(x):
        a = np.zeros(3)
        a[1:] = x
        return a.sum()

    with pytest.raises(TracerConversionError, match=r"numpy array .*fgrad\.numpy"):
        fgrad.grad(f)(np.ones(2))

    def g(x):
        a = np.zeros(2)
        a += x
        return a.sum()

    with pytest.raises(TypeError, match=r"out=.*a \+= x.*test_inplace\.py"):
        fgrad.grad(g)(np.ones(2))


def test_creation_functions_stay_numpy_outside_transforms_and_convertible_inside():
    assert type(fnp.zeros(3)) is np.ndarray
    assert type(fnp.array([1.0, 2.0])) is np.ndarray

    def f(x):
        a = fnp.ones(2)
        assert np.asarray(a).tolist() == [1.0, 1.0]  # nothing traced in it yet
        return (a * x).sum()

    assert fgrad.grad(f)(np.array([1.0, 2.0])).tolist() == [1.0, 1.0]
    assert fgrad.vmap(f)(np.ones((3, 2))).tolist() == [2.0, 2.0, 2.0]


def test_sort_method_sorts_in_place_like_numpy():
    def f(x):
        y = x * 1.0
        assert y.sort() is None
        return y[0] * 2.0 + y[-1]

    x = np.array([3.0, -1.0, 2.0])
    np.testing.assert_allclose(fgrad.grad(f)(x), [1.0, 2.0, 0.0])
    with pytest.raises(MutationError, match="x.sort()"):
        fgrad.grad(lambda x: x.sort() or x.sum())(x)


def test_array_methods_for_sorting_and_products():
    x = np.array([[3.0, -1.0], [2.0, 5.0]])
    out = fgrad.vmap(lambda r: r.argsort() + r.cumprod() + r.ptp() + r.take(0))(x)
    ref = np.stack([r.argsort() + r.cumprod() + np.ptp(r) + r.take(0) for r in x])
    np.testing.assert_allclose(out, ref)
    assert fgrad.jit(lambda m: m.trace() + m.diagonal().sum())(x) == 2 * np.trace(x)
