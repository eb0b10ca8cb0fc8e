"""custom_jvp / custom_vjp against JAX (x64): values, jvp, vjp, grad, vmap, grad of vmap,
vmap of grad, staging and jit, the classic log1pexp / safe-norm / clip-gradient examples,
and the errors."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fgrad
import fgrad.numpy as fnp
from fgrad import lax
from fgrad.custom_derivatives import CustomRuleError
from tests.cf_checks import J, assert_tree_close, check_against_jax, staged

X3 = np.array([1.0, 100.0, -3.0])


# ----- log1pexp: the rule is numerically stable where autodiff of the body is not ----------


@fgrad.custom_jvp
def log1pexp(x):
    return fnp.log(1.0 + fnp.exp(x))


@log1pexp.defjvp
def log1pexp_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return log1pexp(x), t * (1.0 - 1.0 / (1.0 + fnp.exp(x)))


@jax.custom_jvp
def j_log1pexp(x):
    return jnp.log(1.0 + jnp.exp(x))


@j_log1pexp.defjvp
def j_log1pexp_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return j_log1pexp(x), t * (1.0 - 1.0 / (1.0 + jnp.exp(x)))


def test_log1pexp_values_and_derivatives():
    check_against_jax(log1pexp, j_log1pexp, (X3,))
    g = fgrad.grad(lambda x: fnp.sum(log1pexp(x)))(X3)
    assert g[1] == 1.0  # autodiff of the body would give nan at x = 100 (inf / inf)
    assert_tree_close(g, J(jax.grad(lambda x: jnp.sum(j_log1pexp(x))))(X3))
    assert_tree_close(fgrad.hessian(lambda x: fnp.sum(log1pexp(x)))(X3),
                      J(jax.hessian(lambda x: jnp.sum(j_log1pexp(x))))(X3))


def test_log1pexp_vmap_compositions():
    assert_tree_close(fgrad.vmap(log1pexp)(X3), j_log1pexp(X3))
    assert_tree_close(fgrad.vmap(fgrad.grad(log1pexp))(X3), J(jax.vmap(jax.grad(j_log1pexp)))(X3))
    assert_tree_close(fgrad.grad(lambda x: fnp.sum(fgrad.vmap(log1pexp)(x)))(X3),
                      J(jax.grad(lambda x: jnp.sum(jax.vmap(j_log1pexp)(x))))(X3))
    tx = np.ones(3)
    assert_tree_close(fgrad.jvp(fgrad.vmap(log1pexp), (X3,), (tx,)),
                      jax.jvp(jax.vmap(j_log1pexp), (X3,), (tx,)))
    assert_tree_close(fgrad.jacfwd(fgrad.vmap(log1pexp))(X3),
                      J(jax.jacfwd(jax.vmap(j_log1pexp)))(X3))


def test_custom_jvp_staged_and_jit():
    g = lambda x: fnp.sum(log1pexp(x))  # noqa: E731
    jg = lambda x: jnp.sum(j_log1pexp(x))  # noqa: E731
    assert "custom_jvp_call" in str(fgrad.make_jaxpr(log1pexp)(X3))
    assert_tree_close(staged(fgrad.grad(g))(X3), J(jax.grad(jg))(X3))
    assert_tree_close(fgrad.grad(staged(g))(X3), J(jax.grad(jg))(X3))
    assert_tree_close(fgrad.vmap(staged(fgrad.grad(log1pexp)))(X3),
                      J(jax.vmap(jax.grad(j_log1pexp)))(X3))
    jit = getattr(fgrad, "jit", None)
    if jit is not None:
        assert_tree_close(jit(fgrad.grad(g))(X3), J(jax.grad(jg))(X3))
        assert_tree_close(fgrad.grad(jit(g))(X3), J(jax.grad(jg))(X3))
        assert_tree_close(fgrad.vmap(jit(fgrad.grad(log1pexp)))(X3),
                          J(jax.vmap(jax.grad(j_log1pexp)))(X3))


# ----- safe norm: a rule that is defined at zero ------------------------------------------------


@fgrad.custom_jvp
def safe_norm(x):
    return fnp.sqrt(fnp.sum(x * x))


@safe_norm.defjvp
def safe_norm_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    ans = safe_norm(x)
    denom = fnp.where(ans == 0.0, 1.0, ans)
    return ans, fnp.where(ans == 0.0, 0.0, fnp.sum(x * t) / denom)


@jax.custom_jvp
def j_safe_norm(x):
    return jnp.sqrt(jnp.sum(x * x))


@j_safe_norm.defjvp
def j_safe_norm_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    ans = j_safe_norm(x)
    denom = jnp.where(ans == 0.0, 1.0, ans)
    return ans, jnp.where(ans == 0.0, 0.0, jnp.sum(x * t) / denom)


@pytest.mark.parametrize("x", [np.zeros(3), np.array([3.0, -4.0, 0.0])])
def test_safe_norm(x):
    check_against_jax(safe_norm, j_safe_norm, (x,))
    assert not np.any(np.isnan(fgrad.grad(safe_norm)(x)))
    xs = np.stack([x, x + 1.0])
    assert_tree_close(fgrad.vmap(fgrad.grad(safe_norm))(xs), J(jax.vmap(jax.grad(j_safe_norm)))(xs))


# ----- defjvps, pytrees, nondiff_argnums, control flow --------------------------------------------


def test_defjvps_two_arguments():
    @fgrad.custom_jvp
    def f(x, y):
        return fnp.sin(x) * y

    f.defjvps(lambda tx, ans, x, y: fnp.cos(x) * tx * y, lambda ty, ans, x, y: fnp.sin(x) * ty)

    @jax.custom_jvp
    def jf(x, y):
        return jnp.sin(x) * y

    jf.defjvps(lambda tx, ans, x, y: jnp.cos(x) * tx * y, lambda ty, ans, x, y: jnp.sin(x) * ty)
    check_against_jax(f, jf, (X3, np.array([0.5, -1.0, 2.0])))
    xs = np.stack([X3, -X3])
    # an unbatched argument stays unbatched inside the batched rule
    check_against_jax(fgrad.vmap(f, (0, None)), jax.vmap(jf, (0, None)), (xs, X3 / 2))
    check_against_jax(fgrad.vmap(f, (None, 0)), jax.vmap(jf, (None, 0)), (X3 / 2, xs))


def test_custom_jvp_pytrees_and_nondiff_function_argument():
    @partial(fgrad.custom_jvp, nondiff_argnums=(0,))
    def apply(fn, p):
        return {"out": fn(p["a"]) * p["b"]}

    @apply.defjvp
    def apply_jvp(fn, primals, tangents):
        (p,), (t,) = primals, tangents
        # a deliberately different (scaled) derivative, to see that the rule is used
        return apply(fn, p), {"out": 2.0 * (t["a"] * p["b"] + fn(p["a"]) * t["b"])}

    p = {"a": X3 / 10, "b": np.float64(1.5)}
    g = fgrad.grad(lambda p: fnp.sum(apply(fnp.sin, p)["out"]))(p)
    expected = {"a": 2.0 * p["b"] * np.ones(3), "b": 2.0 * np.sum(np.sin(p["a"]))}
    assert_tree_close(g, expected)
    assert_tree_close(fgrad.jvp(lambda p: apply(fnp.sin, p), (p,), (p,))[1],
                      {"out": 2.0 * (p["a"] * p["b"] + np.sin(p["a"]) * p["b"])})


def test_custom_jvp_inside_scan():
    def f(x):
        return lax.scan(lambda c, xi: (log1pexp(c * xi), c), x, np.array([0.5, 2.0, -1.0]))

    def jf(x):
        return jax.lax.scan(lambda c, xi: (j_log1pexp(c * xi), c), x, jnp.array([0.5, 2.0, -1.0]))

    check_against_jax(f, jf, (X3 / 10,))


# ----- custom_vjp ------------------------------------------------------------------------------


@fgrad.custom_vjp
def sin_times(x, y):
    return fnp.sin(x) * y


def sin_times_fwd(x, y):
    return fnp.sin(x) * y, (fnp.cos(x), fnp.sin(x), y)


def sin_times_bwd(res, g):
    cos_x, sin_x, y = res
    return cos_x * g * y, fnp.sum(sin_x * g)


sin_times.defvjp(sin_times_fwd, sin_times_bwd)


@jax.custom_vjp
def j_sin_times(x, y):
    return jnp.sin(x) * y


j_sin_times.defvjp(lambda x, y: (jnp.sin(x) * y, (jnp.cos(x), jnp.sin(x), y)),
                   lambda res, g: (res[0] * g * res[2], jnp.sum(res[1] * g)))


def test_custom_vjp_values_vjp_grad():
    args = (X3 / 10, np.float64(2.0))
    check_against_jax(sin_times, j_sin_times, args, fwd=False)
    g = lambda x, y: fnp.sum(sin_times(x, y))  # noqa: E731
    jg = lambda x, y: jnp.sum(j_sin_times(x, y))  # noqa: E731
    assert_tree_close(fgrad.grad(g, (0, 1))(*args), J(jax.grad(jg, (0, 1)))(*args))
    assert_tree_close(fgrad.jacrev(sin_times)(*args), J(jax.jacrev(j_sin_times))(*args))
    assert_tree_close(fgrad.hessian(g)(*args), J(jax.hessian(jg))(*args))
    assert_tree_close(staged(fgrad.grad(g, (0, 1)))(*args), J(jax.grad(jg, (0, 1)))(*args))
    assert_tree_close(fgrad.grad(staged(g), (0, 1))(*args), J(jax.grad(jg, (0, 1)))(*args))
    jit = getattr(fgrad, "jit", None)
    if jit is not None:
        assert_tree_close(jit(fgrad.grad(g, (0, 1)))(*args), J(jax.grad(jg, (0, 1)))(*args))
        assert_tree_close(fgrad.grad(jit(g), (0, 1))(*args), J(jax.grad(jg, (0, 1)))(*args))


def test_custom_vjp_vmap_compositions():
    xs = np.stack([X3 / 10, -X3 / 10])
    ys = np.array([2.0, -0.5])
    assert_tree_close(fgrad.vmap(sin_times)(xs, ys), J(jax.vmap(j_sin_times))(xs, ys))
    # per-example gradients
    assert_tree_close(
        fgrad.vmap(fgrad.grad(lambda x, y: fnp.sum(sin_times(x, y)), (0, 1)))(xs, ys),
        J(jax.vmap(jax.grad(lambda x, y: jnp.sum(j_sin_times(x, y)), (0, 1))))(xs, ys))
    # grad of vmap: the unbatched y gets the cotangents of every member summed
    f = lambda x, y: fnp.sum(fgrad.vmap(sin_times, (0, None))(x, y))  # noqa: E731
    jf = lambda x, y: jnp.sum(jax.vmap(j_sin_times, (0, None))(x, y))  # noqa: E731
    assert_tree_close(fgrad.grad(f, (0, 1))(xs, 2.0), J(jax.grad(jf, (0, 1)))(xs, 2.0))
    assert_tree_close(fgrad.jacrev(fgrad.vmap(sin_times))(xs, ys),
                      J(jax.jacrev(jax.vmap(j_sin_times)))(xs, ys))
    check_against_jax(fgrad.vmap(sin_times, (None, 0)), jax.vmap(j_sin_times, (None, 0)),
                      (X3 / 10, ys), fwd=False)
    check_against_jax(staged(fgrad.vmap(sin_times, (0, None))), jax.vmap(j_sin_times, (0, None)),
                      (xs, np.float64(2.0)), fwd=False)


def test_clip_gradient_with_nondiff_argnums_and_none_residuals():
    @partial(fgrad.custom_vjp, nondiff_argnums=(0, 1))
    def clip_gradient(lo, hi, x):
        return x

    clip_gradient.defvjp(lambda lo, hi, x: (x, None),
                         lambda lo, hi, _, g: (fnp.clip(g, lo, hi),))

    @partial(jax.custom_vjp, nondiff_argnums=(0, 1))
    def j_clip_gradient(lo, hi, x):
        return x

    j_clip_gradient.defvjp(lambda lo, hi, x: (x, None),
                           lambda lo, hi, _, g: (jnp.clip(g, lo, hi),))
    f = lambda x: fnp.sum(clip_gradient(-0.5, 0.5, x) * fnp.array([3.0, 0.1, -2.0]))  # noqa
    jf = lambda x: jnp.sum(j_clip_gradient(-0.5, 0.5, x) * jnp.array([3.0, 0.1, -2.0]))  # noqa
    assert_tree_close(fgrad.grad(f)(X3), J(jax.grad(jf))(X3))
    xs = np.stack([X3, X3 * 2])
    assert_tree_close(fgrad.vmap(fgrad.grad(f))(xs), J(jax.vmap(jax.grad(jf)))(xs))


def test_custom_vjp_inside_scan_reverse_mode():
    def f(x):
        return lax.scan(lambda c, xi: (sin_times(c, xi), c), x, np.array([0.5, 2.0, -1.0]))[0]

    def jf(x):
        return jax.lax.scan(lambda c, xi: (j_sin_times(c, xi), c), x,
                            jnp.array([0.5, 2.0, -1.0]))[0]

    x = np.float64(0.8)
    assert_tree_close(fgrad.grad(f)(x), J(jax.grad(jf))(x))


# ----- errors ------------------------------------------------------------------------------------


def test_forward_mode_of_custom_vjp_is_jax_error():
    with pytest.raises(CustomRuleError, match="can't apply forward-mode autodiff"):
        fgrad.jvp(sin_times, (X3, 2.0), (X3, 1.0))
    with pytest.raises(CustomRuleError, match="forward-mode"):
        fgrad.jacfwd(sin_times)(X3, 2.0)


def test_rule_output_errors_name_the_user_functions():
    @fgrad.custom_jvp
    def f(x):
        return fnp.sin(x)

    f.defjvp(lambda p, t: (f(p[0]), fnp.sum(t[0])))
    with pytest.raises(CustomRuleError, match=r"<lambda>.*f.*f64\[3\].*f64\[\]"):
        fgrad.jvp(f, (X3,), (X3,))
    f.defjvp(lambda p, t: f(p[0]))
    with pytest.raises(CustomRuleError, match="pair"):
        fgrad.grad(lambda x: fnp.sum(f(x)))(X3)

    @fgrad.custom_vjp
    def g(x, y):
        return x * y

    def g_fwd(x, y):
        return x * y, (x, y)

    g.defvjp(g_fwd, lambda res, ct: (ct * res[1],))
    with pytest.raises(CustomRuleError, match="g_fwd.*|length equal to the number of"):
        fgrad.grad(g)(1.0, 2.0)
    g.defvjp(g_fwd, lambda res, ct: (ct * res[1], np.ones(3)))
    with pytest.raises(CustomRuleError, match=r"shapes.*f64\[\].*f64\[3\]"):
        fgrad.grad(g)(1.0, 2.0)
    g.defvjp(lambda x, y: x * y, lambda res, ct: (ct, ct))
    with pytest.raises(CustomRuleError, match="pair"):
        fgrad.grad(g)(1.0, 2.0)


def test_missing_rule_and_traced_nondiff_errors():
    h = fgrad.custom_jvp(lambda x: x)
    with pytest.raises(AttributeError, match="No JVP defined"):
        h(1.0)
    k = fgrad.custom_vjp(lambda x: x)
    with pytest.raises(AttributeError, match="No VJP defined"):
        k(1.0)
    m = fgrad.custom_jvp(lambda s, x: x * s, nondiff_argnums=(0,))
    m.defjvp(lambda s, p, t: (m(s, p[0]), t[0] * s))
    assert_tree_close(fgrad.grad(lambda x: m(3.0, x))(2.0), 3.0)
    with pytest.raises(CustomRuleError, match="nondiff_argnums"):
        fgrad.grad(lambda s: m(s, 2.0))(3.0)


def test_closure_over_differentiated_value_is_an_error():
    def outer(a):
        @fgrad.custom_vjp
        def f(x):
            return x * a

        f.defvjp(lambda x: (x * a, None), lambda _, g: (g * a,))
        return f(2.0)

    with pytest.raises(CustomRuleError, match="closes over"):
        fgrad.grad(outer)(3.0)
