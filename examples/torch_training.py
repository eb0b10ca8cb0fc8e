"""A small network trained with compat.torch (torch-style autograd on fgrad) on generated data.

Two-class spirals are not linearly separable, so the hidden layer has to do real work; the
loop is what a torch user writes: forward, loss, zero grads, backward, update.
"""

import numpy as np

import compat.torch as torch
import compat.torch.nn.functional as F

rng = np.random.default_rng(0)
n = 100
t = rng.uniform(0.5, 3.0, size=n)
cls = rng.integers(0, 2, size=n)
angle = t * 2.0 + np.pi * cls
pts = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) / 3.0
X = torch.tensor(pts + 0.02 * rng.normal(size=pts.shape), dtype=torch.float64)
Y = torch.tensor(cls.astype(np.int64))


def init(shape):
    return torch.tensor(rng.normal(size=shape) / np.sqrt(shape[-1]), requires_grad=True)


W1, b1 = init((32, 2)), torch.zeros(32, dtype=torch.float64, requires_grad=True)
W2, b2 = init((2, 32)), torch.zeros(2, dtype=torch.float64, requires_grad=True)
params = [W1, b1, W2, b2]

lr = 0.5
for step in range(301):
    hidden = torch.tanh(F.linear(X, W1, b1))
    logits = F.linear(hidden, W2, b2)
    loss = F.cross_entropy(logits, Y)
    for p in params:
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
    if step % 100 == 0:
        acc = (logits.argmax(dim=1) == Y).float().mean().item()
        print(f"step {step:3d}: loss {loss.item():.4f}, accuracy {acc:.2f}")

assert loss.item() < 0.5, loss.item()
