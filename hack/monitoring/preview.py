"""A preview of the dashboards' key panels, drawn with matplotlib from a real Prometheus's
answers to the committed panel queries (Grafana itself cannot be installed here, so this is
the next best picture of what a person would see).

`collect` asks Prometheus (a range query per panel target, over a scenario's run) and gives
plain JSON; `render` draws it. The e2e monitoring test does both (into its tmp folder, or
to docs/monitoring-preview.png under `make monitoring-preview`);
`python -m hack.monitoring.preview RESULTS.json OUT.png` draws saved results again.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hack.monitoring.dashboards import CLUSTERS_UID, OPERATOR_UID
from hack.monitoring.prometheus import Prometheus
from hack.monitoring.queries import load_dashboards, substitute

KEY_PANELS = (
    (CLUSTERS_UID, "Group replicas: ready vs desired"),
    (CLUSTERS_UID, "Abnormal instances"),
    (CLUSTERS_UID, "Store states"),
    (CLUSTERS_UID, "Blocked groups"),
    (CLUSTERS_UID, "Failover records"),
    (CLUSTERS_UID, "Operator's view of PD"),
    (OPERATOR_UID, "Reconciles by result"),
    (OPERATOR_UID, "API requests by code"),
    (OPERATOR_UID, "PD requests"),
)
"""(dashboard uid, panel title) of the panels drawn, in reading order (three a row)."""

_LEGEND_LABEL = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def legend(template: str, labels: Mapping[str, str]) -> str:
    """Grafana's legend format: `{{label}}` replaced by the series' label value."""
    if template in ("", "__auto"):
        return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "__name__")
    return _LEGEND_LABEL.sub(lambda m: labels.get(m.group(1), ""), template).strip()


def _panel(board: Mapping[str, Any], title: str) -> Mapping[str, Any]:
    for panel in board["panels"]:
        if panel.get("title") == title:
            return dict(panel)
    raise KeyError(f"dashboard {board['uid']} has no panel {title!r}")


def _value_texts(panel: Mapping[str, Any]) -> dict[float, str]:
    texts = {}
    for mapping in panel.get("fieldConfig", {}).get("defaults", {}).get("mappings") or ():
        for value, result in (mapping.get("options") or {}).items():
            texts[float(value)] = str(result.get("text"))
    return texts


def collect(
    prometheus: Prometheus,
    values: Mapping[str, str],
    start: float,
    end: float,
    step: float = 2.0,
) -> dict[str, Any]:
    """The key panels' series over [start, end], as JSON-ready data."""
    boards = load_dashboards()
    panels = []
    for uid, title in KEY_PANELS:
        panel = _panel(boards[uid], title)
        series = []
        for target in panel["targets"]:
            expr = substitute(target["expr"], values)
            for s in prometheus.query_range(expr, start, end, step):
                series.append(
                    {
                        "legend": legend(target.get("legendFormat") or "", s["metric"]),
                        "points": [[float(t) - start, float(v)] for t, v in s["values"]],
                    }
                )
        panels.append(
            {
                "dashboard": boards[uid]["title"],
                "title": title,
                "unit": panel.get("fieldConfig", {}).get("defaults", {}).get("unit", ""),
                "values": {str(k): v for k, v in _value_texts(panel).items()},
                "series": series,
            }
        )
    return {"seconds": end - start, "panels": panels}


def render(results: Mapping[str, Any], out: Path) -> Path:
    """Draw the panels three a row into a PNG at `out`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels: Sequence[Mapping[str, Any]] = results["panels"]
    rows = (len(panels) + 2) // 3
    fig, axes = plt.subplots(rows, 3, figsize=(18, 4.6 * rows), squeeze=False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        _draw(ax, panel)
        ax.set_xlim(0, results["seconds"])
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    fig.suptitle(
        "tikv-operator dashboards, drawn from a real Prometheus during the e2e failover "
        f"scenario ({results['seconds'] / 60:.0f} min; series that stay at 0 left out)",
        fontsize=13,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=80)
    plt.close(fig)
    return out


def _draw(ax: Any, panel: Mapping[str, Any]) -> None:
    ax.set_title(f"{panel['dashboard']} / {panel['title']}", fontsize=10, loc="left")
    ax.set_xlabel("seconds into the scenario", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(True, alpha=0.3)
    unit = {"percentunit": "ratio", "none": ""}.get(panel["unit"], panel["unit"])
    if unit:
        ax.set_ylabel(unit, fontsize=8)
    drawn = 0
    for s in panel["series"]:
        points = [(t, v) for t, v in s["points"] if v == v]  # NaN: no data at that step
        if not points or all(v == 0 for _, v in points):
            continue
        ts, vs = zip(*points, strict=True)
        ax.step(ts, vs, where="post", label=s["legend"], linewidth=1.2)
        drawn += 1
    texts = {float(k): v for k, v in panel["values"].items()}
    if texts:
        ax.set_yticks(sorted(texts), [texts[k] for k in sorted(texts)])
        ax.set_ylim(-0.1, 1.1)
    if drawn:
        ax.legend(fontsize=7, loc="upper left", ncol=2 if drawn > 6 else 1, framealpha=0.7)
    else:
        ax.text(0.5, 0.5, "all series 0", ha="center", va="center", transform=ax.transAxes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hack.monitoring.preview", description=__doc__)
    parser.add_argument("results", type=Path, help="JSON saved by the e2e monitoring test")
    parser.add_argument("out", type=Path, help="PNG to write")
    args = parser.parse_args(argv)
    print(render(json.loads(args.results.read_text()), args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
