"""overhead: grad through 1,000 elementwise ops on a 10-element array.

The arrays are so small that the arithmetic is free; what is left is the per-op cost of
recording and replaying the tape, i.e. the framework's own Python overhead.
"""

from __future__ import annotations

from benchmarks.harness import Case
from benchmarks.workloads.common import chain_data, chain_grad_numpy, chain_loss, torch_tree

NAME = "overhead"
NEEDS = ("grad",)
JIT_NEEDS = ("jit",)
NP_NEEDS = ("asarray", "sin", "tanh", "sum")
N_OPS = 1000


def cases(quick: bool) -> list[Case]:
    return [Case(NAME, chain_data(N_OPS, seed=1), n_ops=N_OPS)]


def numpy_impl(data):
    x, c, n = data["x"], data["c"], data["n_ops"]
    return lambda: chain_grad_numpy(x, c, n)


def jaxlike_impl(ad, xnp, jit, data):
    x, c, n = xnp.asarray(data["x"]), xnp.asarray(data["c"]), data["n_ops"]

    def loss(x, c):
        return chain_loss(xnp, x, c, n)

    g = ad.grad(loss)
    if jit:
        g = ad.jit(g)
    return lambda: g(x, c)


def torch_impl(torch, data):
    x = torch_tree(torch, data["x"], requires_grad=True)
    c = torch_tree(torch, data["c"])
    n = data["n_ops"]

    def run():
        (gx,) = torch.autograd.grad(chain_loss(torch, x, c, n), x)
        return gx

    return run
