"""fgrad.lax control flow against jax.lax (x64): values, jvp, vjp/grad, vmap and their
compositions, staging, and the error messages."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fgrad
import fgrad.numpy as fnp
from fgrad import lax
from fgrad.control_flow import ControlFlowTypeError, ReverseModeWhileError
from tests.cf_checks import J, assert_tree_close, check_against_jax, staged

X3 = np.array([0.3, -1.2, 2.0])
I0 = np.int64(0)  # a strong int: fgrad.numpy cannot yet compare two weak Python ints


# ----- cond / switch ---------------------------------------------------------------------------


def f_cond(x, y):
    return lax.cond(fnp.sum(x) > 0, lambda a, b: fnp.sin(a) * b, lambda a, b: a * fnp.cos(b), x, y)


def j_cond(x, y):
    return jax.lax.cond(jnp.sum(x) > 0, lambda a, b: jnp.sin(a) * b, lambda a, b: a * jnp.cos(b),
                        x, y)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_cond_values_jvp_vjp(sign):
    check_against_jax(f_cond, j_cond, (sign * X3, np.array([0.5, 1.5, -2.0])))


def test_cond_pytree_operands_and_outputs():
    def f(p):
        return lax.cond(p["s"] > 0, lambda q: {"a": q["x"] * 2.0, "b": (q["x"], q["s"])},
                        lambda q: {"a": -q["x"], "b": (q["x"] * q["s"], q["s"])}, p)

    def jf(p):
        return jax.lax.cond(p["s"] > 0, lambda q: {"a": q["x"] * 2.0, "b": (q["x"], q["s"])},
                            lambda q: {"a": -q["x"], "b": (q["x"] * q["s"], q["s"])}, p)

    for s in (1.5, -0.5):
        check_against_jax(f, jf, ({"x": X3, "s": np.float64(s)},))


def test_cond_closure_over_differentiated_value():
    def f(x):
        return lax.cond(x > 1.0, lambda: fnp.sin(x) * x, lambda: x * x * x)

    def jf(x):
        return jax.lax.cond(x > 1.0, lambda: jnp.sin(x) * x, lambda: x * x * x)

    for x in (0.5, 2.0):
        check_against_jax(f, jf, (np.float64(x),))
        assert_tree_close(fgrad.grad(fgrad.grad(f))(x), J(jax.grad(jax.grad(jf)))(x))


def test_cond_vmap_batched_predicate_is_select():
    xs = np.array([[1.0, 2.0, 3.0], [-1.0, -2.0, 0.5], [0.2, -0.1, 0.0]])
    ys = np.array([[0.5, 1.5, -2.0]] * 3)
    assert_tree_close(fgrad.vmap(f_cond)(xs, ys), J(jax.vmap(j_cond))(xs, ys))
    jaxpr = fgrad.make_jaxpr(fgrad.vmap(f_cond))(xs, ys)
    assert "cond" not in str(jaxpr) and "select" in str(jaxpr)
    assert_tree_close(fgrad.vmap(fgrad.grad(lambda x, y: fnp.sum(f_cond(x, y))))(xs, ys),
                      J(jax.vmap(jax.grad(lambda x, y: jnp.sum(j_cond(x, y)))))(xs, ys))
    assert_tree_close(fgrad.grad(lambda x: fnp.sum(fgrad.vmap(f_cond)(x, ys)))(xs),
                      J(jax.grad(lambda x: jnp.sum(jax.vmap(j_cond)(x, ys))))(xs))


def test_cond_vmap_unbatched_predicate_keeps_cond():
    ys = np.array([[0.5, 1.5, -2.0], [1.0, 2.0, 3.0]])
    f = fgrad.vmap(f_cond, (None, 0))
    jf = jax.vmap(j_cond, (None, 0))
    assert_tree_close(f(X3, ys), jf(X3, ys))
    assert "cond" in str(fgrad.make_jaxpr(f)(X3, ys))
    assert_tree_close(fgrad.jacrev(f)(X3, ys), J(jax.jacrev(jf))(X3, ys))
    assert_tree_close(fgrad.jacfwd(f, 1)(X3, ys), J(jax.jacfwd(jf, 1))(X3, ys))


def test_cond_staged_and_linearized():
    for x in (X3, -X3):
        y = np.array([0.5, 1.5, -2.0])
        assert_tree_close(staged(f_cond)(x, y), j_cond(x, y))
        g = lambda a, b: fnp.sum(f_cond(a, b))  # noqa: E731
        jg = lambda a, b: jnp.sum(j_cond(a, b))  # noqa: E731
        assert_tree_close(staged(fgrad.grad(g, (0, 1)))(x, y), J(jax.grad(jg, (0, 1)))(x, y))
        assert_tree_close(fgrad.grad(staged(g), (0, 1))(x, y), J(jax.grad(jg, (0, 1)))(x, y))
        out, f_jvp = fgrad.linearize(f_cond, x, y)
        assert_tree_close(f_jvp(x, y), jax.jvp(j_cond, (x, y), (x, y))[1])


@pytest.mark.parametrize("index", [-3, 0, 1, 2, 7])
def test_switch_clamps_like_jax(index):
    branches = [lambda x: fnp.sin(x), lambda x: x * x, lambda x: fnp.exp(x) - x]
    jbranches = [lambda x: jnp.sin(x), lambda x: x * x, lambda x: jnp.exp(x) - x]
    check_against_jax(lambda x: lax.switch(index, branches, x),
                      lambda x: jax.lax.switch(index, jbranches, x), (X3,))
    f = lambda i, x: lax.switch(i, branches, x)  # noqa: E731
    assert_tree_close(staged(f)(np.int64(index), X3), jax.lax.switch(index, jbranches, X3))


def test_switch_vmap_batched_index():
    branches = [lambda x: fnp.sin(x), lambda x: x * x, lambda x: fnp.exp(x) - x]
    jbranches = [lambda x: jnp.sin(x), lambda x: x * x, lambda x: jnp.exp(x) - x]
    idx = np.array([0, 2, 1, 5, -1])
    xs = np.linspace(-1, 1, 5)
    f = fgrad.vmap(lambda i, x: lax.switch(i, branches, x))
    jf = jax.vmap(lambda i, x: jax.lax.switch(i, jbranches, x))
    assert_tree_close(f(idx, xs), jf(idx, xs))
    assert_tree_close(fgrad.grad(lambda x: fnp.sum(f(idx, x)))(xs),
                      J(jax.grad(lambda x: jnp.sum(jf(idx, x))))(xs))


def test_cond_errors_name_both_types():
    with pytest.raises(ControlFlowTypeError, match=r"f64\[3\].*f64\[\]"):
        lax.cond(True, lambda x: x, lambda x: fnp.sum(x), X3)
    with pytest.raises(ControlFlowTypeError, match="dtypes"):
        lax.cond(True, lambda x: x, lambda x: x.astype(np.float32), X3)
    with pytest.raises(ControlFlowTypeError, match="structure"):
        lax.cond(True, lambda x: (x, x), lambda x: [x, x], X3)
    with pytest.raises(TypeError, match="scalar"):
        lax.cond(np.array([True, False]), lambda x: x, lambda x: x, X3)
    with pytest.raises(TypeError, match="integer"):
        lax.switch(1.0, [lambda x: x, lambda x: x], X3)


def test_python_if_in_branch_suggests_cond():
    def bad(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(fgrad.ConcretizationError, match=r"lax.cond.*|fnp.where"):
        lax.cond(True, bad, lambda x: x, 1.0)


def test_cond_weak_scalar_branch_joins_types():
    f = lambda x: lax.cond(x > 0, lambda y: y * 2.0, lambda y: 0.0, x)  # noqa: E731
    jf = lambda x: jax.lax.cond(x > 0, lambda y: y * 2.0, lambda y: 0.0, x)  # noqa: E731
    for x in (1.5, -1.5):
        check_against_jax(f, jf, (np.float64(x),))


# ----- while_loop / fori_loop --------------------------------------------------------------------


def f_while(x):
    return lax.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, fnp.sin(c[1] * x)),
                          (I0, x))[1]


def j_while(x):
    return jax.lax.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, jnp.sin(c[1] * x)),
                              (0, x))[1]


def test_while_forward_mode():
    check_against_jax(f_while, j_while, (X3,), rev=False)
    assert_tree_close(fgrad.jacfwd(f_while)(X3), J(jax.jacfwd(j_while))(X3))
    _, f_jvp = fgrad.linearize(f_while, X3)
    assert_tree_close(f_jvp(np.ones(3)), jax.jvp(j_while, (X3,), (np.ones(3),))[1])
    assert_tree_close(staged(f_while)(X3), j_while(X3))


def test_while_reverse_mode_error_suggests_scan():
    with pytest.raises(ReverseModeWhileError, match="scan.*fori_loop"):
        fgrad.grad(lambda x: fnp.sum(f_while(x)))(X3)


def test_while_vmap_batched_predicate():
    def f(n, x):
        return lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * x + 1.0),
                              (I0, x))[1]

    def jf(n, x):
        return jax.lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * x + 1.0),
                                  (0, x))[1]

    ns, xs = np.array([0, 3, 1, 6]), np.array([1.1, 1.2, -0.5, 0.9])
    assert_tree_close(fgrad.vmap(f)(ns, xs), jax.vmap(jf)(ns, xs))
    assert_tree_close(fgrad.vmap(f, (0, None))(ns, 1.5), jax.vmap(jf, (0, None))(ns, 1.5))
    assert_tree_close(fgrad.vmap(f, (None, 0))(np.int64(3), xs), jax.vmap(jf, (None, 0))(3, xs))
    tx = np.ones(4)
    assert_tree_close(fgrad.jvp(fgrad.vmap(f), (ns, xs), (np.zeros(4, int), tx))[1],
                      jax.jvp(jax.vmap(jf), (ns, xs), (np.zeros(4, jax.dtypes.float0), tx))[1])
    assert_tree_close(
        fgrad.vmap(lambda n, x: fgrad.jvp(lambda y: f(n, y), (x,), (1.0,))[1])(ns, xs),
        jax.vmap(lambda n, x: jax.jvp(lambda y: jf(n, y), (x,), (1.0,))[1])(ns, xs))


def test_while_errors():
    with pytest.raises(ControlFlowTypeError, match=r"i64\[\].*f64\[\]|f64\[\].*i64\[\]"):
        lax.while_loop(lambda c: c < 3, lambda c: c + 1.5, I0)
    with pytest.raises(ControlFlowTypeError, match="structure"):
        lax.while_loop(lambda c: c[0] < 3, lambda c: c[0] + 1, (I0, 1.0))
    with pytest.raises(ControlFlowTypeError, match="boolean scalar"):
        lax.while_loop(lambda c: c, lambda c: c + 1.0, 1.0)


def f_fori(x):
    return lax.fori_loop(1, 5, lambda i, c: fnp.sin(c * i) + c, x)


def j_fori(x):
    return jax.lax.fori_loop(1, 5, lambda i, c: jnp.sin(c * i) + c, x)


def test_fori_static_bounds_is_scan_and_reverse_differentiable():
    assert "scan" in str(fgrad.make_jaxpr(f_fori)(X3))
    check_against_jax(f_fori, j_fori, (X3,))
    assert_tree_close(fgrad.hessian(lambda x: fnp.sum(f_fori(x)))(X3),
                      J(jax.hessian(lambda x: jnp.sum(j_fori(x))))(X3))


def test_fori_traced_bounds_is_while():
    f = lambda n, x: lax.fori_loop(0, n, lambda i, c: c * 1.5 + i, x)  # noqa: E731
    jf = lambda n, x: jax.lax.fori_loop(0, n, lambda i, c: c * 1.5 + i, x)  # noqa: E731
    assert "while" in str(fgrad.make_jaxpr(f)(4, X3))
    assert_tree_close(staged(f)(4, X3), jf(4, X3))
    assert_tree_close(fgrad.vmap(f, (0, None))(np.array([0, 2, 5]), X3),
                      jax.vmap(jf, (0, None))(np.array([0, 2, 5]), X3))
    assert_tree_close(staged(lambda n, x: fgrad.jvp(lambda y: f(n, y), (x,), (x,))[1])(3, X3),
                      jax.jvp(lambda y: jf(3, y), (X3,), (X3,))[1])
    with pytest.raises(ReverseModeWhileError):
        staged(fgrad.grad(lambda n, x: fnp.sum(f(n, x)), 1))(3, X3)


# ----- scan ------------------------------------------------------------------------------------

W = np.random.default_rng(0).normal(size=(3, 3)) / 2


def f_rnn(h0, xs, reverse=False):
    def body(h, x):
        h = fnp.tanh(h @ W + x["a"] * x["b"])
        return h, (fnp.sin(h), h[0])

    h, ys = lax.scan(body, h0, xs, reverse=reverse)
    return h, ys


def j_rnn(h0, xs, reverse=False):
    def body(h, x):
        h = jnp.tanh(h @ W + x["a"] * x["b"])
        return h, (jnp.sin(h), h[0])

    return jax.lax.scan(body, h0, xs, reverse=reverse)


XS = {"a": np.random.default_rng(1).normal(size=(5, 3)), "b": np.linspace(-1, 1, 5)[:, None]
      * np.ones((5, 3))}


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_values_jvp_vjp(reverse):
    check_against_jax(lambda h, x: f_rnn(h, x, reverse), lambda h, x: j_rnn(h, x, reverse),
                      (X3, XS))


def test_scan_linear_jaxpr_forwards_loop_invariant_residuals():
    _, f_jvp = fgrad.linearize(lambda h: f_rnn(h, XS)[0], X3)
    consts = f_jvp.jaxpr.consts
    assert any(c is W for c in consts)  # W read by every iteration is not stacked 5 times
    assert not any(np.shape(c) == (5, 3, 3) for c in consts)


def test_scan_vmap_and_compositions():
    hs = np.random.default_rng(2).normal(size=(4, 3))
    f = lambda h: fnp.sum(f_rnn(h, XS)[1][0])  # noqa: E731
    jf = lambda h: jnp.sum(j_rnn(h, XS)[1][0])  # noqa: E731
    assert_tree_close(fgrad.vmap(f)(hs), J(jax.vmap(jf))(hs))
    assert_tree_close(fgrad.vmap(fgrad.grad(f))(hs), J(jax.vmap(jax.grad(jf)))(hs))
    assert_tree_close(fgrad.grad(lambda h: fnp.sum(fgrad.vmap(f)(h)))(hs),
                      J(jax.grad(lambda h: jnp.sum(jax.vmap(jf)(h))))(hs))
    xss = {"a": np.stack([XS["a"], -XS["a"]]), "b": np.stack([XS["b"], XS["b"]])}
    g = lambda x: f_rnn(X3, x)  # noqa: E731
    jg = lambda x: j_rnn(X3, x)  # noqa: E731
    assert_tree_close(fgrad.vmap(g)(xss), J(jax.vmap(jg))(xss))
    assert_tree_close(fgrad.jacfwd(f)(X3), J(jax.jacfwd(jf))(X3))
    assert_tree_close(fgrad.hessian(f)(X3), J(jax.hessian(jf))(X3))
    assert_tree_close(staged(fgrad.grad(f))(X3), J(jax.grad(jf))(X3))


def test_scan_batched_carry_from_unbatched_init():
    def f(x):
        return lax.scan(lambda c, xi: (c * xi + x, c), 1.0, np.arange(1.0, 4.0))

    def jf(x):
        return jax.lax.scan(lambda c, xi: (c * xi + x, c), 1.0, jnp.arange(1.0, 4.0))

    assert_tree_close(fgrad.vmap(f)(X3), J(jax.vmap(jf))(X3))
    assert_tree_close(fgrad.jacrev(fgrad.vmap(f))(X3), J(jax.jacrev(jax.vmap(jf)))(X3))


def test_nested_cond_in_scan_with_reverse():
    def f(x, xs):
        def body(c, xi):
            c2 = lax.cond(xi > 0, lambda a, b: fnp.sin(a) * b, lambda a, b: a + fnp.cos(b), c, xi)
            return c2, c2 * c

        c, ys = lax.scan(body, x, xs, reverse=True)
        return c + fnp.sum(ys)

    def jf(x, xs):
        def body(c, xi):
            c2 = jax.lax.cond(xi > 0, lambda a, b: jnp.sin(a) * b, lambda a, b: a + jnp.cos(b),
                              c, xi)
            return c2, c2 * c

        c, ys = jax.lax.scan(body, x, xs, reverse=True)
        return c + jnp.sum(ys)

    xs = np.array([0.5, -1.0, 2.0, -0.3])
    check_against_jax(f, jf, (np.float64(0.7), xs))
    assert_tree_close(fgrad.hessian(f, 1)(0.7, xs), J(jax.hessian(jf, 1))(0.7, xs))
    xss = np.stack([xs, -xs, xs * 2])
    assert_tree_close(fgrad.vmap(fgrad.grad(f, (0, 1)), (None, 0))(0.7, xss),
                      J(jax.vmap(jax.grad(jf, (0, 1)), (None, 0)))(0.7, xss))


def test_scan_length_and_map():
    f = lambda x: lax.scan(lambda c, _: (c * 2.0, c), x, None, length=4)  # noqa: E731
    jf = lambda x: jax.lax.scan(lambda c, _: (c * 2.0, c), x, None, length=4)  # noqa: E731
    check_against_jax(f, jf, (X3,))
    check_against_jax(lambda x: lax.map(lambda r: fnp.sum(fnp.sin(r)), x),
                      lambda x: jax.lax.map(lambda r: jnp.sum(jnp.sin(r)), x),
                      (np.arange(6.0).reshape(2, 3),))
    out = lax.scan(lambda c, x: (c, x), 0.0, np.zeros((0, 2)))
    assert np.shape(out[1]) == (0, 2)


def test_scan_errors():
    with pytest.raises(ValueError, match="leading axis sizes"):
        lax.scan(lambda c, x: (c, x), 0.0, (np.zeros(3), np.zeros(4)))
    with pytest.raises(ValueError, match="length"):
        lax.scan(lambda c, x: (c, x), 0.0, None)
    with pytest.raises(ControlFlowTypeError, match=r"f64\[\].*f64\[2\]"):
        lax.scan(lambda c, x: (c * x, x), 0.0, np.zeros((3, 2)))
    with pytest.raises(ControlFlowTypeError, match="pair"):
        lax.scan(lambda c, x: c, 0.0, np.zeros(3))


def _f_prop(x, xs, reverse):
    body = lambda c, xi: (lax.cond(xi > c, lambda: fnp.sin(c) + xi, lambda: c * xi), c)  # noqa
    return lax.scan(body, x, xs, reverse=reverse)


def _j_prop(x, xs, reverse):
    body = lambda c, xi: (jax.lax.cond(xi > c, lambda: jnp.sin(c) + xi, lambda: c * xi), c)  # noqa
    return jax.lax.scan(body, x, xs, reverse=reverse)


# One compiled JAX reference per (length, reverse): examples then cost microseconds in JAX.
_J_PROP_VJP = jax.jit(lambda x, xs, ct, reverse: jax.vjp(lambda a, b: _j_prop(a, b, reverse),
                                                         x, xs)[1](ct), static_argnums=3)
_J_PROP_JVP = jax.jit(lambda x, xs, t, reverse: jax.jvp(lambda a, b: _j_prop(a, b, reverse),
                                                        (x, xs), t), static_argnums=3)


@given(st.sampled_from([1, 4]), st.data(), st.booleans())
def test_scan_cond_property(length, data, reverse):
    floats = st.floats(-2, 2, allow_nan=False)
    xs = np.array(data.draw(st.lists(floats, min_size=length, max_size=length)))
    x0 = np.float64(data.draw(floats))
    out = _f_prop(x0, xs, reverse)
    tangents = (np.float64(0.5), np.linspace(-1, 1, length))
    p, t = fgrad.jvp(lambda a, b: _f_prop(a, b, reverse), (x0, xs), tangents)
    jp, jt = _J_PROP_JVP(x0, xs, tangents, reverse)
    assert_tree_close(out, jp, 1e-9, 1e-9)
    assert_tree_close((p, t), (jp, jt), 1e-9, 1e-9)
    ct = (np.float64(1.5), np.cos(np.arange(length)))
    _, pull = fgrad.vjp(lambda a, b: _f_prop(a, b, reverse), x0, xs)
    assert_tree_close(pull(ct), _J_PROP_VJP(x0, xs, ct, reverse), 1e-9, 1e-9)


def test_fori_counter_is_weak_like_jax():
    out = lax.fori_loop(0, 3, lambda i, c: c * i + c, np.float32(1.5))
    ref = jax.lax.fori_loop(0, 3, lambda i, c: c * i + c, np.float32(1.5))
    assert np.asarray(out).dtype == ref.dtype == np.float32
    assert_tree_close(out, ref)
    with pytest.raises(ControlFlowTypeError, match=r"f32\[\].*f64\[\]"):
        lax.scan(lambda c, x: (c * x, x), np.float32(1.0), np.ones(3))


def test_higher_order_primitives_have_their_rules():
    from fgrad.checkpoint import remat_p
    from fgrad.control_flow import cond_p, scan_p, while_p
    from fgrad.custom_derivatives import custom_jvp_call_p, custom_lin_p, custom_vjp_call_p

    slots = ("impl", "abstract_eval", "jvp", "batch")
    need = {cond_p: slots + ("partial_eval", "transpose"),
            scan_p: slots + ("partial_eval", "transpose"),
            while_p: slots + ("partial_eval", "transpose"),  # transpose: the clear error
            remat_p: slots + ("partial_eval", "transpose"),
            custom_jvp_call_p: slots, custom_vjp_call_p: slots,
            custom_lin_p: slots + ("transpose",)}
    missing = [f"{p.name}.{s}" for p, ss in need.items() for s in ss if getattr(p, s) is None]
    assert not missing, missing
