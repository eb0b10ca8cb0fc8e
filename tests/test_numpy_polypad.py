"""pad (every mode), polynomials, convolve/correlate, interp, einsum with '...', and the array
manipulation functions of issue 4 (choose, select, rot90, insert, delete, meshgrid, ...):
numpy's exact results on concrete inputs, derivatives against JAX (x64), check_grads to
order 2, vmap against a loop, and staging under make_jaxpr."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from fnp_checks import assert_close, assert_like_numpy, check_staged, seeds
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fgrad
import fgrad.numpy as fnp
from fgrad.core.trace import ConcretizationError
from fgrad.test_util import check_grads

DTYPES = [np.float64, np.float32, np.int32]

PAD_MODES = [
    ("constant", {}), ("constant", {"constant_values": 2.5}), ("edge", {}), ("wrap", {}),
    ("reflect", {}), ("symmetric", {}), ("reflect", {"reflect_type": "odd"}),
    ("symmetric", {"reflect_type": "odd"}), ("linear_ramp", {}),
    ("linear_ramp", {"end_values": (4, -3)}), ("maximum", {}), ("minimum", {"stat_length": 2}),
    ("mean", {}), ("mean", {"stat_length": 1}), ("median", {}), ("median", {"stat_length": 3}),
]


def _values(rng, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "i":
        return rng.integers(-9, 10, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _ct(rng, out):
    return rng.standard_normal(np.shape(out))


def _vjp_like_jax(f_fgrad, f_jax, args, rng):
    """fgrad.vjp against a jitted jax.vjp (one jax compile per call site)."""
    out, pull = fgrad.vjp(f_fgrad, *args)
    ct = _ct(rng, out)

    @jax.jit
    def reference(args, ct):
        j_out, j_pull = jax.vjp(f_jax, *args)
        return j_out, j_pull(ct)

    j_out, j_cts = reference(args, ct)
    assert_close(out, j_out)
    for g, w in zip(pull(ct), j_cts):
        assert_close(g, w)


# ----- pad -----------------------------------------------------------------------------------


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
       dtype=st.sampled_from(DTYPES), seed=seeds, data=st.data())
def test_pad_like_numpy(shape, dtype, seed, data):
    """Widths up to three times the axis: reflect/symmetric/wrap iterate as numpy does."""
    rng = np.random.default_rng(seed)
    x = _values(rng, shape, dtype)
    widths = [tuple(data.draw(st.integers(0, 3 * n)) for _ in range(2)) for n in shape]
    for mode, kw in PAD_MODES:
        assert_like_numpy(fnp.pad(x, widths, mode, **kw), np.pad(x, widths, mode, **kw),
                          rtol=1e-5, atol=1e-5)
    w = data.draw(st.integers(0, 3))
    assert_like_numpy(fnp.pad(x, w, "reflect"), np.pad(x, w, "reflect"))
    assert_like_numpy(fnp.pad(x, (1, w), "wrap"), np.pad(x, (1, w), "wrap"))
    assert np.shape(fnp.pad(x, widths, "empty")) == np.pad(x, widths, "empty").shape


def test_pad_per_axis_values_and_errors():
    x = np.arange(6.0).reshape(2, 3)
    for kw in [{"constant_values": ((1, 2), (3, 4))}, {"end_values": ((1, 2), (3, 4))},
               {"stat_length": ((1, 2), (2, 1))}]:
        mode = {"constant_values": "constant", "end_values": "linear_ramp"}.get(
            next(iter(kw)), "mean")
        assert_like_numpy(fnp.pad(x, ((1, 2), (2, 1)), mode, **kw),
                          np.pad(x, ((1, 2), (2, 1)), mode, **kw))
    assert_like_numpy(fnp.pad(x, {1: (1, 2)}, "edge"), np.pad(x, {1: (1, 2)}, "edge"))
    with pytest.raises(ValueError, match="not supported"):
        fnp.pad(x, 1, "bogus")
    with pytest.raises(ValueError, match="unsupported keyword"):
        fnp.pad(x, 1, "edge", stat_length=2)
    with pytest.raises(ValueError, match="empty axis"):
        fnp.pad(np.zeros((0, 2)), 1, "edge")


@pytest.mark.parametrize("mode,kw", PAD_MODES, ids=[f"{m}-{kw}" for m, kw in PAD_MODES])
def test_pad_vjp_like_jax(mode, kw):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    widths = ((2, 5), (4, 1))
    _vjp_like_jax(lambda v: fnp.pad(v, widths, mode, **kw),
                  lambda v: jnp.pad(v, widths, mode, **kw), (x,), rng)


def test_pad_constant_value_is_differentiable():
    x = np.ones((2, 2))
    g = fgrad.grad(lambda c: fnp.sum(fnp.pad(x, 1, constant_values=c)))(1.5)
    assert_close(g, 12.0)


# ----- polynomials, convolution, interpolation -------------------------------------------------


@given(n=st.integers(1, 6), m=st.integers(1, 6), seed=seeds,
       mode=st.sampled_from(["full", "same", "valid"]), kinds=st.sampled_from(
           [("f", "f"), ("i", "f"), ("i", "i"), ("c", "f"), ("f", "c")]), order=st.integers(0, 3))
def test_polynomials_and_convolution_like_numpy(n, m, seed, mode, kinds, order):
    rng = np.random.default_rng(seed)

    def make(kind, k):
        if kind == "i":
            return rng.integers(-3, 4, k)
        x = rng.standard_normal(k)
        return x + 1j * rng.standard_normal(k) if kind == "c" else x

    a, v = make(kinds[0], n), make(kinds[1], m)
    assert_like_numpy(fnp.convolve(a, v, mode), np.convolve(a, v, mode))
    assert_like_numpy(fnp.correlate(a, v, mode), np.correlate(a, v, mode))
    assert_like_numpy(fnp.polyadd(a, v), np.polyadd(a, v))
    assert_like_numpy(fnp.polysub(a, v), np.polysub(a, v))
    assert_like_numpy(fnp.polymul(a, v), np.polymul(a, v))
    assert_like_numpy(fnp.polyval(a, v), np.polyval(a, v))
    assert_like_numpy(fnp.polyder(a, order), np.polyder(a, order))
    assert_like_numpy(fnp.polyint(a, order), np.polyint(a, order))
    assert_like_numpy(fnp.polyint(a, order, k=[1.0, 2.0, 3.0]),
                      np.polyint(a, order, k=[1.0, 2.0, 3.0]))


@given(n=st.integers(1, 6), seed=seeds, shape=hnp.array_shapes(min_dims=0, max_dims=2),
       period=st.sampled_from([None, 2.5]))
def test_interp_like_numpy(n, seed, shape, period):
    rng = np.random.default_rng(seed)
    xp = np.sort(rng.uniform(-2, 2, n))
    fp = rng.standard_normal(n)
    x = rng.uniform(-3, 3, shape)
    if n > 1 and x.size:
        x.flat[0] = xp[-1]  # the knots themselves, and the last one
        x.flat[-1] = xp[0]
    assert_like_numpy(fnp.interp(x, xp, fp, period=period), np.interp(x, xp, fp, period=period))
    assert_like_numpy(fnp.interp(x, xp, fp, left=-5.0, right=5.0),
                      np.interp(x, xp, fp, left=-5.0, right=5.0))
    assert_like_numpy(fnp.interp(x, xp, fp + 2j * fp), np.interp(x, xp, fp + 2j * fp))
    assert_like_numpy(fnp.interp(x.astype(np.float32), xp, fp.astype(np.float32)),
                      np.interp(x.astype(np.float32), xp, fp.astype(np.float32)))


POLY_JAX_CASES = [
    ("convolve_full", lambda m, a, v: m.convolve(a, v), [(5,), (3,)]),
    ("convolve_same_swapped", lambda m, a, v: m.convolve(a, v, "same"), [(2,), (5,)]),
    ("correlate_valid", lambda m, a, v: m.correlate(a, v), [(6,), (3,)]),
    ("correlate_swapped", lambda m, a, v: m.correlate(a, v, "full"), [(3,), (5,)]),
    ("correlate_same", lambda m, a, v: m.correlate(a, v, "same"), [(4,), (4,)]),
    ("polyval", lambda m, p, x: m.polyval(p, x), [(4,), (2, 3)]),
    ("polymul", lambda m, a, b: m.polymul(a, b), [(3,), (2,)]),
    ("polyadd", lambda m, a, b: m.polyadd(a, b), [(3,), (5,)]),
    ("polyder", lambda m, a: m.polyder(a, 2), [(5,)]),
    ("polyint", lambda m, a, k: m.polyint(a, 2, k=k), [(4,), (2,)]),
    ("interp", lambda m, x, xp, fp: m.interp(x, m.cumsum(m.abs(xp)) - 2.0, fp),
     [(7,), (5,), (5,)]),
    ("interp_lr", lambda m, x, fp: m.interp(x, np.linspace(-1, 1, 4), fp, left=fp[1],
                                             right=-1.0), [(7,), (4,)]),
    ("interp_period", lambda m, x, xp, fp: m.interp(x, xp, fp, period=1.7), [(6,), (4,), (4,)]),
]


@pytest.mark.parametrize("name,f,shapes", POLY_JAX_CASES, ids=[c[0] for c in POLY_JAX_CASES])
def test_poly_conv_interp_vjp_like_jax(name, f, shapes):
    rng = np.random.default_rng(1)
    args = tuple(rng.uniform(-1.5, 1.5, s) for s in shapes)
    _vjp_like_jax(lambda *xs: f(fnp, *xs), lambda *xs: f(jnp, *xs), args, rng)


# ----- array manipulation -------------------------------------------------------------------------


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), dtype=st.sampled_from(DTYPES),
       seed=seeds, data=st.data())
def test_insert_delete_append_like_numpy(shape, dtype, seed, data):
    rng = np.random.default_rng(seed)
    x = _values(rng, shape, dtype)
    axis = data.draw(st.sampled_from([None] + list(range(-len(shape), len(shape)))))
    n = x.size if axis is None else shape[axis]
    obj = data.draw(st.one_of(st.integers(-n, n), st.lists(st.integers(-n, n), max_size=3),
                              st.just(slice(0, n, 2))))
    n_obj = (len(range(*obj.indices(n))) if isinstance(obj, slice)
             else 1 if isinstance(obj, int) else len(obj))
    value_shapes = [(), (1,)] + ([(n_obj,)] if n_obj else [])
    values = _values(rng, data.draw(st.sampled_from(value_shapes)), np.float64)
    try:
        want = np.insert(x, obj, values, axis)
    except (ValueError, IndexError):
        return
    assert_like_numpy(fnp.insert(x, obj, values, axis), want)
    try:
        want = np.delete(x, obj, axis)
    except IndexError:
        with pytest.raises(IndexError):
            fnp.delete(x, obj, axis)
    else:
        assert_like_numpy(fnp.delete(x, obj, axis), want)
    assert_like_numpy(fnp.append(x, x, axis), np.append(x, x, axis))


@given(seed=seeds, k=st.integers(-5, 5), data=st.data())
def test_manipulation_like_numpy(seed, k, data):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((2, 3, 4))
    i = rng.integers(0, 3, (3, 4))
    axes = data.draw(st.sampled_from([(0, 1), (1, 0), (0, 2), (2, 1), (-1, 0)]))
    assert_like_numpy(fnp.rot90(z, k, axes), np.rot90(z, k, axes))
    ax, start = data.draw(st.integers(-3, 2)), data.draw(st.integers(-3, 3))
    assert_like_numpy(fnp.rollaxis(z, ax, start), np.rollaxis(z, ax, start))
    mode = data.draw(st.sampled_from(["raise", "wrap", "clip"]))
    shift = 0 if mode == "raise" else data.draw(st.integers(-3, 3))
    choices = [z[0, :, :1], z[1], 2.0]
    assert_like_numpy(fnp.choose(i + shift, choices, mode=mode),
                      np.choose(i + shift, choices, mode=mode))
    conds = [z[0] > 0.5, z[1] < -0.5]
    assert_like_numpy(fnp.select(conds, [z[0], i], default=k),
                      np.select(conds, [z[0], i], default=k))
    assert_like_numpy(fnp.diagflat(z[0], k), np.diagflat(z[0], k))
    for name, arg in [("vsplit", [1]), ("hsplit", 3), ("dsplit", [1, 3])]:
        got, want = getattr(fnp, name)(z, arg), getattr(np, name)(z, arg)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_like_numpy(g, w)
    for g, w in zip(fnp.broadcast_arrays(z[0, :, :1], z[1, 0], 1.0),
                    np.broadcast_arrays(z[0, :, :1], z[1, 0], 1.0)):
        assert_like_numpy(g, w)
    sparse, indexing = data.draw(st.booleans()), data.draw(st.sampled_from(["xy", "ij"]))
    for g, w in zip(fnp.meshgrid(z[0, 0], z[0, :, 1], z[1, 0, :2], sparse=sparse,
                                 indexing=indexing),
                    np.meshgrid(z[0, 0], z[0, :, 1], z[1, 0, :2], sparse=sparse,
                                indexing=indexing)):
        assert_like_numpy(g, w)
    assert_like_numpy(fnp.tri(3, 4, k), np.tri(3, 4, k))
    assert_like_numpy(fnp.copy(z), np.copy(z))
    with pytest.warns(DeprecationWarning):
        assert_like_numpy(fnp.row_stack([z[0, 0], z[1]]), np.vstack([z[0, 0], z[1]]))


MANIP_JAX_CASES = [
    ("choose", lambda m, a, b: m.choose(np.array([[0, 1, 2], [2, 1, 0]]), [a, b, a * b],
                                        mode="clip"), [(2, 3), (3,)]),
    ("select", lambda m, a, b: m.select([a > 0, b > 0.5], [a, b * 2], default=-a),
     [(2, 3), (3,)]),
    ("rot90", lambda m, a: m.rot90(a, 3, (2, 0)), [(2, 3, 4)]),
    ("rollaxis", lambda m, a: m.rollaxis(a, 2, 1), [(2, 3, 4)]),
    ("insert", lambda m, a, v: m.insert(a, np.array([1, 3, 3]), v, axis=1), [(2, 4), (3,)]),
    ("delete", lambda m, a: m.delete(a, np.array([0, 2]), axis=1), [(2, 4)]),
    ("append", lambda m, a, b: m.append(a, b), [(2, 2), (3,)]),
    ("diagflat", lambda m, a: m.diagflat(a, -1), [(2, 2)]),
    ("meshgrid", lambda m, a, b: m.stack(m.meshgrid(a, b)), [(3,), (2,)]),
    ("broadcast_arrays", lambda m, a, b: m.stack(m.broadcast_arrays(a, b)), [(2, 1), (3,)]),
    ("einsum_ellipsis", lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b),
     [(2, 1, 2, 3), (4, 3, 2)]),
    ("einsum_implicit", lambda m, a, b: m.einsum("...j,...j", a, b), [(4, 1, 3), (2, 3)]),
    ("einsum_diag_ellipsis", lambda m, a: m.einsum("...ii->...i", a), [(2, 3, 3)]),
    ("einsum_sublists", lambda m, a, b: m.einsum(a, [0, Ellipsis], b, [0], [Ellipsis]),
     [(3, 2, 2), (3,)]),
]


@pytest.mark.parametrize("name,f,shapes", MANIP_JAX_CASES, ids=[c[0] for c in MANIP_JAX_CASES])
def test_manipulation_vjp_like_jax(name, f, shapes):
    rng = np.random.default_rng(2)
    args = tuple(rng.standard_normal(s) for s in shapes)
    assert_like_numpy(f(fnp, *args), f(np, *args))
    _vjp_like_jax(lambda *xs: f(fnp, *xs), lambda *xs: f(jnp, *xs), args, rng)


EINSUM_SPECS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("...ij,...jk", [(1, 2, 3), (5, 3, 4)]),
    ("i...->...", [(2, 3)]), ("...", [(2, 3)]), ("ij...->", [(2, 3)]), ("Ba,aB", [(2, 3), (3, 2)]),
    ("a...b,b...->a...", [(2, 3, 4), (4, 3)]), ("...i,i...", [(2, 3), (3, 2)]),
    ("bA", [(2, 3)]), ("ii", [(3, 3)]), ("i,j,k", [(2,), (3,), (2,)]),
]


@pytest.mark.parametrize("spec,shapes", EINSUM_SPECS, ids=[s for s, _ in EINSUM_SPECS])
def test_einsum_like_numpy(spec, shapes):
    rng = np.random.default_rng(3)
    args = [rng.standard_normal(s) for s in shapes]
    assert_like_numpy(fnp.einsum(spec, *args), np.einsum(spec, *args))
    ints = [rng.integers(-3, 4, s).astype(np.int32) for s in shapes]
    assert_like_numpy(fnp.einsum(spec, *ints), np.einsum(spec, *ints))


def test_einsum_errors_like_numpy():
    x = np.ones((2, 3))
    for spec, args in [("...i->i", [x]), ("ij", [x[0]]), ("ij,jk", [x])]:
        with pytest.raises(ValueError):
            np.einsum(spec, *args)
        with pytest.raises(ValueError):
            fnp.einsum(spec, *args)


# ----- second order, vmap, staging ---------------------------------------------------------------

GRAD_CASES = [
    ("pad_reflect", lambda x: fnp.pad(x ** 2, ((1, 4), (2, 0)), "reflect", reflect_type="odd")),
    ("pad_mean", lambda x: fnp.pad(fnp.sin(x), 2, "mean", stat_length=2)),
    ("pad_ramp", lambda x: fnp.pad(x * x, 3, "linear_ramp", end_values=1.0)),
    ("convolve", lambda x: fnp.convolve(x[0] ** 2, x[1], "same")),
    ("correlate", lambda x: fnp.correlate(x[0], fnp.sin(x[1]), "full")),
    ("polyval", lambda x: fnp.polyval(x[0], x[1] ** 2)),
    ("interp", lambda x: fnp.interp(x[1] * 0.9, np.linspace(-2, 2, 4), x[0] ** 2)),
    ("einsum", lambda x: fnp.einsum("...i,...i->...", fnp.sin(x), x)),
    ("insert", lambda x: fnp.insert(x ** 2, [0, 2], x[0, :2], axis=1)),
    ("select", lambda x: fnp.select([x > 1.5], [x ** 3], x ** 2)),
]


@pytest.mark.parametrize("name,f", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_check_grads_order_2(name, f):
    x = np.array([[0.3, -1.2, 0.7, 1.1], [-0.4, 0.9, -1.6, 0.2]])
    check_grads(f, (x,), 2, atol=1e-5, rtol=1e-5)


VMAP_CASES = [
    ("pad_wrap", lambda x: fnp.pad(x, (3, 5), "wrap")),
    ("pad_median", lambda x: fnp.pad(x, 2, "median")),
    ("pad_constant_traced", lambda x: fnp.pad(x, 1, constant_values=x[0])),
    ("convolve", lambda x: fnp.convolve(x, np.array([1.0, -2.0]), "same")),
    ("correlate_both", lambda x: fnp.correlate(x, x[:2])),
    ("interp_x", lambda x: fnp.interp(x, np.array([-1.0, 0.0, 2.0]), np.array([1.0, 3.0, 2.0]))),
    ("interp_fp", lambda x: fnp.interp(np.array([-0.5, 0.5]), np.array([-1.0, 0.0, 1.0, 2.0]),
                                       x)),
    ("polyval", lambda x: fnp.polyval(x, 0.5)),
    ("choose", lambda x: fnp.choose(np.array([0, 1, 1, 0]), [x, -x], mode="wrap")),
    ("rot90", lambda x: fnp.rot90(fnp.reshape(x, (2, 2)))),
    ("insert", lambda x: fnp.insert(x, 1, x[2])),
    ("einsum", lambda x: fnp.einsum("i,...->i...", x, x[:2])),
]


@pytest.mark.parametrize("name,f", VMAP_CASES, ids=[c[0] for c in VMAP_CASES])
def test_vmap_matches_loop(name, f):
    xs = np.random.default_rng(4).standard_normal((3, 4))
    got = fgrad.vmap(f)(xs)
    want = np.stack([f(x) for x in xs])
    assert_close(got, want)


STAGED = [(n, f, (4,)) for n, f in VMAP_CASES] + [(n, f, (2, 4)) for n, f in GRAD_CASES]


@pytest.mark.parametrize("name,f,shape", STAGED, ids=[c[0] for c in STAGED])
def test_staged(name, f, shape):
    check_staged(f, np.random.default_rng(5).standard_normal(shape))


def test_concrete_positions_say_what_to_do():
    x = np.arange(4.0)
    with pytest.raises(ConcretizationError, match="concrete positions"):
        fgrad.jit(lambda v, i: fnp.insert(v, i, 0.0))(x, np.int64(1))
    with pytest.raises(ConcretizationError, match="mode='wrap'"):
        fgrad.jit(lambda i: fnp.choose(i, [x, x]))(np.zeros(4, np.int64))
