"""fgrad.jit: values against the unjitted function and jax.jit, composition with every
transform, the signature cache and its explanations, and the safety of the generated source."""

import ast
import logging
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fgrad
import fgrad.numpy as fnp
from fgrad import lax as P

# ----- functions under test, each with its JAX twin ------------------------------------------


def elementwise(xnp, x, y):
    return xnp.sum(xnp.sin(x) * y + xnp.exp(x) / (y + 2.0))


def dense(xnp, W, b, x):
    """tanh(x @ W + b) squared and summed: a matmul, a bias broadcast and a reduction."""
    return xnp.sum(xnp.tanh(x @ W + b) ** 2)


def f_elementwise(x, y):
    return elementwise(fnp, x, y)


def j_elementwise(x, y):
    return elementwise(jnp, x, y)


def f_dense(W, b, x):
    return dense(fnp, W, b, x)


def j_dense(W, b, x):
    return dense(jnp, W, b, x)


def f_multi(x):
    s = fnp.sin(x)
    return {"s": s, "sum": fnp.sum(s * x), "pair": (x, -s)}


@pytest.fixture
def data(rng):
    return {
        "x": rng.normal(size=5),
        "y": rng.uniform(0.5, 1.5, size=5),
        "W": rng.normal(size=(4, 3)),
        "b": rng.normal(size=3),
        "X": rng.normal(size=(6, 4)),
    }


def close(a, b, rtol=1e-12, atol=1e-12):
    for u, v in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=rtol, atol=atol)


# ----- values --------------------------------------------------------------------------------


def test_values_match_unjitted_exactly_and_jax(data):
    x, y, W, b, X = (data[k] for k in "xyWbX")
    np.testing.assert_array_equal(fgrad.jit(f_elementwise)(x, y), f_elementwise(x, y))
    np.testing.assert_array_equal(fgrad.jit(f_dense)(W, b, X), f_dense(W, b, X))
    close(fgrad.jit(f_elementwise)(x, y), jax.jit(j_elementwise)(x, y))
    close(fgrad.jit(f_dense)(W, b, X), jax.jit(j_dense)(W, b, X))


def test_pytree_outputs_kwargs_and_inputs_untouched(data):
    x = data["x"]
    before = x.copy()
    out = fgrad.jit(f_multi)(x)
    ref = f_multi(x)
    assert set(out) == {"s", "sum", "pair"} and isinstance(out["pair"], tuple)
    close(out, ref, 0, 0)
    np.testing.assert_array_equal(x, before)  # in-place rewrites never touch inputs

    def g(a, *, scale, extra=None):
        return a["u"] * scale, extra

    jg = fgrad.jit(g)
    out, extra = jg({"u": x}, scale=np.full(5, 2.0))
    np.testing.assert_array_equal(out, 2 * x)
    assert extra is None


def test_inplace_rewrite_keeps_live_values(rng):
    """A temporary that is also an output, or read again later, must not be overwritten."""

    def f(x):
        a = fnp.sin(x)
        b = a * a  # a is read again below: not reusable here
        c = b + a
        d = fnp.exp(c)  # c is an output: never written into
        return c, d + b

    x = rng.normal(size=(3, 4))
    close(fgrad.jit(f)(x), f(x), 0, 0)
    src = fgrad.jit(f).lower(x).source()
    assert "out=" in src


def test_broadcast_fusion_is_exact(rng):
    def f(x, b, c):
        xb = P.add(x, P.broadcast_in_dim(b, x.shape, (0,)))  # column vector: needs a reshape
        xc = P.mul(xb, P.broadcast_in_dim(c, x.shape, (1,)))  # row vector: trailing, free
        two = P.broadcast_in_dim(np.float64(2.0), x.shape, ())
        return P.sub(xc, two), P.broadcast_in_dim(b, x.shape, (0,))  # returned: materialised

    x, b, c = rng.normal(size=(3, 4)), rng.normal(size=3), rng.normal(size=4)
    out = fgrad.jit(f)(x, b, c)
    close(out, f(x, b, c), 0, 0)
    assert out[1].shape == (3, 4)


def test_float32_and_python_scalars(rng):
    x = rng.normal(size=4).astype(np.float32)

    out = fgrad.jit(lambda x, s: x * s)(x, 3.0)  # a weak Python scalar keeps float32
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, x * np.float32(3.0))


# ----- composition with transforms -----------------------------------------------------------


def test_grad_of_jit_and_jit_of_grad(data):
    W, b, X = data["W"], data["b"], data["X"]
    ref = jax.grad(j_dense, argnums=(0, 1))(W, b, X)
    close(fgrad.grad(fgrad.jit(f_dense), argnums=(0, 1))(W, b, X), ref)
    close(fgrad.jit(fgrad.grad(f_dense, argnums=(0, 1)))(W, b, X), ref)
    close(fgrad.jit(fgrad.grad(fgrad.jit(f_dense), argnums=(0, 1)))(W, b, X), ref)


def test_value_and_grad_under_outer_transform(data):
    x, y = data["x"], data["y"]
    g = fgrad.grad(lambda x: fgrad.grad(fgrad.jit(f_elementwise))(x, y)[0])(x)
    ref = jax.grad(lambda x: jax.grad(j_elementwise)(x, y)[0])(x)
    close(g, ref)


def test_vmap_of_jit_and_jit_of_vmap(data):
    X, y = data["X"], data["y"][:4]
    ref = jax.vmap(j_elementwise, in_axes=(0, None))(X, y)
    close(fgrad.vmap(fgrad.jit(f_elementwise), in_axes=(0, None))(X, y), ref)
    close(fgrad.jit(fgrad.vmap(f_elementwise, in_axes=(0, None)))(X, y), ref)
    close(fgrad.vmap(fgrad.jit(f_elementwise), in_axes=(1, None))(X.T, y), ref)


def test_jvp_and_linearize_of_jit(data):
    x, y = data["x"], data["y"]
    t = np.ones_like(x)
    ref = jax.jvp(j_elementwise, (x, y), (t, t))
    close(fgrad.jvp(fgrad.jit(f_elementwise), (x, y), (t, t)), ref)
    out, lin = fgrad.linearize(fgrad.jit(f_elementwise), x, y)
    close((out, lin(t, t)), ref)


def test_hessian_of_jit(data):
    x, y = data["x"], data["y"]
    ref = jax.hessian(j_elementwise)(x, y)
    close(fgrad.hessian(fgrad.jit(f_elementwise))(x, y), ref)
    close(fgrad.jit(fgrad.hessian(f_elementwise))(x, y), ref)


def test_jit_of_jit_is_inlined(data):
    x, y = data["x"], data["y"]
    inner = fgrad.jit(f_elementwise)
    outer = fgrad.jit(lambda x, y: inner(fnp.sin(x), y) * 2.0)
    close(outer(x, y), 2 * f_elementwise(np.sin(x), y))
    assert "jit[" in outer.lower(x, y).as_text()  # the staged jaxpr keeps the call ...
    assert len(outer.lower(x, y).source().splitlines()) > 8  # ... the code inlines its body
    close(fgrad.grad(outer)(x, y), jax.grad(lambda x, y: 2 * j_elementwise(jnp.sin(x), y))(x, y))


def test_make_jaxpr_shows_jit_equation(data):
    text = str(fgrad.make_jaxpr(fgrad.jit(f_elementwise))(data["x"], data["y"]))
    assert "jit[" in text and "name=f_elementwise" in text and "sin" in text


def test_closed_over_outer_tracers():
    g = fgrad.grad(lambda x: fgrad.jit(lambda y: x * y)(2.0))(3.0)
    assert g == 2.0
    h = fgrad.grad(lambda x: fgrad.jit(lambda y: x * x * y)(2.0))(3.0)
    assert h == 12.0
    v = fgrad.vmap(lambda x: fgrad.jit(lambda y: x * y)(np.ones(2)))(np.arange(3.0))
    np.testing.assert_array_equal(v, np.arange(3.0)[:, None] * np.ones(2))
    # the same jitted object, first under a transform then without: nothing stale is cached
    w = np.arange(3.0)
    jf = fgrad.jit(lambda y: y * w)
    np.testing.assert_array_equal(fgrad.grad(lambda y: fnp.sum(jf(y)))(w), w)
    np.testing.assert_array_equal(jf(w), w * w)


def test_grad_of_jit_stages_transforms_once(data):
    calls = []

    def f(x, y):
        calls.append(1)
        return f_elementwise(x, y)

    jf = fgrad.jit(f)
    g = fgrad.grad(jf)
    for _ in range(3):
        close(g(data["x"], data["y"]), jax.grad(j_elementwise)(data["x"], data["y"]))
    assert len(calls) == 1


# ----- static arguments and the cache ----------------------------------------------------------


def power_sum(x, n, *, mode="sum"):
    calls.append(n)
    y = x
    for _ in range(n - 1):
        y = y * x
    return fnp.sum(y) if mode == "sum" else y


calls: list = []


def test_static_argnums_and_argnames(rng):
    calls.clear()
    x = rng.normal(size=3)
    f = fgrad.jit(power_sum, static_argnums=1, static_argnames="mode")
    np.testing.assert_allclose(f(x, 3), np.sum(x**3))
    np.testing.assert_allclose(f(x, 3, mode="all"), x**3)
    np.testing.assert_allclose(f(x, n=3), np.sum(x**3))  # static by position, passed by name
    assert calls == [3, 3, 3]  # 'all' and the keyword call are new signatures
    f(x, 3)
    f(x, n=3)
    assert len(calls) == 3
    g = fgrad.jit(power_sum, static_argnames=("n",))  # static by name, passed by position
    np.testing.assert_allclose(g(x, 2), np.sum(x**2))
    np.testing.assert_allclose(fgrad.grad(g)(x, 2), 2 * x)


def test_cache_stages_once_per_signature(rng):
    count = []

    def f(x, y):
        count.append(1)
        return x * y

    jf = fgrad.jit(f)
    x = rng.normal(size=3)
    jf(x, x)
    jf(x, x + 1)
    assert len(count) == 1
    jf(rng.normal(size=4), rng.normal(size=4))  # new shape
    assert len(count) == 2
    jf(x.astype(np.float32), x.astype(np.float32))  # new dtype
    assert len(count) == 3
    jf(x, x)
    info = jf.cache_info()
    assert (info.hits, info.misses, info.currsize) == (2, 3, 3)


def test_new_static_value_stages_again(rng):
    calls.clear()
    f = fgrad.jit(power_sum, static_argnums=(1,))
    x = rng.normal(size=3)
    f(x, 2)
    f(x, 2)
    f(x, 4)
    assert calls == [2, 4]


def test_unhashable_static_argument_is_a_clear_error(rng):
    f = fgrad.jit(lambda x, shape: fnp.reshape(x, shape), static_argnums=1)
    with pytest.raises(TypeError, match=r"static argument 'shape' has unhashable type list"):
        f(np.arange(6.0), [2, 3])
    with pytest.raises(TypeError, match="static argument 'mode'"):
        fgrad.jit(power_sum, static_argnums=1, static_argnames="mode")(np.ones(2), 2, mode=[1])


def test_non_array_argument_suggests_static(rng):
    with pytest.raises(TypeError, match=r"argument 'n' is a str.*static_argnums"):
        fgrad.jit(lambda x, n: x)(np.ones(2), "three")


def test_explain_cache_misses(rng, caplog):
    calls.clear()
    f = fgrad.jit(power_sum, static_argnums=1)
    x = rng.normal(size=3)
    f(x, 2)
    assert "cache hit" in f.explain_cache_miss(x + 1, 2)
    msg = f.explain_cache_miss(rng.normal(size=(2, 2)), 2)
    assert "cache miss" in msg and "'x'" in msg and "shape (3,) -> (2, 2)" in msg
    assert "static argument 'n' changed: 2 -> 5" in f.explain_cache_miss(x, 5)
    assert "dtype float64 -> float32" in f.explain_cache_miss(x.astype(np.float32), 2)
    with caplog.at_level(logging.DEBUG, logger="fgrad.jit"):
        f(x, 7)
    assert "static argument 'n' changed: 2 -> 7" in caplog.text
    retraces = f.cache_info().retraces
    assert retraces[0] == "first call" and "'n'" in retraces[1]
    g = fgrad.jit(lambda tree: -tree["a"])
    g({"a": x})
    assert "structure" in g.explain_cache_miss({"a": x, "b": x})
    assert "weak type" in g.explain_cache_miss({"a": 1.0})


# ----- the generated source ------------------------------------------------------------------

_ALLOWED_NAME = re.compile(r"^(_[fklcs]\d+|[a-z]+_?|_fgrad_jitted)$")


def _check_source(src: str, forbidden: list[str]) -> None:
    tree = ast.parse(src)  # valid Python
    for s in forbidden:
        assert s not in src
    for node in ast.walk(tree):
        assert not isinstance(node, (ast.Constant, ast.JoinedStr, ast.Import, ast.ImportFrom))
        if isinstance(node, ast.Name):
            assert _ALLOWED_NAME.match(node.id), node.id
        if isinstance(node, ast.Attribute):
            assert node.attr in ("T", "reshape", "transpose")
        if isinstance(node, ast.keyword):
            assert node.arg in (None, "out")


def test_source_never_embeds_user_strings(rng):
    evil = "__import__('os').system('echo pwned')"

    class Evil:
        def __repr__(self):
            return evil

        __str__ = __repr__

        def __hash__(self):
            return 1

        def __eq__(self, other):
            return isinstance(other, Evil)

    def f(x, tag, tree):
        """\"\"\"; __import__('os') #"""
        return x * 2.0 + tree[evil], fnp.sin(tree[evil])

    f.__name__ = evil
    f.__qualname__ = evil
    jf = fgrad.jit(f, static_argnums=1)
    x = rng.normal(size=3)
    out = jf(x, Evil(), {evil: x})
    np.testing.assert_array_equal(out[0], 3 * x)
    lowered = jf.lower(x, Evil(), {evil: x})
    _check_source(lowered.source(), [evil, "__import__", "pwned", "os"])
    # values and params live in the namespace, not in the text
    src = fgrad.jit(f_dense).lower(rng.normal(size=(4, 3)), np.ones(3), np.ones((2, 4))).source()
    _check_source(src, [])
    assert "1.0" not in src and "2.0" not in src


def test_lower_as_text_and_source(data):
    lowered = fgrad.jit(f_elementwise).lower(data["x"], data["y"])
    text = lowered.as_text()
    assert text.startswith("{ lambda ") and "sin" in text and "exp" in text
    src = lowered.source()
    assert src.startswith("def _fgrad_jitted(a, b):")
    # at most one statement per equation (a broadcast scalar constant needs none)
    body = [ln for ln in src.splitlines()[1:-1] if not ln.strip().startswith("del ")]
    assert len(lowered.jaxpr.eqns) - 1 <= len(body) <= len(lowered.jaxpr.eqns)
    assert len(ast.parse(src).body[0].body) == len(src.splitlines()) - 1
    assert lowered.compile()(data["x"], data["y"])[0] == f_elementwise(data["x"], data["y"])
    annotated = lowered.source(annotated=True)
    assert "# sin" in annotated and "# exp" in annotated and "#" not in src


def test_errors_in_generated_code_name_the_equation():
    from fgrad.extend import Primitive

    boom_p = Primitive("boom")

    def impl(x):
        raise ValueError("boom impl failed")

    boom_p.def_impl(impl)
    boom_p.def_abstract_eval(lambda x: x)

    def f(x):
        return boom_p.bind(fnp.sin(x))

    with pytest.raises(ValueError, match="boom impl failed") as info:
        fgrad.jit(f)(np.ones(2))
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "'boom'" in notes and "test_jit.py" in notes


# ----- staging errors and scale --------------------------------------------------------------


def test_python_if_on_traced_argument():
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(fgrad.ConcretizationError, match=r"fgrad\.lax\.cond") as info:
        fgrad.jit(f)(1.0)
    assert "fnp.where" in str(info.value) and "static_argnums" in str(info.value)


def test_ten_thousand_equation_chain_compiles(rng):
    def chain(x, c):
        y = x
        for i in range(10_000):
            y = (fnp.sin, lambda v: v * c, lambda v: v + x, fnp.tanh)[i % 4](y)
        return y

    x, c = rng.uniform(-1, 1, 4), rng.uniform(0.5, 1.5, 4)
    lowered = fgrad.jit(chain).lower(x, c)
    assert len(lowered.jaxpr.eqns) == 10_000
    out = lowered.compile()(x, c)[0]
    y = x
    for i in range(10_000):
        y = (np.sin, lambda v: v * c, lambda v: v + x, np.tanh)[i % 4](y)
    np.testing.assert_array_equal(out, y)


def test_decorator_forms_and_edge_signatures():
    @fgrad.jit
    def nothing(x):
        return None

    @fgrad.jit(static_argnums=1, donate_argnums=0)
    def scale(x, k):
        return x * k

    assert nothing(np.ones(2)) is None
    np.testing.assert_array_equal(scale(np.ones(2), 3), np.full(2, 3.0))
    assert scale.__name__ == "scale" and "fgrad.jit" in repr(scale)
    count = []
    f = fgrad.jit(lambda x: count.append(1) or x + 1)
    f(np.array(1.0))
    f(np.float64(2.0))  # a 0-d array and a numpy scalar have the same signature
    assert len(count) == 1
    f(1.0)  # a Python float is weakly typed: a new signature
    assert len(count) == 2


def test_basic_indexing_of_traced_arrays():
    """x[t] on a staged array (the unrolled-RNN pattern) lowers to slice/reshape."""
    x = np.arange(24.0).reshape(4, 3, 2)
    f = fgrad.jit(lambda x: (x[1], x[..., 0], x[0, ::-1], x[:, None, 1]))
    for got, want in zip(f(x), (x[1], x[..., 0], x[0, ::-1], x[:, None, 1])):
        np.testing.assert_array_equal(got, want)


def test_static_values_of_different_types_do_not_share_a_trace():
    f = fgrad.jit(lambda x, k: x * k if isinstance(k, float) else x + k, static_argnums=1)
    x = np.ones(2)
    np.testing.assert_array_equal(f(x, 3), x + 3)
    np.testing.assert_array_equal(f(x, 3.0), x * 3.0)  # 3 == 3.0, same hash: still a new trace
    assert f.cache_info().misses == 2
    assert "static argument 'k' changed: 3 -> 3.0" in f.cache_info().retraces[1]


def test_jitted_methods():
    class Model:
        def __init__(self, w):
            self.w = w

        def __hash__(self):
            return id(self)

        @fgrad.jit
        def apply(self, x):
            return x * 2.0

        @fgrad.jit(static_argnums=0)
        def scaled(self, x):
            return x * self.w

    m = Model(3.0)
    x = np.ones(2)
    with pytest.raises(TypeError, match="argument 'self' is a Model"):
        m.apply(x)
    np.testing.assert_array_equal(m.scaled(x), 3 * x)
