"""mlp: value_and_grad of mean softmax cross-entropy of a 784-512-512-10 tanh MLP, batch 128.

This is the "real training step" case: time is dominated by matmuls, so a good engine should
land close to the hand-written numpy floor; a large ratio here means per-op overhead or extra
copies, not Python dispatch.
"""

from __future__ import annotations

import numpy as np

from benchmarks.harness import Case
from benchmarks.workloads.common import as_tree, log_softmax, np_softmax, rng, torch_tree

NAME = "mlp"
NEEDS = ("value_and_grad",)
JIT_NEEDS = ("jit",)
NP_NEEDS = ("asarray", "tanh", "exp", "log", "max", "sum", "mean")
SIZES = (784, 512, 512, 10)
BATCH = 128


def make_data(seed: int = 2) -> dict:
    r = rng(seed)
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(SIZES[:-1], SIZES[1:]), start=1):
        params[f"W{i}"] = r.normal(0.0, 1.0 / np.sqrt(fan_in), (fan_in, fan_out))
        params[f"b{i}"] = r.normal(0.0, 0.1, fan_out)
    x = r.normal(0.0, 1.0, (BATCH, SIZES[0]))
    y = np.eye(SIZES[-1])[r.integers(0, SIZES[-1], BATCH)]  # one-hot: no integer gather needed
    return {"params": params, "x": x, "y": y}


def cases(quick: bool) -> list[Case]:
    return [Case(NAME, make_data())]


def numpy_impl(data):
    p, x, y = data["params"], data["x"], data["y"]

    def run():
        h1 = np.tanh(x @ p["W1"] + p["b1"])
        h2 = np.tanh(h1 @ p["W2"] + p["b2"])
        prob, logp = np_softmax(h2 @ p["W3"] + p["b3"], axis=1)
        loss = -np.mean(np.sum(y * logp, axis=1))
        dz = (prob - y) / x.shape[0]  # rows of y sum to 1
        da2 = (dz @ p["W3"].T) * (1.0 - h2 * h2)
        da1 = (da2 @ p["W2"].T) * (1.0 - h1 * h1)
        grads = {
            "W1": x.T @ da1,
            "b1": da1.sum(0),
            "W2": h1.T @ da2,
            "b2": da2.sum(0),
            "W3": h2.T @ dz,
            "b3": dz.sum(0),
        }
        return loss, grads

    return run


def loss_fn(xnp, params, x, y):
    """Engine-generic loss; ``xnp`` is jax.numpy, fgrad.numpy or autograd.numpy."""
    h1 = xnp.tanh(x @ params["W1"] + params["b1"])
    h2 = xnp.tanh(h1 @ params["W2"] + params["b2"])
    logp = log_softmax(xnp, h2 @ params["W3"] + params["b3"], axis=1)
    return -xnp.mean(xnp.sum(y * logp, axis=1))


def jaxlike_impl(ad, xnp, jit, data):
    params = as_tree(xnp, data["params"])
    x, y = xnp.asarray(data["x"]), xnp.asarray(data["y"])
    vg = ad.value_and_grad(lambda p, x, y: loss_fn(xnp, p, x, y))
    if jit:
        vg = ad.jit(vg)
    return lambda: vg(params, x, y)


def torch_impl(torch, data):
    params = torch_tree(torch, data["params"], requires_grad=True)
    x, y = torch_tree(torch, data["x"]), torch_tree(torch, data["y"])
    names = list(params)

    def run():
        h1 = torch.tanh(x @ params["W1"] + params["b1"])
        h2 = torch.tanh(h1 @ params["W2"] + params["b2"])
        logp = torch.log_softmax(h2 @ params["W3"] + params["b3"], dim=1)
        loss = -torch.mean(torch.sum(y * logp, dim=1))
        grads = torch.autograd.grad(loss, [params[k] for k in names])
        return loss.detach(), dict(zip(names, grads))

    return run
