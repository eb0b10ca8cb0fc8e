"""Every primitive from the table: values against jax.lax (x64); staging (make_jaxpr, then
evaluating the jaxpr, gives the direct value; jaxprs of jvp/vjp typecheck); Python scalars."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prim_specs import (
    BOOL,
    ELEMENTWISE_SHAPES,
    F64,
    I64,
    JAX_EXAMPLES,
    SPEC_BY_NAME,
    assert_same,
    case_id,
    cases,
    jax_value,
    jax_value_rows,
    random_like,
    split_diff,
    staging_rows,
    thinned,
    value_rows,
)

import fgrad
from fgrad.core import typecheck_jaxpr

ROWS = value_rows()


@pytest.mark.parametrize("row", jax_value_rows(), ids=case_id)
@settings(max_examples=JAX_EXAMPLES)
@given(data=st.data())
def test_value_vs_jax(row, data):
    spec = SPEC_BY_NAME[row[0]]
    args, params = data.draw(cases(spec, row[1]), label="case")
    got = spec.op(params)(*args)
    want = jax_value(spec, params, args)
    assert_same(got, want, spec.tol[np.dtype(row[1])], f"{spec.name}{params}")


@pytest.mark.parametrize("row", staging_rows(), ids=case_id)
@given(data=st.data())
def test_staging(row, data):
    """make_jaxpr of the op typechecks, its out aval is what impl returns, and evaluating it
    gives the direct value; at derivative dtypes the same for the jaxprs of its jvp and vjp."""
    spec = SPEC_BY_NAME[row[0]]
    if thinned(spec, data, row[1]):
        return
    args, params = data.draw(cases(spec, row[1]), label="case")
    op = spec.op(params)
    closed = fgrad.make_jaxpr(op)(*args)
    typecheck_jaxpr(closed.jaxpr)
    if closed.eqns:
        names = [e.prim.name for e in closed.eqns]
        assert spec.name in names, f"the {spec.name} row stages {names}"
    direct = op(*args)
    (staged,) = closed(*args)
    (aval,) = closed.out_avals
    assert (aval.shape, aval.dtype) == (np.shape(direct), np.asarray(direct).dtype), (
        f"abstract_eval says {aval.str_short()} but impl gives "
        f"{np.asarray(direct).dtype}{list(np.shape(direct))}"
    )
    assert_same(staged, direct, 0, "eval_jaxpr vs direct")
    if spec.order > 0 and np.dtype(row[1]) in spec.grad_dtypes:
        _check_derivative_jaxprs(spec, args, params)


def _check_derivative_jaxprs(spec, args, params):
    f, _, xs = split_diff(spec, args, params)
    if not xs:
        return
    rng = np.random.default_rng(0)
    ts = [random_like(rng, x) for x in xs]
    n = len(xs)

    def f_jvp(*pt):
        return fgrad.jvp(f, pt[:n], pt[n:])

    closed = fgrad.make_jaxpr(f_jvp)(*xs, *ts)
    typecheck_jaxpr(closed.jaxpr)
    want_out, want_t = f_jvp(*xs, *ts)
    got_out, got_t = closed(*xs, *ts)
    assert_same(got_out, want_out, 0, "staged jvp primal")
    assert_same(got_t, want_t, 1e-12, "staged jvp tangent")

    out = f(*xs)
    if np.asarray(out).dtype.kind not in "fc":
        return
    ct = random_like(rng, out)

    def f_vjp(*pc):
        return fgrad.vjp(f, *pc[:n])[1](pc[n])

    closed = fgrad.make_jaxpr(f_vjp)(*xs, ct)
    typecheck_jaxpr(closed.jaxpr)
    for got, want in zip(closed(*xs, ct), f_vjp(*xs, ct)):
        assert_same(got, want, 1e-12, "staged vjp")


SCALAR_ROWS = [
    r for r in ROWS
    if SPEC_BY_NAME[r[0]].shapes in ELEMENTWISE_SHAPES and np.dtype(r[1]) in (F64, I64, BOOL)
]


@pytest.mark.parametrize("row", SCALAR_ROWS, ids=case_id)
@settings(max_examples=JAX_EXAMPLES)
@given(data=st.data())
def test_python_scalar_operands(row, data):
    """Elementwise primitives take Python scalars (weakly typed) as well as arrays, also inside
    derivatives, where the tape and linearize hand the impls whatever the user passed."""
    spec = SPEC_BY_NAME[row[0]]
    _, params = data.draw(st.composite(lambda draw: spec.shapes(draw, row[1]))(), label="params")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    args = spec.make_args(rng, [()] * spec.nargs, row[1], params)
    scalars = [a.item() for a in args]
    want = spec.op(params)(*args)
    got = spec.op(params)(*scalars)
    np.testing.assert_allclose(np.asarray(got, np.asarray(want).dtype), want, rtol=1e-15)
    diff = spec.diff_argnums(args)
    if spec.order == 0 or not diff or np.asarray(want).dtype.kind != "f":
        return
    for argnum in diff:
        g = fgrad.grad(spec.op(params), argnum)
        np.testing.assert_allclose(g(*scalars), g(*args), rtol=1e-15)
        if spec.order > 1:
            gg = fgrad.grad(g, argnum)
            np.testing.assert_allclose(gg(*scalars), gg(*args), rtol=1e-15)
