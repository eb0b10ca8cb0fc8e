"""Helpers shared by several workloads, written once so every engine runs the same math."""

from __future__ import annotations

from typing import Any

import numpy as np


def rng(seed: int) -> np.random.Generator:
    """Fixed seeds: every run and every engine sees identical inputs."""
    return np.random.default_rng(seed)


def as_tree(xnp: Any, tree: Any) -> Any:
    """Convert a dict of numpy arrays to the engine's array type before timing starts."""
    if isinstance(tree, dict):
        return {k: as_tree(xnp, v) for k, v in tree.items()}
    return xnp.asarray(tree)


def torch_tree(torch: Any, tree: Any, requires_grad: bool = False) -> Any:
    """Like ``as_tree`` for torch; leaves that are differentiated need ``requires_grad``."""
    if isinstance(tree, dict):
        return {k: torch_tree(torch, v, requires_grad) for k, v in tree.items()}
    return torch.tensor(tree, dtype=torch.float64, requires_grad=requires_grad)


def log_softmax(xnp: Any, z: Any, axis: int = -1) -> Any:
    """Max-shifted log-softmax with only basic numpy-API calls, as a JAX user would write it."""
    shifted = z - xnp.max(z, axis=axis, keepdims=True)
    return shifted - xnp.log(xnp.sum(xnp.exp(shifted), axis=axis, keepdims=True))


def np_softmax(z: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Return (softmax, log_softmax) in plain numpy for the hand-written backward passes."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    s = np.sum(e, axis=axis, keepdims=True)
    return e / s, shifted - np.log(s)


# ---------------------------------------------------------------------------------------------
# The elementwise chain used by `overhead` and `scale`.
#
# Op i is sin, mul-by-constant-array, add, tanh for i % 4 == 0, 1, 2, 3. "add" adds the chain's
# input x back in (a residual): without it the gradient of a 1,000-op chain of sin/tanh decays
# to ~1e-30 and any wrong derivative would pass the allclose check unnoticed.
# ---------------------------------------------------------------------------------------------


def chain_data(n_ops: int, size: int = 10, seed: int = 0) -> dict:
    r = rng(seed)
    return {"x": r.uniform(-1.0, 1.0, size), "c": r.uniform(0.5, 1.5, size), "n_ops": n_ops}


def chain_loss(xnp: Any, x: Any, c: Any, n_ops: int) -> Any:
    """Scalar loss; works for numpy, jax.numpy, fgrad.numpy, autograd.numpy and torch."""
    y = x
    for i in range(n_ops):
        k = i % 4
        if k == 0:
            y = xnp.sin(y)
        elif k == 1:
            y = y * c
        elif k == 2:
            y = y + x
        else:
            y = xnp.tanh(y)
    return xnp.sum(y)


def chain_grad_numpy(x: np.ndarray, c: np.ndarray, n_ops: int) -> np.ndarray:
    """Hand-written forward (keeping the tape a real AD system keeps) and reverse sweep."""
    tape = []
    y = x
    for i in range(n_ops):
        k = i % 4
        if k == 0:
            tape.append(y)  # sin needs its input
            y = np.sin(y)
        elif k == 1:
            tape.append(None)
            y = y * c
        elif k == 2:
            tape.append(None)
            y = y + x
        else:
            y = np.tanh(y)
            tape.append(y)  # tanh needs its output
    g = np.ones_like(x)
    gx = np.zeros_like(x)
    for i in range(n_ops - 1, -1, -1):
        k = i % 4
        if k == 0:
            g = g * np.cos(tape[i])
        elif k == 1:
            g = g * c
        elif k == 2:
            gx = gx + g
        else:
            t = tape[i]
            g = g * (1.0 - t * t)
    return gx + g
