"""Issue 14's targets, judged on a run's figures: each says what was measured and whether it
meets the bar. Printed after the run; never a pass/fail of `make test`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.bench.compare import lookup

DEFAULT_POLL_S = 15.0


@dataclass(frozen=True)
class Verdict:
    target: str
    measured: str
    met: bool | None
    """None: not measured in this run."""


def duration_s(text: str | None, default: float = DEFAULT_POLL_S) -> float:
    """`30s`, `1m`, `500ms` or a bare number of seconds."""
    if not text:
        return default
    for suffix, scale in (("ms", 0.001), ("s", 1.0), ("m", 60.0)):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * scale
    return float(text)


def snapshot_budget(result: Mapping[str, Any]) -> tuple[int, float] | None:
    """(PD APIs in one snapshot, requests per cluster per minute that one snapshot per poll
    interval allows in the steady window), from the APIs the simulator saw there. A window
    of W seconds holds at most floor(W / interval) + 1 polls one interval apart."""
    steady = result.get("steady") or {}
    by_api = (steady.get("pd_sim") or {}).get("by_api_per_cluster_per_min")
    seconds = steady.get("seconds")
    if not by_api or not seconds:
        return None
    interval = duration_s((result.get("config") or {}).get("pd_poll_interval"))
    polls = math.floor(seconds / interval) + 1
    return len(by_api), len(by_api) * polls * 60.0 / seconds


def _at_most(value: float | None, bar: float) -> bool | None:
    return None if value is None else value <= bar


def _fmt(value: float | None, unit: str = "") -> str:
    return "not measured" if value is None else f"{value:g}{unit}"


def judge(result: Mapping[str, Any]) -> list[Verdict]:
    """The targets of one run of ours; the 100-cluster ones only at 100 clusters or more."""
    n = int(result["config"]["clusters"])

    def get(path: str) -> float | None:
        return lookup(result, path)

    def at_most(target: str, path: str, bar: float, unit: str) -> Verdict:
        """A figure of the run that must not exceed `bar`."""
        value = get(path)
        return Verdict(target, _fmt(value, unit), _at_most(value, bar))

    ready, clusters = get("ready.reached"), get("ready.clusters")
    out = [
        Verdict("all clusters Ready", f"{_fmt(ready)}/{_fmt(clusters)}", ready == clusters),
        at_most("0 API writes/min in the steady window", "steady.api.writes.per_min", 0.0, "/min"),
        at_most(
            "0 API reads/min by the operator in the steady window",
            "steady.api.reads.per_min",
            0.0,
            "/min",
        ),
    ]
    budget = snapshot_budget(result)
    pd = get("steady.pd_sim.per_cluster_per_min")
    out.append(
        Verdict(
            "PD requests/cluster/min <= one snapshot per poll interval",
            f"{_fmt(pd, '/min')} (a snapshot is {budget[0]} requests: at most "
            f"{budget[1]:.1f}/min in this window)"
            if budget
            else _fmt(pd),
            _at_most(pd, budget[1]) if budget else None,
        )
    )
    if n < 100:
        return out
    median, last = get("ready.median_s"), get("ready.last_s")
    steady_p99 = get("steady.reconcile_total.worst_p99_ms")
    steady_count = get("steady.reconcile_total.count")
    out += [
        at_most("all Ready within 120 s", "ready.fleet_s", 120.0, " s"),
        Verdict(
            "last cluster <= 1.5 x median",
            f"{_fmt(last, ' s')} vs median {_fmt(median, ' s')}",
            None if last is None or median is None else last <= 1.5 * median,
        ),
        at_most("peak RSS < 300 MB", "operator.peak_rss_mb", 300.0, " MB"),
        Verdict(
            "p99 reconcile < 50 ms steady",
            "no reconciles" if steady_count == 0 else _fmt(steady_p99, " ms"),
            True if steady_count == 0 else _at_most(steady_p99, 50.0),
        ),
        at_most(
            "p99 reconcile < 250 ms converging",
            "convergence.reconcile_total.worst_p99_ms",
            250.0,
            " ms",
        ),
        at_most("/metrics < 50 ms", "operator.metrics_scrape_ms", 50.0, " ms"),
    ]
    return out


def judge_compare(ours: Mapping[str, Any], theirs: Mapping[str, Any]) -> list[Verdict]:
    """Ours against v2 on the same fleet: no slower, fewer steady writes and PD requests."""

    def pair(label: str, path: str, strict: bool) -> Verdict:
        a, b = lookup(ours, path), lookup(theirs, path)
        # Fewer than none is impossible: both at 0 meets a "fewer" target.
        met = None if a is None or b is None else (a < b or a == b == 0 if strict else a <= b)
        return Verdict(label, f"ours {_fmt(a)} vs v2 {_fmt(b)}", met)

    return [
        pair("time to Ready (whole fleet) no slower than v2", "ready.fleet_s", False),
        pair("scale 3 -> 4 (whole fleet) no slower than v2", "scale.fleet_s", False),
        pair("fewer API writes/min in steady state", "steady.api.writes.per_min", True),
        pair(
            "fewer PD requests/cluster/min in steady state",
            "steady.pd_sim.per_cluster_per_min",
            True,
        ),
    ]


def print_verdicts(title: str, verdicts: list[Verdict], out: Callable[[str], None] = print) -> None:
    out("")
    out(f"== targets: {title} ==")
    for v in verdicts:
        mark = {True: "met", False: "MISSED", None: "n/a"}[v.met]
        out(f"  [{mark:>6}] {v.target}: {v.measured}")
