"""scale: staging and differentiating elementwise chains of 1k, 10k and 100k ops.

Time and traced memory are reported per op; both must stay flat as the chain grows. A rising
per-op figure exposes quadratic behaviour (e.g. list copies per op, recursion-based toposort,
re-walking the graph) that the fixed-size workloads can hide.

JAX-like eager engines time ``grad(f)(x)``; their ``_jit`` rows time only the staging,
``make_jaxpr(grad(f))(x)``, because compiling a 100k-op program would measure XLA, not the
tracer. Staged results are programs, not numbers, so those rows are not value-checked (the
eager row of the same engine checks the values).
"""

from __future__ import annotations

from benchmarks.harness import Case, Job
from benchmarks.workloads.common import chain_data, chain_grad_numpy, chain_loss, torch_tree

NAME = "scale"
NEEDS = ("grad",)
JIT_NEEDS = ("make_jaxpr",)
NP_NEEDS = ("asarray", "sin", "tanh", "sum")
SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (300, 1_000, 3_000)


def cases(quick: bool) -> list[Case]:
    return [
        Case(f"{NAME} n={n}", chain_data(n, seed=6), n_ops=n, memory=True)
        for n in (QUICK_SIZES if quick else SIZES)
    ]


def numpy_impl(data):
    x, c, n = data["x"], data["c"], data["n_ops"]
    return Job(lambda: chain_grad_numpy(x, c, n), mode="fwd+bwd")


def jaxlike_impl(ad, xnp, jit, data):
    x, c, n = xnp.asarray(data["x"]), xnp.asarray(data["c"]), data["n_ops"]

    def make_loss():
        def loss(x, c):
            return chain_loss(xnp, x, c, n)

        return loss

    if jit:
        # A fresh function per call: tracing caches are keyed on the function object, and a
        # cache hit would time a dict lookup instead of staging.
        def stage():
            return ad.make_jaxpr(ad.grad(make_loss()))(x, c)

        return Job(stage, check=False, mode="make_jaxpr(grad)", compiles=False)
    g = ad.grad(make_loss())
    return Job(lambda: g(x, c), mode="grad")


def torch_impl(torch, data):
    x = torch_tree(torch, data["x"], requires_grad=True)
    c = torch_tree(torch, data["c"])
    n = data["n_ops"]

    def run():
        (gx,) = torch.autograd.grad(chain_loss(torch, x, c, n), x)
        return gx

    return Job(run, mode="fwd+bwd")
