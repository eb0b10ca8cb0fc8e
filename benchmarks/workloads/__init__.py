"""Workload registry.

Each workload module exposes ``NAME``, ``NEEDS`` (attributes a JAX-like ``ad`` module must have),
``NP_NEEDS`` (attributes its numpy-like module must have), ``cases(quick)`` and one builder per
engine family: ``numpy_impl(data)``, ``jaxlike_impl(ad, xnp, jit, data)``, optionally
``autograd_impl(ag, anp, data)`` and ``torch_impl(torch, data)``. Every builder returns a
zero-argument callable (or a ``harness.Job``) so the runner can time all engines the same way.
Autograd falls back to ``jaxlike_impl`` with ``jit=False`` because its API is JAX-shaped.
"""

from benchmarks.run import WORKLOAD_NAMES
from benchmarks.workloads import hessian, mlp, overhead, per_example, rnn, scale

WORKLOADS = {m.NAME: m for m in (overhead, mlp, hessian, per_example, rnn, scale)}
assert tuple(WORKLOADS) == WORKLOAD_NAMES, "keep run.WORKLOAD_NAMES in sync with the modules"
