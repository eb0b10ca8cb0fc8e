"""The measuring loop behind ``python -m benchmarks.run`` (argument parsing lives in run.py).

For every case it first computes the hand-written numpy result, then calls each engine once and
checks it against that reference (a mismatch is reported as WRONG and never timed), then times
all surviving engines interleaved in rounds so that machine noise is shared fairly.
"""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from benchmarks import report
from benchmarks.engines import Backend, EngineUnavailable, load_engine
from benchmarks.harness import (
    Case,
    Entry,
    Job,
    compare,
    first_call,
    machine_info,
    measure_peak,
    short_error,
    time_interleaved,
    tree_map,
)
from benchmarks.workloads import WORKLOADS

FULL_WARMUP, FULL_REPS = 2, 7
QUICK_WARMUP, QUICK_REPS = 0, 3  # quick: the checked first call is the only warm-up


def build_job(backend: Backend, module: ModuleType, case: Case) -> Job:
    """Dispatch to the workload's builder for this engine family."""
    ad, xnp, data = backend.ad, backend.xnp, case.data
    if backend.family == "numpy":
        out = module.numpy_impl(data)
    elif backend.family == "jaxlike":
        out = module.jaxlike_impl(ad, xnp, backend.jit, data)
    elif backend.family == "autograd":
        impl = getattr(module, "autograd_impl", None)
        out = impl(ad, xnp, data) if impl else module.jaxlike_impl(ad, xnp, False, data)
    elif backend.family == "torch" and hasattr(module, "torch_impl"):
        out = module.torch_impl(ad, data)
    else:
        raise NotImplementedError(f"{module.NAME} has no {backend.family} implementation")
    return out if isinstance(out, Job) else Job(out)


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def prepare(backend: Backend | str, name: str, module: ModuleType, case: Case, ref) -> Entry:
    """Build, first-call (timed: compile cost for JIT engines) and check one engine."""
    e = Entry(workload=module.NAME, case=case.label, engine=name, n_ops=case.n_ops)
    _first_call_and_check(e, backend, module, case, ref)
    first = f"{e.first_ms:10.1f} ms" if e.first_ms is not None else " " * 13
    _log(f"  {name:10s} first call {first}  {e.status} {e.note}".rstrip())
    return e


def _first_call_and_check(e: Entry, backend, module: ModuleType, case: Case, ref) -> None:
    if isinstance(backend, str):
        e.status, e.note = "SKIP", backend
        return
    missing = backend.missing(module.NEEDS, module.NP_NEEDS, module.JIT_NEEDS)
    if missing:
        e.status, e.note = "SKIP", "missing " + ", ".join(missing)
        return
    try:
        job = build_job(backend, module, case)
        e.mode = job.mode
        e.jit = backend.jit and job.compiles
        e.run = lambda: backend.block(job.run())
        out = first_call(e)
    except NotImplementedError as exc:
        e.status, e.note = "SKIP", str(exc) or "not implemented"
        return
    except AttributeError as exc:
        # A name missing from the engine's own modules is an in-progress library (SKIP); any
        # other AttributeError is a bug inside the engine (ERROR).
        own = getattr(exc, "obj", None) in (backend.ad, backend.xnp)
        e.status, e.note = ("SKIP" if own else "ERROR"), short_error(exc)
        return
    except Exception as exc:
        e.status, e.note = "ERROR", short_error(exc)
        return
    if not job.check:
        e.note = "staged, not value-checked"
        return
    problem = compare(tree_map(backend.leaf_to_numpy, out), ref)
    if problem:
        e.status, e.note = "WRONG", problem


def run_case(module, case, names, backends, numpy_backend, warmup, reps) -> list[Entry]:
    _log(f"[{case.label}]")
    ref_out = build_job(numpy_backend, module, case).run()
    ref = tree_map(numpy_backend.leaf_to_numpy, ref_out)
    entries = [prepare(backends[n], n, module, case, ref) for n in names]
    for e in entries:
        if e.status not in ("ok",):
            e.run = None  # never time an engine that failed or gave a wrong answer
    time_interleaved(entries, warmup, reps)
    if case.memory:
        for e in entries:
            if e.status == "ok" and e.run is not None:
                try:
                    measure_peak(e)
                except Exception as exc:
                    e.note = f"memory: {short_error(exc)}"
    for e in entries:
        e.run = None  # drop closures (and JIT caches) before the next case
    return entries


def run(args: argparse.Namespace, threads: str) -> int:
    """Measure ``args.only`` x ``args.engines``, print the report, write JSON/PNG if asked."""
    warmup = QUICK_WARMUP if args.quick else FULL_WARMUP
    reps = args.reps or (QUICK_REPS if args.quick else FULL_REPS)

    backends: dict[str, Backend | str] = {}
    versions: dict[str, str] = {}
    for n in args.engines:
        try:
            backends[n] = load_engine(n)
            versions[n] = backends[n].version
        except EngineUnavailable as exc:
            backends[n] = str(exc)
            versions[n] = "unavailable"
            _log(f"note: skipping {exc}")
    numpy_backend = load_engine("numpy")

    entries: list[Entry] = []
    for w in args.only:
        module = WORKLOADS[w]
        for case in module.cases(args.quick):
            entries += run_case(module, case, args.engines, backends, numpy_backend, warmup, reps)

    machine = machine_info()
    machine["threads"] = threads
    table = report.rows(entries)
    print(report.machine_markdown(machine, versions))
    print()
    print(report.results_markdown(table))
    scale_md = report.scale_markdown(table)
    if scale_md:
        print()
        print(scale_md)
    config = {
        "quick": args.quick,
        "warmup": warmup,
        "reps": reps,
        "threads": threads,
        "engines": args.engines,
        "workloads": args.only,
    }
    if args.json:
        report.write_json(args.json, machine, versions, config, table)
        _log(f"wrote {args.json}")
    if args.png:
        note = report.write_png(args.png, table)
        _log(note or f"wrote {args.png}")
    return 0
