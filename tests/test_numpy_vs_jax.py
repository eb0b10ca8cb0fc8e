"""fgrad.numpy against numpy (exact dtypes, shapes and values on concrete inputs) and against
jax.numpy (values, vjp and jvp, x64) on hypothesis-drawn shapes, including scalars and size-1
axes, broadcasting pairs and mixed dtypes. Indexing and the tracer array API are tested in
test_numpy_indexing.py."""

import jax.numpy as jnp
import numpy as np
import pytest
from fnp_checks import (
    assert_close,
    assert_like_numpy,
    bounded,
    check_jvp,
    check_low_precision,
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

# ----- elementwise, one operand ------------------------------------------------------------

UNARY = [
    # name, domain, differentiable
    ("sin", "any", True), ("cos", "any", True), ("tan", "tan", True), ("tanh", "any", True),
    ("arcsin", "unit", True), ("arccos", "unit", True), ("arctan", "any", True),
    ("exp", "exp", True), ("log", "pos", True), ("log1p", "gt-1", True),
    ("expm1", "exp", True), ("sqrt", "pos", True), ("square", "any", True),
    ("reciprocal", "nonzero", True), ("negative", "any", True), ("positive", "any", True),
    ("abs", "nonzero", True), ("absolute", "nonzero", True), ("sign", "nonzero", True),
    ("floor", "frac", True), ("ceil", "frac", True), ("trunc", "frac", True),
    ("logical_not", "any", False),
]
DTYPES = [np.float64, np.float32, np.int64, np.int32, np.bool_]


@pytest.mark.parametrize("name,domain,diff", UNARY, ids=[u[0] for u in UNARY])
@bounded(15)
@given(shape=shapes, dtype=st.sampled_from(DTYPES), seed=seeds)
def test_unary_vs_numpy(name, domain, diff, shape, dtype, seed):
    if name == "reciprocal" and dtype == np.bool_:
        return  # numpy's integer 1 / False is undefined
    rng = np.random.default_rng(seed)
    x = make(rng, shape, dtype, domain)
    f, ref = getattr(fnp, name), getattr(np, name)
    want = same_error(lambda: ref(x), lambda: f(x))
    if want is None:
        return
    assert_like_numpy(f(x), want, **tol(np.asarray(want).dtype))
    check_staged(f, x)


@pytest.mark.parametrize("name,domain,diff", UNARY, ids=[u[0] for u in UNARY])
@bounded(4)
@given(shape=jax_shapes, seed=seeds)
def test_unary_vs_jax(name, domain, diff, shape, seed):
    rng = np.random.default_rng(seed)
    x = make(rng, shape, np.float64, domain)
    f, ref = getattr(fnp, name), getattr(jnp, name)
    if not diff:
        assert_close(f(x), ref(jnp.asarray(x)))
        return
    check_vjp(f, ref, [x], rng)
    check_jvp(f, [x], rng)
    check_low_precision(f, [x], rng)


def test_python_and_numpy_scalars_keep_numpys_types():
    assert fnp.sin(np.float32(1)).dtype == np.float32
    assert type(fnp.sin(np.float32(1))) is np.float32
    assert type(fnp.sin(1.0)) is np.float64
    assert type(fnp.sum(np.arange(3))) is np.int64
    assert fnp.mean(np.arange(4, dtype=np.int32)).dtype == np.float64
    assert fnp.true_divide(np.arange(3), 2).dtype == np.float64
    assert fnp.add(np.ones(2, np.float32), 2.0).dtype == np.float32
    assert fnp.add(np.ones(2, np.float32), np.float64(2.0)).dtype == np.float64
    assert fnp.add(np.ones(2, np.int8), 3).dtype == np.int8
    assert fnp.multiply(np.ones(2, np.int32), 1.5).dtype == np.float64
    assert fnp.sqrt(np.ones(2, np.int8)).dtype == np.float16
    assert fnp.float32 is np.float32 and fnp.int64 is np.int64 and fnp.bool_ is np.bool_


# ----- elementwise, two operands -----------------------------------------------------------

BINARY = [
    # name, x domain, y domain, differentiable
    ("add", "any", "any", True), ("subtract", "any", "any", True),
    ("multiply", "any", "any", True), ("divide", "any", "nonzero", True),
    ("true_divide", "any", "nonzero", True), ("floor_divide", "any", "nonzero", True),
    ("remainder", "any", "nonzero", True), ("mod", "any", "nonzero", True),
    ("power", "pos", "any", True), ("maximum", "any", "any", True),
    ("minimum", "any", "any", True), ("equal", "any", "any", False),
    ("not_equal", "any", "any", False), ("less", "any", "any", False),
    ("less_equal", "any", "any", False), ("greater", "any", "any", False),
    ("greater_equal", "any", "any", False), ("logical_and", "any", "any", False),
    ("logical_or", "any", "any", False), ("logical_xor", "any", "any", False),
]
DTYPE_PAIRS = [
    (np.float64, np.float64), (np.float32, np.float32), (np.float32, np.float64),
    (np.int64, np.float64), (np.int32, np.float32), (np.int64, np.int64),
    (np.int32, np.int64), (np.bool_, np.bool_), (np.bool_, np.int64),
    (np.float32, "pyfloat"), (np.int64, "pyint"), (np.int32, "pyfloat"), ("pyfloat", np.float32),
    (np.float64, "pyint"), (np.bool_, "pybool"),
]
pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


def _operand(rng, shape, dtype, domain):
    if domain == "pos" and isinstance(dtype, str) and dtype == "pyint":
        return int(rng.integers(1, 4))
    return make(rng, shape, dtype, domain)


@pytest.mark.parametrize("name,dx,dy,diff", BINARY, ids=[b[0] for b in BINARY])
@bounded(15)
@given(shapes=pairs, dtypes=st.sampled_from(DTYPE_PAIRS), seed=seeds)
def test_binary_vs_numpy(name, dx, dy, diff, shapes, dtypes, seed):
    rng = np.random.default_rng(seed)
    (sx, sy), _ = shapes
    x = _operand(rng, sx, dtypes[0], dx)
    y = _operand(rng, sy, dtypes[1], dy)
    if name == "power" and np.asarray(y).dtype.kind in "iub":
        y = np.abs(y) if isinstance(y, np.ndarray) else abs(y)
    f, ref = getattr(fnp, name), getattr(np, name)
    want = same_error(lambda: ref(x, y), lambda: f(x, y))
    if want is None:
        return
    assert_like_numpy(f(x, y), want, **tol(np.asarray(want).dtype))
    check_staged(f, x, y)


@pytest.mark.parametrize("name,dx,dy,diff", BINARY, ids=[b[0] for b in BINARY])
@bounded(5)
@given(shapes=jax_pairs, seed=seeds)
def test_binary_vs_jax(name, dx, dy, diff, shapes, seed):
    """Broadcast operands get the summed cotangent (numpy's broadcasting undone)."""
    rng = np.random.default_rng(seed)
    x, y = make(rng, shapes[0], np.float64, dx), make(rng, shapes[1], np.float64, dy)
    f, ref = getattr(fnp, name), getattr(jnp, name)
    if not diff:
        assert_close(f(x, y), ref(x, y))
        return
    check_vjp(f, ref, [x, y], rng)
    check_jvp(f, [x, y], rng)
    check_low_precision(f, [x, y], rng)


def test_mixed_precision_gradients_keep_each_inputs_dtype(rng):
    x, y = rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal(3)
    check_vjp(fnp.multiply, jnp.multiply, [x, y], rng, **tol(np.float32))


def test_python_scalar_operands_vs_jax(rng):
    """Weak Python scalars on either side, under differentiation too."""
    x = rng.uniform(0.5, 2.0, (2, 3)).astype(np.float32)
    for name in ("add", "subtract", "multiply", "true_divide", "power", "maximum"):
        f = lambda v: getattr(fnp, name)(v, 1.5) + getattr(fnp, name)(2.5, v)  # noqa: E731
        g = lambda v: getattr(jnp, name)(v, 1.5) + getattr(jnp, name)(2.5, v)  # noqa: E731
        assert f(x).dtype == np.float32
        check_vjp(f, g, [x], rng, **tol(np.float32))


@pytest.mark.parametrize("exponent", [0, 1, 2, 3, -2])
def test_power_static_integer_exponent(exponent, rng):
    x = rng.uniform(0.5, 2.0, (3, 2))
    assert_like_numpy(fnp.power(x, exponent), np.power(x, exponent))
    check_vjp(lambda v: fnp.power(v, exponent), lambda v: jnp.power(v, exponent), [x], rng)
    check_vjp(lambda v: v ** exponent, lambda v: v ** exponent, [x], rng)


def test_integer_power_arrays():
    x = np.array([[2, -3, 0], [1, 5, 7]])
    y = np.array([3, 2, 0])
    assert_like_numpy(fnp.power(x, y), np.power(x, y))
    assert_like_numpy(fnp.power(x.astype(np.int8), 2), np.power(x.astype(np.int8), 2))
    check_staged(fnp.power, x, y)
    with pytest.raises(ValueError, match="negative integer powers"):
        fnp.power(x, -1)
    with pytest.raises(ValueError, match="negative integer powers"):
        fnp.power(x, np.array([1, -1, 2]))


def test_remainder_matches_python_modulo_signs():
    x = np.array([5.5, -5.5, 5.5, -5.5, 0.0, 3.0])
    y = np.array([2.0, 2.0, -2.0, -2.0, 3.0, 3.0])
    assert_like_numpy(fnp.remainder(x, y), np.remainder(x, y))
    xi, yi = np.array([7, -7, 7, -7]), np.array([3, 3, -3, -3])
    assert_like_numpy(fnp.mod(xi, yi), np.mod(xi, yi))


def test_maximum_ties_share_the_derivative():
    g = fgrad.grad(lambda x: fnp.maximum(x, 1.0).sum())(np.array([0.0, 1.0, 2.0]))
    assert_close(g, [0.0, 0.5, 1.0])


def test_arccos_at_minus_one_is_pi():
    assert_like_numpy(fnp.arccos(np.array([-1.0, 1.0, 0.0])), np.arccos([-1.0, 1.0, 0.0]))
    assert_like_numpy(fnp.arcsin(np.array([-1.0, 1.0])), np.arcsin([-1.0, 1.0]))


# ----- reductions --------------------------------------------------------------------------


@st.composite
def reduction_case(draw, shape_strategy=shapes):
    shape = draw(shape_strategy)
    nd = len(shape)
    choices = [st.none()]
    if nd:
        choices.append(st.integers(-nd, nd - 1))
        choices.append(
            st.lists(st.integers(0, nd - 1), unique=True, max_size=nd).map(
                lambda axes: tuple(a - nd if i % 2 else a for i, a in enumerate(axes))
            )
        )
    return shape, draw(st.one_of(*choices)), draw(st.booleans())


REDUCTIONS = ["sum", "prod", "mean", "var", "std", "max", "min", "amax", "amin", "all", "any"]


@pytest.mark.parametrize("name", REDUCTIONS)
@bounded(15)
@given(case=reduction_case(), dtype=st.sampled_from(DTYPES + [np.uint8, np.int8]), seed=seeds)
def test_reduction_vs_numpy(name, case, dtype, seed):
    shape, axis, keepdims = case
    rng = np.random.default_rng(seed)
    x = make(rng, shape, dtype)
    f = getattr(fnp, name)
    want = same_error(lambda: getattr(np, name)(x, axis=axis, keepdims=keepdims),
                      lambda: f(x, axis=axis, keepdims=keepdims))
    if want is None:
        return
    assert_like_numpy(f(x, axis=axis, keepdims=keepdims), want, **tol(np.asarray(want).dtype))
    check_staged(lambda v: f(v, axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("name", REDUCTIONS)
@bounded(6)
@given(case=reduction_case(jax_shapes), seed=seeds)
def test_reduction_vs_jax(name, case, seed):
    shape, axis, keepdims = case
    rng = np.random.default_rng(seed)
    x = make(rng, shape, np.float64)
    if name == "prod":
        x = np.where(rng.random(shape) < 0.25, 0.0, x)  # zeros: the derivative stays exact
    f = lambda v: getattr(fnp, name)(v, axis=axis, keepdims=keepdims)  # noqa: E731
    g = lambda v: getattr(jnp, name)(v, axis=axis, keepdims=keepdims)  # noqa: E731
    assert_close(f(x), g(x))
    if name in ("all", "any"):
        return
    if name == "std" and np.min(np.var(x, axis=axis), initial=1.0) < 1e-3:
        return  # sqrt is not differentiable at zero variance
    check_vjp(f, g, [x], rng)
    check_jvp(f, [x], rng)


@pytest.mark.parametrize("ddof", [0, 1, 2])
def test_var_std_ddof(ddof, rng):
    x = rng.standard_normal((4, 3))
    for name in ("var", "std"):
        f = lambda v: getattr(fnp, name)(v, axis=0, ddof=ddof)  # noqa: E731
        g = lambda v: getattr(jnp, name)(v, axis=0, ddof=ddof)  # noqa: E731
        assert_like_numpy(f(x), getattr(np, name)(x, axis=0, ddof=ddof))
        check_vjp(f, g, [x], rng)


def test_prod_derivative_with_zeros_is_exact():
    """One zero: the derivative at it is the product of the others; two zeros: all zero."""
    g1 = fgrad.grad(lambda x: fnp.prod(x))(np.array([2.0, 0.0, 3.0, 4.0]))
    assert_close(g1, [0.0, 24.0, 0.0, 0.0])
    g2 = fgrad.grad(lambda x: fnp.prod(x))(np.array([2.0, 0.0, 3.0, 0.0]))
    assert_close(g2, [0.0, 0.0, 0.0, 0.0])
    h = fgrad.hessian(lambda x: fnp.prod(x))(np.array([2.0, 0.0, 3.0]))
    assert_close(h, [[0.0, 3.0, 0.0], [3.0, 0.0, 2.0], [0.0, 2.0, 0.0]])


def test_max_ties_share_the_derivative():
    g = fgrad.grad(lambda x: fnp.max(x))(np.array([1.0, 3.0, 3.0]))
    assert_close(g, [0.0, 0.5, 0.5])


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@bounded(15)
@given(shape=shapes, seed=seeds, data=st.data())
def test_argmax_argmin(name, shape, seed, data):
    rng = np.random.default_rng(seed)
    x = rng.permutation(int(np.prod(shape))).reshape(shape).astype(np.float64)
    nd = len(shape)
    axis = data.draw(st.one_of(st.none(), st.integers(-nd, nd - 1)) if nd else st.none())
    keepdims = data.draw(st.booleans())
    got = getattr(fnp, name)(x, axis=axis, keepdims=keepdims)
    assert_like_numpy(got, getattr(np, name)(x, axis=axis, keepdims=keepdims))
    check_staged(lambda v: getattr(fnp, name)(v, axis=axis, keepdims=keepdims), x)


@bounded(15)
@given(shape=shapes, dtype=st.sampled_from(DTYPES + [np.uint8]), seed=seeds, data=st.data())
def test_cumsum_vs_numpy(shape, dtype, seed, data):
    rng = np.random.default_rng(seed)
    x = make(rng, shape, dtype)
    nd = len(shape)
    axis = data.draw(st.one_of(st.none(), st.integers(-nd, nd - 1)) if nd else st.none())
    assert_like_numpy(fnp.cumsum(x, axis=axis), np.cumsum(x, axis=axis))
    check_staged(lambda v: fnp.cumsum(v, axis=axis), x)


@bounded(5)
@given(shape=jax_shapes, seed=seeds, data=st.data())
def test_cumsum_vs_jax(shape, seed, data):
    rng = np.random.default_rng(seed)
    x = make(rng, shape, np.float64)
    nd = len(shape)
    axis = data.draw(st.one_of(st.none(), st.integers(-nd, nd - 1)) if nd else st.none())
    f = lambda v: fnp.cumsum(v, axis=axis)  # noqa: E731
    check_vjp(f, lambda v: jnp.cumsum(v, axis=axis), [x], rng)


def test_reduction_dtype_argument_and_empty_reductions():
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    assert_like_numpy(fnp.sum(x, dtype=np.float32), np.sum(x, dtype=np.float32))
    assert_like_numpy(fnp.mean(x, axis=1, dtype=np.float32), np.mean(x, axis=1, dtype=np.float32))
    assert_like_numpy(fnp.prod(x + 1, axis=0), np.prod(x + 1, axis=0))
    empty = np.zeros((0, 3))
    assert_like_numpy(fnp.sum(empty, axis=0), np.sum(empty, axis=0))
    assert_like_numpy(fnp.all(empty, axis=0), np.all(empty, axis=0))
    assert_like_numpy(fnp.any(empty), np.any(empty))
    with pytest.raises(ValueError, match="zero-size array"):
        fnp.max(empty, axis=0)


def test_bad_axis_raises_numpys_axis_error():
    x = np.ones((2, 3))
    with pytest.raises(np.exceptions.AxisError, match="axis 2 is out of bounds"):
        fnp.sum(x, axis=2)
    with pytest.raises(np.exceptions.AxisError):
        fgrad.grad(lambda v: fnp.mean(v, axis=-3))(x)
    with pytest.raises(ValueError, match="repeated axis"):
        fnp.sum(x, axis=(0, 0))
    with pytest.raises(np.exceptions.AxisError):
        fnp.cumsum(x, axis=5)


# ----- products ----------------------------------------------------------------------------

matmul_shapes = hnp.mutually_broadcastable_shapes(
    signature="(m?,n),(n,p?)->(m?,p?)", max_dims=4, max_side=3
)
MATMUL_POOL = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 2)), ((1, 2, 3), (3, 2)),
    ((2, 3), (4, 3, 2)), ((4, 1, 2, 3), (3, 3, 1)), ((3,), (2, 3, 2)), ((2, 2, 3), (3,)),
]


@bounded(25)
@given(shapes=matmul_shapes, dtypes=st.sampled_from(DTYPE_PAIRS[:9]), seed=seeds)
def test_matmul_vs_numpy(shapes, dtypes, seed):
    rng = np.random.default_rng(seed)
    (sa, sb), _ = shapes
    a, b = make(rng, sa, dtypes[0]), make(rng, sb, dtypes[1])
    want = np.matmul(a, b)
    assert_like_numpy(fnp.matmul(a, b), want, **tol(want.dtype))
    check_staged(fnp.matmul, a, b)


@bounded(8)
@given(shapes=st.sampled_from(MATMUL_POOL), seed=seeds)
def test_matmul_vs_jax(shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = make(rng, shapes[0], np.float64), make(rng, shapes[1], np.float64)
    check_vjp(fnp.matmul, jnp.matmul, [a, b], rng)
    check_jvp(lambda u, v: u @ v, [a, b], rng)


@st.composite
def dot_shapes(draw):
    na, nb = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    side = st.integers(1, 3)
    sa = tuple(draw(side) for _ in range(na))
    sb = list(draw(side) for _ in range(nb))
    if na and nb:
        sb[0 if nb == 1 else nb - 2] = sa[-1]
    return sa, tuple(sb)


DOT_POOL = [((), (3,)), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((1, 2, 3), (2, 3, 2))]


@bounded(25)
@given(shapes=dot_shapes(), seed=seeds)
def test_dot_vs_numpy(shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = make(rng, shapes[0], np.float64), make(rng, shapes[1], np.int64)
    assert_like_numpy(fnp.dot(a, b), np.dot(a, b))
    check_staged(fnp.dot, a, b)


@bounded(6)
@given(shapes=st.sampled_from(DOT_POOL), seed=seeds)
def test_dot_vs_jax(shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = make(rng, shapes[0], np.float64), make(rng, shapes[1], np.float64)
    check_vjp(fnp.dot, jnp.dot, [a, b], rng)
    check_jvp(fnp.dot, [a, b], rng)


def _product_operands(rng, sa, sb):
    a, b = make(rng, sa, np.float64), make(rng, sb, np.float64)
    b_inner = make(rng, sb[:-1] + sa[-1:] if sa and sb else sb, np.float64)
    n = min(len(sa), 2)
    b_tensor = make(rng, sa[len(sa) - n:] + sb, np.float64)
    return a, b, b_inner, make(rng, sa, np.float64), b_tensor, n


@bounded(20)
@given(sa=shapes, sb=shapes, seed=seeds)
def test_outer_inner_vdot_tensordot_vs_numpy(sa, sb, seed):
    a, b, b_inner, c, b_tensor, n = _product_operands(np.random.default_rng(seed), sa, sb)
    assert_like_numpy(fnp.outer(a, b), np.outer(a, b))
    assert_like_numpy(fnp.inner(a, b_inner), np.inner(a, b_inner))
    assert_like_numpy(fnp.vdot(a, c), np.vdot(a, c))
    assert_like_numpy(fnp.tensordot(a, b_tensor, n), np.tensordot(a, b_tensor, n))


@bounded(3)
@given(sa=jax_shapes, sb=jax_shapes, seed=seeds)
def test_outer_inner_vdot_tensordot_vs_jax(sa, sb, seed):
    rng = np.random.default_rng(seed)
    a, b, b_inner, c, b_tensor, n = _product_operands(rng, sa, sb)
    check_vjp(fnp.outer, jnp.outer, [a, b], rng)
    check_vjp(fnp.inner, jnp.inner, [a, b_inner], rng)
    check_vjp(fnp.vdot, jnp.vdot, [a, c], rng)
    check_vjp(lambda u, v: fnp.tensordot(u, v, n), lambda u, v: jnp.tensordot(u, v, n),
              [a, b_tensor], rng)


def test_tensordot_axis_pairs_and_shape_errors(rng):
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 3, 5))
    axes = ([2, 1], [0, -2])
    assert_like_numpy(fnp.tensordot(a, b, axes), np.tensordot(a, b, axes))
    with pytest.raises(ValueError, match="mismatch in its core dimension"):
        fnp.matmul(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="not aligned"):
        fnp.dot(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match="does not have enough dimensions"):
        fnp.matmul(np.ones(3), 2.0)
