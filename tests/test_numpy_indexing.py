"""Indexing (basic, advanced, mixed, boolean masks, traced indices, `.at`), the array API of
tracers (operators and methods under grad), and fgrad.numpy's error messages."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from fnp_checks import (
    JAX_SHAPES,
    assert_close,
    assert_like_numpy,
    bounded,
    check_jvp,
    check_staged,
    check_vjp,
    make,
    seeds,
    shapes,
)
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fgrad
import fgrad.numpy as fnp
from fgrad.core import eval_jaxpr

# ----- basic indexing ----------------------------------------------------------------------


@st.composite
def basic_case(draw, shape_strategy=shapes):
    shape = draw(shape_strategy)
    index = draw(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True))
    return shape, index


@bounded(60)
@given(case=basic_case(), dtype=st.sampled_from([np.float64, np.int32, np.bool_]), seed=seeds)
def test_basic_indexing_vs_numpy(case, dtype, seed):
    shape, index = case
    x = make(np.random.default_rng(seed), shape, dtype)
    assert_like_numpy(fnp.getitem(x, index), np.asarray(x[index]))
    check_staged(lambda v: v[index], x)


@bounded(8)
@given(case=basic_case(st.sampled_from(JAX_SHAPES + [(4, 3)])), seed=seeds)
def test_basic_indexing_vs_jax(case, seed):
    shape, index = case
    rng = np.random.default_rng(seed)
    x = make(rng, shape, np.float64)
    check_vjp(lambda v: v[index], lambda v: v[index], [x], rng)
    check_jvp(lambda v: v[index], [x], rng)


def test_negative_steps_and_empty_slices():
    x = np.arange(24.0).reshape(4, 6)
    for index in [np.s_[::-1], np.s_[:, ::-2], np.s_[-1:0:-3, 5:1:-1], np.s_[3:1], np.s_[:, 4:1],
                  np.s_[::-1, None, -2], np.s_[..., ::-4], np.s_[-2, ::-1], np.s_[1:-1:2, ...]]:
        assert_like_numpy(fnp.getitem(x, index), x[index])
        g = fgrad.grad(lambda v: (v[index] ** 2).sum())(x)
        want = np.zeros_like(x)
        want[index] = 2 * x[index]
        assert_close(g, want)


# ----- advanced and mixed indexing ---------------------------------------------------------


@st.composite
def advanced_case(draw, shape_strategy=shapes.filter(lambda s: len(s) > 0)):
    """An index mixing integer arrays (broadcastable, with negative and repeated entries),
    lists, ints, slices, None and Ellipsis, with at least one array."""
    shape = draw(shape_strategy)
    seed = draw(seeds)
    rng = np.random.default_rng(seed)
    adv = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))
    kinds = draw(st.lists(st.sampled_from(["array", "list", "int", "slice", "full"]),
                          min_size=len(shape), max_size=len(shape)))
    if "array" not in kinds and "list" not in kinds:
        kinds[draw(st.integers(0, len(shape) - 1))] = "array"
    index = []
    for n, kind in zip(shape, kinds):
        if kind == "array":
            sub = adv[draw(st.integers(0, len(adv))):]
            index.append(rng.integers(-n, n, sub))
        elif kind == "list":
            index.append(rng.integers(-n, n, adv[-1:]).tolist())
        elif kind == "int":
            index.append(int(rng.integers(-n, n)))
        elif kind == "slice":
            index.append(draw(st.sampled_from([slice(None, None, -1), slice(1, None),
                                               slice(None, None, 2), slice(-2, None, -1)])))
        else:
            index.append(slice(None))
    if draw(st.booleans()):
        index.insert(draw(st.integers(0, len(index))), None)
    if draw(st.booleans()) and isinstance(index[-1], slice) and index[-1] == slice(None):
        index[-1] = Ellipsis
    return shape, tuple(index)


@bounded(60)
@given(case=advanced_case(), dtype=st.sampled_from([np.float64, np.int64]), seed=seeds)
def test_advanced_indexing_vs_numpy(case, dtype, seed):
    shape, index = case
    x = make(np.random.default_rng(seed), shape, dtype)
    assert_like_numpy(fnp.getitem(x, index), x[index])
    check_staged(lambda v: v[index], x)


@bounded(8)
@given(case=advanced_case(st.sampled_from([(3,), (2, 3), (3, 1), (1, 2, 3), (4, 3)])),
       seed=seeds)
def test_advanced_indexing_vs_jax(case, seed):
    """Repeated indices: the cotangents of repeated positions add up (scatter-add)."""
    shape, index = case
    rng = np.random.default_rng(seed)
    x = make(rng, shape, np.float64)
    check_vjp(lambda v: v[index], lambda v: v[index], [x], rng)
    check_jvp(lambda v: v[index], [x], rng)


def test_repeated_indices_gradients_add_up():
    x = np.arange(4.0)
    assert_close(fgrad.grad(lambda v: v[[0, 0, 1, 0]].sum())(x), [3.0, 1.0, 0.0, 0.0])
    m = np.arange(6.0).reshape(2, 3)
    g = fgrad.grad(lambda v: (v[[1, 1], [2, 2]] * np.array([2.0, 5.0])).sum())(m)
    assert_close(g, [[0, 0, 0], [0, 0, 7.0]])
    h = fgrad.grad(lambda v: (v[:, [0, 0]] ** 2).sum())(m)
    assert_close(h, jax.grad(lambda v: (v[:, jnp.array([0, 0])] ** 2).sum())(m))


@pytest.mark.parametrize("where", ["front", "last", "middle", "all"])
def test_boolean_masks_vs_numpy_and_jax(where, rng):
    x = rng.standard_normal((3, 4, 2))
    mask = {"front": x[:, 0, 0] > 0, "last": x[0, 0] > -10, "middle": x[0] > 0, "all": x > 0}[where]
    index = {"front": (mask,), "last": (Ellipsis, mask), "middle": (1, mask),
             "all": (mask,)}[where]
    assert_like_numpy(fnp.getitem(x, index), x[index])
    check_vjp(lambda v: v[index], lambda v: v[index], [x], rng)
    # a mask computed from the differentiated value is concrete under grad
    g = fgrad.grad(lambda v: (v[v > 0] ** 2).sum())(x)
    assert_close(g, np.where(x > 0, 2 * x, 0))


def test_traced_integer_indices():
    """Integer index arrays that are themselves traced: staged, vmapped, and as a
    non-differentiated vjp argument; negative traced indices count from the end."""
    x = np.arange(12.0).reshape(3, 4)
    idx = np.array([[2, -1], [0, -3]])
    closed = fgrad.make_jaxpr(lambda v, i: v[i, 1:])(x, idx)
    assert [e.prim.name for e in closed.eqns].count("gather") == 1
    assert_like_numpy(eval_jaxpr(closed.jaxpr, closed.consts, x, idx)[0], x[idx, 1:])
    assert_like_numpy(fgrad.vmap(lambda i: fnp.getitem(x, i))(idx), x[idx])
    out, pull = fgrad.vjp(lambda v, i: v[:, i].sum(), x, idx)
    gx, _ = pull(np.float64(1.0))
    want = jax.grad(lambda v: v[:, jnp.asarray(idx)].sum())(x)
    assert_close(gx, want)
    scalar = fgrad.make_jaxpr(lambda v, i: v[i])(x, np.int64(-1))
    assert_like_numpy(eval_jaxpr(scalar.jaxpr, scalar.consts, x, np.int64(-1))[0], x[-1])


# ----- .at -----------------------------------------------------------------------------------


def test_at_add_set_get_vs_jax(rng):
    x = rng.standard_normal((4, 3))
    v = rng.standard_normal((2, 3))
    cases = [
        (lambda a, u: a.at[[0, 2]].add(u), lambda a, u: a.at[jnp.array([0, 2])].add(u)),
        (lambda a, u: a.at[[1, 1]].add(u), lambda a, u: a.at[jnp.array([1, 1])].add(u)),
        (lambda a, u: a.at[[3, 0]].set(u), lambda a, u: a.at[jnp.array([3, 0])].set(u)),
        (lambda a, u: a.at[1:3].set(u * 2), lambda a, u: a.at[1:3].set(u * 2)),
        (lambda a, u: a.at[0, ::-1].add(u[1]), lambda a, u: a.at[0, ::-1].add(u[1])),
        (lambda a, u: a.at[[0, 1], 2].get() + u[0, :2],
         lambda a, u: a.at[jnp.array([0, 1]), 2].get() + u[0, :2]),
        (lambda a, u: a.at[:, 1].set(1.5) * u.sum(), lambda a, u: a.at[:, 1].set(1.5) * u.sum()),
    ]
    for f, g in cases:
        check_vjp(f, g, [x, v], rng)
    out = fgrad.vjp(lambda a: a.at[[0, 0]].set(np.float64(7.0)), x)[0]
    assert_close(out[0], [7.0, 7.0, 7.0])


# ----- the tracer array API under grad -----------------------------------------------------

OPERATOR_FUNCTIONS = {
    "arith": lambda xp, x, y: (x + y) * (x - y) / (y * y + 1) + x % 0.7 - 2 * x // 1.5,
    "rops": lambda xp, x, y: (1 + x) - (2 - y) * (3 * x) / (4 / (y + 3)) + 0.5 % (x * x + 1),
    "pow": lambda xp, x, y: (x ** 2 + x ** 3 - 2 ** y + (y * y + 1) ** 0.5 + (x * x + 1) ** y),
    "unary": lambda xp, x, y: -x + abs(y) + (+x) * 2,
    "matmul": lambda xp, x, y: x @ y.T + (x.T @ y).sum() + x[0] @ y[0],
    "compare": lambda xp, x, y: xp.where((x > y) & (x >= 0) | ~(y < 0.5), x, y * 2)
    + xp.where((x == y) | (x != 0) & (y <= x), 1.0, x),
    "getitem": lambda xp, x, y: x[0] * y[-1, ::-1] + x[:, 1].sum() + x[xp.asarray([1, 0, 1])].sum(),
    "iterate": lambda xp, x, y: sum(row * r for row, r in zip(x, y)) + len(x),
}
METHOD_FUNCTIONS = {
    "shape": lambda xp, x, y: x.T.reshape(2, 3).reshape((3, -1)).transpose(1, 0).ravel()
    + x.flatten() + x.swapaxes(0, 1).transpose((1, 0)).ravel() + x.mT.T.ravel(),
    "squeeze": lambda xp, x, y: x[:1].squeeze() + x[None].squeeze(axis=0).sum(axis=0),
    "reduce": lambda xp, x, y: x.sum() + x.sum(axis=0, keepdims=True) + x.mean(axis=1).sum()
    + x.max() * x.min(axis=-1).sum() + x.prod(axis=0) + x.var() + y.std(axis=0, ddof=1),
    "cumsum": lambda xp, x, y: x.cumsum(axis=1) * y.cumsum()[:2],
    "astype": lambda xp, x, y: x.astype(np.float32).astype(np.float64) * 2 + y.clip(-0.5, 0.5),
    "dot": lambda xp, x, y: x.dot(y.T).sum() + x.real + x.imag + x.conj() + x.conjugate(),
    "arg": lambda xp, x, y: x[x.argmax(axis=0), xp.arange(2)] + y.ravel()[y.argmin()]
    + (x > 0).any() + (y > -5).all(axis=0),
}


def _run(fn, mod, x, y):
    out = fn(mod, x, y)
    return (out * out).sum() if np.ndim(out) else out * 1.0


@pytest.mark.parametrize("name", sorted({**OPERATOR_FUNCTIONS, **METHOD_FUNCTIONS}))
def test_tracer_operators_and_methods_under_grad_vs_jax(name, rng):
    fn = {**OPERATOR_FUNCTIONS, **METHOD_FUNCTIONS}[name]
    x, y = rng.uniform(0.2, 1.5, (3, 2)), rng.uniform(-1.0, 1.0, (3, 2))
    got = fgrad.grad(lambda a, b: _run(fn, fnp, a, b), argnums=(0, 1))(x, y)
    want = jax.grad(lambda a, b: _run(fn, jnp, a, b), argnums=(0, 1))(x, y)
    for g, w in zip(got, want):
        assert_close(g, w)
    check_staged(lambda a, b: _run(fn, fnp, a, b), x, y)


def test_var_method_on_staged_tracer():
    check_staged(lambda a: a.var(), np.arange(3.0))


def test_operators_with_numpy_arrays_on_the_left():
    """ndarray op tracer defers to the tracer (its __array_priority__), keeping numpy order."""
    c = np.array([1.0, 2.0, 3.0])
    g = fgrad.grad(lambda v: (c - v + c * v - c / v + c ** v + (c @ v)).sum())(np.ones(3))
    assert_close(g, jax.grad(lambda v: (c - v + c * v - c / v + c ** v + (c @ v)).sum())(
        np.ones(3)))
    assert fgrad.grad(lambda v: (np.float32(2) * v).sum())(np.ones(2, np.float32)).dtype == \
        np.float32


# ----- errors ------------------------------------------------------------------------------


def test_index_errors_are_numpys():
    x = np.ones((3, 4))
    with pytest.raises(IndexError, match="index 5 is out of bounds for axis 0 with size 3"):
        fnp.getitem(x, 5)
    with pytest.raises(IndexError, match="index -5 is out of bounds for axis 1 with size 4"):
        fgrad.grad(lambda v: v[0, -5])(x)
    with pytest.raises(IndexError, match="index 4 is out of bounds for axis 1 with size 4"):
        fgrad.grad(lambda v: v[:, [0, 4]].sum())(x)
    with pytest.raises(IndexError, match="too many indices for array: array is 2-dimensional"):
        fnp.getitem(x, (0, 0, 0))
    with pytest.raises(IndexError, match="single ellipsis"):
        fnp.getitem(x, (Ellipsis, 0, Ellipsis))
    with pytest.raises(IndexError, match="only integers, slices"):
        fnp.getitem(x, 1.5)
    with pytest.raises(IndexError, match="boolean index did not match"):
        fnp.getitem(x, np.array([True, False]))


def test_traced_boolean_mask_error_suggests_where():
    with pytest.raises(fgrad.ConcretizationError, match="fnp.where"):
        fgrad.make_jaxpr(lambda v: v[v > 0])(np.ones(3))


def test_bitwise_on_integers_and_unknown_attributes_are_clear_errors():
    with pytest.raises(TypeError, match="bitwise"):
        fgrad.make_jaxpr(lambda i: i & 1)(np.arange(3))
    with pytest.raises(TypeError, match="bitwise"):
        fgrad.make_jaxpr(lambda i: ~i)(np.arange(3))
    with pytest.raises(AttributeError, match="no attribute 'frobnicate'"):
        fgrad.grad(lambda v: v.frobnicate())(1.0)


def test_out_argument_is_refused():
    with pytest.raises(NotImplementedError, match="out="):
        fnp.sum(np.ones(3), out=np.zeros(()))


def test_at_under_vmap_matches_loop(rng):
    a, b = rng.standard_normal((4, 3, 3)), rng.standard_normal((4, 3))
    got = fgrad.vmap(lambda u, v: u.at[[1, 1]].add(v).at[0, ::-1].set(v * 2))(a, b)
    want = np.stack([jnp.asarray(a[i]).at[jnp.array([1, 1])].add(b[i]).at[0, ::-1].set(b[i] * 2)
                     for i in range(4)])
    assert_close(got, want)


def test_small_integer_index_dtypes_do_not_overflow():
    x = np.arange(300.0)
    for idx in (np.array([3, 255], np.uint8), np.array([-1, 100], np.int8)):
        assert_like_numpy(fnp.getitem(x, idx), x[idx])
        closed = fgrad.make_jaxpr(lambda v, i: v[i])(x, idx)
        assert_like_numpy(closed(x, idx)[0], x[idx])
