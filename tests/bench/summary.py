"""The figures of one run as the Markdown table the README shows (`python -m
tests.bench.summary bench/results/<file>.json` prints it again from a saved result)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.bench import compare
from tests.bench.compare import lookup

ROWS: tuple[tuple[str, str, str], ...] = (
    ("clusters Ready", "ready.reached", ""),
    ("time to Ready: first / median / last", "ready.first_s|ready.median_s|ready.last_s", "s"),
    ("time to Ready: whole fleet", "ready.fleet_s", "s"),
    (
        "operator CPU: convergence / all",
        "convergence.operator_cpu.seconds|operator.cpu_seconds_total",
        "s",
    ),
    ("operator CPU in the steady window", "steady.operator_cpu.percent_of_one_core", "% of a core"),
    ("operator peak RSS", "operator.peak_rss_mb", "MB"),
    (
        "API reads / writes, convergence",
        "convergence.api.reads.count|convergence.api.writes.count",
        "",
    ),
    (
        "API reads / writes per min, steady",
        "steady.api.reads.per_min|steady.api.writes.per_min",
        "/min",
    ),
    ("PD requests per cluster per min, steady", "steady.pd_sim.per_cluster_per_min", "/min"),
    ("reconciles, convergence", "convergence.reconcile_total.count", ""),
    (
        "reconcile p99, worst controller: convergence / steady",
        "convergence.reconcile_total.worst_p99_ms|steady.reconcile_total.worst_p99_ms",
        "ms",
    ),
    ("reconciles per min, steady", "steady.reconcile_total.per_min", "/min"),
    (
        "`/metrics` in steady state: median answer / operator CPU per scrape",
        "operator.metrics_scrape_ms|operator.metrics.cpu_ms_per_scrape",
        "ms",
    ),
    ("resync after a restart", "restart.resync_s", "s"),
    ("API writes during the resync", "restart.api.writes.count", ""),
    ("scale every TiKVGroup 3 -> 4: median / whole fleet", "scale.median_s|scale.fleet_s", "s"),
)


def _value(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.0f}" if v == int(v) or abs(v) >= 100 else f"{v:.2f}".rstrip("0").rstrip(".")


def cell(result: Mapping[str, Any], paths: str) -> str:
    return " / ".join(_value(lookup(result, p)) for p in paths.split("|"))


def per_controller(result: Mapping[str, Any], phase: str) -> str:
    """p50/p99 per controller in one phase: `pd 3.1/41 ms`."""
    rows = (result.get(phase) or {}).get("reconcile") or {}
    parts = [
        f"{c} {_value(v['p50_ms'])}/{_value(v['p99_ms'])}"
        for c, v in sorted(rows.items())
        if v.get("count")
    ]
    return ", ".join(parts) or "no reconciles"


def markdown(result: Mapping[str, Any]) -> str:
    lines = ["| figure | value |", "|---|---:|"]
    for label, paths, unit in ROWS:
        lines.append(f"| {label}{f' ({unit})' if unit else ''} | {cell(result, paths)} |")
    for phase in ("convergence", "steady"):
        label = f"reconcile p50/p99 ms by controller, {phase}"
        lines.append(f"| {label} | {per_controller(result, phase)} |")
    return "\n".join(lines)


def machine_line(result: Mapping[str, Any]) -> str:
    m = result.get("machine") or {}
    load = result.get("load_at_start") or [m.get("loadavg_1m_at_start")]
    return (
        f"{m.get('cpus')} CPUs ({m.get('cpu_model', '?')}), {m.get('memory_mb', 0) // 1024} GiB, "
        f"Python {m.get('python')}; 1-minute load average {load[0]:.2f} at the start "
        f"(shared with other builds), {result.get('date', '?')}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    for name in argv if argv is not None else sys.argv[1:]:
        result = json.loads(Path(name).read_text())
        for run in result.get("runs") or [result]:
            print(f"\n{run.get('subject', 'tikv-operator')}: {machine_line({**result, **run})}\n")
            print(markdown(run))
        runs = {run.get("subject"): run for run in result.get("runs") or ()}
        if "tikv-operator" in runs and "tidb-operator-v2" in runs:
            # Built again rather than read back, so a saved run gets today's figures.
            table = compare.rows(runs["tikv-operator"], runs["tidb-operator-v2"])
            print("\n" + compare.markdown_table(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
