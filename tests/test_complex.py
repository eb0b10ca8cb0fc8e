"""Complex numbers (issue 4): fgrad.numpy on complex inputs against numpy (values, dtypes) and
jax.numpy (jvp and vjp with complex tangents and cotangents, x64), JAX's conventions for the
complex-part primitives' transposes and for grad / jacfwd / jacrev / hessian (holomorphic or
not), and dtype promotion with complex operands."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from fnp_checks import assert_like_numpy, bounded, check_staged, seeds, shapes
from hypothesis import given
from hypothesis import strategies as st

import fgrad
import fgrad.numpy as fnp
from fgrad import prims
from fgrad.test_util import check_grads

C128, C64 = np.dtype(np.complex128), np.dtype(np.complex64)
TOL = dict(rtol=1e-10, atol=1e-12)


def crand(rng, shape, dtype=C128, domain="any"):
    """Complex values: "any" (standard normal parts), "right" (the right half plane, away from
    the branch cuts of log, sqrt and power), "nonzero" (|z| >= 0.5)."""
    if domain == "right":
        z = rng.uniform(0.5, 2.0, shape) + 1j * rng.uniform(-1.0, 1.0, shape)
    else:
        z = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
        if domain == "nonzero":
            z = z / np.maximum(np.abs(z), 1e-3) * rng.uniform(0.5, 2.0, shape)
    return np.asarray(z).astype(dtype)


def like(rng, x):
    """A random tangent or cotangent of x's shape and dtype (complex parts both random)."""
    x = np.asarray(x)
    if x.dtype.kind == "c":
        return crand(rng, x.shape, x.dtype)
    return rng.standard_normal(x.shape).astype(x.dtype)


def close(got, want, what=""):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    assert got.dtype == want.dtype, (what, got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, err_msg=what, **TOL)


def check_vs_jax(f, ref, args, rng):
    """jvp along random complex tangents and vjp of a random cotangent, against jax (one
    jitted jax call: compiling it costs less than jax's op-by-op dispatch)."""
    tangents = [like(rng, a) for a in args]
    out, t_out = fgrad.jvp(f, tuple(args), tuple(tangents))
    ct = like(rng, out)

    @jax.jit
    def reference(args, tangents, ct):
        j_out, j_t = jax.jvp(ref, tuple(args), tuple(tangents))
        return j_out, j_t, jax.vjp(ref, *args)[1](ct)

    j_out, j_t, want = reference(args, tangents, ct)
    close(out, j_out, "value")
    close(t_out, j_t, "jvp")
    got = fgrad.vjp(f, *args)[1](ct)
    for i, (g, w) in enumerate(zip(got, want)):
        close(g, w, f"vjp cotangent {i}")


# ----- functions of one complex array -------------------------------------------------------

UNARY = [
    # name, f(z, n) for n in (fgrad.numpy, numpy, jax.numpy), domain
    ("exp", lambda z, n: n.exp(z), "any"),
    ("log", lambda z, n: n.log(z), "right"),
    ("sin", lambda z, n: n.sin(z), "any"),
    ("cos", lambda z, n: n.cos(z), "any"),
    ("tanh", lambda z, n: n.tanh(z), "any"),
    ("sqrt", lambda z, n: n.sqrt(z), "right"),
    ("square", lambda z, n: n.square(z), "any"),
    ("reciprocal", lambda z, n: n.reciprocal(z), "nonzero"),
    ("negative", lambda z, n: n.negative(z), "any"),
    ("power_int", lambda z, n: n.power(z, 3), "any"),
    ("power_float", lambda z, n: n.power(z, 2.5), "right"),
    ("power_complex", lambda z, n: n.power(z, 0.5 - 1j), "right"),
    ("rpow", lambda z, n: n.power(1.5, z), "any"),
    ("abs", lambda z, n: n.abs(z), "nonzero"),
    ("abs_squared", lambda z, n: n.abs(z) ** 2, "any"),
    ("sign", lambda z, n: n.sign(z), "nonzero"),
    ("real", lambda z, n: n.real(z), "any"),
    ("imag", lambda z, n: n.imag(z), "any"),
    ("conj", lambda z, n: n.conj(z), "any"),
    ("conjugate", lambda z, n: n.conjugate(z), "any"),
    ("angle", lambda z, n: n.angle(z), "nonzero"),
    ("angle_deg", lambda z, n: n.angle(z, deg=True), "nonzero"),
    ("sum", lambda z, n: n.sum(z), "any"),
    ("mean", lambda z, n: n.mean(z), "any"),
    ("prod", lambda z, n: n.prod(z), "any"),
    ("cumsum", lambda z, n: n.cumsum(z), "any"),
    ("var", lambda z, n: n.var(z), "any"),
    ("std", lambda z, n: n.std(z), "nonzero"),
    ("vdot", lambda z, n: n.vdot(z, z * (1 - 2j)), "any"),
    ("where", lambda z, n: n.where(n.real(z) > 0, z, z * z), "any"),
    ("reversed", lambda z, n: n.reshape(z, (-1,))[::-1], "any"),
    ("methods", lambda z, n: z.real * z.imag + z.conj() * 2.0 + z.sum(), "any"),
]
NAMES = [u[0] for u in UNARY]


@pytest.mark.parametrize("name,f,domain", UNARY, ids=NAMES)
@bounded(8)
@given(shape=shapes, dtype=st.sampled_from([C128, C64]), seed=seeds)
def test_unary_vs_numpy(name, f, domain, shape, dtype, seed):
    """Values and dtypes equal numpy's (complex64 stays single precision), and staging agrees."""
    rng = np.random.default_rng(seed)
    z = crand(rng, shape, dtype, domain)
    t = dict(rtol=1e-5, atol=1e-5) if dtype == C64 else dict(rtol=1e-12, atol=1e-12)
    assert_like_numpy(f(z, fnp), f(z, np), **t)
    check_staged(lambda z: f(z, fnp), z)


@pytest.mark.parametrize("name,f,domain", UNARY, ids=NAMES)
def test_unary_vs_jax(name, f, domain):
    """jvp and vjp against jax's, at one shape (jax compiles per shape; the rules are the
    same at every shape, which check_grads covers below)."""
    rng = np.random.default_rng(len(name))
    z = crand(rng, (2, 3), C128, domain)
    check_vs_jax(lambda z: f(z, fnp), lambda z: f(z, jnp), [z], rng)


@pytest.mark.parametrize("name,f,domain", UNARY, ids=NAMES)
@bounded(6)
@given(shape=shapes, seed=seeds)
def test_unary_check_grads(name, f, domain, shape, seed):
    """check_grads to order 2 on drawn shapes (not sign: z / |z| for complex z, whose
    derivative jax and fgrad define as 0; not std of one value, 0, where sqrt has none)."""
    rng = np.random.default_rng(seed)
    z = crand(rng, shape, C128, domain)
    if name == "sign" or (name == "std" and z.size == 1):
        return
    check_grads(lambda z: f(z, fnp), (z,), 2)


# ----- two operands: complex with complex, real or integer ---------------------------------

BINARY = [
    ("add", fnp.add, jnp.add), ("subtract", fnp.subtract, jnp.subtract),
    ("multiply", fnp.multiply, jnp.multiply), ("divide", fnp.divide, jnp.divide),
    ("power", fnp.power, jnp.power),
]


PAIRS = [((), ()), ((3,), ()), ((2, 3), (3,)), ((2, 1), (3,)), ((), (2, 2))]


@pytest.mark.parametrize("name,f,ref", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("other", ["complex", "float64", "float32", "int32", "pycomplex"])
@bounded(8)
@given(seed=seeds, shapes=st.sampled_from(PAIRS))
def test_binary_mixed_vs_numpy(name, f, ref, other, seed, shapes):
    """A complex operand with a complex, float64, float32, int32 or Python complex one, in
    both orders: numpy's values and promotion."""
    rng = np.random.default_rng(seed)
    z = crand(rng, shapes[0], C128, "right" if name == "power" else "nonzero")
    if other == "complex":
        w = crand(rng, shapes[1], C128, "nonzero")
    elif other == "pycomplex":
        w = complex(crand(rng, (), C128, "nonzero"))
    else:
        w = rng.integers(1, 3, shapes[1]).astype(other)
    for x, y in ((z, w), (w, z)):
        assert_like_numpy(f(x, y), getattr(np, name)(x, y))


@pytest.mark.parametrize("name,f,ref", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("other", ["complex", "float64"])
def test_binary_mixed_vs_jax(name, f, ref, other):
    """Derivatives in both operands as jax's; the real operand's cotangent is real (JAX keeps
    each input's dtype: the real part of the complex cotangent that reaches it)."""
    rng = np.random.default_rng(len(name))
    z = crand(rng, (2, 3), C128, "right" if name == "power" else "nonzero")
    w = crand(rng, (3,), C128) if other == "complex" else rng.uniform(0.5, 1.5, 3)
    check_vs_jax(f, ref, [z, w], rng)
    if name != "power":
        check_vs_jax(f, ref, [w, z], rng)


PRODUCTS = [
    ("dot", lambda a, b, n: n.dot(a, b), (2, 3), (3, 4)),
    ("matmul", lambda a, b, n: n.matmul(a, b), (2, 2, 3), (3, 2)),
    ("vdot", lambda a, b, n: n.vdot(a, b), (2, 3), (3, 2)),
    ("inner", lambda a, b, n: n.inner(a, b), (2, 3), (4, 3)),
    ("outer", lambda a, b, n: n.outer(a, b), (3,), (2,)),
    ("einsum", lambda a, b, n: n.einsum("ij,kj->ik", a, b), (2, 3), (4, 3)),
]


@pytest.mark.parametrize("name,f,sa,sb", PRODUCTS, ids=[p[0] for p in PRODUCTS])
@pytest.mark.parametrize("rhs", ["complex", "float64"])
def test_products_vs_numpy_and_jax(name, f, sa, sb, rhs):
    """Products of complex arrays, also with a real one on either side (vdot conjugates its
    first argument, like numpy)."""
    rng = np.random.default_rng(0)
    a = crand(rng, sa)
    b = rng.standard_normal(sb) if rhs == "float64" else crand(rng, sb)
    for x, y in ((a, b), (b.T, a.T) if name == "dot" else (b, a)):
        assert_like_numpy(f(x, y, fnp), f(x, y, np))
    check_vs_jax(lambda x, y: f(x, y, fnp), lambda x, y: f(x, y, jnp), [a, b], rng)


def test_indexing_and_scatter_vs_jax():
    rng = np.random.default_rng(1)
    z = crand(rng, (3, 4))
    idx = np.array([2, 0, 2])

    def f(z):
        return z[idx, 1:] * z[0, ::-1][:3] + z.at[1, 2].add(z[0, 0] * 1j)[:, :3]

    def ref(z):
        return z[idx, 1:] * z[0, ::-1][:3] + z.at[1, 2].add(z[0, 0] * 1j)[:, :3]

    check_vs_jax(f, ref, [z], rng)


# ----- real <-> complex -------------------------------------------------------------------


def test_real_to_complex_to_real_vs_jax():
    """Real inputs through complex intermediates to a real output: grad is real, as jax's."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal(5)

    def f(x, n=fnp):
        z = n.exp(1j * x) * (x + 2.0) + n.conj(x * (1 - 1j))
        return n.sum(n.abs(z) ** 2 + n.angle(z) + n.real(z * z))

    g = fgrad.grad(f)(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, jax.grad(lambda x: f(x, jnp))(x), **TOL)
    check_grads(f, (x,), 2)


def test_convert_element_type_between_real_and_complex_vs_jax():
    """complex -> real takes the real part (jvp: the real part of the tangent; vjp: the real
    cotangent as a complex one); real -> complex has the real part of the cotangent as its
    vjp. Both ways as jax.lax.convert_element_type."""
    rng = np.random.default_rng(3)
    z, x = crand(rng, (4,)), rng.standard_normal(4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jax and numpy warn that the imaginary part is dropped
        for arg, dtype in ((z, np.float64), (z, np.float32), (x, C128), (z, C64)):
            f = lambda a, d=dtype: prims.convert_element_type(a, d)  # noqa: E731
            ref = lambda a, d=dtype: jax.lax.convert_element_type(a, d)  # noqa: E731
            out = f(arg)
            close(out, ref(arg), f"value {arg.dtype} -> {dtype}")
            t, ct = like(rng, arg), like(rng, out)
            close(fgrad.jvp(f, (arg,), (t,))[1], jax.jvp(ref, (arg,), (t,))[1], "jvp")
            close(fgrad.vjp(f, arg)[1](ct)[0], jax.vjp(ref, arg)[1](ct)[0], "vjp")
        assert_like_numpy(fnp.asarray(z).astype(np.float64), z.astype(np.float64))
        g = fgrad.grad(lambda z: fnp.sum(z.astype(np.float64) ** 2))(z)
        close(g, jax.grad(lambda z: jnp.sum(z.astype(jnp.float64) ** 2))(z))


# ----- the primitives' transposes: JAX's convention -----------------------------------------

TRANSPOSES = [
    ("real", prims.real, jax.lax.real, C128),
    ("imag", prims.imag, jax.lax.imag, C128),
    ("conj", prims.conj, jax.lax.conj, C128),
    ("conj_of_real", prims.conj, jax.lax.conj, np.dtype(np.float64)),
    ("complex", prims.complex, jax.lax.complex, np.dtype(np.float64)),
    ("abs_at_z", None, None, C128),
]


@pytest.mark.parametrize("name,f,ref,dtype", TRANSPOSES, ids=[t[0] for t in TRANSPOSES])
def test_linear_transpose_vs_jax(name, f, ref, dtype):
    """linear_transpose of each complex-part primitive equals jax.linear_transpose's exactly:
    cotangents are not conjugated (real -> ct + 0i, imag -> -i ct, complex -> (Re ct, -Im ct),
    conj -> conj(ct), or Re ct for a real input). For abs, the vjp at z is ct conj(z) / |z|."""
    rng = np.random.default_rng(4)
    if name == "abs_at_z":
        z = crand(rng, (3,))
        ct = rng.standard_normal(3)
        close(fgrad.vjp(fnp.abs, z)[1](ct)[0], jax.vjp(jnp.abs, z)[1](ct)[0])
        close(fgrad.vjp(fnp.abs, z)[1](ct)[0], ct * np.conj(z) / np.abs(z))
        return
    nargs = 2 if name == "complex" else 1
    args = [like(rng, np.zeros(3, dtype)) for _ in range(nargs)]
    out = f(*args)
    ct = like(rng, out)
    got = fgrad.linear_transpose(f, *args)(ct)
    want = jax.linear_transpose(ref, *args)(ct)
    for g, w in zip(got, want):
        assert np.asarray(g).dtype == np.asarray(w).dtype
        np.testing.assert_array_equal(g, w)


# ----- grad and the Jacobians: JAX's conventions ---------------------------------------------


def test_grad_of_abs_squared_is_conjugate_convention():
    """grad of a real function of z is the conjugate of the Wirtinger-style gradient
    2 * d/dz: for |z|^2 at 3 + 4i it is 6 - 8i, as jax.grad."""
    g = fgrad.grad(lambda z: fnp.abs(z) ** 2)(3 + 4j)
    assert g == 6 - 8j and np.asarray(g).dtype == C128
    assert g == complex(jax.grad(lambda z: jnp.abs(z) ** 2)(3 + 4j))
    g = fgrad.grad(lambda z: fnp.real(z * fnp.conj(z)))(np.complex64(1 - 2j))
    assert g == 2 + 4j and np.asarray(g).dtype == C64


HOLOMORPHIC = [
    ("square", lambda z, n: z * z),
    ("sin_exp", lambda z, n: n.sin(z) * n.exp(z / 2)),
    ("log", lambda z, n: n.log(z) + z ** 3),
    ("rational", lambda z, n: (z + 1) / (z - 2j)),
    ("sum", lambda z, n: n.sum(n.tanh(z) * z)),
]


@pytest.mark.parametrize("name,f", HOLOMORPHIC, ids=[h[0] for h in HOLOMORPHIC])
def test_holomorphic_grad_and_jacobians_vs_jax(name, f):
    """grad(holomorphic=True) is f'(z); jacfwd / jacrev / hessian with holomorphic=True are
    the complex Jacobians; all as jax's."""
    rng = np.random.default_rng(5)
    z = crand(rng, (3,) if name == "sum" else (), C128, "right")
    ff = lambda z: f(z, fnp)  # noqa: E731
    fj = lambda z: f(z, jnp)  # noqa: E731
    if np.ndim(f(z, np)) == 0:
        close(fgrad.grad(ff, holomorphic=True)(z), jax.grad(fj, holomorphic=True)(z), "grad")
        v, g = fgrad.value_and_grad(ff, holomorphic=True)(z)
        jv, jg = jax.value_and_grad(fj, holomorphic=True)(z)
        close(v, jv, "value")
        close(g, jg, "value_and_grad")
        if name in ("sin_exp", "sum"):  # jax compiles hessians slowly: two suffice
            close(fgrad.hessian(ff, holomorphic=True)(z), jax.hessian(fj, holomorphic=True)(z),
                  "hessian")
    w = crand(rng, (2,), C128, "right")
    fv = lambda w: fnp.stack([f(w[0], fnp), f(w[1], fnp) * w[0]])  # noqa: E731
    fvj = lambda w: jnp.stack([f(w[0], jnp), f(w[1], jnp) * w[0]])  # noqa: E731
    close(fgrad.jacfwd(fv, holomorphic=True)(w), jax.jacfwd(fvj, holomorphic=True)(w), "jacfwd")
    close(fgrad.jacrev(fv, holomorphic=True)(w), jax.jacrev(fvj, holomorphic=True)(w), "jacrev")


def test_jacrev_of_real_output_with_complex_input_vs_jax():
    rng = np.random.default_rng(6)
    z = crand(rng, (3,))

    def f(z, n):
        return n.stack([n.abs(z[0] * z[1]) ** 2, n.real(z[2] ** 2), n.imag(z[0]) * n.angle(z[1])])

    close(fgrad.jacrev(lambda z: f(z, fnp))(z), jax.jacrev(lambda z: f(z, jnp))(z))


ERRORS = [
    # (fgrad call, jax call, words the message must contain)
    (lambda: fgrad.grad(lambda z: z * z)(1j), lambda: jax.grad(lambda z: z * z)(1j),
     "holomorphic=True"),
    (lambda: fgrad.grad(fnp.sin, holomorphic=True)(1.0),
     lambda: jax.grad(jnp.sin, holomorphic=True)(1.0), "complex dtype"),
    (lambda: fgrad.grad(fnp.abs, holomorphic=True)(1j),
     lambda: jax.grad(jnp.abs, holomorphic=True)(1j), "outputs with complex dtype"),
    (lambda: fgrad.jacfwd(fnp.sin)(np.ones(2, C128)),
     lambda: jax.jacfwd(jnp.sin)(np.ones(2, C128)), "holomorphic=True"),
    (lambda: fgrad.jacfwd(fnp.abs, holomorphic=True)(np.ones(2, C128)),
     lambda: jax.jacfwd(jnp.abs, holomorphic=True)(np.ones(2, C128)), "outputs with complex"),
    (lambda: fgrad.jacrev(fnp.sin)(np.ones(2, C128)),
     lambda: jax.jacrev(jnp.sin)(np.ones(2, C128)), "holomorphic=True"),
    (lambda: fgrad.jacrev(fnp.sin, holomorphic=True)(np.ones(2)),
     lambda: jax.jacrev(jnp.sin, holomorphic=True)(np.ones(2)), "complex dtype"),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_holomorphic_errors_like_jax(case):
    """Where jax refuses (complex outputs without holomorphic=True, holomorphic=True with real
    inputs or outputs, jacfwd of complex inputs), fgrad refuses with a TypeError naming the
    fix."""
    ours, theirs, words = ERRORS[case]
    with pytest.raises(TypeError) as jax_err:
        theirs()
    with pytest.raises(TypeError, match=words) as err:
        ours()
    assert ("holomorphic" in str(jax_err.value)) == ("holomorphic" in str(err.value))


def test_complex_grad_under_jit_and_vmap():
    rng = np.random.default_rng(7)
    z = crand(rng, (4, 3))

    def f(z):
        return fnp.sum(fnp.abs(fnp.exp(z) - fnp.conj(z)) ** 2 + fnp.angle(z))

    g = fgrad.grad(f)(z)
    close(fgrad.jit(fgrad.grad(f))(z), g)
    close(fgrad.grad(fgrad.jit(f))(z), g)
    close(fgrad.vmap(fgrad.grad(f))(z), np.stack([fgrad.grad(f)(r) for r in z]))
    close(g, jax.grad(lambda z: jnp.sum(jnp.abs(jnp.exp(z) - jnp.conj(z)) ** 2 +
                                        jnp.angle(z)))(z))


# ----- predicates, parts of real inputs, promotion -------------------------------------------

PARTS = ["real", "imag", "conj", "conjugate", "angle", "iscomplex", "isreal", "iscomplexobj",
         "isrealobj"]
PART_DTYPES = [C128, C64, np.float64, np.float32, np.int64, np.int32, np.bool_]


@pytest.mark.parametrize("name", PARTS)
@bounded(10)
@given(shape=shapes, dtype=st.sampled_from(PART_DTYPES), seed=seeds, zero_imag=st.booleans())
def test_parts_and_predicates_vs_numpy(name, shape, dtype, seed, zero_imag):
    """On every dtype: numpy's value and dtype (the parts of a real array are itself and
    zeros of its dtype; iscomplex looks at the values, iscomplexobj at the dtype)."""
    rng = np.random.default_rng(seed)
    x = crand(rng, shape)
    if zero_imag:
        x = np.where(rng.random(shape) < 0.5, x.real + 0j, x)
    x = x.astype(dtype) if np.dtype(dtype).kind == "c" else (
        np.round(x.real * 3).astype(dtype) if np.dtype(dtype).kind in "iub" else
        x.real.astype(dtype))
    got, want = getattr(fnp, name)(x), getattr(np, name)(x)
    if name in ("iscomplexobj", "isrealobj"):
        assert got is want
        return
    assert_like_numpy(got, want)


def test_parts_of_traced_real_values():
    """Under a transform, the imaginary part of a real value is a constant zero and its
    real part the value itself; the derivatives agree."""
    x = np.array([1.0, -2.0])
    g = fgrad.grad(lambda x: fnp.sum(fnp.real(x) * 2 + fnp.imag(x) + fnp.angle(x)))(x)
    np.testing.assert_array_equal(g, [2.0, 2.0])
    seen = []
    fgrad.make_jaxpr(lambda x: seen.append(fnp.iscomplexobj(x) or fnp.isrealobj(x * 1j)) or x)(x)
    assert seen == [False]
    assert fgrad.make_jaxpr(lambda x: fnp.conj(x) * 1)(x).out_avals[0].dtype == np.float64


PROMOTION = [
    (np.float32, 1j), (np.float64, 1j), (np.int32, 1j), (np.bool_, 2j), (C64, 1.5),
    (C64, np.float64(2.0)), (C64, np.ones(2)), (C128, np.ones(2, np.float32)), (np.float32, C64),
    (np.int64, C64), (C64, 3), (np.float16, 1j),
]


@pytest.mark.parametrize("a,b", PROMOTION, ids=[str(i) for i in range(len(PROMOTION))])
@pytest.mark.parametrize("op", ["add", "multiply", "divide", "subtract", "where"])
def test_complex_promotion_like_numpy(a, b, op):
    """NEP 50 with complex operands: Python complex scalars are weak, complex64 with float64
    is complex128, as numpy's; also for traced operands (the staged out aval)."""
    x = np.arange(1, 3).astype(a)
    y = b if not isinstance(b, type) and not isinstance(b, np.dtype) else np.ones(2, b)
    if op == "where":
        f = lambda x, y: fnp.where(np.array([True, False]), x, y)  # noqa: E731
        want = np.where(np.array([True, False]), x, y)
    else:
        f = getattr(fnp, op)
        want = getattr(np, op)(x, y)
    assert_like_numpy(f(x, y), want, rtol=1e-6)
    aval = fgrad.make_jaxpr(lambda x: f(x, y))(x).out_avals[0]
    assert aval.dtype == np.asarray(want).dtype
    assert fnp.result_type(x, y) == np.result_type(x, y)
