"""The queries of the committed dashboards and rules, as Prometheus is asked them: every
panel target with the dashboard variables replaced the way Grafana replaces them, and every
alert expression. The e2e monitoring test and the preview evaluate these."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hack.monitoring.generated import DASHBOARD_DIR, RULES_FILE

_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")
OPERATOR_METRIC_PREFIXES = (
    "controller_runtime_",
    "workqueue_",
    "leader_election_",
    "rest_client_",
    "tikv_operator_",
)
"""The operator's metric names start with one of these (controller-runtime, client-go and
its own); anything else in a query is a function, keyword or label."""
_SELECTOR = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?")
_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")


@dataclass(frozen=True)
class PanelQuery:
    dashboard: str
    """The dashboard's uid."""
    panel_id: int
    panel: str
    """The panel's title."""
    panel_type: str
    ref: str
    expr: str
    legend: str
    instant: bool


def substitute(expr: str, values: Mapping[str, str]) -> str:
    """`expr` with `$name` and `${name}` replaced by `values[name]`; an unknown variable is an
    error, so a query cannot reach Prometheus with a `$` left in it."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name not in values:
            raise KeyError(f"no value for ${name} in {expr!r}")
        return values[name]

    return _VARIABLE.sub(one, expr)


def selectors(expr: str) -> list[tuple[str, set[str]]]:
    """The operator metrics a PromQL expression selects, each with the label names its
    matchers use (a strict, simple reading: enough for the queries written here)."""
    out = []
    for match in _SELECTOR.finditer(expr):
        name, matchers = match.group(1), match.group(2) or ""
        if name.startswith(OPERATOR_METRIC_PREFIXES):
            out.append((name, set(_MATCHER.findall(matchers))))
    return out


def grafana_regex_escape(value: str) -> str:
    """A variable value as Grafana's Prometheus data source puts it into a query for a
    variable with All: regex metacharacters escaped with a backslash, itself escaped for the
    PromQL string (`a.b` → `a\\.b`)."""
    value = value.replace("\\", "\\\\\\\\")
    return re.sub(r"[$^*{}\[\]'+?.()|]", lambda m: "\\\\" + m.group(0), value)


def grafana_values(namespace: str, cluster: str, rate_interval: str, range_: str) -> dict[str, str]:
    """What Grafana puts in for the variables these dashboards use, for one cluster."""
    return {
        "namespace": grafana_regex_escape(namespace),
        "cluster": grafana_regex_escape(cluster),
        "__rate_interval": rate_interval,
        "__range": range_,
        "__interval": rate_interval,
    }


def load_dashboards(directory: Path = DASHBOARD_DIR) -> dict[str, dict[str, Any]]:
    """uid → the committed dashboard."""
    boards = (json.loads(p.read_text()) for p in sorted(directory.glob("*.json")))
    return {b["uid"]: b for b in boards}


def _panels(board: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for panel in board.get("panels") or ():
        yield panel
        yield from panel.get("panels") or ()  # a collapsed row holds its panels


def panel_queries(boards: Mapping[str, Mapping[str, Any]] | None = None) -> list[PanelQuery]:
    """Every target of every panel of the committed dashboards, in panel order."""
    out = []
    for uid, board in (boards if boards is not None else load_dashboards()).items():
        for panel in _panels(board):
            for target in panel.get("targets") or ():
                out.append(
                    PanelQuery(
                        dashboard=uid,
                        panel_id=int(panel.get("id") or 0),
                        panel=str(panel.get("title")),
                        panel_type=str(panel.get("type")),
                        ref=str(target.get("refId")),
                        expr=str(target["expr"]),
                        legend=str(target.get("legendFormat") or ""),
                        instant=bool(target.get("instant")),
                    )
                )
    return out


def variable_queries(boards: Mapping[str, Mapping[str, Any]] | None = None) -> list[str]:
    """The PromQL inside the dashboards' `label_values(...)` variable queries."""
    out = []
    for board in (boards if boards is not None else load_dashboards()).values():
        for variable in (board.get("templating") or {}).get("list") or ():
            query = variable.get("query")
            if variable.get("type") == "query" and isinstance(query, str):
                match = re.fullmatch(r"label_values\((.*),\s*\w+\)", query)
                assert match is not None, f"unexpected variable query {query!r}"
                out.append(match.group(1))
    return out


def alert_rules(path: Path = RULES_FILE) -> list[dict[str, Any]]:
    """Every rule of the committed plain rules file."""
    data = yaml.safe_load(path.read_text())
    return [r for group in data["groups"] for r in group["rules"]]
