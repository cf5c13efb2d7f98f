"""Ours beside tidb-operator v2: the same figures of two fleet-bench runs, with the ratio
ours/v2, as a text table and as the Markdown the README shows.

A figure is a path into a run's result (`ready.median_s`); a row whose value is missing in
one run says so instead of guessing. `better` says which way is good, so the verdict column
reads the ratio the right way round.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LOWER, HIGHER = "lower", "higher"


@dataclass(frozen=True)
class Figure:
    label: str
    path: str
    unit: str = ""
    better: str = LOWER


FIGURES: tuple[Figure, ...] = (
    Figure("groups Ready: all / N", "ready.ready_fraction", "", HIGHER),
    Figure("time to Ready: median", "ready.median_s", "s"),
    Figure("time to Ready: last", "ready.last_s", "s"),
    Figure("time to Ready: whole fleet", "ready.fleet_s", "s"),
    Figure("operator CPU, convergence", "convergence.operator_cpu.seconds", "s"),
    Figure("operator CPU, steady", "steady.operator_cpu.percent_of_one_core", "% core"),
    Figure("operator peak RSS", "operator.peak_rss_mb", "MB"),
    Figure("API reads, convergence", "convergence.api.reads.count"),
    Figure("API writes, convergence", "convergence.api.writes.count"),
    Figure("API reads/min, steady", "steady.api.reads.per_min", "/min"),
    Figure("API writes/min, steady", "steady.api.writes.per_min", "/min"),
    Figure("PD requests/cluster/min, steady", "steady.pd_sim.per_cluster_per_min", "/min"),
    Figure("reconciles, convergence", "convergence.reconcile_total.count"),
    Figure("reconciles/min, steady", "steady.reconcile_total.per_min", "/min"),
    Figure(
        "reconcile p99 (worst controller), convergence",
        "convergence.reconcile_total.worst_p99_ms",
        "ms",
    ),
    Figure("reconcile p99 (worst controller), steady", "steady.reconcile_total.worst_p99_ms", "ms"),
    Figure("/metrics answer at N, steady (median)", "operator.metrics_scrape_ms", "ms"),
    Figure("/metrics operator CPU per scrape", "operator.metrics.cpu_ms_per_scrape", "ms"),
    Figure("resync after restart", "restart.resync_s", "s"),
    Figure("API writes during resync", "restart.api.writes.count"),
    Figure("scale 3->4: whole fleet", "scale.fleet_s", "s"),
    Figure("scale 3->4: median", "scale.median_s", "s"),
)


def lookup(result: Mapping[str, Any], path: str) -> float | None:
    node: Any = result
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, int | float) and not isinstance(node, bool) else None


def ratio(ours: float | None, theirs: float | None) -> float | None:
    """ours/theirs; None when either is missing or theirs is 0 (unless both are 0: 1)."""
    if ours is None or theirs is None:
        return None
    if theirs == 0:
        return 1.0 if ours == 0 else None
    return ours / theirs


SAME_WITHIN = 0.02
"""Figures this close (relative to the larger) are a tie: one run's noise, not a difference."""


def verdict(figure: Figure, ours: float | None, theirs: float | None) -> str:
    if ours is None or theirs is None:
        return "n/a"
    if abs(ours - theirs) <= SAME_WITHIN * max(abs(ours), abs(theirs)):
        return "same"
    ours_better = ours < theirs if figure.better == LOWER else ours > theirs
    return "ours" if ours_better else "v2"


@dataclass(frozen=True)
class Row:
    figure: Figure
    ours: float | None
    theirs: float | None

    @property
    def ratio(self) -> float | None:
        return ratio(self.ours, self.theirs)

    @property
    def verdict(self) -> str:
        return verdict(self.figure, self.ours, self.theirs)


def rows(
    ours: Mapping[str, Any], theirs: Mapping[str, Any], figures: Sequence[Figure] = FIGURES
) -> list[Row]:
    return [Row(f, lookup(ours, f.path), lookup(theirs, f.path)) for f in figures]


def _num(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.0f}" if abs(v) >= 100 or v == int(v) else f"{v:.2f}"


def _ratio(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


def _label(r: Row) -> str:
    return f"{r.figure.label} ({r.figure.unit})" if r.figure.unit else r.figure.label


def text_table(table: Sequence[Row], out: Callable[[str], None] = print) -> None:
    width = max(len(_label(r)) for r in table)
    out(f"{'figure':<{width}}  {'ours':>9}  {'v2':>9}  {'ours/v2':>8}  better")
    for r in table:
        out(
            f"{_label(r):<{width}}  {_num(r.ours):>9}  {_num(r.theirs):>9}  "
            f"{_ratio(r.ratio):>8}  {r.verdict}"
        )


def markdown_table(table: Sequence[Row]) -> str:
    lines = ["| figure | ours | v2 | ours/v2 | better |", "|---|---:|---:|---:|---|"]
    for r in table:
        lines.append(
            f"| {_label(r)} | {_num(r.ours)} | {_num(r.theirs)} | {_ratio(r.ratio)} | {r.verdict} |"
        )
    return "\n".join(lines)
