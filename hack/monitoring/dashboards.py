"""The Grafana dashboards, built with grafana-foundation-sdk (Grafana 11.6 schema).

Two dashboards, both with the variables `datasource`, `namespace` and `cluster`:

- **TiKV operator** (`tikv-operator`): how the operator itself is doing — reconciles per
  controller (rate, errors, latency, workers), work queues (depth, adds, retries, wait and
  work time, stuck work), leader election, requests to the API server, and requests to each
  cluster's PD. The controller-runtime and client-go metric names mean the panels read like
  those of any Go operator.
- **TiKV clusters** (`tikv-operator-clusters`): what the operator sees of the clusters —
  Cluster conditions, groups ready vs desired, blocked groups and why, abnormal instances,
  store states, failovers, rolling-update progress, and how fresh the PD view is.

Every query is written for Prometheus; `hack.monitoring.queries` lists them for the tests
that evaluate them against a real one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from grafana_foundation_sdk.builders import common as common_builder
from grafana_foundation_sdk.builders.bargauge import Panel as BarGauge
from grafana_foundation_sdk.builders.dashboard import (
    Dashboard,
    DatasourceVariable,
    QueryVariable,
    Row,
    ThresholdsConfig,
)
from grafana_foundation_sdk.builders.prometheus import Dataquery as PrometheusQuery
from grafana_foundation_sdk.builders.stat import Panel as Stat
from grafana_foundation_sdk.builders.statetimeline import Panel as StateTimeline
from grafana_foundation_sdk.builders.table import Panel as Table
from grafana_foundation_sdk.builders.timeseries import Panel as Timeseries
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as model
from grafana_foundation_sdk.models.common import (
    LegendDisplayMode,
    LegendPlacement,
    StackingMode,
    VisibilityMode,
)
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

DATASOURCE = model.DataSourceRef(type_val="prometheus", uid="${datasource}")
RATE = "$__rate_interval"
CLUSTER = 'namespace=~"$namespace", cluster=~"$cluster"'
"""The selected clusters, for the metrics labelled by namespace and cluster."""
PD_CLUSTER = 'cluster=~"$namespace/$cluster"'
"""The selected clusters, for the PD request metrics (labelled `namespace/name`)."""


def of_clusters(metric: str, *matchers: str) -> str:
    """`metric` of the selected clusters, with more label matchers."""
    return f"{metric}{{{', '.join([CLUSTER, *matchers])}}}"


REPLICAS = "tikv_operator_group_replicas"
UPDATED = 'kind="updated"'
DESIRED = 'kind="desired"'
SHOWN_KINDS = 'kind=~"desired|current|ready"'
NOT_UP = 'state!="Up"'

OPERATOR_UID = "tikv-operator"
CLUSTERS_UID = "tikv-operator-clusters"
TAGS = ["tikv", "tikv-operator"]


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""
    instant: bool = False


def _targets(queries: tuple[Query, ...]) -> list[cogbuilder.Builder[object]]:
    out: list[cogbuilder.Builder[object]] = []
    for i, q in enumerate(queries):
        target = (
            PrometheusQuery()
            .expr(q.expr)
            .legend_format(q.legend or "__auto")
            .ref_id(chr(ord("A") + i))
            .datasource(DATASOURCE)
        )
        if q.instant:
            target = target.instant().format(PromQueryFormat.TABLE)
        out.append(target)
    return out


def _legend() -> common_builder.VizLegendOptions:
    return (
        common_builder.VizLegendOptions()
        .display_mode(LegendDisplayMode.LIST)
        .placement(LegendPlacement.BOTTOM)
        .show_legend(True)
    )


def timeseries(
    title: str,
    description: str,
    unit: str,
    *queries: Query,
    width: int = 12,
    stacked: bool = False,
) -> Timeseries:
    panel = (
        Timeseries()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .min(0)
        .span(width)
        .height(8)
        .legend(_legend())
        .line_width(1)
        .fill_opacity(10)
    )
    if stacked:
        panel = panel.stacking(common_builder.StackingConfig().mode(StackingMode.NORMAL))
    for target in _targets(queries):
        panel = panel.with_target(target)
    return panel


def _steps(*steps: tuple[float | None, str]) -> ThresholdsConfig:
    return (
        ThresholdsConfig()
        .mode(model.ThresholdsMode.ABSOLUTE)
        .steps([model.Threshold(value=v, color=c) for v, c in steps])
    )


def _mapping(texts: dict[str, tuple[str, str]]) -> list[model.ValueMapping]:
    options = {
        value: model.ValueMappingResult(text=text, color=color, index=i)
        for i, (value, (text, color)) in enumerate(texts.items())
    }
    return [model.ValueMap(options=options)]


TRUE_FALSE = _mapping({"1": ("True", "green"), "0": ("False", "red")})
BLOCKED = _mapping({"1": ("Blocked", "red"), "0": ("OK", "green")})
ON_OFF = _mapping({"1": ("Updating", "blue"), "0": ("Settled", "green")})
LEADER = _mapping({"1": ("Leader", "green"), "0": ("Standby", "yellow")})


def state_timeline(
    title: str,
    description: str,
    *queries: Query,
    mappings: list[model.ValueMapping],
    width: int = 12,
) -> StateTimeline:
    panel = (
        StateTimeline()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .span(width)
        .height(8)
        .mappings(mappings)
        .show_value(VisibilityMode.NEVER)
        .legend(_legend())
    )
    for target in _targets(queries):
        panel = panel.with_target(target)
    return panel


def stat(
    title: str,
    description: str,
    *queries: Query,
    unit: str = "none",
    mappings: list[model.ValueMapping] | None = None,
    thresholds: ThresholdsConfig | None = None,
    width: int = 6,
) -> Stat:
    panel = (
        Stat()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .span(width)
        .height(8)
        .thresholds(thresholds or _steps((None, "green")))
    )
    if mappings:
        panel = panel.mappings(mappings)
    for target in _targets(queries):
        panel = panel.with_target(target)
    return panel


def table(title: str, description: str, query: Query, width: int = 12) -> Table:
    panel = (
        Table()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .span(width)
        .height(8)
        .with_transformation(
            model.DataTransformerConfig(
                id_val="organize",
                options={"excludeByName": {"Time": True, "__name__": True}},
            )
        )
    )
    return panel.with_target(_targets((query,))[0])


def bar_gauge(title: str, description: str, query: Query, width: int = 12) -> BarGauge:
    panel = (
        BarGauge()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit("percentunit")
        .min(0)
        .max(1)
        .span(width)
        .height(8)
        .thresholds(_steps((None, "blue"), (1, "green")))
    )
    return panel.with_target(_targets((query,))[0])


def _label_variable(name: str, label: str, selector: str) -> QueryVariable:
    """A variable over the values of label `name` of the clusters the operator reports, with
    All (any value)."""
    return (
        QueryVariable(name)
        .label(label)
        .datasource(DATASOURCE)
        .query(f"label_values(tikv_operator_cluster_condition{selector}, {name})")
        .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
        .include_all(True)
        .all_value(".*")
    )


def _variables(board: Dashboard) -> Dashboard:
    """`datasource`, then `namespace`, then `cluster` within the chosen namespace."""
    return (
        board.with_variable(
            DatasourceVariable("datasource").label("Data source").type("prometheus")
        )
        .with_variable(_label_variable("namespace", "Namespace", ""))
        .with_variable(_label_variable("cluster", "Cluster", '{namespace=~"$namespace"}'))
    )


def _base(title: str, uid: str, description: str) -> Dashboard:
    board = (
        Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(TAGS)
        .time("now-1h", "now")
        .refresh("30s")
        .tooltip(model.DashboardCursorSync.CROSSHAIR)
        .editable()
    )
    return _variables(board)


def _quantile(q: float, metric: str, by: str) -> str:
    return f"histogram_quantile({q}, sum by ({by}, le) (rate({metric}_bucket[{RATE}])))"


def operator_dashboard() -> Dashboard:
    board = _base(
        "TiKV operator",
        OPERATOR_UID,
        "How the tikv-operator itself is doing: reconciles, work queues, leader election, "
        "API server and PD requests.",
    )
    board = (
        board.with_row(Row("Reconciles"))
        .with_panel(
            timeseries(
                "Reconciles by result",
                "Reconciles per second per controller and result (success, error, requeue, "
                "requeue_after).",
                "ops",
                Query(
                    "sum by (controller, result) "
                    f"(rate(controller_runtime_reconcile_total[{RATE}]))",
                    "{{controller}} {{result}}",
                ),
                stacked=True,
            )
        )
        .with_panel(
            timeseries(
                "Reconcile errors",
                "Reconciles per second that ended in an error, per controller; the operator "
                "log says which task failed.",
                "ops",
                Query(
                    "sum by (controller) "
                    f"(rate(controller_runtime_reconcile_errors_total[{RATE}]))",
                    "{{controller}}",
                ),
            )
        )
        .with_panel(
            timeseries(
                "Reconcile latency",
                "50th and 99th percentile of a reconcile's duration, per controller.",
                "s",
                Query(
                    _quantile(0.5, "controller_runtime_reconcile_time_seconds", "controller"),
                    "p50 {{controller}}",
                ),
                Query(
                    _quantile(0.99, "controller_runtime_reconcile_time_seconds", "controller"),
                    "p99 {{controller}}",
                ),
            )
        )
        .with_panel(
            timeseries(
                "Workers busy",
                "Workers reconciling right now per controller, against the maximum "
                "(--max-concurrent-reconciles).",
                "none",
                Query(
                    "sum by (controller) (controller_runtime_active_workers)",
                    "active {{controller}}",
                ),
                Query(
                    "sum by (controller) (controller_runtime_max_concurrent_reconciles)",
                    "max {{controller}}",
                ),
            )
        )
    )
    board = (
        board.with_row(Row("Work queues"))
        .with_panel(
            timeseries(
                "Queue depth",
                "Keys waiting for a worker, per controller queue.",
                "none",
                Query("sum by (name) (workqueue_depth)", "{{name}}"),
                width=8,
            )
        )
        .with_panel(
            timeseries(
                "Adds and retries",
                "Keys added per second, and retries (a failed reconcile requeued with "
                "backoff) per second, per queue.",
                "ops",
                Query(f"sum by (name) (rate(workqueue_adds_total[{RATE}]))", "adds {{name}}"),
                Query(f"sum by (name) (rate(workqueue_retries_total[{RATE}]))", "retries {{name}}"),
                width=8,
            )
        )
        .with_panel(
            timeseries(
                "Unfinished work",
                "Seconds of work in progress not yet done, and the longest-running "
                "reconcile; a line that only grows is a stuck reconcile.",
                "s",
                Query("sum by (name) (workqueue_unfinished_work_seconds)", "unfinished {{name}}"),
                Query(
                    "max by (name) (workqueue_longest_running_processor_seconds)",
                    "longest {{name}}",
                ),
                width=8,
            )
        )
        .with_panel(
            timeseries(
                "Time in queue (p99)",
                "99th percentile of how long a key waits before a worker takes it.",
                "s",
                Query(_quantile(0.99, "workqueue_queue_duration_seconds", "name"), "{{name}}"),
            )
        )
        .with_panel(
            timeseries(
                "Work time (p99)",
                "99th percentile of how long processing a key takes.",
                "s",
                Query(_quantile(0.99, "workqueue_work_duration_seconds", "name"), "{{name}}"),
            )
        )
    )
    board = (
        board.with_row(Row("Leader election and API server"))
        .with_panel(
            stat(
                "Leader",
                "1 on the replica holding the leader Lease. Exactly one replica should lead; "
                "only the leader reconciles.",
                Query("max by (name) (leader_election_master_status)", "{{name}}"),
                mappings=LEADER,
                thresholds=_steps((None, "yellow"), (1, "green")),
                width=4,
            )
        )
        .with_panel(
            timeseries(
                "API requests by code",
                "Requests per second to the Kubernetes API server by HTTP status code and "
                "method; 409 are optimistic-concurrency conflicts, 429 throttling.",
                "reqps",
                Query(
                    f"sum by (code, method) (rate(rest_client_requests_total[{RATE}]))",
                    "{{method}} {{code}}",
                ),
                width=10,
            )
        )
        .with_panel(
            timeseries(
                "API request latency (p99)",
                "99th percentile of API server request latency, per verb.",
                "s",
                Query(_quantile(0.99, "rest_client_request_duration_seconds", "verb"), "{{verb}}"),
                width=10,
            )
        )
    )
    pd_requests = f"tikv_operator_pd_requests_total{{{PD_CLUSTER}}}"
    pd_errors = f'tikv_operator_pd_requests_total{{{PD_CLUSTER}, code!~"2.."}}'
    board = (
        board.with_row(Row("PD"))
        .with_panel(
            timeseries(
                "PD requests",
                "Requests per second to each cluster's PD HTTP API, per API call.",
                "reqps",
                Query(
                    f"sum by (cluster, api) (rate({pd_requests}[{RATE}]))",
                    "{{cluster}} {{api}}",
                ),
                width=8,
            )
        )
        .with_panel(
            timeseries(
                "PD error ratio",
                "Share of PD requests per cluster that failed (no answer, or a status other "
                "than 2xx); 0 when none did.",
                "percentunit",
                Query(
                    f"(sum by (cluster) (rate({pd_errors}[{RATE}]))"
                    f" or sum by (cluster) (rate({pd_requests}[{RATE}])) * 0)"
                    f" / sum by (cluster) (rate({pd_requests}[{RATE}]))",
                    "{{cluster}}",
                ),
                width=8,
            )
        )
        .with_panel(
            timeseries(
                "PD latency (p99)",
                "99th percentile of PD request latency per API call, over every cluster the "
                "operator runs (latency is not kept per cluster, so that /metrics stays small "
                "for a fleet; the error ratio beside it is per cluster).",
                "s",
                Query(
                    "histogram_quantile(0.99, sum by (api, le) (rate("
                    f"tikv_operator_pd_request_duration_seconds_bucket[{RATE}])))",
                    "{{api}}",
                ),
                width=8,
            )
        )
    )
    return board


def clusters_dashboard() -> Dashboard:
    board = _base(
        "TiKV clusters",
        CLUSTERS_UID,
        "The TiKV clusters the operator runs: conditions, groups, instances and stores, "
        "failovers, rolling updates, and the operator's view of PD.",
    )
    board = (
        board.with_row(Row("Clusters and groups"))
        .with_panel(
            state_timeline(
                "Cluster conditions",
                "Available: PD has a leader and enough stores are Up. Ready: every group is "
                "Ready. Blocked: the safety brake or deletion protection holds the cluster.",
                Query(
                    f"max by (cluster, condition) (tikv_operator_cluster_condition{{{CLUSTER}}})",
                    "{{cluster}} {{condition}}",
                ),
                mappings=TRUE_FALSE,
            )
        )
        .with_panel(
            timeseries(
                "Group replicas: ready vs desired",
                "Instances per group the spec asks for (desired), that exist (current) and "
                "that are Ready. Ready below desired for long: see Blocked and the instances.",
                "none",
                Query(
                    f"max by (cluster, group, kind) ({of_clusters(REPLICAS, SHOWN_KINDS)})",
                    "{{cluster}}/{{group}} {{kind}}",
                ),
            )
        )
        .with_panel(
            state_timeline(
                "Blocked groups",
                "A group's Blocked condition, with its reason: a change the operator holds "
                "back because it is unsafe now (e.g. MaxReplicas, MaxFailoverCount, "
                "PDNotUpgraded). The group's condition message says what would unblock it.",
                Query(
                    f"max by (cluster, group, reason) (tikv_operator_group_blocked{{{CLUSTER}}})",
                    "{{cluster}}/{{group}} {{reason}}",
                ),
                Query(
                    f"max by (cluster, reason) (tikv_operator_cluster_blocked{{{CLUSTER}}})",
                    "{{cluster}} (cluster) {{reason}}",
                ),
                mappings=BLOCKED,
            )
        )
        .with_panel(
            table(
                "Blocked now",
                "Groups and Clusters blocked at this moment, with the reason.",
                Query(
                    f"max by (namespace, cluster, group, reason) "
                    f"(tikv_operator_group_blocked{{{CLUSTER}}} == 1)"
                    f" or max by (namespace, cluster, reason) "
                    f"(tikv_operator_cluster_blocked{{{CLUSTER}}} == 1)",
                    instant=True,
                ),
            )
        )
    )
    abnormal = f"tikv_operator_instance_abnormal{{{CLUSTER}}}"
    store_state = f"tikv_operator_store_state{{{CLUSTER}}}"
    board = (
        board.with_row(Row("Instances and stores"))
        .with_panel(
            timeseries(
                "Abnormal instances",
                "Instances whose Ready or Synced condition is not True, per component and "
                "condition.",
                "none",
                Query(
                    f"sum by (cluster, component, condition) ({abnormal})",
                    "{{cluster}} {{component}} not {{condition}}",
                ),
                width=8,
            )
        )
        .with_panel(
            timeseries(
                "Store states",
                "TiKV stores per PD state: Up, Disconnected (no heartbeat for 20 s), Down "
                "(max-store-down-time), Offline (being removed), Tombstone (removed).",
                "none",
                Query(
                    f"sum by (cluster, state) ({store_state})",
                    "{{cluster}} {{state}}",
                ),
                width=8,
                stacked=True,
            )
        )
        .with_panel(
            table(
                "Abnormal instances now",
                "Each instance not Ready or not Synced at this moment.",
                Query(
                    "max by (namespace, cluster, component, instance, condition) "
                    f"({abnormal} == 1)",
                    instant=True,
                ),
                width=8,
            )
        )
        .with_panel(
            table(
                "Stores not Up",
                "Each store PD reports in a state other than Up at this moment.",
                Query(
                    "max by (namespace, cluster, instance, state) "
                    f"({of_clusters('tikv_operator_store_state', NOT_UP)} == 1)",
                    instant=True,
                ),
            )
        )
        .with_panel(
            timeseries(
                "Operator's view of PD",
                "Age of the operator's latest successful PD snapshot, against the age beyond "
                "which it takes no PD-dependent action.",
                "s",
                Query(
                    f"max by (cluster) (tikv_operator_pd_snapshot_age_seconds{{{CLUSTER}}})",
                    "{{cluster}} age",
                ),
                Query(
                    f"max by (cluster) (tikv_operator_pd_snapshot_max_age_seconds{{{CLUSTER}}})",
                    "{{cluster}} limit",
                ),
            )
        )
    )
    board = (
        board.with_row(Row("Failover and rolling updates"))
        .with_panel(
            stat(
                "Failovers",
                "Failovers the operator made in the dashboard's time range (TiKV: a "
                "replacement instance for a failed store; PD: a failed member recreated).",
                Query(
                    "sum by (cluster, component) "
                    f"(increase(tikv_operator_failover_total{{{CLUSTER}}}[$__range]))",
                    "{{cluster}} {{component}}",
                ),
                thresholds=_steps((None, "green"), (1, "orange")),
            )
        )
        .with_panel(
            timeseries(
                "Failover records",
                "Records in each group's status.failover. TiKV: replacement instances in place, "
                "until the failed instance is recovered or removed; PD: member failovers done "
                "or in flight.",
                "none",
                Query(
                    f"max by (cluster, group) (tikv_operator_group_failover_records{{{CLUSTER}}})",
                    "{{cluster}}/{{group}}",
                ),
                width=6,
            )
        )
        .with_panel(
            timeseries(
                "Pending destructive actions",
                "Instances with a destructive step decided and not finished, by action: a Pod "
                "to recreate, leaders being evicted, a store being offlined (until Tombstone), "
                "a PD instance being deleted. Non-zero for long: see the group's Blocked "
                "condition or `tikv-operator plan`.",
                "none",
                Query(
                    "sum by (cluster, action) "
                    f"(max by (cluster, component, action, namespace) "
                    f"(tikv_operator_pending_destructive_actions{{{CLUSTER}}}))",
                    "{{cluster}} {{action}}",
                ),
                width=6,
            )
        )
        .with_panel(
            bar_gauge(
                "Rolling update progress",
                "Share of each group's desired instances at the update revision.",
                Query(
                    f"max by (cluster, group) ({of_clusters(REPLICAS, UPDATED)})"
                    " / max by (cluster, group)"
                    f" (clamp_min({of_clusters(REPLICAS, DESIRED)}, 1))",
                    "{{cluster}}/{{group}}",
                ),
            )
        )
        .with_panel(
            state_timeline(
                "Rolling updates",
                "Groups with a rolling update under way (the current revision is not the "
                "update revision yet).",
                Query(
                    f"max by (cluster, group) (tikv_operator_group_updating{{{CLUSTER}}})",
                    "{{cluster}}/{{group}}",
                ),
                mappings=ON_OFF,
                width=24,
            )
        )
    )
    return board


DASHBOARDS = {
    "tikv-operator.json": operator_dashboard,
    "tikv-clusters.json": clusters_dashboard,
}
"""File name under manifests/monitoring/dashboards/ → builder."""


def render(build: Callable[[], Dashboard]) -> str:
    """The dashboard's JSON as committed: sorted keys, two-space indent, a final newline;
    panels numbered in order (Grafana links and the preview name panels by id)."""
    board = build().build()
    for number, panel in enumerate(board.panels or (), start=1):
        panel.id_val = number
    return JSONEncoder(sort_keys=True, indent=2).encode(board) + "\n"
