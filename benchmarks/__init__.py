"""Benchmark suite comparing fgrad against hand-written numpy, JAX, autograd and torch.

Run it with ``python -m benchmarks.run`` from the repository root; see ``benchmarks/README.md``.
"""
