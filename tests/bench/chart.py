"""The fleet bench's PNG: Ready clusters over time, and the operator's API requests and the
PD requests per minute, for one run or for ours beside tidb-operator v2.

Time is seconds since the fleet was applied; the shaded spans are the bench's phases
(steady window, operator restart, scale 3 -> 4), so a rise in requests can be read against
what the bench was doing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.bench import timeline

PHASE_COLOURS = {"steady": "#d0e8d0", "restart": "#f4d8b0", "scale": "#d0d8f4"}
STYLES = ("-", "--")


def render(runs: Sequence[Mapping[str, Any]], path: Path) -> None:
    """One figure for the runs' results (each with `subject`, `ready`, `timeline`, `phases`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ready_ax, api_ax, pd_ax) = plt.subplots(3, 1, figsize=(10, 10), sharex=True)
    for i, run in enumerate(runs):
        style = STYLES[i % len(STYLES)]
        name = run["subject"]
        points = timeline.from_json(run.get("timeline", ()))
        ready = timeline.ready_curve([c.get("ready_at_s") for c in run["ready"]["per_cluster"]])
        if ready:
            xs, ys = zip(*ready, strict=True)
            ready_ax.step([0.0, *xs], [0, *ys], where="post", linestyle=style, label=name)
        scaled = timeline.ready_curve(
            [c.get("scaled_at_s") for c in (run.get("scale") or {}).get("per_cluster", ())]
        )
        if scaled:
            xs, ys = zip(*scaled, strict=True)
            ready_ax.step(xs, ys, where="post", linestyle=style, label=f"{name}: scaled to 4")
        for series, label in (("api_reads", "reads"), ("api_writes", "writes")):
            _line(api_ax, timeline.rates_per_minute(points, series), style, f"{name} {label}")
        _line(pd_ax, timeline.rates_per_minute(points, "pd_requests"), style, name)
        if i == 0:
            for phase in run.get("phases", ()):
                for ax in (ready_ax, api_ax, pd_ax):
                    ax.axvspan(
                        phase["start_s"],
                        phase["end_s"],
                        color=PHASE_COLOURS.get(phase["name"], "#eeeeee"),
                        alpha=0.6,
                        label=phase["name"] if ax is ready_ax else None,
                    )
    n = runs[0]["ready"]["clusters"] if runs else 0
    ready_ax.set_ylabel("clusters Ready")
    ready_ax.set_title(f"{n} clusters of 3 PD + 3 TiKV, PD simulated")
    api_ax.set_ylabel("API requests/min\n(by the operator)")
    pd_ax.set_ylabel("PD requests/min\n(all clusters)")
    pd_ax.set_xlabel("seconds since the fleet was applied (phases of the first run shaded)")
    for ax in (ready_ax, api_ax, pd_ax):
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small", loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _line(ax: Any, rates: Sequence[tuple[float, float]], style: str, label: str) -> None:
    if rates:
        xs, ys = zip(*rates, strict=True)
        ax.plot(xs, ys, linestyle=style, label=label)
