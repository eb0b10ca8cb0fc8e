"""Command line: ``python -m benchmarks.run [--quick] [--only mlp,rnn] [--engines ...]``.

Every engine is first checked against the hand-written numpy result (a mismatch is WRONG and is
not timed), then all engines are timed interleaved in one process.

This module imports only the standard library at the top on purpose: thread counts for BLAS,
OpenMP and XLA are read from the environment when those libraries load, so they must be set
before numpy, jax or torch is imported (see ``apply_threads``).
"""

from __future__ import annotations

import argparse
import os
import sys

ENGINE_NAMES = ("numpy", "fgrad", "fgrad_jit", "jax", "jax_jit", "autograd", "torch")
WORKLOAD_NAMES = ("overhead", "mlp", "hessian", "per_example", "rnn", "scale")
_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# Single-threaded XLA CPU; accepted by current jaxlib. If a future jaxlib rejects these flags,
# run with --threads 0.
_XLA_ONE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def _csv(value: str, allowed: tuple[str, ...], what: str) -> list[str]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    bad = [n for n in names if n not in allowed]
    if bad or not names:
        raise SystemExit(f"unknown {what}: {', '.join(bad)} (choose from {', '.join(allowed)})")
    return names


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Check each engine against hand-written numpy, then time them interleaved.",
    )
    p.add_argument("--quick", action="store_true", help="fewer reps, smaller scale sizes (<1 min)")
    p.add_argument("--only", default=",".join(WORKLOAD_NAMES), help="comma-separated workloads")
    p.add_argument("--engines", default=",".join(ENGINE_NAMES), help="comma-separated engines")
    p.add_argument("--reps", type=int, default=None, help="timed repetitions (default 7, quick 3)")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="compute threads per engine (default 1; 0 keeps each library's own default)",
    )
    p.add_argument("--json", default=None, help="write results to this JSON file")
    p.add_argument("--png", default=None, help="write a bar chart of ratios (needs matplotlib)")
    args = p.parse_args(argv)
    args.only = _csv(args.only, WORKLOAD_NAMES, "workload")
    args.engines = _csv(args.engines, ENGINE_NAMES, "engine")
    if args.reps is not None and args.reps < 1:
        p.error("--reps must be >= 1")
    return args


def apply_threads(n: int) -> str:
    """Pin every engine's compute to ``n`` threads; return a description for the report.

    Why the default is 1: interleaving engines in one process on a small machine makes the
    thread pools of OpenBLAS (numpy), OpenMP/MKL (torch) and XLA (jax) busy-wait against each
    other; measured here, that inflated single calls 10-30x. One thread each makes the numbers
    stable and compares per-core efficiency. Only the thread-count variables are touched;
    OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are left exactly as the machine has them.
    """
    if n <= 0:
        return "library defaults"
    loaded = [m for m in ("numpy", "jax", "torch") if m in sys.modules]
    if loaded:
        print(
            f"warning: {', '.join(loaded)} already imported; --threads may not apply to it",
            file=sys.stderr,
        )
    for var in _THREAD_VARS:
        os.environ[var] = str(n)
    desc = f"{n} ({'/'.join(_THREAD_VARS)}={n}"
    if n == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        if _XLA_ONE_THREAD not in flags:
            os.environ["XLA_FLAGS"] = f"{flags} {_XLA_ONE_THREAD}".strip()
        desc += ", XLA single-threaded"
    return desc + ")"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    threads = apply_threads(args.threads)
    from benchmarks import suite  # imports numpy: only after the thread variables are set

    return suite.run(args, threads)


if __name__ == "__main__":
    raise SystemExit(main())
