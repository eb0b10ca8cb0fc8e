"""The issue-4 elementwise functions of fgrad.numpy (fgrad/numpy/_ufuncs_more.py): numpy's exact
dtypes, shapes and values on concrete inputs (mixed dtypes, broadcasting, Python scalars);
jax.numpy's values, vjp and jvp (x64); check_grads to order 2; vmap against a loop; and the
points where each function has a convention: ties, zeros, nans, infinities, huge arguments."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from fnp_checks import (
    assert_close,
    assert_like_numpy,
    bounded,
    check_jvp,
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
from fgrad.test_util import check_grads


def values(rng, shape, dtype, domain):
    """fnp_checks.make, plus the domains these functions need: "gt1" (arccosh), "half-off"
    (away from round's jumps at k + 1/2), "special" (nan, +-inf and -0.0 among finite
    values) and "zeros" (exact zeros among them, for heaviside)."""
    kind = "f" if isinstance(dtype, str) and dtype == "pyfloat" else np.dtype(
        dtype if not isinstance(dtype, str) else np.int64).kind
    if kind != "f" or domain not in ("gt1", "half-off", "special", "zeros"):
        fallback = {"gt1": "pos", "half-off": "any", "special": "any", "zeros": "any"}
        return make(rng, shape, dtype, fallback.get(domain, domain))
    if dtype == "pyfloat":
        return float(values(rng, (), np.float64, domain))
    if domain == "gt1":
        return np.asarray(rng.uniform(1.1, 3.0, shape)).astype(dtype)
    if domain == "half-off":
        x = rng.integers(-3, 4, shape) + rng.uniform(-0.4, 0.4, shape)
        return np.asarray(x).astype(dtype)
    x = np.asarray(rng.uniform(-2.0, 2.0, shape))
    pick = rng.random(shape)
    if domain == "zeros":
        return np.where(pick < 0.35, 0.0, x).astype(dtype)
    specials = np.array([np.nan, np.inf, -np.inf, -0.0])
    index = rng.integers(0, 4, shape)
    return np.where(pick < 0.4, specials[index], x).astype(dtype)


# ----- one operand ----------------------------------------------------------------------------

UNARY = [
    # name, domain, differentiable
    ("sinh", "any", True), ("cosh", "any", True), ("arcsinh", "any", True),
    ("arccosh", "gt1", True), ("arctanh", "unit", True), ("arcsin", "unit", True),
    ("arccos", "unit", True), ("exp2", "exp", True), ("log2", "pos", True),
    ("log10", "pos", True), ("sinc", "any", True), ("deg2rad", "any", True),
    ("rad2deg", "any", True), ("degrees", "any", True), ("radians", "any", True),
    ("rint", "half-off", True), ("round", "half-off", True), ("around", "half-off", True),
    ("fix", "frac", True), ("fabs", "nonzero", True), ("cbrt", "nonzero", True),
    ("nan_to_num", "special", True), ("signbit", "special", False),
    ("isnan", "special", False), ("isinf", "special", False), ("isfinite", "special", False),
]
DTYPES = [np.float64, np.float32, np.int64, np.int32, np.bool_]
JAX_NAMES = {"fix": "trunc"}  # jax.numpy.fix is deprecated


@pytest.mark.parametrize("name,domain,diff", UNARY, ids=[u[0] for u in UNARY])
@bounded(8)
@given(shape=shapes, dtype=st.sampled_from(DTYPES), seed=seeds)
def test_unary_vs_numpy(name, domain, diff, shape, dtype, seed):
    rng = np.random.default_rng(seed)
    x = values(rng, shape, dtype, domain)
    f, ref = getattr(fnp, name), getattr(np, name)
    with np.errstate(invalid="ignore", divide="ignore"):
        want = same_error(lambda: ref(x), lambda: f(x))
        if want is None:
            return
        assert_like_numpy(f(x), want, **tol(np.asarray(want).dtype))
        check_staged(f, x)


@pytest.mark.parametrize("name,domain,diff", UNARY, ids=[u[0] for u in UNARY])
@bounded(3)
@given(shape=jax_shapes, seed=seeds)
def test_unary_vs_jax(name, domain, diff, shape, seed):
    rng = np.random.default_rng(seed)
    x = values(rng, shape, np.float64, domain)
    f, ref = getattr(fnp, name), getattr(jnp, JAX_NAMES.get(name, name))
    if not diff:
        assert_close(f(x), ref(jnp.asarray(x)))
        return
    check_vjp(f, ref, [x], rng)
    check_jvp(f, [x], rng)
    check_grads(f, [x], order=2)


def test_python_scalars_give_numpy_scalars():
    assert type(fnp.sinh(1.0)) is np.float64 and type(fnp.sinh(np.float32(1))) is np.float32
    assert type(fnp.round(2.5)) is np.float64 and fnp.round(2.5) == 2.0
    assert type(fnp.round(3)) is np.int64 and fnp.round(35, -1) == np.round(35, -1)
    assert type(fnp.nan_to_num(float("nan"))) is np.float64
    assert fnp.isnan(float("nan")) and not fnp.isinf(3) and fnp.isfinite(True)
    assert fnp.sinc(0) == 1.0 and fnp.sinc(np.int8(0)).dtype == np.float64
    assert fnp.sinc(np.float16(0.5)).dtype == np.float16
    assert fnp.cbrt(np.int8(8)).dtype == np.float16 and fnp.fabs(np.int64(-3)) == 3.0


# ----- two operands ---------------------------------------------------------------------------

BINARY = [
    # name, x domain, y domain, differentiated operands (check_grads)
    ("arctan2", "any", "any", (0, 1)), ("hypot", "any", "any", (0, 1)),
    ("logaddexp", "any", "any", (0, 1)), ("logaddexp2", "any", "any", (0, 1)),
    ("float_power", "pos", "any", (0, 1)), ("fmod", "any", "nonzero", (0, 1)),
    ("fmax", "any", "any", (0, 1)), ("fmin", "any", "any", (0, 1)),
    ("copysign", "nonzero", "nonzero", (0, 1)), ("heaviside", "zeros", "any", (1,)),
    ("isclose", "any", "any", ()),
]
DTYPE_PAIRS = [
    (np.float64, np.float64), (np.float32, np.float32), (np.float32, np.float64),
    (np.int64, np.float64), (np.int32, np.float32), (np.int64, np.int64), (np.int32, np.int64),
    (np.bool_, np.bool_), (np.float32, "pyfloat"), (np.int64, "pyint"), ("pyfloat", np.float32),
]
pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


def _pair(rng, name, shapes, dtypes, dx, dy):
    x = values(rng, shapes[0], dtypes[0], dx)
    y = values(rng, shapes[1], dtypes[1], dy)
    if name == "isclose" and np.asarray(x).dtype.kind == "f" and np.shape(y) == np.shape(x):
        # some pairs within tolerance, some equal, some not close
        scale = np.asarray(rng.choice([0.0, 1e-9, 1e-6, 1e-2], np.shape(x)))
        y = np.asarray(x + scale * rng.standard_normal(np.shape(x))).astype(np.asarray(x).dtype)
    return x, y


@pytest.mark.parametrize("name,dx,dy,diff", BINARY, ids=[b[0] for b in BINARY])
@bounded(10)
@given(shapes=pairs, dtypes=st.sampled_from(DTYPE_PAIRS), seed=seeds)
def test_binary_vs_numpy(name, dx, dy, diff, shapes, dtypes, seed):
    rng = np.random.default_rng(seed)
    (sx, sy), _ = shapes
    x, y = _pair(rng, name, (sx, sy), dtypes, dx, dy)
    f, ref = getattr(fnp, name), getattr(np, name)
    with np.errstate(divide="ignore", invalid="ignore"):
        want = same_error(lambda: ref(x, y), lambda: f(x, y))
        if want is None:
            return
        assert_like_numpy(f(x, y), want, **tol(np.asarray(want).dtype))
        check_staged(f, x, y)


@pytest.mark.parametrize("name,dx,dy,diff", BINARY, ids=[b[0] for b in BINARY])
@bounded(3)
@given(shapes=jax_pairs, seed=seeds)
def test_binary_vs_jax(name, dx, dy, diff, shapes, seed):
    """Broadcast operands get the summed cotangent; check_grads covers the second order."""
    rng = np.random.default_rng(seed)
    x, y = _pair(rng, name, shapes, (np.float64, np.float64), dx, dy)
    f, ref = getattr(fnp, name), getattr(jnp, name)
    if not diff:
        assert_close(f(x, y), ref(x, y))
        return
    check_vjp(f, ref, [x, y], rng)
    check_jvp(f, [x, y], rng)
    args = [x, y]
    g = lambda *d: f(*[d[diff.index(i)] if i in diff else a for i, a in enumerate(args)])  # noqa: E731
    check_grads(g, [args[i] for i in diff], order=2)


@pytest.mark.parametrize("name", ["arctan2", "hypot", "logaddexp", "float_power", "copysign"])
def test_float32_stays_float32(name, rng):
    x, y = rng.uniform(0.5, 2.0, (2, 3)).astype(np.float32), rng.uniform(-1, 1, 3)
    y = y.astype(np.float32)
    f = getattr(fnp, name)
    out, pull = fgrad.vjp(f, x, y)
    want = np.float64 if name == "float_power" else np.float32
    assert np.asarray(out).dtype == want
    gx, gy = pull(np.ones(np.shape(out), want))
    assert gx.dtype == np.float32 and gy.dtype == np.float32 and gy.shape == (3,)


# ----- vmap against a loop --------------------------------------------------------------------

VMAPPED = {
    "hypot": lambda x, y: fnp.hypot(x, y),
    "logaddexp": lambda x, y: fnp.logaddexp(x, y),
    "sinc": lambda x, y: fnp.sinc(x * y),
    "nan_to_num": lambda x, y: fnp.nan_to_num(fnp.log(x) * y, nan=-1.0),
    "round": lambda x, y: fnp.round(x * y, 1),
    "fmax": lambda x, y: fnp.fmax(x, fnp.where(y > 0, y, fnp.nan)),
    "copysign": lambda x, y: fnp.copysign(x, y),
    "isclose": lambda x, y: fnp.isclose(x, y, atol=0.5),
    "arctan2": lambda x, y: fnp.arctan2(x, y),
}


@pytest.mark.parametrize("name", sorted(VMAPPED))
@pytest.mark.parametrize("in_axes", [0, (0, None), (1, 0)])
def test_vmap_vs_loop(name, in_axes, rng):
    f = VMAPPED[name]
    x, y = rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (3, 4))
    if in_axes == (0, None):
        y = y[0]
    if in_axes == (1, 0):
        y = y.T
    ax = in_axes if isinstance(in_axes, tuple) else (in_axes, in_axes)
    with np.errstate(invalid="ignore"):
        got = fgrad.vmap(f, in_axes=in_axes)(x, y)
        n = x.shape[ax[0]]
        take = lambda a, d, i: a if d is None else np.take(a, i, axis=d)  # noqa: E731
        want = np.stack([f(take(x, ax[0], i), take(y, ax[1], i)) for i in range(n)])
    np.testing.assert_array_equal(got, want)
    if np.asarray(got).dtype.kind != "f":
        return
    with np.errstate(invalid="ignore"):
        g = fgrad.vmap(fgrad.grad(lambda a, b: f(a, b).sum()), in_axes=in_axes)(x, y)
        loop = [fgrad.grad(lambda a, b: f(a, b).sum())(take(x, ax[0], i), take(y, ax[1], i))
                for i in range(n)]
        assert_close(g, np.stack(loop))


# ----- conventions and stability --------------------------------------------------------------


def test_logaddexp_is_stable_and_its_weights_are_logistic():
    gx, gy = fgrad.grad(fnp.logaddexp, argnums=(0, 1))(1000.0, 1000.0)
    assert np.isfinite(gx) and gx == 0.5 and gy == 0.5
    assert fnp.logaddexp(1000.0, 1000.0) == 1000.0 + np.log(2.0)
    assert_close(fgrad.grad(fnp.logaddexp, argnums=(0, 1))(1000.0, -1000.0), (1.0, 0.0))
    assert_close(fgrad.grad(fnp.logaddexp2, argnums=(0, 1))(1000.0, 1000.0), (0.5, 0.5))
    assert_close(fnp.logaddexp2(1000.0, 1000.0), 1001.0)
    # second derivative at a tie is logistic' (0) = 1/4, as jax's
    h = fgrad.hessian(fnp.logaddexp, argnums=(0, 1))(1.0, 1.0)
    want = jax.hessian(jnp.logaddexp, argnums=(0, 1))(1.0, 1.0)
    assert_close(np.array(h), np.array(want))
    assert_close(np.array(h), [[0.25, -0.25], [-0.25, 0.25]])
    # infinities: the finite side takes the whole weight; equal infinities share it
    grad2 = fgrad.grad(fnp.logaddexp, argnums=(0, 1))
    with np.errstate(invalid="ignore"):
        assert_close(grad2(-np.inf, 2.0), (0.0, 1.0))
        assert_close(grad2(np.inf, np.inf), (0.5, 0.5))
        assert_close(grad2(-np.inf, -np.inf), (0.5, 0.5))
        assert np.isnan(fgrad.grad(fnp.logaddexp)(np.nan, 1.0))
    check_grads(fnp.logaddexp, [np.array([700.0, -3.0]), np.array([699.5, 40.0])], order=3)


def test_sinc_derivatives_at_and_near_zero():
    d1 = fgrad.grad(fnp.sinc)
    d2 = fgrad.grad(d1)
    d3 = fgrad.grad(d2)
    d4 = fgrad.grad(d3)
    assert fnp.sinc(0.0) == 1.0 and d1(0.0) == 0.0 and d3(0.0) == 0.0
    np.testing.assert_allclose(d2(0.0), -np.pi**2 / 3, rtol=1e-15)
    np.testing.assert_allclose(d4(0.0), np.pi**4 / 5, rtol=1e-15)
    # near 0 the quotient's derivatives would cancel; the series keeps them to the last digits
    for x in (1e-12, 1e-7, 1e-3, -0.02):
        u = np.pi * x
        series_d1 = np.pi * (-u / 3 + u**3 / 30 - u**5 / 840 + u**7 / 45360)
        series_d2 = np.pi**2 * (-1 / 3 + u**2 / 10 - u**4 / 168 + u**6 / 6480)
        np.testing.assert_allclose(d1(x), series_d1, rtol=1e-14)
        np.testing.assert_allclose(d2(x), series_d2, rtol=1e-14)
    # either side of where the series takes over, value and derivatives agree with jax
    edge = 0.1 / np.pi
    xs = np.array([edge * (1 - 1e-6), edge * (1 + 1e-6), -edge, 0.5, 1.0, 2.5])
    assert_close(fnp.sinc(xs), jnp.sinc(xs), rtol=1e-15, atol=1e-16)
    for ours, theirs in ((d1, jax.grad(jnp.sinc)), (d2, jax.grad(jax.grad(jnp.sinc)))):
        assert_close(fgrad.vmap(ours)(xs), jax.vmap(theirs)(xs), rtol=1e-9, atol=1e-12)


def test_hypot_at_the_origin_and_without_overflow():
    """d hypot = (x dx + y dy) / hypot, and 0 at (0, 0); jax's composite gives 1/2 per
    argument there, torch and autograd nan."""
    assert fgrad.grad(fnp.hypot, argnums=(0, 1))(0.0, 0.0) == (0.0, 0.0)
    big, tiny = np.array([1e200, 3e-200]), np.array([1e200, 4e-200])
    assert_like_numpy(fnp.hypot(big, tiny), np.hypot(big, tiny))
    assert_close(fgrad.grad(lambda a: fnp.hypot(a, tiny).sum())(big), big / np.hypot(big, tiny))
    assert fnp.hypot(np.inf, np.nan) == np.inf
    # at |x| = |y| the Hessian is [[y^2, -xy], [-xy, x^2]] / h^3 (a max/min composite gets 0)
    x, y = 1.5, -1.5
    h = np.array(fgrad.hessian(fnp.hypot, argnums=(0, 1))(x, y))
    assert_close(h, np.array([[y * y, -x * y], [-x * y, x * x]]) / np.hypot(x, y) ** 3)


def test_arctan2_quadrants_zeros_and_infinities():
    v = np.array([-np.inf, -2.0, -0.0, 0.0, 1.5, np.inf])
    y, x = np.meshgrid(v, v)
    assert_like_numpy(fnp.arctan2(y, x), np.arctan2(y, x))
    gy, gx = fgrad.grad(fnp.arctan2, argnums=(0, 1))(1.0, -2.0)
    assert_close((gy, gx), (-2.0 / 5.0, -1.0 / 5.0))


@bounded(25)
@given(decimals=st.integers(-3, 3), dtype=st.sampled_from(
    [np.float64, np.float32, np.int64, np.int32, np.int8, np.uint8, np.bool_]), seed=seeds)
def test_round_decimals_vs_numpy(decimals, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-120, 120, (2, 5))
    x[0] = np.round(x[0] * 2) / 2  # exact halves: ties go to even
    x = np.abs(x) if np.dtype(dtype).kind == "u" else x
    x = (x > 0) if dtype == np.bool_ else x.astype(dtype)
    for f in (fnp.round, fnp.around):
        assert_like_numpy(f(x, decimals), np.round(x, decimals), rtol=0, atol=0)
    check_staged(lambda v: fnp.round(v, decimals), x)


def test_round_half_to_even_and_zero_derivative():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.125, 2.675])
    assert_like_numpy(fnp.round(x), np.array([-2.0, -2.0, -0.0, 0.0, 2.0, 2.0, 0.0, 3.0]))
    assert_like_numpy(fnp.rint(x), np.rint(x))
    assert_like_numpy(fnp.round(x, 2), np.round(x, 2))
    assert_like_numpy(fnp.round(np.array([1250, 1350, -1250]), -2), np.array([1200, 1400, -1200]))
    for f in (fnp.round, fnp.rint, fnp.fix, lambda v: fnp.round(v, 1)):
        assert_close(fgrad.grad(lambda v: f(v).sum())(x + 0.3), np.zeros_like(x))
    with pytest.raises(NotImplementedError, match="out="):
        fnp.round(x, out=np.empty_like(x))


def test_nan_to_num_keywords_and_derivative():
    x = np.array([1.0, np.nan, np.inf, -np.inf, -2.0])
    for kw in ({}, dict(nan=5.0), dict(nan=5.0, posinf=7.0, neginf=-9.0), dict(posinf=1)):
        assert_like_numpy(fnp.nan_to_num(x, **kw), np.nan_to_num(x, **kw))
        assert_like_numpy(fnp.nan_to_num(x.astype(np.float32), **kw),
                          np.nan_to_num(x.astype(np.float32), **kw))
    g = fgrad.grad(lambda v: fnp.nan_to_num(v, nan=3.0).sum())(x)
    assert_close(g, [1.0, 0.0, 0.0, 0.0, 1.0])
    xi = np.array([1, -2])
    out = fnp.nan_to_num(xi)
    assert_like_numpy(out, xi)
    assert out is not xi
    assert_like_numpy(fnp.nan_to_num(np.array([True])), np.array([True]))


def test_fmax_fmin_ignore_nans():
    x = np.array([np.nan, 1.0, np.nan, 2.0, 1.0])
    y = np.array([3.0, np.nan, np.nan, 1.0, 1.0])
    for f, ref in ((fnp.fmax, np.fmax), (fnp.fmin, np.fmin)):
        assert_like_numpy(f(x, y), ref(x, y))
        gx, gy = fgrad.grad(lambda a, b: f(a, b).sum(), argnums=(0, 1))(x, y)
        # nan operands pass the derivative to the other one; ties share it
        assert_close(gx[[0, 1, 4]], [0.0, 1.0, 0.5])
        assert_close(gy[[0, 1, 4]], [1.0, 0.0, 0.5])
    assert_close(fgrad.grad(lambda a: fnp.fmax(a, y).sum())(x)[3], 1.0)
    assert_close(fgrad.grad(lambda a: fnp.fmin(a, y).sum())(x)[3], 0.0)


def test_copysign_signed_zero_and_derivative():
    x = np.array([2.0, -2.0, 3.0, -3.0, 0.0, 1.0])
    y = np.array([1.0, 1.0, -1.0, -1.0, -5.0, -0.0])
    assert_like_numpy(fnp.copysign(x, y), np.copysign(x, y))
    gx, gy = fgrad.grad(lambda a, b: fnp.copysign(a, b).sum(), argnums=(0, 1))(x, y)
    assert_close(gx, [1.0, -1.0, -1.0, 1.0, 0.0, -1.0])  # +1 where the signs agree
    assert_close(gy, np.zeros(6))
    assert_like_numpy(fnp.signbit(np.array([-0.0, 0.0, -np.nan, np.nan, -1.0])),
                      np.signbit(np.array([-0.0, 0.0, -np.nan, np.nan, -1.0])))


def test_heaviside_derivative_flows_to_x2_at_zero():
    x1 = np.array([-1.0, 0.0, 2.0, np.nan, -0.0])
    x2 = np.array([0.3, 0.5, 0.7, 0.1, 0.9])
    assert_like_numpy(fnp.heaviside(x1, x2), np.heaviside(x1, x2))
    g1, g2 = fgrad.grad(lambda a, b: fnp.nansum(fnp.heaviside(a, b)), argnums=(0, 1))(x1, x2)
    assert_close(g1, np.zeros(5))
    assert_close(g2, [0.0, 1.0, 0.0, 0.0, 1.0])


def test_clip_keyword_forms_and_gradient_at_the_bounds():
    """numpy 2's min/max keywords and the old a_min/a_max; at a bound the derivative is shared
    evenly with the bound (1/2), as jax's clip."""
    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])
    for args, kw in (((0.0, 1.0), {}), ((), dict(a_min=0.0, a_max=1.0)),
                     ((), dict(min=0.0, max=1.0)), ((), dict(min=0.0)), ((), dict(max=1.0)),
                     ((None, 1.0), {}), ((1.0, 0.0), {})):
        assert_like_numpy(fnp.clip(x, *args, **kw), np.clip(x, *args, **kw))
    g = fgrad.grad(lambda v: fnp.clip(v, 0.0, 1.0).sum())(x)
    want = jax.grad(lambda v: jnp.clip(v, 0.0, 1.0).sum())(x)
    assert_close(g, want)
    assert_close(g, [0.0, 0.5, 1.0, 0.5, 0.0])
    g_lo = fgrad.grad(lambda lo: fnp.clip(x, lo, 1.0).sum())(0.0)
    assert_close(g_lo, jax.grad(lambda lo: jnp.clip(x, lo, 1.0).sum())(0.0))


def test_isclose_allclose_vs_numpy():
    a = np.array([1.0, np.nan, np.inf, -np.inf, 1e10, 1e-9, 0.0])
    b = np.array([1.0 + 1e-9, np.nan, np.inf, np.inf, 1.00001e10, 2e-9, -0.0])
    for kw in ({}, dict(equal_nan=True), dict(rtol=0.0, atol=0.0), dict(atol=np.full(7, 1e-12))):
        with np.errstate(invalid="ignore"):
            assert_like_numpy(fnp.isclose(a, b, **kw), np.isclose(a, b, **kw))
            assert fnp.allclose(a, b, **kw) is np.allclose(a, b, **kw)
    ints = np.array([1, 2, np.iinfo(np.int64).min])
    assert_like_numpy(fnp.isclose(ints, ints), np.isclose(ints, ints))
    assert_like_numpy(fnp.isclose(np.float32(1), 1), np.isclose(np.float32(1), 1))
    assert fnp.allclose([1.0, 2.0], [1.0, 2.0 + 1e-9]) is True
    staged = fgrad.jit(fnp.allclose)(np.ones(3), np.ones(3))
    assert np.asarray(staged).dtype == np.bool_ and bool(staged)
    # a predicate inside a differentiated function contributes no derivative
    f = lambda v: fnp.where(fnp.isclose(v, 1.0), v, 2 * v).sum()  # noqa: E731
    assert_close(fgrad.grad(f)(np.array([1.0, 3.0])), [1.0, 2.0])


def test_inverse_functions_next_to_their_branch_points():
    """Values to the last bit and derivatives from the exact 1 - x (not the cancelling 1 - x^2)
    at distance 2^-k from +-1."""
    k = np.arange(10, 51, 5)
    x = np.concatenate([1 - 2.0**-k, -(1 - 2.0**-k)])
    exact = 1 / np.sqrt((1 - x) * (1 + x))  # 1 - x, 1 + x exact in binary here
    for f, ref, sign in ((fnp.arcsin, np.arcsin, 1), (fnp.arccos, np.arccos, -1)):
        assert_like_numpy(f(x), ref(x), rtol=0, atol=0)
        assert_close(fgrad.vmap(fgrad.grad(f))(x), sign * exact, rtol=1e-15, atol=0)
    assert_like_numpy(fnp.arccos(np.array([-1.0, 1.0])), np.array([np.pi, 0.0]))
    xh = 1 + 2.0**-k
    assert_close(fgrad.vmap(fgrad.grad(fnp.arccosh))(xh), 1 / np.sqrt((xh - 1) * (xh + 1)),
                 rtol=1e-15, atol=0)
    t = 1 - 2.0**-k
    assert_close(fgrad.vmap(fgrad.grad(fnp.arctanh))(t), 1 / ((1 - t) * (1 + t)), rtol=1e-15,
                 atol=0)


def test_exp2_log2_log10_exact_at_powers():
    k = np.arange(-30, 31)
    assert_like_numpy(fnp.exp2(k.astype(float)), 2.0**k, rtol=0, atol=0)
    assert_like_numpy(fnp.log2(2.0**k), k.astype(float), rtol=0, atol=0)
    j = np.arange(0, 23)
    assert_like_numpy(fnp.log10(10.0**j), j.astype(float), rtol=0, atol=0)
    assert_close(fgrad.grad(fnp.log2)(8.0), 1 / (8 * np.log(2)))
    assert_close(fgrad.grad(fnp.exp2)(3.0), 8 * np.log(2))


def test_float_power_computes_in_float64():
    x = np.array([-2.0, 0.0, 1.5], np.float32)
    assert_like_numpy(fnp.float_power(x, 3), np.float_power(x, 3))
    assert_like_numpy(fnp.float_power(np.array([2, 3]), -1), np.float_power(np.array([2, 3]), -1))
    g = fgrad.grad(lambda v: fnp.float_power(v, 3).sum())(x)
    assert g.dtype == np.float32
    assert_close(g, 3 * x.astype(np.float64) ** 2, rtol=1e-6)
    assert_close(fgrad.grad(lambda v: fnp.float_power(v, 2.0))(0.0), 0.0)


def test_numpys_own_functions_on_traced_values():
    """np.logaddexp, np.round, np.isnan... on tracers run fgrad.numpy's functions."""

    def f(x):
        return np.logaddexp(x, 1.0).sum() + np.round(x, 1).sum() + np.where(np.isnan(x), 0, x).sum()

    x = np.array([0.5, 2.0])
    want = jax.grad(lambda v: jnp.logaddexp(v, 1.0).sum() + v.sum())(x)
    assert_close(fgrad.grad(f)(x), want)
    assert_close(fgrad.jit(lambda v: np.hypot(v, 2.0))(x), np.hypot(x, 2.0))
