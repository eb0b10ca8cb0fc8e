"""Sorting, searching, unique, quantiles, NaN-reductions and differences (issue 4): numpy's
exact results on concrete inputs (ties and NaNs included), jvp/vjp against JAX (x64),
check_grads to order 2, vmap against a loop, and staging under make_jaxpr/jit."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from fnp_checks import assert_close, assert_like_numpy, bounded, check_jvp, check_staged, seeds
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fgrad
import fgrad.numpy as fnp
from fgrad.core.trace import ConcretizationError
from fgrad.test_util import check_grads

shapes_1d_up = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)
DTYPES = [np.float64, np.float32, np.int32, np.bool_]
QUANTILE_METHODS = [
    "inverted_cdf", "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf",
    "hazen", "weibull", "linear", "median_unbiased", "normal_unbiased", "lower", "higher",
    "midpoint", "nearest",
]


def _values(rng, shape, dtype, nan=0.0):
    """Half-integers in [-2, 2] (many ties), some NaNs for float dtypes."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    x = rng.integers(-4, 5, shape) / (2 if dtype.kind == "f" else 1)
    x = np.asarray(x).astype(dtype)
    if nan and dtype.kind == "f":
        x[rng.random(shape) < nan] = np.nan
    return x


def _distinct(rng, shape):
    """Values at least 0.1 apart: sorts and order statistics are smooth there."""
    n = int(np.prod(shape))
    return ((rng.permutation(n) - n / 2) * 0.37 + rng.uniform(0, 0.1, n)).reshape(shape)


def _axis(draw, ndim, none=True):
    choices = list(range(-ndim, ndim)) + ([None] if none else [])
    return draw(st.sampled_from(choices))


def _quiet(f, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return f(*args, **kw)


# ----- sorting and searching: values ----------------------------------------------------------


@given(shape=shapes_1d_up, dtype=st.sampled_from(DTYPES), seed=seeds, data=st.data())
def test_sort_argsort_lexsort_like_numpy(shape, dtype, seed, data):
    rng = np.random.default_rng(seed)
    x = _values(rng, shape, dtype, nan=0.2)
    axis = _axis(data.draw, len(shape))
    assert_like_numpy(fnp.sort(x, axis), np.sort(x, axis))
    assert_like_numpy(fnp.argsort(x, axis), np.argsort(x, axis, kind="stable"))
    y = _values(rng, shape, dtype)
    ax = axis if axis is not None else -1
    assert_like_numpy(fnp.lexsort((x, y), ax), np.lexsort((x, y), ax))
    n = x.size if axis is None else x.shape[axis]
    kth = data.draw(st.integers(-n, n - 1))
    part = np.asarray(fnp.partition(x, kth, axis))
    np.testing.assert_array_equal(np.take(part, kth, axis if axis is not None else 0),
                                  np.take(np.partition(x, kth, axis), kth,
                                          axis if axis is not None else 0))
    idx = fnp.argpartition(x, kth, axis)
    flat = x.ravel() if axis is None else x
    assert_like_numpy(np.take_along_axis(flat, idx, -1 if axis is None else axis), part)


@given(n=st.integers(1, 6), vshape=hnp.array_shapes(min_dims=0, max_dims=2, max_side=4),
       side=st.sampled_from(["left", "right"]), dtype=st.sampled_from(DTYPES[:3]),
       seed=seeds)
def test_searchsorted_like_numpy(n, vshape, side, dtype, seed):
    rng = np.random.default_rng(seed)
    a = np.sort(_values(rng, (n,), dtype, nan=0.2))
    v = _values(rng, vshape, dtype, nan=0.2)
    assert_like_numpy(fnp.searchsorted(a, v, side), np.searchsorted(a, v, side))
    perm = rng.permutation(n)
    unsorted = a[np.argsort(perm)]
    assert_like_numpy(fnp.searchsorted(unsorted, v, side, sorter=np.argsort(unsorted)),
                      np.searchsorted(unsorted, v, side, sorter=np.argsort(unsorted)))
    assert_like_numpy(fnp.searchsorted(a, 0.25, side), np.searchsorted(a, 0.25, side))


@given(shape=shapes_1d_up, dtype=st.sampled_from(DTYPES[:3]), seed=seeds,
       flags=st.tuples(st.booleans(), st.booleans(), st.booleans()),
       equal_nan=st.booleans(), data=st.data())
def test_unique_like_numpy(shape, dtype, seed, flags, equal_nan, data):
    rng = np.random.default_rng(seed)
    x = _values(rng, shape, dtype, nan=0.2)
    axis = _axis(data.draw, len(shape))
    got = fnp.unique(x, *flags, axis=axis, equal_nan=equal_nan)
    want = np.unique(x, *flags, axis=axis, equal_nan=equal_nan)
    for g, w in zip(got if any(flags) else [got], want if any(flags) else [want]):
        np.testing.assert_array_equal(g, w)
    # the traceable form with a static size: JAX's convention, the first `size` unique values
    # padded with the smallest one (its first index, count 0)
    size = data.draw(st.integers(1, x.size + 1))
    got = fgrad.jit(lambda v: fnp.unique(v, True, True, True, size=size, equal_nan=equal_nan))(x)
    vals, idx, inv, counts = np.unique(x, True, True, True, equal_nan=equal_nan)
    pad = max(size - len(vals), 0)
    want = (np.concatenate([vals[:size], np.repeat(vals[:1], pad)]),
            np.concatenate([idx[:size], np.repeat(idx[:1], pad)]), inv.reshape(x.shape),
            np.concatenate([counts[:size], np.zeros(pad, np.int64)]))
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_unique_size_like_jax():
    x = np.array([[2.0, np.nan, 1.0], [2.0, 3.0, np.nan]])
    for size, fill in [(2, None), (6, None), (6, -1.0)]:
        got = fnp.unique(x, True, True, True, size=size, fill_value=fill)
        want = jax.jit(lambda v: jnp.unique(v, True, True, True, size=size, fill_value=fill))(x)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)


# ----- quantiles: values ----------------------------------------------------------------------


@st.composite
def quantile_cases(draw):
    shape = draw(shapes_1d_up)
    nd = len(shape)
    axis = draw(st.one_of(st.none(), st.integers(-nd, nd - 1),
                          st.lists(st.integers(0, nd - 1), min_size=1, unique=True).map(tuple)))
    q = draw(st.one_of(st.sampled_from([0.0, 0.5, 1.0, 0.3]),
                       hnp.arrays(np.float64, st.integers(1, 4),
                                  elements=st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.7, 1.0]))))
    return shape, axis, q, draw(st.booleans())


@given(case=quantile_cases(), method=st.sampled_from(QUANTILE_METHODS),
       dtype=st.sampled_from(DTYPES[:3]), seed=seeds)
def test_quantiles_like_numpy(case, method, dtype, seed):
    shape, axis, q, keepdims = case
    rng = np.random.default_rng(seed)
    x = _values(rng, shape, dtype)
    kw = dict(axis=axis, method=method, keepdims=keepdims)
    assert_like_numpy(fnp.quantile(x, q, **kw), np.quantile(x, q, **kw))
    assert_like_numpy(fnp.percentile(x, np.multiply(q, 100), **kw),
                      np.percentile(x, np.multiply(q, 100), **kw), rtol=1e-12, atol=1e-12)
    xn = _values(rng, shape, np.float64, nan=0.3)
    assert_like_numpy(fnp.quantile(xn, q, **kw), _quiet(np.quantile, xn, q, **kw))
    assert_like_numpy(fnp.nanquantile(xn, q, **kw), _quiet(np.nanquantile, xn, q, **kw))
    assert_like_numpy(fnp.nanpercentile(xn, np.multiply(q, 100), **kw),
                      _quiet(np.nanpercentile, xn, np.multiply(q, 100), **kw))
    kw = dict(axis=axis, keepdims=keepdims)
    assert_like_numpy(fnp.median(x, **kw), np.median(x, **kw))
    assert_like_numpy(fnp.median(xn, **kw), _quiet(np.median, xn, **kw))
    assert_like_numpy(fnp.nanmedian(xn, **kw), _quiet(np.nanmedian, xn, **kw))


def test_quantile_errors():
    x = np.arange(4.0)
    with pytest.raises(ValueError, match="range"):
        fnp.quantile(x, 1.5)
    with pytest.raises(ValueError, match="range"):
        fnp.percentile(x, -1)
    with pytest.raises(ValueError, match="method"):
        fnp.quantile(x, 0.5, method="bogus")


# ----- NaN-reductions and differences: values -------------------------------------------------

NAN_REDUCTIONS = ["nanmax", "nanmin", "nanprod", "nanvar", "nanstd", "count_nonzero"]


@given(shape=shapes_1d_up, dtype=st.sampled_from(DTYPES), seed=seeds, keepdims=st.booleans(),
       data=st.data())
def test_nan_reductions_like_numpy(shape, dtype, seed, keepdims, data):
    rng = np.random.default_rng(seed)
    x = _values(rng, shape, dtype, nan=0.3)
    axis = _axis(data.draw, len(shape))
    for name in NAN_REDUCTIONS:
        if dtype == np.bool_ and name in ("nanvar", "nanstd"):
            continue
        got = getattr(fnp, name)(x, axis=axis, keepdims=keepdims)
        assert_like_numpy(got, _quiet(getattr(np, name), x, axis=axis, keepdims=keepdims),
                          rtol=1e-5, atol=1e-6)
    if dtype != np.bool_:
        assert_like_numpy(_quiet(fnp.nanvar, x, axis, ddof=1), _quiet(np.nanvar, x, axis, ddof=1),
                          rtol=1e-5, atol=1e-6)
    for name in ["nancumsum", "nancumprod"]:
        assert_like_numpy(getattr(fnp, name)(x, axis), getattr(np, name)(x, axis))
    for name in ["nanargmax", "nanargmin"]:
        try:
            want = getattr(np, name)(x, axis, keepdims=keepdims)
        except ValueError:
            with pytest.raises(ValueError, match="All-NaN"):
                getattr(fnp, name)(x, axis, keepdims=keepdims)
            continue
        assert_like_numpy(getattr(fnp, name)(x, axis, keepdims=keepdims), want)


@given(shape=shapes_1d_up, dtype=st.sampled_from(DTYPES), seed=seeds, n=st.integers(0, 3),
       data=st.data())
def test_differences_like_numpy(shape, dtype, seed, n, data):
    rng = np.random.default_rng(seed)
    x = _values(rng, shape, dtype)
    axis = _axis(data.draw, len(shape), none=False)
    assert_like_numpy(fnp.diff(x, n, axis), np.diff(x, n, axis))
    edge = _values(rng, (), dtype)
    assert_like_numpy(fnp.diff(x, 1, axis, prepend=edge, append=x),
                      np.diff(x, 1, axis, prepend=edge, append=x))
    assert_like_numpy(fnp.cumulative_sum(x, axis=axis, include_initial=n > 1),
                      np.cumulative_sum(x, axis=axis, include_initial=n > 1))
    assert_like_numpy(fnp.cumulative_prod(x, axis=axis, include_initial=n > 1),
                      np.cumulative_prod(x, axis=axis, include_initial=n > 1))
    if dtype != np.bool_:
        assert_like_numpy(fnp.ediff1d(x, to_end=[1, 2], to_begin=0),
                          np.ediff1d(x, to_end=[1, 2], to_begin=0))
        t = np.cumsum(rng.uniform(0.1, 1.0, x.shape[axis]))
        assert_like_numpy(fnp.trapezoid(x, t, axis=axis), np.trapezoid(x, t, axis=axis),
                          rtol=1e-5, atol=1e-5)
        assert_like_numpy(fnp.trapezoid(x, dx=0.5, axis=axis), np.trapezoid(x, dx=0.5, axis=axis),
                          rtol=1e-5, atol=1e-5)


# ----- derivatives against JAX ------------------------------------------------------------------

# (id, f(module, x), shape, values): `module` is jax.numpy or fgrad.numpy
JAX_CASES = [
    ("sort", lambda m, x: m.sort(x, axis=0), (4, 3), "ties"),
    ("sort_none", lambda m, x: m.sort(x, axis=None), (2, 3), "ties"),
    ("partition", lambda m, x: m.sort(x)[..., 1], (3, 4), "distinct"),
    ("quantile_linear", lambda m, x: m.quantile(x, np.array([0.1, 0.5, 0.77]), axis=1), (3, 5),
     "distinct"),
    ("quantile_lower", lambda m, x: m.quantile(x, 0.3, axis=0, method="lower"), (4, 3), "ties"),
    ("quantile_higher", lambda m, x: m.quantile(x, 0.3, method="higher"), (4, 3), "ties"),
    ("quantile_midpoint", lambda m, x: m.quantile(x, 0.5, axis=(0, 2), method="midpoint",
                                                  keepdims=True), (2, 3, 2), "distinct"),
    ("percentile", lambda m, x: m.percentile(x, 35.0, axis=-1), (3, 4), "distinct"),
    ("median_even", lambda m, x: m.median(x, axis=1), (3, 4), "ties"),
    ("median_odd", lambda m, x: m.median(x), (5,), "ties"),
    ("nanquantile", lambda m, x: m.nanquantile(x, np.array([0.2, 0.9]), axis=1), (3, 5),
     "nan"),
    ("nanmedian", lambda m, x: m.nanmedian(x, axis=0), (5, 3), "nan"),
    ("nanmax_ties", lambda m, x: m.nanmax(x, axis=1), (3, 4), "nan_ties"),
    ("nanmin_ties", lambda m, x: m.nanmin(x), (3, 4), "nan_ties"),
    ("max_ties", lambda m, x: m.max(x, axis=0), (4, 3), "ties"),
    ("nanprod", lambda m, x: m.nanprod(x, axis=0), (3, 4), "nan"),
    ("nanvar", lambda m, x: m.nanvar(x, axis=1, ddof=1), (3, 5), "nan"),
    ("nanstd", lambda m, x: m.nanstd(x, axis=0, keepdims=True), (5, 3), "nan"),
    ("nancumsum", lambda m, x: m.nancumsum(x, axis=1), (3, 4), "nan"),
    ("nancumprod", lambda m, x: m.nancumprod(x), (3, 4), "nan"),
    ("diff", lambda m, x: m.diff(x, 2, axis=0, prepend=1.5), (4, 3), "distinct"),
    ("ediff1d", lambda m, x: m.ediff1d(x, to_begin=np.array([2.0]), to_end=x[0]), (2, 3),
     "distinct"),
    ("trapezoid", lambda m, x: m.trapezoid(x ** 2, m.cumsum(x[0] ** 2 + 0.1)), (3, 4),
     "distinct"),
    ("cumulative_sum", lambda m, x: m.cumulative_sum(x, axis=0, include_initial=True), (3, 4),
     "distinct"),
]


def _case_values(rng, shape, kind):
    if kind == "distinct":
        return _distinct(rng, shape)
    if kind == "ties":
        return _values(rng, shape, np.float64)
    x = _distinct(rng, shape) if kind == "nan" else _values(rng, shape, np.float64)
    x[rng.random(shape) < 0.3] = np.nan
    x.reshape(-1, shape[-1])[0, 0] = 1.0  # one number in the first slice at least
    return x


def _nan_safe(f, m):
    """NaN outputs (all-NaN slices) are zeroed, so their cotangents do not flow."""
    def g(x):
        y = f(m, x)
        return m.where(y == y, y, 0.0)

    return g


@pytest.mark.parametrize("name,f,shape,kind", JAX_CASES, ids=[c[0] for c in JAX_CASES])
def test_derivatives_like_jax(name, f, shape, kind):
    rng = np.random.default_rng(0)
    x = _case_values(rng, shape, kind)
    got_f, want_f = _nan_safe(f, fnp), _nan_safe(f, jnp)
    out, pull = fgrad.vjp(got_f, x)
    ct = rng.standard_normal(np.shape(out))
    t = np.where(np.isnan(x), 0.0, rng.standard_normal(shape))
    _, tan = fgrad.jvp(got_f, (x,), (t,))

    @jax.jit  # one compile per case instead of one per jax operation
    def reference(x, ct, t):
        j_out, j_pull = jax.vjp(want_f, x)
        return j_out, j_pull(ct)[0], jax.jvp(want_f, (x,), (t,))[1]

    j_out, j_ct, j_tan = reference(x, ct, t)
    assert_close(out, j_out)
    assert_close(pull(ct)[0], j_ct)
    assert_close(tan, j_tan)


@bounded(6)
@given(q=hnp.arrays(np.float64, st.integers(1, 3), elements=st.floats(0.01, 0.99)),
       method=st.sampled_from(["linear", "lower", "higher", "midpoint"]), seed=seeds)
def test_quantile_derivative_in_q_like_jax(q, method, seed):
    x = _distinct(np.random.default_rng(seed), (3, 6))
    got = fgrad.jacfwd(lambda v, p: fnp.quantile(v, p, axis=1, method=method), (0, 1))(x, q)
    want = jax.jit(jax.jacfwd(lambda v, p: jnp.quantile(v, p, axis=1, method=method),
                              (0, 1)))(x, q)
    for g, w in zip(got, want):
        assert_close(g, w)


def test_max_ties_share_the_derivative_evenly_like_jax():
    """The convention: every tied maximum gets 1/k of the cotangent (JAX's), not all of it to
    the first one (autograd/torch's max over a dim gives it to one index)."""
    x = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, np.nan]])
    for fname in ["max", "nanmax", "min", "nanmin"]:
        got = fgrad.grad(lambda v: fnp.sum(getattr(fnp, fname)(fnp.where(v == v, v, 0.0),
                                                               axis=1)))(x)
        want = jax.jit(jax.grad(lambda v: jnp.sum(getattr(jnp, fname)(
            jnp.where(v == v, v, 0.0), axis=1))))(x)
        assert_close(got, want)
    got = fgrad.grad(lambda v: fnp.max(v))(np.array([1.0, 3.0, 3.0, 3.0]))
    assert_close(got, [0.0, 1 / 3, 1 / 3, 1 / 3])


@bounded(5)
@given(shape=st.sampled_from([(4,), (3, 4), (2, 3, 2)]), seed=seeds, data=st.data())
def test_sort_vjp_jvp_like_jax_drawn(shape, seed, data):
    rng = np.random.default_rng(seed)
    x = _values(rng, shape, np.float64)
    axis = _axis(data.draw, len(shape))

    def f(m):
        return lambda v: m.sort(v * v + v, axis=axis)

    out, pull = fgrad.vjp(f(fnp), x)
    ct = rng.standard_normal(np.shape(out))
    _, j_pull = jax.vjp(f(jnp), jnp.asarray(x))
    assert_close(pull(ct)[0], j_pull(jnp.asarray(ct))[0])
    check_jvp(f(fnp), [x], rng)


# ----- second order, vmap, staging ---------------------------------------------------------------

GRAD_CASES = [
    ("sort", lambda x: fnp.sort(x, axis=0) ** 2),
    ("quantile", lambda x: fnp.quantile(x ** 3, np.array([0.2, 0.5]), axis=1)),
    ("median", lambda x: fnp.median(x * x, axis=0)),
    ("nanquantile", lambda x: fnp.nanquantile(fnp.where(x > 0.8, np.nan, x) ** 2, 0.4, axis=1)),
    ("nanvar", lambda x: fnp.nanvar(fnp.where(x > 0.8, np.nan, x), axis=1)),
    ("nanmax", lambda x: fnp.nanmax(x ** 2, axis=0)),
    ("diff", lambda x: fnp.diff(x ** 2, 2, axis=1)),
    ("trapezoid", lambda x: fnp.trapezoid(fnp.sin(x), x[0] * x[0])),
]


@pytest.mark.parametrize("name,f", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_check_grads_order_2(name, f):
    x = _distinct(np.random.default_rng(3), (3, 4))
    check_grads(f, (x,), 2, atol=1e-5, rtol=1e-5)


VMAP_CASES = [
    ("sort", lambda x: fnp.sort(x)),
    ("argsort", lambda x: fnp.argsort(x, axis=0)),
    ("searchsorted", lambda x: fnp.searchsorted(fnp.sort(x[0]), x[1])),
    ("searchsorted_query", lambda x: fnp.searchsorted(np.array([-1.0, 0.0, 0.5]), x)),
    ("unique_size", lambda x: fnp.unique(x, size=3)),
    ("quantile", lambda x: fnp.quantile(x, np.array([0.3, 0.6]), axis=-1)),
    ("nanmedian", lambda x: fnp.nanmedian(fnp.where(x > 1, np.nan, x), axis=0)),
    ("nanargmax", lambda x: fnp.nanargmax(fnp.where(x > 1, np.nan, x), axis=1)),
    ("nanvar", lambda x: fnp.nanvar(fnp.where(x > 1, np.nan, x))),
    ("diff", lambda x: fnp.diff(x, axis=0)),
    ("count_nonzero", lambda x: fnp.count_nonzero(x > 0, axis=1)),
]


@pytest.mark.parametrize("name,f", VMAP_CASES, ids=[c[0] for c in VMAP_CASES])
def test_vmap_matches_loop(name, f):
    xs = _values(np.random.default_rng(5), (3, 2, 4), np.float64)
    got = fgrad.vmap(f)(xs)
    want = np.stack([f(x) for x in xs])
    np.testing.assert_allclose(got, want, equal_nan=True)


STAGED = VMAP_CASES + GRAD_CASES + [
    ("lexsort", lambda x: fnp.lexsort((x[0], x[1]))),
    ("median_nan", lambda x: fnp.median(fnp.where(x > 1, np.nan, x), axis=1)),
    ("percentile", lambda x: fnp.percentile(x, 40.0, method="nearest")),
    ("count_nonzero_all", lambda x: fnp.count_nonzero(x)),
    ("cumulative_prod", lambda x: fnp.cumulative_prod(x, axis=1)),
]


@pytest.mark.parametrize("name,f", STAGED, ids=[c[0] for c in STAGED])
def test_staged(name, f):
    check_staged(f, _values(np.random.default_rng(6), (2, 4), np.float64))


def test_value_dependent_shapes_say_what_to_do():
    x = np.array([1.0, 2.0, 2.0])
    with pytest.raises(ConcretizationError, match="size="):
        fgrad.jit(fnp.unique)(x)
    # under grad the values are concrete: unique works and its values keep their derivative
    g = fgrad.grad(lambda v: fnp.sum(fnp.unique(v) ** 2))(x)
    assert_close(g, [2.0, 4.0, 0.0])
    # an all-NaN slice: numpy's error on concrete values, JAX's -1 under jit
    y = np.array([[np.nan, np.nan], [1.0, np.nan]])
    with pytest.raises(ValueError, match="All-NaN"):
        fnp.nanargmax(y, axis=1)
    np.testing.assert_array_equal(fgrad.jit(lambda v: fnp.nanargmax(v, axis=1))(y), [-1, 0])
