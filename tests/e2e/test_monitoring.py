"""The dashboards and alert rules against a real Prometheus (Debian's 2.42 build, on
127.0.0.1) scraping the operator every second during the failover scenario: a store fails
and gets its replacement, a second one fails with the failover budget spent, so the group
is Blocked. Then every dashboard panel query (with the dashboard variables put in as Grafana
would) returns series, every alert expression evaluates, the alerts that scenario should
raise do, and a preview of the key panels is drawn from Prometheus's answers."""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from hack.monitoring import rules
from hack.monitoring.generated import RULES_FILE
from hack.monitoring.preview import collect, render
from hack.monitoring.prometheus import Prometheus, binaries, check_rules, run_rule_tests
from hack.monitoring.queries import (
    alert_rules,
    grafana_values,
    panel_queries,
    selectors,
    substitute,
    variable_queries,
)
from tikv_operator.kube import resources

from .harness import CLUSTER, E2E, condition, eventually, until
from .test_failover import FAILOVER, fail_store, failover_records

RULE_TESTS = Path(__file__).with_name("alert_rules_test.yaml")
HOLD = 15.0
PREVIEW = "TIKV_OPERATOR_PREVIEW"
"""Where to write the preview PNG (`make monitoring-preview` sets docs/); default tmp."""


@pytest.fixture
def operator_args() -> tuple[str, ...]:
    # Leader election on, as deployed: the leader panel and alerts read its metric.
    return ("--leader-elect",)


@pytest.fixture
def prometheus_bin() -> tuple[Path, Path]:
    try:
        return binaries()
    except FileNotFoundError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture
def prometheus(e2e: E2E, prometheus_bin: tuple[Path, Path], tmp_path: Path) -> Iterator[Prometheus]:
    target = f"127.0.0.1:{e2e.operator.metrics_port}"
    server = Prometheus.start(prometheus_bin[0], tmp_path / "prometheus", [target], [RULES_FILE])
    try:
        yield server
    finally:
        server.stop()


def test_promtool_accepts_the_alert_rules(prometheus_bin: tuple[Path, Path]) -> None:
    result = check_rules(prometheus_bin[1], RULES_FILE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules.ALERTS)} rules found" in result.stdout


def rendered(template: str, labels: dict[str, str]) -> str:
    """An annotation as Prometheus renders it; ours use only `{{ $labels.NAME }}`."""
    return re.sub(r"\{\{\s*\$labels\.(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), template)


def test_the_alerts_fire_when_and_as_promtool_unit_tests_expect(
    prometheus_bin: tuple[Path, Path], tmp_path: Path
) -> None:
    cases = yaml.safe_load(RULE_TESTS.read_text())
    annotations = {r["alert"]: r["annotations"] for r in alert_rules()}
    for case in cases["tests"]:
        for check in case.get("alert_rule_test") or ():
            for alert in check.get("exp_alerts") or ():
                alert.setdefault(
                    "exp_annotations",
                    {
                        key: rendered(template, alert["exp_labels"])
                        for key, template in annotations[check["alertname"]].items()
                    },
                )
    cases["rule_files"] = [str(RULES_FILE)]
    completed = tmp_path / RULE_TESTS.name
    completed.write_text(yaml.safe_dump(cases))
    result = run_rule_tests(prometheus_bin[1], completed)
    assert result.returncode == 0, result.stdout + result.stderr


async def run_failover_scenario(e2e: E2E) -> tuple[str, str]:
    """A store fails and is replaced; a second one fails past maxFailoverCount (1)."""
    e2e.apply_basic({"failover": FAILOVER})
    await e2e.wait_ready()
    first, second, _ = await e2e.names(resources.TIKV)
    await fail_store(e2e, first)

    async def replaced() -> bool:
        records = await failover_records(e2e)
        return bool(records) and records[0]["step"] == "ReplacementUp"

    async def blocked() -> bool:
        c = condition(await e2e.get(resources.TIKVGROUP), "Blocked")
        return bool(c and c["status"] == "True" and c["reason"] == "MaxFailoverCount")

    try:
        await eventually(replaced, "a replacement Up", 150)
        await fail_store(e2e, second)
        await eventually(blocked, "Blocked=MaxFailoverCount", 120)
    except AssertionError as e:
        raise AssertionError(f"{e}\n{e2e.diagnostics()}") from None
    return first, second


def series_names(result: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [r["metric"] for r in result]


@pytest.mark.e2e
async def test_every_panel_and_alert_answers_from_a_real_prometheus_during_a_failover(
    e2e: E2E, prometheus: Prometheus, tmp_path: Path
) -> None:
    start = time.time()
    first, second = await run_failover_scenario(e2e)
    ns = e2e.namespace
    # Prometheus has scraped the end state (it scrapes every second).
    end_state = f'tikv_operator_group_blocked{{namespace="{ns}", reason="MaxFailoverCount"}} == 1'
    await until(lambda: prometheus.query(end_state) or None, "the Blocked group scraped", 30)
    # Held a while, so that the preview shows the end state and not only its first sample.
    await asyncio.sleep(HOLD)
    assert prometheus.targets_up()
    end = time.time()
    values = grafana_values(ns, CLUSTER, "1m", f"{math.ceil(end - start)}s")

    # Every panel of both dashboards shows data for this cluster.
    empty = [
        f"{q.dashboard} / {q.panel} ({q.ref}): {substitute(q.expr, values)}"
        for q in panel_queries()
        if not prometheus.query(substitute(q.expr, values))
    ]
    assert not empty, "panels without data:\n" + "\n".join(empty)
    for expr in variable_queries():
        found = series_names(prometheus.query(substitute(expr, values)))
        assert {"namespace": ns, "cluster": CLUSTER}.items() <= found[0].items(), found

    # Every alert expression parses and evaluates; every metric it reads is scraped; the
    # alerts this scenario raises return series naming what failed.
    firing = {a.name for a in rules.ALERTS if a.fires_in_failover}
    tls_only = {a.name for a in rules.ALERTS if a.tls_only}
    for rule in alert_rules():
        result = prometheus.query(rule["expr"])
        for name, _ in selectors(rule["expr"]):
            scraped = prometheus.query(f"count({name})")
            assert scraped or rule["alert"] in tls_only, f"{name} ({rule['alert']}) not scraped"
        if rule["alert"] in firing:
            assert result, f"{rule['alert']} returns nothing: {rule['expr']}"
            assert all(s["namespace"] == ns for s in series_names(result))
    abnormal = series_names(prometheus.query(rules.ALERTS[0].expr))
    assert {(s["instance"], s["condition"]) for s in abnormal} >= {
        (first, "Ready"),
        (second, "Ready"),
    }

    # Prometheus loaded the rules file and evaluates every rule cleanly; what has no `for`
    # fires at once, the rest is pending.
    loaded = prometheus.rules()
    assert sorted(r["name"] for r in loaded) == sorted(a.name for a in rules.ALERTS)
    assert all(r["health"] == "ok" for r in loaded), [r for r in loaded if r["health"] != "ok"]

    async def raised() -> dict[str, str] | None:
        states = {a["labels"]["alertname"]: a["state"] for a in prometheus.alerts()}
        return states if firing <= states.keys() else None

    states = await eventually(raised, f"alerts {sorted(firing)} raised", 30)
    assert states["TiKVFailoverHappened"] == "firing"
    assert states["TiKVInstanceAbnormal"] == "pending"
    assert states["TiKVGroupBlocked"] == "pending"

    # The preview of the key panels, from Prometheus's answers.
    results = collect(prometheus, values, start, end)
    assert all(panel["series"] for panel in results["panels"])
    out = Path(os.environ.get(PREVIEW) or tmp_path / "monitoring-preview.png")
    (tmp_path / "monitoring-preview.json").write_text(json.dumps(results))
    assert render(results, out).stat().st_size > 0
