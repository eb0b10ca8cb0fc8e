"""The transforms as a whole: pinned jaxpr printouts, nested derivatives (including JAX's
perturbation-confusion case), the Jacobian family on pytrees against jax, the API's options
and error messages, and robustness (long chains, exceptions, threads)."""

import sys
import threading

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fgrad
import fgrad.numpy as fnp
from fgrad import prims as P
from fgrad.core import EVAL_TRACE, current_trace, typecheck_jaxpr
from fgrad.tree_util import tree_flatten, tree_structure


def assert_trees_close(got, want, tol=1e-12):
    got_leaves, got_tree = tree_flatten(got)
    want_leaves, want_tree = tree_flatten(want)
    assert got_tree == want_tree, f"structure {got_tree} != {want_tree}"
    for g, w in zip(got_leaves, want_leaves):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape, f"shape {g.shape} != {w.shape}"
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


# ----- pinned printouts --------------------------------------------------------------------


def test_jaxpr_print_one_line():
    text = str(fgrad.make_jaxpr(P.sin)(np.float64(1.0)))
    assert text == "{ lambda ; a:f64[]. let b:f64[] = sin a in (b,) }"


def test_jaxpr_print_multi_line():
    text = str(fgrad.make_jaxpr(lambda x, y: P.add(P.mul(x, y), P.sin(x)))(np.ones(3), np.ones(3)))
    assert text == (
        "{ lambda ; a:f64[3] b:f64[3]. let\n"
        "    c:f64[3] = mul a b\n"
        "    d:f64[3] = sin a\n"
        "    e:f64[3] = add c d\n"
        "  in (e,) }"
    )


def test_jaxpr_print_constvar_and_params():
    c = np.arange(3.0)
    assert str(fgrad.make_jaxpr(lambda x: P.mul(x, c))(np.ones(3))) == (
        "{ lambda a:f64[3]; b:f64[3]. let c:f64[3] = mul b a in (c,) }"
    )
    text = str(fgrad.make_jaxpr(lambda x: P.reduce_sum(x, (0,)))(np.ones((2, 3), np.float32)))
    assert text == "{ lambda ; a:f32[2,3]. let b:f32[3] = reduce_sum[axes=(0,)] a in (b,) }"


def test_jaxpr_print_jvp():
    text = str(fgrad.make_jaxpr(lambda x: fgrad.jvp(P.sin, (x,), (np.float64(1.0),)))(1.0))
    assert text == (
        "{ lambda ; a:f64[]. let\n"
        "    b:f64[] = sin a\n"
        "    c:f64[] = cos a\n"
        "    d:f64[] = mul 1.0:f64[] c\n"
        "  in (b, d) }"
    )


# ----- nested derivatives ------------------------------------------------------------------


def test_perturbation_confusion():
    # f(x) = x * d/dy (x * y) = x * x, so f'(x) = 2x; confusing the two perturbations gives 3x
    def f(m, grad):
        return lambda x: x * grad(lambda y: x * y)(3.0)

    for x in (2.0, -1.5):
        want = jax.grad(f(jnp, jax.grad))(x)
        assert fgrad.grad(f(fnp, fgrad.grad))(x) == pytest.approx(float(want))
        assert float(want) == pytest.approx(2 * x)
        _, t = fgrad.jvp(f(fnp, fgrad.grad), (x,), (1.0,))
        assert t == pytest.approx(2 * x)


def _g(m, x):
    return m.sin(x) * m.exp(0.3 * x) + x**3


def test_grad_of_grad():
    for x in (0.3, 1.7):
        got = fgrad.grad(fgrad.grad(lambda x: _g(fnp, x)))(x)
        want = jax.grad(jax.grad(lambda x: _g(jnp, x)))(x)
        assert got == pytest.approx(float(want), rel=1e-12)
        got3 = fgrad.grad(fgrad.grad(fgrad.grad(lambda x: _g(fnp, x))))(x)
        want3 = jax.grad(jax.grad(jax.grad(lambda x: _g(jnp, x))))(x)
        assert got3 == pytest.approx(float(want3), rel=1e-12)


def test_jvp_of_grad_and_grad_of_jvp():
    x, t = 0.7, 1.3
    got = fgrad.jvp(fgrad.grad(lambda x: _g(fnp, x)), (x,), (t,))
    want = jax.jvp(jax.grad(lambda x: _g(jnp, x)), (x,), (t,))
    assert_trees_close(got, want)

    def tangent(m, jvp):
        return lambda x: jvp(lambda y: _g(m, y), (x,), (t,))[1]

    assert fgrad.grad(tangent(fnp, fgrad.jvp))(x) == pytest.approx(
        float(jax.grad(tangent(jnp, jax.jvp))(x)), rel=1e-12
    )


# ----- Jacobians on pytrees ----------------------------------------------------------------

PARAMS = {"w": np.linspace(-1, 1, 6).reshape(2, 3), "b": np.array([0.1, -0.2, 0.3])}
X = np.array([0.5, -1.25])


def _net(m):
    def f(params, x):
        h = m.tanh(m.matmul(x, params["w"]) + params["b"])
        return {"h": h, "loss": m.sum(h**2)}

    return f


@pytest.mark.parametrize("argnums", [0, 1, (0, 1)])
def test_jacfwd_jacrev_vs_jax(argnums):
    want = jax.jit(jax.jacobian(_net(jnp), argnums))(PARAMS, X)
    assert_trees_close(fgrad.jacfwd(_net(fnp), argnums)(PARAMS, X), want)
    assert_trees_close(fgrad.jacrev(_net(fnp), argnums)(PARAMS, X), want)
    assert_trees_close(fgrad.jacobian(_net(fnp), argnums)(PARAMS, X), want)


def test_hessian_vs_jax():
    def f(m):
        return lambda p, x: _net(m)(p, x)["loss"] + m.sum(m.sin(x) * x**2)

    for argnums in (0, 1):
        want = jax.jit(jax.hessian(f(jnp), argnums))(PARAMS, X)
        assert_trees_close(fgrad.hessian(f(fnp), argnums)(PARAMS, X), want)


def test_linearize_vs_jax():
    def f(m):
        return lambda x: (m.sin(x) * x, m.sum(m.exp(x)))

    y, f_jvp = fgrad.linearize(f(fnp), X)
    y_ref, f_jvp_ref = jax.linearize(f(jnp), X)
    assert_trees_close(y, y_ref)
    for t in (np.array([1.0, 0.0]), np.array([-0.3, 2.0])):
        assert_trees_close(f_jvp(t), f_jvp_ref(t))


def test_linear_transpose_vs_jax():
    a = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]])

    def f(m):
        return lambda x: {"y": m.matmul(a, x["v"]) * 2.0, "s": m.sum(x["v"]) - x["c"]}

    x = {"v": np.ones(3), "c": np.float64(0.0)}
    ct = {"y": np.array([1.0, -2.0]), "s": np.float64(0.5)}
    got = fgrad.linear_transpose(f(fnp), x)(ct)
    want = jax.linear_transpose(f(jnp), x)(ct)
    assert_trees_close(got, want)


def test_vjp_has_aux():
    def f(m):
        return lambda x: (m.sin(x) * 2.0, {"aux": m.cos(x), "n": 3})

    out, pullback, aux = fgrad.vjp(f(fnp), X, has_aux=True)
    out_ref, pullback_ref, aux_ref = jax.vjp(f(jnp), X, has_aux=True)
    assert_trees_close(out, out_ref)
    assert_trees_close(aux, aux_ref)
    ct = np.array([1.0, -3.0])
    assert_trees_close(pullback(ct), pullback_ref(ct))


@pytest.mark.parametrize("argnums", [0, (1,), (0, 2), (2, 0)])
@pytest.mark.parametrize("has_aux", [False, True])
def test_value_and_grad_argnums_has_aux(argnums, has_aux):
    def f(m):
        def fun(a, b, c):
            val = m.sum(m.sin(a) * b["u"]) + c**2 * m.sum(b["v"])
            return (val, {"a2": a * 2.0}) if has_aux else val

        return fun

    args = (X, {"u": np.array([0.3, 0.1]), "v": np.array([2.0])}, 1.5)
    got = fgrad.value_and_grad(f(fnp), argnums, has_aux=has_aux)(*args)
    want = jax.value_and_grad(f(jnp), argnums, has_aux=has_aux)(*args)
    assert_trees_close(got, want)
    got_g = fgrad.grad(f(fnp), argnums, has_aux=has_aux)(*args)
    want_g = jax.grad(f(jnp), argnums, has_aux=has_aux)(*args)
    assert_trees_close(got_g, want_g)


# ----- error messages ----------------------------------------------------------------------


def test_grad_of_non_scalar_output():
    with pytest.raises(TypeError, match=r"scalar-output.*\(3,\)"):
        fgrad.grad(lambda x: x * 2.0)(np.ones(3))


def test_grad_of_int_input():
    with pytest.raises(TypeError, match=r"int64.*1\.0"):
        fgrad.grad(lambda x: x * 2)(3)


def test_bad_argnums():
    with pytest.raises(ValueError, match=r"argnums=2.*2 positional"):
        fgrad.grad(lambda x, y: x * y, argnums=2)(1.0, 2.0)
    with pytest.raises(TypeError, match="argnums"):
        fgrad.grad(lambda x, y: x * y, argnums=(0, "a"))(1.0, 2.0)


def test_cotangent_mismatch():
    _, pullback = fgrad.vjp(lambda x: (x, x * 2.0), np.ones(2))
    with pytest.raises(TypeError, match="tree structure"):
        pullback([np.ones(2), np.ones(2)])
    with pytest.raises(ValueError, match=r"shape \(3,\).*\(2,\)"):
        pullback((np.ones(3), np.ones(2)))


def test_python_if_on_staged_value():
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(fgrad.ConcretizationError, match=r"(?s)fnp\.where.*lax\.cond") as info:
        fgrad.make_jaxpr(f)(1.0)
    assert "test_core.py" in str(info.value), "the message points at the user's line"


LEAKING = {
    "grad": lambda f: fgrad.grad(f)(1.0),
    "grad_grad": lambda f: fgrad.grad(fgrad.grad(f))(1.0),
    "jvp": lambda f: fgrad.jvp(f, (1.0,), (1.0,)),
    "vjp": lambda f: fgrad.vjp(f, 1.0),
    "linearize": lambda f: fgrad.linearize(f, 1.0),
    "vmap": lambda f: fgrad.vmap(f)(np.ones(2)),
    "jacfwd": lambda f: fgrad.jacfwd(f)(np.ones(2)),
    "make_jaxpr": lambda f: fgrad.make_jaxpr(f)(1.0),
}


@pytest.mark.parametrize("name", list(LEAKING))
def test_escaped_tracer(name):
    box = []

    def leak(x):
        box.append(x * 2.0)
        return x * 3.0

    LEAKING[name](leak)
    with pytest.raises(fgrad.EscapedTracerError, match="escaped"):
        fnp.sin(box[0])
    with pytest.raises(fgrad.EscapedTracerError):
        P.sin(box[0])
    with pytest.raises(fgrad.EscapedTracerError):
        np.asarray(box[0])
    with pytest.raises(fgrad.EscapedTracerError):
        fgrad.grad(lambda x: x * box[0])(1.0)
    with pytest.raises(fgrad.EscapedTracerError):
        fgrad.vmap(lambda x: x * box[0])(np.ones(2))


# ----- robustness --------------------------------------------------------------------------

N_CHAIN = 100_000


def test_long_chain_at_default_recursion_limit():
    def chain(x):
        for _ in range(N_CHAIN):
            x = P.neg(x)
        return P.sin(x)

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        assert fgrad.grad(chain)(0.5) == pytest.approx(np.cos(0.5))
        # nested: linearize under an outer jvp, then transpose
        _, t = fgrad.jvp(fgrad.grad(chain), (0.5,), (1.0,))
        assert t == pytest.approx(-np.sin(0.5))
        closed = fgrad.make_jaxpr(chain)(0.5)
        assert len(closed.eqns) == N_CHAIN + 1
        typecheck_jaxpr(closed.jaxpr)
        assert closed(0.5)[0] == pytest.approx(np.sin(0.5))
    finally:
        sys.setrecursionlimit(old)


class Boom(Exception):
    pass


def _explode(x):
    fnp.sin(x) * 2.0  # some traced work first
    raise Boom("inside the transform")


V = np.array([0.5, 1.0])
TRANSFORMS = {
    "grad": lambda: fgrad.grad(_explode)(0.5),
    "jvp": lambda: fgrad.jvp(_explode, (0.5,), (1.0,)),
    "vjp": lambda: fgrad.vjp(_explode, V),
    "vmap": lambda: fgrad.vmap(_explode)(V),
    "make_jaxpr": lambda: fgrad.make_jaxpr(_explode)(V),
    "jacfwd": lambda: fgrad.jacfwd(_explode)(V),
    "jacrev": lambda: fgrad.jacrev(_explode)(V),
    "grad_vmap": lambda: fgrad.grad(lambda x: fgrad.vmap(_explode)(x).sum())(V),
    "vmap_grad": lambda: fgrad.vmap(fgrad.grad(_explode))(V),
    "grad_grad": lambda: fgrad.grad(fgrad.grad(_explode))(0.5),
    "jaxpr_of_grad": lambda: fgrad.make_jaxpr(fgrad.grad(_explode))(0.5),
}


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_exception_leaves_no_trace_state(name):
    with pytest.raises(Boom):
        TRANSFORMS[name]()
    assert current_trace() is EVAL_TRACE
    assert fgrad.grad(lambda x: fnp.sin(x) * x)(1.0) == pytest.approx(np.cos(1.0) + np.sin(1.0))


def test_two_threads_differentiate_at_once():
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def work(name, f, df, d2f):
        try:
            barrier.wait()
            out = []
            for x in np.linspace(0.1, 2.0, 40):
                out.append((fgrad.grad(f)(x), df(x)))
                out.append((fgrad.jvp(fgrad.grad(f), (x,), (1.0,))[1], d2f(x)))
            results[name] = out
        except Exception as e:  # reported below with the thread's name
            errors.append((name, e))

    jobs = {
        "sin": (lambda x: fnp.sin(x) * x, lambda x: np.cos(x) * x + np.sin(x),
                lambda x: 2 * np.cos(x) - x * np.sin(x)),
        "cube": (lambda x: x * x * x, lambda x: 3 * x * x, lambda x: 6 * x),
    }
    threads = [threading.Thread(target=work, args=(k, *fs)) for k, fs in jobs.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for name in jobs:
        for got, want in results[name]:
            assert got == pytest.approx(want, rel=1e-12), name
    assert current_trace() is EVAL_TRACE


def test_tree_structure_of_grads_matches_input():
    g = fgrad.grad(lambda p: _net(fnp)(p, X)["loss"])(PARAMS)
    assert tree_structure(g) == tree_structure(PARAMS)
