"""The fleet bench's PNG: Ready clusters over time, and the operator's API requests and the
PD requests per minute, for one run or for ours beside tidb-operator v2 (one column each).

Time is seconds since the fleet was applied; the shaded spans are the bench's phases
(convergence, steady window, operator restart, scale 3 -> 4), so a rise in requests can be
read against what the bench was doing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.bench import timeline

PHASE_COLOURS = {
    "converge": "#eeeeee",
    "steady": "#d0e8d0",
    "restart": "#f4d8b0",
    "scale": "#d0d8f4",
}


def render(runs: Sequence[Mapping[str, Any]], path: Path) -> None:
    """One column per run's result (each with `subject`, `ready`, `timeline`, `phases`),
    rows sharing their scale so two operators read side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, len(runs), figsize=(7 * len(runs), 10), sharey="row", squeeze=False)
    for col, run in enumerate(runs):
        ready_ax, api_ax, pd_ax = axes[0][col], axes[1][col], axes[2][col]
        points = timeline.from_json(run.get("timeline", ()))
        ready = timeline.ready_curve([c.get("ready_at_s") for c in run["ready"]["per_cluster"]])
        by = "Clusters Ready" if run["ready"].get("by") == "cluster" else "both groups Ready"
        _steps(ready_ax, ready, f"{by} (from apply)")
        scale = run.get("scale") or {}
        scaled = timeline.ready_curve([c.get("scaled_at_s") for c in scale.get("per_cluster", ())])
        _steps(ready_ax, scaled, "TiKVGroup Ready at 4 (from the scale patch)")
        _line(api_ax, timeline.rates_per_minute(points, "api_reads"), "reads")
        _line(api_ax, timeline.rates_per_minute(points, "api_writes"), "writes")
        _line(pd_ax, timeline.rates_per_minute(points, "pd_requests"), "all clusters")
        for phase in run.get("phases", ()):
            for ax in (ready_ax, api_ax, pd_ax):
                ax.axvspan(
                    phase["start_s"],
                    phase["end_s"],
                    color=PHASE_COLOURS.get(phase["name"], "#eeeeee"),
                    alpha=0.7,
                    label=phase["name"] if ax is pd_ax else None,
                )
        n = run["ready"]["clusters"]
        ready_ax.set_title(f"{run['subject']}: {n} clusters of 3 PD + 3 TiKV, PD simulated")
        pd_ax.set_xlabel("seconds since the fleet was applied")
        for ax in (ready_ax, api_ax, pd_ax):
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize="small", loc="upper right")
    axes[0][0].set_ylabel("clusters")
    axes[1][0].set_ylabel("API requests/min\n(by the operator)")
    axes[2][0].set_ylabel("PD requests/min")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _steps(ax: Any, curve: Sequence[tuple[float, int]], label: str) -> None:
    if curve:
        xs, ys = zip(*curve, strict=True)
        ax.step([xs[0], *xs], [0, *ys], where="post", label=label)


def _line(ax: Any, rates: Sequence[tuple[float, float]], label: str) -> None:
    if rates:
        xs, ys = zip(*rates, strict=True)
        ax.plot(xs, ys, label=label)
