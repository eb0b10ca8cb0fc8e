"""per_example: per-example gradients of a 32-64-10 tanh MLP over 256 examples.

JAX-like engines use ``vmap(grad(loss), in_axes=(None, 0, 0))``; the floor is the batched
hand-written gradient (outer products by broadcasting), not a Python loop. This is where
batching transformations pay off against loop-over-examples.
"""

from __future__ import annotations

import numpy as np

from benchmarks.harness import Case
from benchmarks.workloads.common import as_tree, log_softmax, np_softmax, rng, torch_tree

NAME = "per_example"
NEEDS = ("grad", "vmap")
JIT_NEEDS = ("jit",)
NP_NEEDS = ("asarray", "tanh", "exp", "log", "max", "sum")
D_IN, D_HID, D_OUT, N_EX = 32, 64, 10, 256


def make_data(seed: int = 4) -> dict:
    r = rng(seed)
    params = {
        "W1": r.normal(0.0, 1.0 / np.sqrt(D_IN), (D_IN, D_HID)),
        "b1": r.normal(0.0, 0.1, D_HID),
        "W2": r.normal(0.0, 1.0 / np.sqrt(D_HID), (D_HID, D_OUT)),
        "b2": r.normal(0.0, 0.1, D_OUT),
    }
    x = r.normal(0.0, 1.0, (N_EX, D_IN))
    y = np.eye(D_OUT)[r.integers(0, D_OUT, N_EX)]
    return {"params": params, "x": x, "y": y}


def cases(quick: bool) -> list[Case]:
    return [Case(NAME, make_data())]


def numpy_impl(data):
    p, x, y = data["params"], data["x"], data["y"]

    def run():
        h = np.tanh(x @ p["W1"] + p["b1"])
        prob, _ = np_softmax(h @ p["W2"] + p["b2"], axis=1)
        dz = prob - y  # per-example loss is a sum, not a mean: no 1/N
        da = (dz @ p["W2"].T) * (1.0 - h * h)
        return {
            "W1": x[:, :, None] * da[:, None, :],
            "b1": da,
            "W2": h[:, :, None] * dz[:, None, :],
            "b2": dz,
        }

    return run


def example_loss(xnp, params, x, y):
    """Loss of ONE example (x: (32,), y: (10,)); vmap adds the batch axis."""
    h = xnp.tanh(x @ params["W1"] + params["b1"])
    logp = log_softmax(xnp, h @ params["W2"] + params["b2"])
    return -xnp.sum(y * logp)


def jaxlike_impl(ad, xnp, jit, data):
    params = as_tree(xnp, data["params"])
    x, y = xnp.asarray(data["x"]), xnp.asarray(data["y"])
    per_ex = ad.vmap(ad.grad(lambda p, x, y: example_loss(xnp, p, x, y)), in_axes=(None, 0, 0))
    if jit:
        per_ex = ad.jit(per_ex)
    return lambda: per_ex(params, x, y)


def autograd_impl(ag, anp, data):
    """autograd has no vmap: tile the weights per example and differentiate the summed loss.

    Each example only touches its own copy, so the gradient w.r.t. the tiled weights is exactly
    the per-example gradient; this is the fastest idiomatic autograd formulation.
    """
    tiled = {k: np.repeat(v[None], N_EX, axis=0) for k, v in data["params"].items()}
    x, y = data["x"], data["y"]

    def total_loss(tp):
        h = anp.tanh(anp.einsum("ni,nij->nj", x, tp["W1"]) + tp["b1"])
        logp = log_softmax(anp, anp.einsum("ni,nij->nj", h, tp["W2"]) + tp["b2"], axis=1)
        return -anp.sum(y * logp)

    g = ag.grad(total_loss)
    return lambda: g(tiled)


def torch_impl(torch, data):
    params = torch_tree(torch, data["params"])
    x, y = torch_tree(torch, data["x"]), torch_tree(torch, data["y"])

    def loss(p, x, y):
        h = torch.tanh(x @ p["W1"] + p["b1"])
        return -torch.sum(y * torch.log_softmax(h @ p["W2"] + p["b2"], dim=-1))

    per_ex = torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0, 0))
    return lambda: per_ex(params, x, y)
