"""checkpoint / remat: derivatives unchanged (and equal to JAX's), saved residuals shrink,
policies choose what is kept, and it composes with vmap, jvp, staging and control flow."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fgrad
import fgrad.numpy as fnp
from fgrad import checkpoint_policies, lax
from fgrad.interpreters.partial_eval import linearize_flat
from tests.cf_checks import J, assert_tree_close, check_against_jax, staged

X = np.linspace(0.1, 1.0, 1000)
W = np.random.default_rng(0).normal(size=(4, 4)) / 2


def chain(x, n=50):
    for _ in range(n):
        x = fnp.sin(x)
    return x


def j_chain(x, n=50):
    for _ in range(n):
        x = jnp.sin(x)
    return x


def residuals(f, *args):
    """(number, bytes) of the residuals linearize keeps: the consts of the linear jaxpr."""
    _, lin = linearize_flat(lambda *xs: [f(*xs)], list(args))
    consts = lin.jaxpr.consts
    return len(consts), sum(np.asarray(c).nbytes for c in consts)


def test_chain_of_sins_gradient_unchanged_and_residuals_shrink():
    plain = lambda x: fnp.sum(chain(x))  # noqa: E731
    ckpt = lambda x: fnp.sum(fgrad.checkpoint(chain)(x))  # noqa: E731
    assert_tree_close(fgrad.grad(ckpt)(X), fgrad.grad(plain)(X))
    j_ckpt = lambda x: jnp.sum(jax.checkpoint(j_chain)(x))  # noqa: E731
    assert_tree_close(fgrad.grad(ckpt)(X), J(jax.grad(j_ckpt))(X))
    n_plain, b_plain = residuals(plain, X)
    n_ckpt, b_ckpt = residuals(ckpt, X)
    assert (n_plain, b_plain) == (50, 50 * X.nbytes)  # one cos per layer
    assert (n_ckpt, b_ckpt) == (1, X.nbytes)  # only the input
    assert b_plain / b_ckpt >= 25
    assert "remat" in str(fgrad.linearize(ckpt, X)[1].jaxpr)


def test_remat_is_an_alias_and_vjp_matches():
    assert fgrad.remat is fgrad.checkpoint
    f = fgrad.remat(lambda x, y: chain(x * y, 5))
    check_against_jax(f, jax.checkpoint(lambda x, y: j_chain(x * y, 5)), (X[:4], X[4:8]))


def mlp(x):
    for _ in range(3):
        x = fnp.tanh(x @ W)
    return x


def j_mlp(x):
    for _ in range(3):
        x = jnp.tanh(x @ W)
    return x


@pytest.mark.parametrize("policy,expected", [
    (None, 1),  # the input x
    (checkpoint_policies.nothing_saveable, 1),
    (checkpoint_policies.dots_saveable, 3),  # the three products, not the input
    (checkpoint_policies.everything_saveable, 3),  # 1 - tanh^2 of each layer
])
def test_policies_choose_the_residuals(policy, expected):
    x = np.linspace(-1, 1, 4)
    f = lambda x: fnp.sum(fgrad.checkpoint(mlp, policy=policy)(x))  # noqa: E731
    assert_tree_close(fgrad.grad(f)(x), J(jax.grad(lambda x: jnp.sum(j_mlp(x))))(x))
    n, _ = residuals(f, x)
    assert n == expected + 1  # + W, which the tangent computation reads in every case


def test_compositions():
    f = fgrad.checkpoint(lambda x: fnp.sum(mlp(x) * x))
    jf = jax.checkpoint(lambda x: jnp.sum(j_mlp(x) * x))
    xs = np.random.default_rng(1).normal(size=(3, 4))
    check_against_jax(f, jf, (xs[0],))
    assert_tree_close(fgrad.vmap(fgrad.grad(f))(xs), J(jax.vmap(jax.grad(jf)))(xs))
    assert_tree_close(fgrad.grad(lambda x: fnp.sum(fgrad.vmap(f)(x)))(xs),
                      J(jax.grad(lambda x: jnp.sum(jax.vmap(jf)(x))))(xs))
    assert_tree_close(fgrad.hessian(f)(xs[0]), J(jax.hessian(jf))(xs[0]))
    assert_tree_close(staged(fgrad.grad(f))(xs[0]), J(jax.grad(jf))(xs[0]))
    assert_tree_close(fgrad.grad(staged(f))(xs[0]), J(jax.grad(jf))(xs[0]))
    jit = getattr(fgrad, "jit", None)
    if jit is not None:
        assert_tree_close(jit(fgrad.grad(f))(xs[0]), J(jax.grad(jf))(xs[0]))
        assert_tree_close(fgrad.grad(jit(f))(xs[0]), J(jax.grad(jf))(xs[0]))


def test_checkpointed_scan_body_keeps_only_carries():
    def body(h, x):
        h = fnp.tanh(chain(h @ W, 8) + x)
        return h, fnp.sum(h)

    def j_body(h, x):
        h = jnp.tanh(j_chain(h @ W, 8) + x)
        return h, jnp.sum(h)

    xs = np.random.default_rng(2).normal(size=(6, 4))
    plain = lambda h: fnp.sum(lax.scan(body, h, xs)[1])  # noqa: E731
    ckpt = lambda h: fnp.sum(lax.scan(fgrad.checkpoint(body), h, xs)[1])  # noqa: E731
    h0 = np.linspace(-1, 1, 4)
    j_ckpt = lambda h: jnp.sum(jax.lax.scan(jax.checkpoint(j_body), h, xs)[1])  # noqa: E731
    expected = J(jax.grad(j_ckpt))(h0)
    assert_tree_close(fgrad.grad(ckpt)(h0), expected)
    assert_tree_close(fgrad.grad(plain)(h0), expected)
    # per iteration: the carry (plus xs, passed through) instead of nine stacked residuals
    assert residuals(ckpt, h0)[1] * 3 < residuals(plain, h0)[1]


def test_static_argnums_and_kwargs():
    @partial(fgrad.checkpoint, static_argnums=(1,))
    def f(x, n, *, scale=1.0):
        return chain(x, n) * scale

    assert_tree_close(fgrad.grad(lambda x: fnp.sum(f(x, 3, scale=2.0)))(X[:3]),
                      J(jax.grad(lambda x: jnp.sum(j_chain(x, 3) * 2.0)))(X[:3]))
