"""The user's reference tutorial (shared/SEED.md) run through compat.torch.

Run `python examples/seed_tutorial.py` for compat.torch, or `--real-torch` to print what torch
itself prints (when torch is installed); the two outputs are identical.
"""

from __future__ import annotations

import sys


def section_backward(torch) -> None:
    # 1. torch.autograd.backward: y = (x + w) * (w + 1), dy/dw = b + a = 5 at w = 1, x = 2
    w = torch.tensor([1.0], requires_grad=True)
    x = torch.tensor([2.0], requires_grad=True)
    a = torch.add(w, x)
    b = torch.add(w, 1)
    y = torch.mul(a, b)
    y.backward(retain_graph=True)
    print(w.grad, x.grad)

    # grad_tensors weights several outputs: loss = cat([a * b, a + b])
    w = torch.tensor([1.0], requires_grad=True)
    x = torch.tensor([2.0], requires_grad=True)
    a = torch.add(w, x)
    b = torch.add(w, 1)
    y0 = torch.mul(a, b)
    y1 = torch.add(a, b)
    loss = torch.cat([y0, y1], dim=0)
    loss.backward(gradient=torch.tensor([1.0, 1.0]))
    print(w.grad, x.grad)


def section_grad(torch) -> None:
    # 2. torch.autograd.grad with create_graph: first and second derivative of x ** 2
    x = torch.tensor([3.0], requires_grad=True)
    y = torch.pow(x, 2)
    grad_1 = torch.autograd.grad(y, x, create_graph=True)
    print(grad_1)
    grad_2 = torch.autograd.grad(grad_1[0], x, create_graph=True)
    print(grad_2)


def section_notes(torch) -> None:
    # 3.1 gradients accumulate unless zeroed
    w = torch.tensor([1.0], requires_grad=True)
    x = torch.tensor([2.0], requires_grad=True)
    for _ in range(4):
        a = torch.add(w, x)
        b = torch.add(w, 1)
        y = torch.mul(a, b)
        y.backward()
        print(w.grad, x.grad)
        w.grad.zero_()
        x.grad.zero_()
    w.grad = None
    x.grad = None
    for _ in range(4):
        a = torch.add(w, x)
        b = torch.add(w, 1)
        y = torch.mul(a, b)
        y.backward()
        print(w.grad)
    # 3.2 everything that depends on a leaf requiring grad requires grad
    print(a.requires_grad, b.requires_grad, y.requires_grad)
    # 3.3 a leaf that requires grad cannot be modified in place
    try:
        w.add_(1)
    except RuntimeError as e:
        print("RuntimeError:", e)
    a = torch.ones((1,))
    before = id(a)
    a = a + torch.ones((1,))
    print(id(a) == before)
    before = id(a)
    a += torch.ones((1,))
    print(id(a) == before, a)


def main(torch) -> None:
    section_backward(torch)
    section_grad(torch)
    section_notes(torch)


if __name__ == "__main__":
    if "--real-torch" in sys.argv:
        import torch as real_torch

        main(real_torch)
    else:
        import compat.torch as compat_torch

        main(compat_torch)
