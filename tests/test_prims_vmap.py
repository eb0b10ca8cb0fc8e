"""Every primitive from the table under fgrad.vmap, against a Python loop over the batch: batch
axes at every position (also given negative), some operands unbatched (in_axes None), every
out_axes; also vmap of each primitive's jvp and vjp together (the batch rules of the rules
they use), and the staged vmap typechecks and evaluates to the same value."""

import itertools
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from prim_specs import (
    SPEC_BY_NAME,
    array_axes,
    assert_same,
    case_id,
    grad_rows,
    random_like,
    thinned,
    vmap_rows,
)

import fgrad
from fgrad.core import typecheck_jaxpr


class Batch(NamedTuple):
    params: dict
    n_ops: int  # operands of the primitive; tangents and a cotangent may follow
    diff: tuple  # differentiable operands
    in_axes: tuple
    stacked: list  # the vmap arguments
    members: list  # per batch member, the arguments of one unbatched call


@st.composite
def batched(draw, spec, dtype, derivs=False):
    shapes, params = spec.shapes(draw, dtype)
    size = draw(st.integers(1, 2 if derivs else 3))
    op = spec.op(params)
    members, diff = [], ()
    for _ in range(size):
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        args = spec.make_args(rng, shapes, dtype, params)
        if derivs:
            diff = spec.diff_argnums(args)
            out = np.asarray(op(*args))
            args += [random_like(rng, args[i]) for i in diff] + [random_like(rng, out)]
        members.append(args)
    ndims = [np.ndim(a) for a in members[0]]
    dims = [draw(st.none() | st.integers(0, n)) for n in ndims]
    if all(d is None for d in dims):
        k = draw(st.integers(0, len(dims) - 1))
        dims[k] = draw(st.integers(0, ndims[k]))
    stacked = [
        members[0][k] if d is None else np.stack([m[k] for m in members], axis=d)
        for k, d in enumerate(dims)
    ]
    in_axes = tuple(
        d if d is None or not draw(st.booleans()) else d - ndims[k] - 1
        for k, d in enumerate(dims)
    )
    per_member = [
        [m[k] if d is not None else members[0][k] for k, d in enumerate(dims)] for m in members
    ]
    return Batch(params, len(shapes), diff, in_axes, stacked, per_member)


@pytest.mark.parametrize("row", vmap_rows(), ids=case_id)
@given(data=st.data())
def test_vmap_vs_loop(row, data):
    spec = SPEC_BY_NAME[row[0]]
    if thinned(spec, data, row[1]):
        return
    b = data.draw(batched(spec, row[1]), label="batch")
    op = spec.op(b.params)
    outs = [np.asarray(op(*m)) for m in b.members]
    out_axis = data.draw(st.integers(0, outs[0].ndim), label="out_axes")
    want = np.stack(outs, axis=out_axis)
    vf = fgrad.vmap(op, in_axes=b.in_axes, out_axes=out_axis)
    got = vf(*b.stacked)
    tol = spec.tol[np.dtype(row[1])]
    assert_same(got, want, tol, f"vmap(in_axes={b.in_axes}, out_axes={out_axis}) vs loop")
    if len(b.members) != 2:  # staging every third example or so is plenty
        return
    closed = fgrad.make_jaxpr(vf)(*b.stacked)
    typecheck_jaxpr(closed.jaxpr)
    assert_same(closed(*b.stacked)[0], got, 0, "staged vmap")


def _jvp_and_vjp(op, n, diff):
    """(operands, tangents of the differentiable ones, output cotangent) -> (jvp tangent,
    *vjp cotangents)."""

    def g(*operands):
        args, ts, ct = list(operands[:n]), operands[n:-1], operands[-1]

        def f(*xs):
            full = list(args)
            for i, x in zip(diff, xs):
                full[i] = x
            return op(*full)

        xs = [args[i] for i in diff]
        _, t = fgrad.jvp(f, xs, list(ts))
        return (t, *fgrad.vjp(f, *xs)[1](ct))

    return g


@pytest.mark.parametrize("row", grad_rows(), ids=case_id)
@given(data=st.data())
def test_vmap_of_jvp_and_vjp(row, data):
    spec = SPEC_BY_NAME[row[0]]
    if thinned(spec, data):
        return
    b = data.draw(batched(spec, row[1], derivs=True), label="batch")
    op = spec.op(b.params)
    if not b.diff or np.asarray(op(*b.members[0][: b.n_ops])).dtype.kind not in "fc":
        return
    g = _jvp_and_vjp(op, b.n_ops, b.diff)
    outs = [g(*m) for m in b.members]
    got = fgrad.vmap(g, in_axes=b.in_axes)(*b.stacked)
    for k, piece in enumerate(got):
        want = np.stack([np.asarray(o[k]) for o in outs])
        tol = spec.tol[np.dtype(row[1])]
        assert_same(piece, want, tol, f"vmap(in_axes={b.in_axes}) of (jvp, vjp) output {k}")


A0, A1 = ("array", 0), ("array", 1)
ALL = ("slice", None, None, None)
TRICKY_INDEXERS = [
    ((ALL, A0, ALL), [(2, 3)]),  # advanced axes in the middle, kept in place
    ((ALL, A0, A1), [(3,), (3,)]),  # adjacent, at the end
    ((A0, ALL, A1), [(3,), (3,)]),  # split by a slice: moved to the front
    ((ALL, ("int", 1), A0), [(2,)]),  # a static int joins the advanced group
    ((A0, ("int", -1), ALL), [(2, 1)]),
    ((ALL, A0, ("newaxis",), ALL), [(2,)]),
    ((("newaxis",), ALL, A0, ALL), [(2, 1)]),
    ((ALL, ("slice", 3, 0, -1), A0), [(2,)]),
    ((("int", -1), ALL, A0), [(2, 2)]),
]


@pytest.mark.parametrize("indexer,idx_shapes", TRICKY_INDEXERS)
def test_vmap_gather_scatter_add_advanced_index_layouts(indexer, idx_shapes):
    """Every placement of the batch axis on operand, updates and each index array, for index
    layouts where numpy keeps the advanced axes in place or moves them to the front."""
    rng = np.random.default_rng(0)
    size, x_shape = 3, (4, 5, 6)
    xs = rng.standard_normal((size,) + x_shape)
    bounds = [x_shape[a] for a in array_axes(indexer)]
    idx = [rng.integers(-n, n, (size,) + s) for s, n in zip(idx_shapes, bounds)]
    out_shape = fgrad.prims.gather(xs[0], *[i[0] for i in idx], indexer=indexer).shape
    us = rng.standard_normal((size,) + out_shape)

    def gather(x, *i):
        return fgrad.prims.gather(x, *i, indexer=indexer)

    def scatter_add(x, u, *i):
        return fgrad.prims.scatter_add(x, u, *i, indexer=indexer)

    def check(f, operands, dims):
        stacked = [a[0] if d is None else np.moveaxis(a, 0, d) for a, d in zip(operands, dims)]
        want = np.stack(
            [f(*[a[0] if d is None else a[k] for a, d in zip(operands, dims)]) for k in range(size)]
        )
        got = fgrad.vmap(f, in_axes=tuple(dims))(*stacked)
        assert_same(got, want, 0, f"{f.__name__} {indexer} in_axes={dims}")

    idx_dims = [[None, 0, len(s)] for s in idx_shapes]
    for xd in (None, 0, 2, 3):
        for ids in itertools.product(*idx_dims):
            if xd is not None or any(d is not None for d in ids):
                check(gather, [xs, *idx], [xd, *ids])
            for ud in (None, 0, len(out_shape)):
                if xd is not None or ud is not None or any(d is not None for d in ids):
                    check(scatter_add, [xs, us, *idx], [xd, ud, *ids])
