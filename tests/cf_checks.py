"""Comparison helpers for the control-flow, custom-derivative and checkpoint tests: run the
same function in fgrad and in JAX (x64) and compare values, JVPs and VJPs leaf by leaf."""

from __future__ import annotations

import jax
import numpy as np

import fgrad

J = jax.jit  # JAX references run compiled: much cheaper than eager scan/cond in JAX

RTOL = 1e-10
ATOL = 1e-12


def assert_tree_close(actual, expected, rtol=RTOL, atol=ATOL):
    a_leaves = jax.tree_util.tree_leaves(actual)
    e_leaves = jax.tree_util.tree_leaves(expected)
    assert len(a_leaves) == len(e_leaves), (actual, expected)
    for a, e in zip(a_leaves, e_leaves):
        a, e = np.asarray(a), np.asarray(e)
        assert a.shape == e.shape, (a.shape, e.shape)
        np.testing.assert_allclose(a, e, rtol=rtol, atol=atol)


def _random_like(tree, seed):
    rng = np.random.default_rng(seed)

    def one(x):
        x = np.asarray(x)
        if x.dtype.kind != "f":
            return np.zeros(x.shape, x.dtype)
        return rng.normal(size=x.shape).astype(x.dtype)

    return jax.tree_util.tree_map(one, tree)


def check_against_jax(f, jf, args, *, fwd=True, rev=True, seed=0, rtol=RTOL, atol=ATOL):
    """Values, and (where enabled) jvp along a random tangent and vjp of a random cotangent,
    of fgrad's `f` against JAX's `jf` at `args` (a tuple of numpy pytrees)."""
    out = f(*args)
    assert_tree_close(out, J(jf)(*args), rtol, atol)
    float_argnums = tuple(i for i, a in enumerate(args)
                          if all(np.asarray(x).dtype.kind == "f"
                                 for x in jax.tree_util.tree_leaves(a)))
    if fwd:
        tangents = _random_like(args, seed)
        p, t = fgrad.jvp(f, args, tangents)
        jp, jt = J(lambda a, t: jax.jvp(jf, a, t))(args, tangents)
        assert_tree_close(p, jp, rtol, atol)
        assert_tree_close(t, jt, rtol, atol)
    if rev:
        ct = _random_like(out, seed + 1)

        def restrict(fun):
            def g(*diff):
                full = list(args)
                for i, d in zip(float_argnums, diff):
                    full[i] = d
                return fun(*full)
            return g

        diff_args = tuple(args[i] for i in float_argnums)
        _, pull = fgrad.vjp(restrict(f), *diff_args)
        jct = J(lambda d, c: jax.vjp(restrict(jf), *d)[1](c))(diff_args, ct)
        assert_tree_close(pull(ct), jct, rtol, atol)


def staged(f):
    """Run `f` through its staged jaxpr: make_jaxpr, then evaluate the jaxpr. Exercises the
    rules on abstract (staged) values the way jit does, without depending on jit."""

    def run(*args):
        leaves, tree = fgrad.tree_util.tree_flatten(args)
        box = []

        def flat(*xs):
            out = f(*fgrad.tree_util.tree_unflatten(tree, list(xs)))
            o_leaves, o_tree = fgrad.tree_util.tree_flatten(out)
            box.append(o_tree)
            return o_leaves

        closed = fgrad.make_jaxpr(flat)(*leaves)
        return fgrad.tree_util.tree_unflatten(box[0], closed(*leaves))

    return run
