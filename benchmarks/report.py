"""Turn measured entries into the Markdown tables, the JSON file and the optional PNG chart."""

from __future__ import annotations

import json
import math
from typing import Any

from benchmarks.harness import Entry

# Growth exponents k in time ~ n**k (least squares on log-log over the scale sizes). Linear is
# k = 1; a per-op list copy or graph re-walk gives k = 2. Cache misses as the tape outgrows the
# CPU caches push a linear engine to ~1.1-1.3 over 1k..100k, so only k > 1.5 is flagged.
LINEAR_MAX, SUPERLINEAR_MIN = 1.25, 1.5


def _fmt(v: float | None, digits: int = 3) -> str:
    if v is None:
        return "-"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.{digits}g}"


def _ratio(v: float | None, base: float | None) -> float | None:
    return v / base if v is not None and base else None


def rows(entries: list[Entry]) -> list[dict[str, Any]]:
    """Flat, JSON-ready rows with ratios to numpy and autograd filled in per case."""
    base: dict[tuple[str, str], float | None] = {}
    for e in entries:
        if e.engine in ("numpy", "autograd"):
            base[(e.case, e.engine)] = e.median_ms
    out = []
    for e in entries:
        med = e.median_ms
        out.append(
            {
                "workload": e.workload,
                "case": e.case,
                "engine": e.engine,
                "status": e.status,
                "note": e.note,
                "mode": e.mode,
                "median_ms": med,
                "times_ms": e.times_ms,
                "first_call_ms": e.first_ms,
                "compile_ms": e.compile_ms,
                "ratio_vs_numpy": _ratio(med, base.get((e.case, "numpy"))),
                "ratio_vs_autograd": _ratio(med, base.get((e.case, "autograd"))),
                "n_ops": e.n_ops,
                "us_per_op": med * 1e3 / e.n_ops if med is not None and e.n_ops else None,
                "peak_bytes": e.peak_bytes,
                "bytes_per_op": e.peak_bytes / e.n_ops
                if e.peak_bytes is not None and e.n_ops
                else None,
            }
        )
    return out


def machine_markdown(machine: dict, versions: dict[str, str]) -> str:
    lines = ["## Machine", ""]
    for k, v in machine.items():
        lines.append(f"- {k}: {v if v != '' else '(unset)'}")
    lines.append("- engines: " + ", ".join(f"{k} {v}".strip() for k, v in versions.items()))
    load = float(str(machine.get("load_average_1_5_15min", "0")).split()[0])
    if load > (machine.get("usable_cores") or 1):
        lines += ["", f"**Warning: load average {load:.1f} exceeds the cores: times inflated.**"]
    return "\n".join(lines)


def results_markdown(table: list[dict[str, Any]]) -> str:
    head = (
        "| workload | engine | median ms | vs numpy | vs autograd | compile ms | µs/op | note |\n"
        "|---|---|---:|---:|---:|---:|---:|---|"
    )
    lines = ["## Results (median; ratio = engine time / baseline time, lower is better)", "", head]
    for r in table:
        if r["status"] == "ok":
            note = r["note"] or r["mode"]
            med = _fmt(r["median_ms"])
        else:
            note = f"**{r['status']}**: {r['note']}"
            med = "-"
        lines.append(
            f"| {r['case']} | {r['engine']} | {med} | {_fmt(r['ratio_vs_numpy'])} "
            f"| {_fmt(r['ratio_vs_autograd'])} | {_fmt(r['compile_ms'])} "
            f"| {_fmt(r['us_per_op'])} | {note.replace('|', '/')} |"
        )
    return "\n".join(lines)


def _exponent(ns: list[int], ys: list[float | None]) -> float | None:
    """Least-squares slope of log(y) against log(n)."""
    pts = [(math.log(n), math.log(y)) for n, y in zip(ns, ys) if y]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx else None


def _verdict(k: float | None) -> str:
    if k is None:
        return "n/a"
    if k <= LINEAR_MAX:
        return "linear"
    return "near-linear" if k <= SUPERLINEAR_MIN else "**SUPERLINEAR**"


def growth(table: list[dict[str, Any]]) -> dict[str, str]:
    """Per engine: how total time and peak memory grow with the chain length."""
    by_engine: dict[str, list[dict[str, Any]]] = {}
    for r in table:
        if r["workload"] == "scale" and r["status"] == "ok" and r["n_ops"]:
            by_engine.setdefault(r["engine"], []).append(r)
    verdicts = {}
    for engine, rs in by_engine.items():
        if len(rs) < 2:
            continue
        ns = [r["n_ops"] for r in rs]
        kt = _exponent(ns, [r["median_ms"] for r in rs])
        km = _exponent(ns, [r["peak_bytes"] for r in rs])
        lo = min(rs, key=lambda r: r["n_ops"])
        hi = max(rs, key=lambda r: r["n_ops"])
        # the form of the target: per-op cost at the largest n over the smallest
        per_op = _ratio(hi["us_per_op"], lo["us_per_op"])
        verdicts[engine] = (
            f"time {_verdict(kt)} (n^{_fmt(kt)}; per-op cost x{_fmt(per_op)}), memory "
            f"{_verdict(km)} (n^{_fmt(km)}) over n={min(ns)}..{max(ns)}"
        )
    return verdicts


def scale_markdown(table: list[dict[str, Any]]) -> str:
    rs = [r for r in table if r["workload"] == "scale"]
    if not rs:
        return ""
    lines = [
        "## Scale (per op; tracemalloc peak covers Python objects and numpy buffers only)",
        "",
        "| n ops | engine | timed | median ms | µs/op | peak KiB | bytes/op |",
        "|---:|---|---|---:|---:|---:|---:|",
    ]
    for r in rs:
        if r["status"] != "ok":
            continue
        kib = r["peak_bytes"] / 1024 if r["peak_bytes"] is not None else None
        lines.append(
            f"| {r['n_ops']} | {r['engine']} | {r['mode']} | {_fmt(r['median_ms'])} "
            f"| {_fmt(r['us_per_op'])} | {_fmt(kib)} | {_fmt(r['bytes_per_op'])} |"
        )
    verdicts = growth(table)
    if verdicts:
        lines += ["", "Growth (exponent k in cost ~ n^k; 1 = linear):"]
        lines += [f"- {k}: {v}" for k, v in verdicts.items()]
    return "\n".join(lines)


def write_json(path: str, machine: dict, versions: dict, config: dict, table: list) -> None:
    payload = {
        "machine": machine,
        "engines": versions,
        "config": config,
        "results": table,
        "scale_growth": growth(table),
    }
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, indent=2)


def write_png(path: str, table: list[dict[str, Any]]) -> str | None:
    """Grouped bars of ratio vs numpy per case (log scale); returns a note if skipped."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib not installed: PNG skipped"
    rs = [r for r in table if r["ratio_vs_numpy"] is not None and r["engine"] != "numpy"]
    if not rs:
        return "no ratios vs numpy to plot: PNG skipped"
    cases = list(dict.fromkeys(r["case"] for r in rs))
    engines = list(dict.fromkeys(r["engine"] for r in rs))
    width = 0.8 / len(engines)
    fig, ax = plt.subplots(figsize=(max(8.0, 1.3 * len(cases)), 5.0))
    for i, engine in enumerate(engines):
        xs, ys = [], []
        for j, case in enumerate(cases):
            for r in rs:
                if r["case"] == case and r["engine"] == engine:
                    xs.append(j + (i - (len(engines) - 1) / 2) * width)
                    ys.append(r["ratio_vs_numpy"])
        ax.bar(xs, ys, width=width, label=engine)
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_yscale("log")
    ax.set_xticks(range(len(cases)))
    ax.set_xticklabels(cases, rotation=30, ha="right")
    ax.set_ylabel("time / hand-written numpy time (log)")
    ax.set_title("fgrad benchmarks: slowdown vs hand-written numpy (lower is better)")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return None
