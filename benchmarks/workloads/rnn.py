"""rnn: value_and_grad through a 200-step unrolled tanh RNN (hidden 64, batch 32, input 32).

h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b), loss = sum(h_T ** 2), gradients w.r.t. {Wx, Wh, b}.
Long sequential graph of small matmuls: sits between `overhead` (all dispatch) and `mlp` (all
BLAS), and for JIT engines shows how compile time grows with an unrolled Python loop.
"""

from __future__ import annotations

import numpy as np

from benchmarks.harness import Case
from benchmarks.workloads.common import as_tree, rng, torch_tree

NAME = "rnn"
NEEDS = ("value_and_grad",)
JIT_NEEDS = ("jit",)
NP_NEEDS = ("asarray", "tanh", "sum", "zeros")
STEPS, HIDDEN, BATCH, D_IN = 200, 64, 32, 32


def make_data(steps: int, seed: int = 5) -> dict:
    r = rng(seed)
    params = {
        "Wx": r.normal(0.0, 1.0 / np.sqrt(D_IN), (D_IN, HIDDEN)),
        "Wh": r.normal(0.0, 0.9 / np.sqrt(HIDDEN), (HIDDEN, HIDDEN)),
        "b": r.normal(0.0, 0.1, HIDDEN),
    }
    return {"params": params, "xs": r.normal(0.0, 1.0, (steps, BATCH, D_IN))}


def cases(quick: bool) -> list[Case]:
    return [Case(NAME, make_data(STEPS))]


def numpy_impl(data):
    p, xs = data["params"], data["xs"]
    wx, wh, b = p["Wx"], p["Wh"], p["b"]

    def run():
        hs = [np.zeros((BATCH, HIDDEN))]
        for t in range(xs.shape[0]):
            hs.append(np.tanh(xs[t] @ wx + hs[-1] @ wh + b))
        h = hs[-1]
        loss = np.sum(h * h)
        dh = 2.0 * h
        gwx, gwh, gb = np.zeros_like(wx), np.zeros_like(wh), np.zeros_like(b)
        for t in range(xs.shape[0] - 1, -1, -1):
            ht = hs[t + 1]
            da = dh * (1.0 - ht * ht)
            gwx += xs[t].T @ da
            gwh += hs[t].T @ da
            gb += da.sum(0)
            dh = da @ wh.T
        return loss, {"Wx": gwx, "Wh": gwh, "b": gb}

    return run


def loss_fn(xnp, params, xs, steps):
    """Engine-generic unrolled RNN; ``steps`` is a Python int so the loop unrolls when traced."""
    h = xnp.zeros((BATCH, HIDDEN))
    for t in range(steps):
        h = xnp.tanh(xs[t] @ params["Wx"] + h @ params["Wh"] + params["b"])
    return xnp.sum(h**2)


def jaxlike_impl(ad, xnp, jit, data):
    params = as_tree(xnp, data["params"])
    xs = xnp.asarray(data["xs"])
    steps = data["xs"].shape[0]
    vg = ad.value_and_grad(lambda p, xs: loss_fn(xnp, p, xs, steps))
    if jit:
        vg = ad.jit(vg)
    return lambda: vg(params, xs)


def torch_impl(torch, data):
    params = torch_tree(torch, data["params"], requires_grad=True)
    xs = torch_tree(torch, data["xs"])
    steps = data["xs"].shape[0]
    names = list(params)

    def run():
        loss = loss_fn(torch, params, xs, steps)
        grads = torch.autograd.grad(loss, [params[k] for k in names])
        return loss.detach(), dict(zip(names, grads))

    return run
