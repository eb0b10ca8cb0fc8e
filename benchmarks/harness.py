"""Engine-independent plumbing: cases, jobs, pytree comparison, timing, memory and machine info.

Kept free of any autodiff import so that a broken or missing engine can never stop the suite
from measuring the others.
"""

from __future__ import annotations

import datetime
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

# Float64 tolerances: loose enough for reassociated BLAS reductions, tight enough that a wrong
# derivative rule (sign, factor, missing term) is always caught.
RTOL = 1e-6
ATOL_REL = 1e-9


@dataclass
class Case:
    """One measured problem instance; a workload may yield several (scale has one per size)."""

    label: str
    data: dict
    n_ops: int | None = None  # when set, the report shows time (and memory) per op
    memory: bool = False  # measure tracemalloc peak per call


@dataclass
class Job:
    """What a builder returns when a plain callable is not enough.

    ``check=False`` marks results that are not numbers (e.g. a staged program), which cannot be
    compared with the numpy reference; ``mode`` says what was timed.
    """

    run: Callable[[], Any]
    check: bool = True
    mode: str = ""
    compiles: bool = True  # False: a JIT engine's job that does not compile (no compile column)


@dataclass
class Entry:
    """Per-engine bookkeeping for one case while it is being measured and reported."""

    workload: str
    case: str
    engine: str
    status: str = "ok"  # ok | WRONG | SKIP | ERROR
    note: str = ""
    mode: str = ""
    jit: bool = False
    run: Callable[[], Any] | None = None
    first_ms: float | None = None
    times_ms: list[float] = field(default_factory=list)
    peak_bytes: int | None = None
    n_ops: int | None = None

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.times_ms) if self.times_ms else None

    @property
    def compile_ms(self) -> float | None:
        """JIT cost: first call (trace + compile + run) minus a steady-state call."""
        if not self.jit or self.first_ms is None or self.median_ms is None:
            return None
        return max(self.first_ms - self.median_ms, 0.0)


def tree_map(fn: Callable[[Any], Any], tree: Any) -> Any:
    """Map over dict/list/tuple containers, which is all the pytrees the workloads return."""
    if isinstance(tree, dict):
        return {k: tree_map(fn, v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(tree_map(fn, v) for v in tree)
    return fn(tree)


def tree_leaves(tree: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Flatten with readable paths (dict keys sorted) so mismatches name the offending leaf."""
    if isinstance(tree, dict):
        out = []
        for k in sorted(tree):
            out.extend(tree_leaves(tree[k], f"{prefix}/{k}"))
        return out
    if isinstance(tree, (list, tuple)):
        out = []
        for i, v in enumerate(tree):
            out.extend(tree_leaves(v, f"{prefix}[{i}]"))
        return out
    return [(prefix or "<root>", tree)]


def compare(got: Any, ref: Any) -> str | None:
    """Return None when ``got`` matches the numpy reference, else a short reason."""
    got_leaves, ref_leaves = tree_leaves(got), tree_leaves(ref)
    got_paths = [p for p, _ in got_leaves]
    ref_paths = [p for p, _ in ref_leaves]
    if got_paths != ref_paths:
        return f"structure {got_paths} != {ref_paths}"
    for (path, g), (_, r) in zip(got_leaves, ref_leaves):
        g = np.asarray(g)
        r = np.asarray(r)
        if g.shape != r.shape:
            return f"{path}: shape {g.shape} != {r.shape}"
        if g.dtype != np.float64:
            return f"{path}: dtype {g.dtype}, expected float64"
        scale = float(np.max(np.abs(r))) if r.size else 0.0
        if not np.allclose(g, r, rtol=RTOL, atol=ATOL_REL * max(1.0, scale)):
            err = float(np.max(np.abs(g - r)))
            return f"{path}: max abs err {err:.3g} (ref scale {scale:.3g})"
    return None


def short_error(exc: BaseException, limit: int = 160) -> str:
    """One-line exception summary that fits in a table cell."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _call_ms(run: Callable[[], Any]) -> float:
    """Time one call like timeit does: with the cyclic GC off so collections don't land randomly."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        run()
        return (time.perf_counter() - t0) * 1e3
    finally:
        if gc_was_enabled:
            gc.enable()


def first_call(entry: Entry) -> Any:
    """Run the call whose result is checked; for JIT engines its time includes compilation."""
    gc.collect()
    t0 = time.perf_counter()
    out = entry.run()
    entry.first_ms = (time.perf_counter() - t0) * 1e3
    return out


def time_interleaved(entries: list[Entry], warmup: int, reps: int) -> None:
    """Time engines in rounds (A B C, A B C, ...) so drift in machine load hits all alike."""
    for round_no in range(warmup + reps):
        gc.collect()
        for entry in entries:
            if entry.status != "ok" or entry.run is None:
                continue
            try:
                ms = _call_ms(entry.run)
            except Exception as exc:  # an engine that fails later must not sink the others
                entry.status, entry.note = "ERROR", short_error(exc)
                entry.times_ms.clear()
                continue
            if round_no >= warmup:
                entry.times_ms.append(ms)


def measure_peak(entry: Entry) -> None:
    """Peak traced memory of one call.

    tracemalloc sees the Python heap and numpy buffers, not XLA or torch allocator buffers, so
    the number is a lower bound for those engines; it is still what shows tape growth.
    """
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        out = entry.run()
        entry.peak_bytes = tracemalloc.get_traced_memory()[1] - base
        del out
    finally:
        tracemalloc.stop()


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _blas_info() -> str:
    """Describe the BLAS in use, since matmul-heavy workloads swing with it."""
    try:
        import threadpoolctl

        infos = threadpoolctl.threadpool_info()
        blas = [i for i in infos if i.get("user_api") == "blas"]
        if blas:
            b = blas[0]
            return (
                f"{b.get('internal_api')} {b.get('version')} "
                f"({b.get('architecture')}, {b.get('num_threads')} threads)"
            )
    except Exception:  # threadpoolctl is optional; fall back to numpy's build info
        pass
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    except Exception:
        return "unknown"


def machine_info() -> dict:
    """Facts needed to interpret or compare numbers across machines."""
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": affinity,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "blas": _blas_info(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", ""),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE", ""),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        # Other processes on the machine inflate every engine's times; record it with the run.
        "load_average_1_5_15min": " ".join(f"{v:.2f}" for v in os.getloadavg()),
    }
