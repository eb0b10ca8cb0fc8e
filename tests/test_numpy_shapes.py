"""fgrad.numpy shape manipulation, joining, selection (where, clip) and creation: exact
numpy results on concrete inputs, staging, and derivatives against jax (x64)."""

import jax.numpy as jnp
import numpy as np
import pytest
from fnp_checks import (
    assert_close,
    assert_like_numpy,
    bounded,
    check_staged,
    check_vjp,
    jax_pairs,
    jax_shapes,
    make,
    same_error,
    seeds,
    shapes,
    tol,
)
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fgrad
import fgrad.numpy as fnp

# ----- reshape, transpose and friends: one strategy draws the op's arguments for a shape -----


@st.composite
def reshape_target(draw, shape):
    n = int(np.prod(shape))
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    d = draw(st.sampled_from(divisors))
    return draw(st.sampled_from([(n,), (-1,), (d, -1), (1, d, n // d), (-1, 1, d), ()] if n == 1
                                else [(n,), (-1,), (d, -1), (1, d, n // d), (-1, 1, d)]))


@st.composite
def shape_op(draw, shape_strategy=shapes):
    """(name, shape, kwargs) for one shape operation with valid, numpy-style arguments."""
    shape = draw(shape_strategy)
    nd = len(shape)
    axis = st.integers(-nd, nd - 1) if nd else st.nothing()
    options = ["reshape", "ravel", "transpose", "squeeze", "expand_dims", "broadcast_to"]
    if nd:
        options += ["swapaxes", "moveaxis"]
    name = draw(st.sampled_from(options))
    if name == "reshape":
        kw = dict(shape=draw(reshape_target(shape)))
    elif name == "transpose":
        kw = dict(axes=draw(st.one_of(st.none(), st.permutations(range(nd)).map(
            lambda p: tuple(a - nd if a % 2 else a for a in p)))))
    elif name == "squeeze":
        ones = [i for i, s in enumerate(shape) if s == 1]
        kw = dict(axis=draw(st.one_of(st.none(), st.lists(st.sampled_from(ones), unique=True)
                                      .map(tuple))) if ones else None)
    elif name == "expand_dims":
        k = draw(st.integers(1, 2))
        kw = dict(axis=tuple(draw(st.lists(st.integers(-nd - k, nd + k - 1), min_size=k,
                                           max_size=k, unique_by=lambda a: a % (nd + k)))))
    elif name == "broadcast_to":
        lead = draw(st.lists(st.integers(1, 3), max_size=2))
        kw = dict(shape=tuple(lead) + tuple(draw(st.sampled_from([s, 3])) if s == 1 else s
                                           for s in shape))
    elif name == "swapaxes":
        kw = dict(axis1=draw(axis), axis2=draw(axis))
    elif name == "moveaxis":
        src = draw(st.lists(st.integers(0, nd - 1), unique=True, min_size=1, max_size=nd))
        dst = draw(st.lists(st.integers(-nd, nd - 1), unique_by=lambda a: a % nd,
                            min_size=len(src), max_size=len(src)))
        kw = dict(source=src, destination=dst)
    else:
        kw = {}
    return name, shape, kw


@bounded(60)
@given(case=shape_op(), dtype=st.sampled_from([np.float64, np.float32, np.int64, np.bool_]),
       seed=seeds)
def test_shape_ops_vs_numpy(case, dtype, seed):
    name, shape, kw = case
    x = make(np.random.default_rng(seed), shape, dtype)
    f = lambda v: getattr(fnp, name)(v, **kw)  # noqa: E731
    assert_like_numpy(f(x), getattr(np, name)(x, **kw))
    check_staged(f, x)


@bounded(20)
@given(case=shape_op(jax_shapes), seed=seeds)
def test_shape_ops_vs_jax(case, seed):
    name, shape, kw = case
    rng = np.random.default_rng(seed)
    x = make(rng, shape, np.float64)
    check_vjp(lambda v: getattr(fnp, name)(v, **kw), lambda v: getattr(jnp, name)(v, **kw),
              [x], rng)


def test_shape_errors_are_numpys():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="cannot reshape array of size 6 into shape"):
        fnp.reshape(x, (4, -1))
    with pytest.raises(ValueError, match="only specify one unknown dimension"):
        fnp.reshape(x, (-1, -1))
    with pytest.raises(ValueError, match="axes don't match array"):
        fnp.transpose(x, (0,))
    with pytest.raises(ValueError, match="size not equal to one"):
        fnp.squeeze(x, 0)
    with pytest.raises(np.exceptions.AxisError):
        fnp.swapaxes(x, 0, 2)
    with pytest.raises(np.exceptions.AxisError):
        fgrad.grad(lambda v: fnp.expand_dims(v, 4).sum())(x)
    with pytest.raises(ValueError, match="broadcast"):
        fnp.broadcast_to(x, (3, 3))
    with pytest.raises(ValueError, match="same number of elements"):
        fnp.moveaxis(x, (0, 1), (0,))


# ----- concatenate and stack ---------------------------------------------------------------


@st.composite
def join_case(draw, shape_strategy=shapes, stack=False):
    shape = list(draw(shape_strategy.filter(lambda s: stack or len(s) > 0)))
    nd = len(shape)
    k = draw(st.integers(1, 3))
    if stack:
        axis = draw(st.integers(-nd - 1, nd))
        return [tuple(shape)] * k, axis
    axis = draw(st.integers(-nd, nd - 1))
    sizes = draw(st.lists(st.integers(0, 3), min_size=k, max_size=k))
    out = []
    for s in sizes:
        shape[axis] = s
        out.append(tuple(shape))
    return out, axis


@bounded(30)
@given(case=join_case(), dtypes=st.lists(st.sampled_from([np.float64, np.float32, np.int32,
                                                          np.bool_]), min_size=3, max_size=3),
       seed=seeds)
def test_concatenate_vs_numpy(case, dtypes, seed):
    rng = np.random.default_rng(seed)
    shape_list, axis = case
    xs = [make(rng, s, d) for s, d in zip(shape_list, dtypes)]
    assert_like_numpy(fnp.concatenate(xs, axis=axis), np.concatenate(xs, axis=axis))
    assert_like_numpy(fnp.concatenate(xs, axis=None), np.concatenate(xs, axis=None))
    check_staged(lambda *vs: fnp.concatenate(vs, axis=axis), *xs)


@bounded(30)
@given(case=join_case(stack=True), dtype=st.sampled_from([np.float64, np.int64]), seed=seeds)
def test_stack_vs_numpy(case, dtype, seed):
    rng = np.random.default_rng(seed)
    shape_list, axis = case
    xs = [make(rng, s, dtype) for s in shape_list]
    assert_like_numpy(fnp.stack(xs, axis=axis), np.stack(xs, axis=axis))
    check_staged(lambda *vs: fnp.stack(vs, axis=axis), *xs)


@bounded(6)
@given(concat=join_case(jax_shapes), stack=join_case(jax_shapes, stack=True), seed=seeds)
def test_concatenate_and_stack_vs_jax(concat, stack, seed):
    rng = np.random.default_rng(seed)
    xs = [make(rng, s, np.float64) for s in concat[0]]
    check_vjp(lambda *vs: fnp.concatenate(vs, axis=concat[1]),
              lambda *vs: jnp.concatenate(vs, axis=concat[1]), xs, rng)
    ys = [make(rng, s, np.float64) for s in stack[0]]
    check_vjp(lambda *vs: fnp.stack(vs, axis=stack[1]),
              lambda *vs: jnp.stack(vs, axis=stack[1]), ys, rng)


def test_join_errors_are_numpys():
    with pytest.raises(ValueError, match="zero-dimensional arrays cannot be concatenated"):
        fnp.concatenate([np.float64(1), np.float64(2)])
    with pytest.raises(ValueError, match="index 0 has size 3 and the array at index 1 has size 2"):
        fnp.concatenate([np.ones((2, 3)), np.ones((2, 2))])
    with pytest.raises(ValueError, match="same number of dimensions"):
        fnp.concatenate([np.ones((2, 3)), np.ones(3)])
    with pytest.raises(ValueError, match="all input arrays must have the same shape"):
        fnp.stack([np.ones(2), np.ones(3)])
    with pytest.raises(ValueError, match="need at least one array"):
        fnp.concatenate([])


# ----- where and clip ----------------------------------------------------------------------

three_shapes = hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)
OPERAND_DTYPES = [np.float64, np.float32, np.int32, np.bool_, "pyfloat", "pyint"]


@bounded(30)
@given(shapes=three_shapes, dx=st.sampled_from(OPERAND_DTYPES),
       dy=st.sampled_from(OPERAND_DTYPES), seed=seeds)
def test_where_vs_numpy(shapes, dx, dy, seed):
    rng = np.random.default_rng(seed)
    (sc, sx, sy), _ = shapes
    cond = make(rng, sc, rng.choice([np.bool_, np.int64, np.float64]))
    x, y = make(rng, sx, dx), make(rng, sy, dy)
    assert_like_numpy(fnp.where(cond, x, y), np.where(cond, x, y))
    check_staged(fnp.where, cond, x, y)


@bounded(6)
@given(shapes=jax_pairs, seed=seeds)
def test_where_vs_jax(shapes, seed):
    rng = np.random.default_rng(seed)
    x, y = make(rng, shapes[0], np.float64), make(rng, shapes[1], np.float64)
    f = lambda u, v: fnp.where(u > v, u * v, fnp.sin(v))  # noqa: E731
    g = lambda u, v: jnp.where(u > v, u * v, jnp.sin(v))  # noqa: E731
    check_vjp(f, g, [x, y], rng)


def test_where_one_argument():
    cond = np.array([[True, False], [False, True]])
    for got, want in zip(fnp.where(cond), np.where(cond)):
        assert_like_numpy(got, want)
    with pytest.raises(fgrad.ConcretizationError, match="three-argument form"):
        fgrad.make_jaxpr(lambda c: fnp.where(c))(cond)
    with pytest.raises(ValueError, match="both or neither"):
        fnp.where(cond, 1.0)


CLIP_BOUNDS = [
    dict(a_min=-0.5, a_max=0.5), dict(a_min=None, a_max=0.3), dict(a_min=-0.2, a_max=None),
    dict(min=-0.5, max=0.5), dict(max=0.0), dict(a_min=0, a_max=1),
    dict(a_min=np.float32(-0.5), a_max=np.float64(0.5)), dict(a_min=0.5, a_max=-0.5),
]


@pytest.mark.parametrize("bounds", CLIP_BOUNDS, ids=str)
@bounded(10)
@given(shape=shapes, dtype=st.sampled_from([np.float64, np.float32, np.int32]), seed=seeds)
def test_clip_vs_numpy(bounds, shape, dtype, seed):
    x = make(np.random.default_rng(seed), shape, dtype)
    want = same_error(lambda: np.clip(x, **bounds), lambda: fnp.clip(x, **bounds))
    if want is not None:
        assert_like_numpy(fnp.clip(x, **bounds), want, **tol(want.dtype))
        check_staged(lambda v: fnp.clip(v, **bounds), x)


@pytest.mark.parametrize("bounds", CLIP_BOUNDS[:5], ids=str)
def test_clip_vs_jax(bounds, rng):
    x = rng.uniform(-1, 1, (3, 2))
    jb = {k.replace("a_", ""): v for k, v in bounds.items()}
    check_vjp(lambda v: fnp.clip(v, **bounds), lambda v: jnp.clip(v, **jb), [x], rng)
    check_vjp(lambda v: v.clip(-0.5, 0.5), lambda v: v.clip(-0.5, 0.5), [x], rng)


def test_clip_with_traced_bounds_vs_jax(rng):
    x, lo, hi = rng.uniform(-1, 1, (3, 2)), rng.uniform(-1, 0, (2,)), np.array(0.4)
    check_vjp(fnp.clip, jnp.clip, [x, lo, hi], rng)


# ----- shape queries and result_type -------------------------------------------------------


def test_shape_queries_on_tracers():
    seen = {}

    def f(x):
        seen.update(shape=fnp.shape(x), ndim=fnp.ndim(x), size=fnp.size(x),
                    size1=fnp.size(x, 1), rt=fnp.result_type(x, 2.0), rt_int=fnp.result_type(x, 1),
                    rt_arr=fnp.result_type(x, np.float64))
        return x.sum()

    fgrad.grad(f)(np.ones((2, 3), np.float32))
    assert seen == dict(shape=(2, 3), ndim=2, size=6, size1=3, rt=np.float32,
                        rt_int=np.float32, rt_arr=np.float64)
    assert fnp.shape(3.0) == () and fnp.ndim([[1, 2]]) == 2 and fnp.size(np.ones((2, 2))) == 4
    assert fnp.result_type(np.int8, 1.0) == np.result_type(np.int8, 1.0)


# ----- creation ----------------------------------------------------------------------------

CREATION = [
    ("zeros", ((2, 3),), {}), ("zeros", (3,), dict(dtype=np.int32)), ("ones", ((2,),), {}),
    ("ones", ((),), dict(dtype=bool)), ("empty", ((0, 2),), {}), ("full", ((2, 2), 1.5), {}),
    ("full", (3, 7), {}), ("full", ((2,), np.float32(2)), {}),
    ("full", ((2, 3), [1, 2, 3]), dict(dtype=np.float32)),
    ("arange", (5,), {}), ("arange", (1, 7, 2), {}), ("arange", (0.0, 1.0, 0.25), {}),
    ("arange", (5,), dict(dtype=np.float32)), ("arange", (3, -3, -2), {}),
    ("linspace", (0, 1, 5), {}), ("linspace", (0, 1), dict(num=4, endpoint=False)),
    ("linspace", (np.float32(0), np.float32(2), 3), {}), ("linspace", (0, 10, 4), dict(dtype=int)),
    ("linspace", ([0, 1], [2, 3], 3), dict(axis=1)), ("linspace", (1, 2, 1), {}),
    ("eye", (3,), {}), ("eye", (2, 4), dict(k=1, dtype=np.int64)), ("identity", (3,), {}),
    ("array", ([[1, 2], [3, 4]],), {}), ("array", ([1.0, 2],), dict(dtype=np.float32)),
    ("array", (3.0,), dict(ndmin=2)), ("asarray", ([True, False],), {}),
    ("asarray", ((1, 2.5),), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CREATION, ids=[f"{c[0]}{c[1]}" for c in CREATION])
def test_creation_vs_numpy(name, args, kwargs):
    assert_like_numpy(getattr(fnp, name)(*args, **kwargs), getattr(np, name)(*args, **kwargs))


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "empty_like"])
def test_like_creation(name):
    x = np.ones((2, 3), np.float32)
    got = getattr(fnp, name)(x)
    assert got.shape == (2, 3) and got.dtype == np.float32
    assert getattr(fnp, name)(x, dtype=int, shape=(4,)).dtype == np.int64
    assert_like_numpy(fnp.full_like(x, 2), np.full_like(x, 2))
    assert_like_numpy(fnp.zeros_like(3.0), np.zeros_like(3.0))

    def f(v):
        z = getattr(fnp, name)(v)
        assert z.shape == v.shape and z.dtype == v.dtype
        return (v * 2 + (z if name != "empty_like" else 0)).sum()

    assert fgrad.grad(f)(x).dtype == np.float32


def test_traced_creation_vs_jax(rng):
    x, y = np.array(0.3), np.array(1.7)
    check_vjp(lambda a, b: fnp.linspace(a, b, 5), lambda a, b: jnp.linspace(a, b, 5), [x, y], rng)
    check_vjp(lambda a, b: fnp.linspace(a, b, 4, endpoint=False),
              lambda a, b: jnp.linspace(a, b, 4, endpoint=False), [x, y], rng)
    v = rng.standard_normal(3)
    check_vjp(lambda a: fnp.full((2, 3), a), lambda a: jnp.full((2, 3), a), [v], rng)
    check_vjp(lambda a: fnp.full_like(np.ones((2, 3)), a[0]),
              lambda a: jnp.full_like(np.ones((2, 3)), a[0]), [v], rng)
    check_vjp(lambda a, b: fnp.array([[a, b], [b, 2.0]]),
              lambda a, b: jnp.array([[a, b], [b, 2.0]]), [x, y], rng)
    check_vjp(lambda a: fnp.asarray([a, a * 2], dtype=np.float32),
              lambda a: jnp.asarray([a, a * 2], dtype=np.float32), [v], rng, **tol(np.float32))


def test_traced_creation_staged_and_errors():
    check_staged(lambda a, b: fnp.linspace(a, b, 5, axis=-1), np.zeros(2), np.ones(2))
    check_staged(lambda a: fnp.array([a, 1.0, a]), 2.0)
    with pytest.raises(fgrad.ConcretizationError):
        fgrad.make_jaxpr(lambda n: fnp.arange(n))(3)
    with pytest.raises(ValueError, match="inhomogeneous"):
        fgrad.grad(lambda a: fnp.array([a, np.ones(2)]).sum())(1.0)


# ----- vmap of fgrad.numpy functions equals a Python loop -----------------------------------

VMAPPED = {
    "matmul": lambda a, b: fnp.matmul(a, b.T) + a @ b[0],
    "reductions": lambda a, b: fnp.sum(a, axis=0) * fnp.max(b) + fnp.mean(a * b, keepdims=True)[0]
    + fnp.prod(a, axis=-1).sum() + fnp.std(b) + fnp.cumsum(a, axis=1)[-1],
    "select": lambda a, b: fnp.where(a > b, a, b) + fnp.clip(a, -0.2, b) + fnp.maximum(a, 0.1),
    "index": lambda a, b: a[::-1, 1:] + b[[0, 0, 2], :2] + a[fnp.argmax(b, axis=0)][:, :2]
    + fnp.getitem(a, (slice(None), [2, 0])),
    "shape": lambda a, b: fnp.concatenate([a, b], axis=1).reshape(-1, 3)[:3]
    + fnp.stack([a, b])[1] + fnp.moveaxis(fnp.expand_dims(a, 0), 0, -1)[..., 0],
}


@pytest.mark.parametrize("name", sorted(VMAPPED))
def test_vmap_matches_loop(name, rng):
    f = VMAPPED[name]
    a, b = rng.standard_normal((4, 3, 3)), rng.standard_normal((4, 3, 3))
    want = np.stack([f(a[i], b[i]) for i in range(4)])
    assert_like_numpy(fgrad.vmap(f)(a, b), want)
    want_b = np.stack([f(a[i], b[0]) for i in range(4)])
    assert_like_numpy(fgrad.vmap(f, in_axes=(0, None))(a, b[0]), want_b)
    g = fgrad.vmap(fgrad.grad(lambda u, v: fnp.sum(f(u, v) ** 2)))(a, b)
    want_g = np.stack([fgrad.grad(lambda u, v: fnp.sum(f(u, v) ** 2))(a[i], b[i])
                       for i in range(4)])
    assert_close(g, want_g)
