"""The committed dashboards and rules are what the code builds, use only metrics and labels
the operator exports, and link every alert to a runbook."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import Counter, Gauge, Histogram

from controllers.common.group_metrics import GroupHealth
from controllers.common.instance_metrics import InstanceHealth
from hack.monitoring import rules
from hack.monitoring.generated import MONITORING, REPO, generated_files
from hack.monitoring.queries import (
    alert_rules,
    grafana_values,
    load_dashboards,
    panel_queries,
    selectors,
    substitute,
    variable_queries,
)
from tests.unit.kustomize import kustomize, needs_kubectl
from tikv_operator import metrics
from tikv_operator.kube.cache import Store
from tikv_operator.pdapi.poller import Pollers
from tikv_operator.pdapi.snapshot_metrics import PDSnapshotFreshness

RUNBOOKS = REPO / "docs" / "runbooks.md"
VALUES = grafana_values("ns", "basic", "1m", "1h")
_SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "counter": ("_total",)}


def exported() -> dict[str, set[str]]:
    """Every series name the operator exports → its label names: the metrics objects of
    `tikv_operator.metrics` (declared, whether or not they have a sample yet) and the
    families the scrape-time collectors describe."""
    out: dict[str, set[str]] = {}
    for collector in (
        InstanceHealth(Store(), Store()),
        GroupHealth(Store(), Store(), Store()),
        PDSnapshotFreshness(Pollers()),
    ):
        for family in collector.describe():
            out[family.name] = set(family._labelnames)  # type: ignore[attr-defined]
    for name in dir(metrics):
        metric = getattr(metrics, name)
        if not isinstance(metric, Counter | Gauge | Histogram):
            continue
        labels = set(metric._labelnames)
        for suffix in _SUFFIXES.get(metric._type, ("",)):
            out[metric._name + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
    return out


METRICS = exported()
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)")


def check_expression(expr: str) -> None:
    refs = selectors(expr)
    assert refs, f"no operator metric in {expr!r}"
    for name, matched in refs:
        assert name in METRICS, f"{name} is not exported (in {expr!r})"
        assert matched <= METRICS[name], f"{name} has no label {matched - METRICS[name]}"
    known = set().union(*(METRICS[name] for name, _ in refs))
    for grouping in _GROUPING.findall(expr):
        labels = {g.strip() for g in grouping.split(",") if g.strip()}
        assert labels <= known, f"{expr!r} groups by {labels - known}, which no metric has"


@pytest.mark.parametrize("path", sorted(generated_files()), ids=lambda p: p.name)
def test_committed_file_is_what_make_dashboards_generates(path: Path) -> None:
    assert path.exists(), f"{path} is missing: run `make dashboards`"
    assert path.read_text() == generated_files()[path], f"{path} is stale: run `make dashboards`"


def test_each_dashboard_has_the_datasource_namespace_and_cluster_variables() -> None:
    for uid, board in load_dashboards().items():
        names = [v["name"] for v in board["templating"]["list"]]
        assert names == ["datasource", "namespace", "cluster"], uid


def test_every_panel_and_query_reads_from_the_chosen_datasource() -> None:
    for board in load_dashboards().values():
        for panel in board["panels"]:
            if panel["type"] == "row":
                continue
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == "${datasource}"


def test_panel_ids_are_unique_per_dashboard() -> None:
    for board in load_dashboards().values():
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids))


@pytest.mark.parametrize("query", panel_queries(), ids=lambda q: f"{q.dashboard}:{q.panel}:{q.ref}")
def test_every_panel_query_uses_exported_metrics_and_labels(query: Any) -> None:
    check_expression(substitute(query.expr, VALUES))


def test_the_variable_queries_use_exported_metrics_and_labels() -> None:
    for expr in variable_queries():
        check_expression(substitute(expr, VALUES))


def test_a_variable_with_no_value_is_an_error_not_a_dollar_sent_to_prometheus() -> None:
    with pytest.raises(KeyError, match="unknown"):
        substitute("up{x=~'$unknown'}", VALUES)


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: r["alert"])
def test_every_alert_uses_exported_metrics_and_labels(rule: dict[str, Any]) -> None:
    check_expression(rule["expr"])


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, spaces to dashes, punctuation dropped."""
    headings = re.findall(r"^#+\s+(.+?)\s*$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: r["alert"])
def test_every_alert_links_to_its_runbook(rule: dict[str, Any]) -> None:
    url = rule["annotations"]["runbook_url"]
    base, _, anchor = url.partition("#")
    assert base == rules.RUNBOOK_BASE
    assert anchor in _anchors(RUNBOOKS.read_text()), f"docs/runbooks.md has no #{anchor}"
    assert rule["labels"]["severity"] in ("warning", "critical")
    assert rule["annotations"]["summary"] and rule["annotations"]["description"]


def test_the_prometheus_rule_holds_the_same_groups_as_the_plain_rules_file() -> None:
    plain = yaml.safe_load((MONITORING / "rules" / "tikv-operator.rules.yaml").read_text())
    custom = yaml.safe_load((MONITORING / "prometheusrule.yaml").read_text())
    assert custom["kind"] == "PrometheusRule"
    assert custom["spec"] == plain


def test_the_runbook_base_can_point_at_published_docs() -> None:
    text = rules.rules_file("https://example.org/runbooks.html")
    assert "runbook_url: https://example.org/runbooks.html#tikvinstanceabnormal" in text


@needs_kubectl
def test_monitoring_kustomization_ships_the_dashboards_to_grafanas_sidecar() -> None:
    objects = kustomize(MONITORING)
    maps = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ConfigMap"}
    assert set(maps) == {"tikv-operator-dashboard", "tikv-clusters-dashboard"}
    for config_map in maps.values():
        assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
        ((name, text),) = config_map["data"].items()
        assert text == (MONITORING / "dashboards" / name).read_text()
    kinds = sorted(o["kind"] for o in objects)
    assert kinds == ["ConfigMap", "ConfigMap", "PrometheusRule", "ServiceMonitor"]


@needs_kubectl
def test_the_service_monitor_selects_the_operators_metrics_service() -> None:
    monitor = next(o for o in kustomize(MONITORING) if o["kind"] == "ServiceMonitor")
    service = next(o for o in kustomize(REPO / "manifests" / "default") if o["kind"] == "Service")
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert selector.items() <= service["metadata"]["labels"].items()
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == service["spec"]["ports"][0]["name"] == "metrics"
    assert endpoint["honorLabels"] is True


@needs_kubectl
def test_the_scrape_annotation_component_annotates_the_metrics_service(tmp_path: Path) -> None:
    # kustomize takes only relative paths to other kustomizations.
    manifests = Path(os.path.relpath(REPO, tmp_path))
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "resources": [str(manifests / "manifests" / "default")],
                "components": [str(manifests / "manifests" / "monitoring" / "scrape-annotations")],
            }
        )
    )
    service = next(o for o in kustomize(tmp_path) if o["kind"] == "Service")
    assert service["metadata"]["annotations"] == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "8080",
        "prometheus.io/path": "/metrics",
    }


def test_variable_values_are_escaped_as_grafana_escapes_them_for_a_regex() -> None:
    values = grafana_values("team.a", "basic-1", "1m", "1h")
    assert substitute('{namespace=~"$namespace", cluster=~"$cluster"}', values) == (
        '{namespace=~"team\\\\.a", cluster=~"basic-1"}'
    )
