"""The fleet bench's time series: cumulative counts sampled every few seconds, turned into
per-minute rates for the chart.

A count that goes down between two samples belongs to a restarted process (the operator's
counters start from zero again), so the later value is the whole increase, as Prometheus'
`rate()` treats a counter reset.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Point:
    """One sample: seconds since the first apply and cumulative counts by series name."""

    t: float
    counts: Mapping[str, float] = field(default_factory=dict)


def increase(before: float, after: float) -> float:
    """How much a counter grew between two samples, across a reset."""
    return after - before if after >= before else after


def rates_per_minute(points: Sequence[Point], series: str) -> list[tuple[float, float]]:
    """(midpoint time, per-minute rate) between consecutive samples that both carry
    `series`; samples without it (the operator was down) are skipped."""
    present = [p for p in points if series in p.counts]
    out: list[tuple[float, float]] = []
    for a, b in itertools.pairwise(present):
        seconds = b.t - a.t
        if seconds <= 0:
            continue
        grown = increase(a.counts[series], b.counts[series])
        out.append(((a.t + b.t) / 2, grown * 60.0 / seconds))
    return out


def ready_curve(ready_times: Sequence[float | None]) -> list[tuple[float, int]]:
    """(time, clusters Ready by then), one step per cluster, from when each became Ready."""
    times = sorted(t for t in ready_times if t is not None)
    return [(t, i + 1) for i, t in enumerate(times)]


def to_json(points: Sequence[Point]) -> list[dict[str, float]]:
    return [{"t": round(p.t, 2), **{k: v for k, v in sorted(p.counts.items())}} for p in points]


def from_json(rows: Sequence[Mapping[str, float]]) -> list[Point]:
    return [Point(float(r["t"]), {k: float(v) for k, v in r.items() if k != "t"}) for r in rows]
