"""Every differentiable primitive from the table: check_grads to the row's order in forward and
reverse mode, and fgrad.jvp / fgrad.vjp against jax.jvp / jax.vjp."""

import functools

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prim_specs import (
    JAX_EXAMPLES,
    SPEC_BY_NAME,
    assert_same,
    case_id,
    cases,
    complex_rows,
    grad_rows,
    jax_ad_rows,
    jax_derivatives,
    random_like,
    split_diff,
    thinned,
)

import fgrad
from fgrad.test_util import check_grads

ROWS = grad_rows()


@pytest.mark.parametrize("row", ROWS, ids=case_id)
@given(data=st.data())
def test_check_grads(row, data):
    spec = SPEC_BY_NAME[row[0]]
    if thinned(spec, data):
        return
    args, params = data.draw(cases(spec, row[1]), label="case")
    f, _, xs = split_diff(spec, args, params)
    if xs:
        check_grads(f, xs, spec.order, modes=spec.modes, atol=spec.grad_tol,
                    rtol=spec.grad_tol)


@pytest.mark.parametrize("row", jax_ad_rows(), ids=case_id)
@settings(max_examples=JAX_EXAMPLES)
@given(data=st.data())
def test_jvp_vjp_vs_jax(row, data):
    spec = SPEC_BY_NAME[row[0]]
    args, params = data.draw(cases(spec, row[1]), label="case")
    f, _, xs = split_diff(spec, args, params)
    if not xs:
        return
    diff = spec.diff_argnums(args)
    rng = np.random.default_rng(0)
    ts = [random_like(rng, x) for x in xs]
    out, t_out = fgrad.jvp(f, xs, ts)
    inexact_out = np.asarray(out).dtype.kind in "fc"
    ct = random_like(rng, out) if inexact_out else None
    want_out, want_t, want_cts = jax_derivatives(spec, params, args, diff, ts, ct)
    # the primal output doubles as this row's value test against jax (see jax_value_rows)
    assert_same(out, want_out, spec.tol[np.dtype(row[1])], "jvp primal output vs jax value")
    tol = max(1e-10, spec.tol[np.dtype(row[1])])
    if not inexact_out:
        return
    assert_same(t_out, want_t, tol, "jvp tangent vs jax.jvp")
    out2, pullback = fgrad.vjp(f, *xs)
    assert_same(out2, want_out, tol, "vjp primal output")
    for i, (got, want) in enumerate(zip(pullback(ct), want_cts)):
        assert_same(got, want, tol, f"vjp cotangent {i} vs jax.vjp")


# ----- points the random domains stay away from ----------------------------------------------


def _jvp_both(f, f_ref, primals, tangents):
    got = fgrad.jvp(f, primals, tangents)[1]
    want = jax.jvp(f_ref, primals, tangents)[1]
    return np.asarray(got), np.asarray(want)


@pytest.mark.parametrize("name", ["reduce_max", "reduce_min"])
@pytest.mark.parametrize("axes", [(0,), (1,), (0, 1)])
def test_reduce_extremum_ties_vs_jax(name, axes):
    """At ties the derivative is the mean of the tied tangents, as in jax.lax."""
    sign = 1.0 if name == "reduce_max" else -1.0
    x = sign * np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    t = np.array([[1.0, 2.0, 4.0], [1.0, 10.0, 100.0]])
    f = functools.partial(getattr(fgrad.prims, name), axes=axes)
    f_ref = functools.partial(getattr(jax.lax, name), axes=axes)
    got, want = _jvp_both(f, f_ref, (x,), (t,))
    np.testing.assert_allclose(got, want, rtol=1e-15)
    ct = np.arange(1.0, 1.0 + got.size).reshape(got.shape)
    np.testing.assert_allclose(fgrad.vjp(f, x)[1](ct)[0], jax.vjp(f_ref, x)[1](ct)[0])
    check_grads(f, (x,), 2, modes=("rev",))


@pytest.mark.parametrize("name", ["max", "min"])
def test_binary_extremum_ties_vs_jax(name):
    """max(x, y) at x == y passes half of each tangent, as in jax.lax."""
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])
    tx, ty = np.ones(3), 3 * np.ones(3)
    f, f_ref = getattr(fgrad.prims, name), getattr(jax.lax, name)
    got, want = _jvp_both(f, f_ref, (x, y), (tx, ty))
    np.testing.assert_allclose(got, want, rtol=1e-15)
    ct = np.array([1.0, 2.0, 4.0])
    for g, w in zip(fgrad.vjp(f, x, y)[1](ct), jax.vjp(f_ref, x, y)[1](ct)):
        np.testing.assert_allclose(g, w)


def test_argmax_ties_pick_the_first_like_jax():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    for axis in (0, 1):
        assert_same(fgrad.prims.argmax(x, axis), jax.lax.argmax(x, axis, np.int64), 0, "argmax")
        assert_same(fgrad.prims.argmin(x, axis), jax.lax.argmin(x, axis, np.int64), 0, "argmin")


POW_AT_ZERO = [(0.0, y) for y in (0.0, 1.0, 2.0, 3.0, 0.5, 2.5, -1.0)] + [(-2.0, 2.0), (2.0, 0.0)]


@pytest.mark.parametrize("x,y", POW_AT_ZERO)
def test_pow_at_zero(x, y):
    """pow's derivatives at x = 0 agree with jax where jax's are finite. Where jax gives nan,
    fgrad keeps its documented conventions: d/dx x**0 = 0 (x**0 is constant), and log(0) is
    taken as 0 in d/dy, so d/dy 0**y = 0 (and the second derivatives of 0**1 = x are 0)."""
    x, y = np.float64(x), np.float64(y)
    for argnum in (0, 1):
        g = fgrad.grad(fgrad.prims.pow, argnum)
        w = jax.grad(jax.lax.pow, argnum)
        got, want = g(x, y), float(w(x, y))
        if np.isfinite(want) or np.isinf(want):
            np.testing.assert_allclose(got, want, rtol=1e-15)
        for argnum2 in (0, 1):
            got2 = fgrad.grad(g, argnum2)(x, y)
            want2 = float(jax.grad(w, argnum2)(x, y))
            if np.isfinite(want2):
                np.testing.assert_allclose(got2, want2, rtol=1e-15, atol=1e-300)
    if x == 0 and y == 0:
        assert fgrad.grad(fgrad.prims.pow, 0)(x, y) == 0.0
    if x == 0 and y >= 0:
        assert fgrad.grad(fgrad.prims.pow, 1)(x, y) == 0.0
    if x == 0 and y == 1:
        assert fgrad.grad(fgrad.grad(fgrad.prims.pow, 0), 0)(x, y) == 0.0


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_])
def test_integer_operands_have_zero_derivative(dtype):
    """Integer and bool operands carry no tangent: convert_element_type out of them, and
    arithmetic on them inside a differentiated function, contribute nothing."""
    n = np.array([1, 0, 3]).astype(dtype)

    def f(x):
        k = fgrad.prims.convert_element_type(n, np.float64)
        return fgrad.prims.reduce_sum(fgrad.prims.mul(x, k), (0,))

    np.testing.assert_allclose(fgrad.grad(f)(np.ones(3)), n.astype(np.float64))
    _, pullback = fgrad.vjp(lambda x, m: fgrad.prims.mul(fgrad.prims.convert_element_type(
        m, np.float64), x), np.ones(3), n)
    ct_x, ct_n = pullback(np.ones(3))
    assert_same(ct_x, n.astype(np.float64), 0, "cotangent of the float operand")
    assert ct_n.dtype == n.dtype and not np.any(ct_n), "integer operands get zero cotangents"


@pytest.mark.parametrize("row", complex_rows(), ids=case_id)
@settings(max_examples=JAX_EXAMPLES)
@given(data=st.data())
def test_complex_rows(row, data):
    """complex128 operands: value, jvp and vjp against jax (whose conventions for functions
    that are not holomorphic, like abs, fgrad follows), and check_grads to order 2."""
    spec = SPEC_BY_NAME[row[0]]
    args, params = data.draw(cases(spec, row[1]), label="case")
    f, _, xs = split_diff(spec, args, params)
    diff = spec.diff_argnums(args)
    rng = np.random.default_rng(0)
    ts = [random_like(rng, x) for x in xs]
    out, t_out = fgrad.jvp(f, xs, ts)
    ct = random_like(rng, out)
    want_out, want_t, want_cts = jax_derivatives(spec, params, args, diff, ts, ct)
    assert_same(out, want_out, 1e-12, "value vs jax")
    assert_same(t_out, want_t, 1e-10, "jvp tangent vs jax.jvp")
    for i, (got, want) in enumerate(zip(fgrad.vjp(f, *xs)[1](ct), want_cts)):
        assert_same(got, want, 1e-10, f"vjp cotangent {i} vs jax.vjp")
    # complex sign is z / |z|, not piecewise constant, but jax (and fgrad) define its
    # derivative as zero: only the transpose identity applies
    modes = ("rev",) if spec.name == "sign" else spec.modes
    check_grads(f, xs, spec.order, modes=modes)


@functools.cache
def _prod_derivatives(axes):
    """jax's Jacobian and Hessian of reduce_prod over `axes`, compiled once per axes."""
    f_ref = functools.partial(jax.lax.reduce_prod, axes=axes)
    return jax.jit(lambda x: (jax.jacrev(f_ref)(x), jax.jacfwd(jax.jacrev(f_ref))(x)))


@pytest.mark.parametrize("axes", [(0,), (1,), (0, 1)])
@pytest.mark.parametrize("zeros", [[(0, 0)], [(0, 0), (1, 0)], [(1, 1), (1, 2)], "all"])
def test_reduce_prod_with_zeros_vs_jax(axes, zeros):
    """Entries equal to zero (one or several per reduction): first and second derivatives."""
    x = np.arange(1.0, 7.0).reshape(2, 3)
    if zeros == "all":
        x[:] = 0.0
    else:
        for i in zeros:
            x[i] = 0.0
    f = functools.partial(fgrad.prims.reduce_prod, axes=axes)
    f_ref = functools.partial(jax.lax.reduce_prod, axes=axes)
    got, want = _jvp_both(f, f_ref, (x,), (np.arange(6.0).reshape(2, 3) - 2.5,))
    np.testing.assert_allclose(got, want, rtol=1e-14)
    jac, hess = _prod_derivatives(axes)(x)
    np.testing.assert_allclose(fgrad.jacrev(f)(x), jac, rtol=1e-14)
    np.testing.assert_allclose(fgrad.jacfwd(fgrad.jacrev(f))(x), hess, rtol=1e-14)
