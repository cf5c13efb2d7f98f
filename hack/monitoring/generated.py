"""The generated monitoring files and where they are committed."""

from __future__ import annotations

from pathlib import Path

from hack.monitoring import dashboards, rules

REPO = Path(__file__).resolve().parents[2]
MONITORING = REPO / "manifests" / "monitoring"
DASHBOARD_DIR = MONITORING / "dashboards"
RULES_FILE = MONITORING / "rules" / "tikv-operator.rules.yaml"
PROMETHEUS_RULE = MONITORING / "prometheusrule.yaml"


def generated_files(runbook_base: str = rules.RUNBOOK_BASE) -> dict[Path, str]:
    out = {
        DASHBOARD_DIR / name: dashboards.render(build)
        for name, build in dashboards.DASHBOARDS.items()
    }
    out[RULES_FILE] = rules.rules_file(runbook_base)
    out[PROMETHEUS_RULE] = rules.prometheus_rule(runbook_base)
    return out
