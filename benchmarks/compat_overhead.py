"""compat.torch overhead: forward+backward of the SEED graph and of a 1,000-op elementwise chain
on a 10-element array, in compat.torch, in fgrad (`fgrad.grad`) and in hand-written numpy, in
one process. Prints medians. Run: python benchmarks/compat_overhead.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np

import compat.torch as torch
import fgrad
import fgrad.numpy as fnp

N_CHAIN = 1000


def _median(f, repeat):
    f()  # warm caches (staged vjps, numpy)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def seed_compat():
    w = torch.tensor([1.0], requires_grad=True)
    x = torch.tensor([2.0], requires_grad=True)
    y = torch.mul(torch.add(w, x), torch.add(w, 1))
    y.backward()
    return w.grad, x.grad


def seed_fgrad():
    return fgrad.grad(lambda w, x: fnp.sum((w + x) * (w + 1)), (0, 1))(
        np.array([1.0], np.float32), np.array([2.0], np.float32))


def seed_numpy():
    w = np.array([1.0], np.float32)
    x = np.array([2.0], np.float32)
    a = w + x
    b = w + 1
    return b + a, b  # dy/dw, dy/dx


def chain_compat():
    x = torch.tensor(np.linspace(0.1, 1.0, 10), requires_grad=True)
    y = x
    for i in range(N_CHAIN):
        y = y.sin() if i % 2 else y * 1.001
    y.sum().backward()
    return x.grad


def _chain(x):
    for i in range(N_CHAIN):
        x = fnp.sin(x) if i % 2 else x * 1.001
    return fnp.sum(x)


def chain_fgrad():
    return fgrad.grad(_chain)(np.linspace(0.1, 1.0, 10).astype(np.float32))


def chain_numpy():
    x = np.linspace(0.1, 1.0, 10).astype(np.float32)
    saved = []
    for i in range(N_CHAIN):
        if i % 2:
            saved.append(x)
            x = np.sin(x)
        else:
            x = x * np.float32(1.001)
    g = np.ones_like(x)
    for i in reversed(range(N_CHAIN)):
        g = g * np.cos(saved.pop()) if i % 2 else g * np.float32(1.001)
    return g


def main():
    rows = []
    for name, fns, rep in [
        ("SEED graph fwd+bwd", (seed_compat, seed_fgrad, seed_numpy), 200),
        (f"{N_CHAIN}-op chain fwd+bwd", (chain_compat, chain_fgrad, chain_numpy), 15),
    ]:
        rows.append((name, [_median(f, rep) for f in fns]))
    np.testing.assert_allclose(chain_compat().numpy(), chain_numpy(), rtol=1e-4)
    print(f"{'workload':28s} {'compat.torch':>14s} {'fgrad.grad':>14s} {'numpy':>14s}")
    for name, (c, f, n) in rows:
        print(f"{name:28s} {c * 1e3:11.3f} ms {f * 1e3:11.3f} ms {n * 1e3:11.3f} ms")
    c, f, n = rows[1][1]
    print(f"per op (chain): compat {c / N_CHAIN * 1e6:.1f} us, fgrad {f / N_CHAIN * 1e6:.1f} us, "
          f"numpy {n / N_CHAIN * 1e6:.2f} us")


if __name__ == "__main__":
    main()
