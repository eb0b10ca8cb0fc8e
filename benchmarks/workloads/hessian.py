"""hessian: full 200x200 Hessian of f(x) = logsumexp(A @ x) + 0.25 * sum(x**4), A is 400x200.

Exercises second-order AD (``hessian`` = forward-over-reverse in JAX) against the closed form
H = A^T (diag(p) - p p^T) A + 3 diag(x^2), p = softmax(A @ x), which is the numpy floor.
"""

from __future__ import annotations

import numpy as np

from benchmarks.harness import Case
from benchmarks.workloads.common import rng, torch_tree

NAME = "hessian"
NEEDS = ("hessian",)
JIT_NEEDS = ("jit",)
NP_NEEDS = ("asarray", "exp", "log", "max", "sum")
N, M = 200, 400


def make_data(seed: int = 3) -> dict:
    r = rng(seed)
    return {"A": r.normal(0.0, 1.0 / np.sqrt(N), (M, N)), "x": r.normal(0.0, 0.5, N)}


def cases(quick: bool) -> list[Case]:
    return [Case(NAME, make_data())]


def numpy_impl(data):
    a, x = data["A"], data["x"]

    def run():
        z = a @ x
        p = np.exp(z - z.max())
        p /= p.sum()
        ap = a.T @ p
        h = (a.T * p) @ a - np.outer(ap, ap)
        h[np.diag_indices_from(h)] += 3.0 * x * x
        return h

    return run


def f(xnp, x, a):
    """Engine-generic objective; logsumexp spelled out with max-shift (jax.numpy has none)."""
    z = a @ x
    m = xnp.max(z)
    return m + xnp.log(xnp.sum(xnp.exp(z - m))) + 0.25 * xnp.sum(x**4)


def jaxlike_impl(ad, xnp, jit, data):
    a, x = xnp.asarray(data["A"]), xnp.asarray(data["x"])
    h = ad.hessian(lambda x, a: f(xnp, x, a))
    if jit:
        h = ad.jit(h)
    return lambda: h(x, a)


def torch_impl(torch, data):
    a, x = torch_tree(torch, data["A"]), torch_tree(torch, data["x"])

    def obj(x):
        return torch.logsumexp(a @ x, dim=0) + 0.25 * torch.sum(x**4)

    hess = torch.func.hessian(obj)
    return lambda: hess(x)
