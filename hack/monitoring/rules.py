"""The Prometheus alert rules, written once and rendered twice: a plain rules file
(`groups:`, what `promtool check rules` and a `rule_files:` entry take) and a
PrometheusRule for the Prometheus Operator.

Every alert has a `runbook_url` into docs/runbooks.md, whose headings carry the anchors.
State metrics are taken with `max by (...)`: a standby replica runs the same informers as
the leader and exports the same series, which must not double an alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

RUNBOOK_BASE = "docs/runbooks.md"
"""Where the runbooks are, relative to the repository; `python -m hack.monitoring
--runbook-base URL` renders the rules with links to wherever the docs are published."""
GROUP = "tikv-operator"


@dataclass(frozen=True)
class Alert:
    name: str
    expr: str
    for_: str | None
    severity: str
    summary: str
    description: str
    fires_in_failover: bool = False
    """The e2e monitoring scenario (a store fails, is replaced, a second one fails with the
    failover budget spent) makes this alert's expression return series."""
    tls_only: bool = False
    """Reads a metric only TLS clusters export, which the monitoring scenario's cluster is
    not: its timing is proven by promtool's unit tests, its metric by the TLS e2e."""

    @property
    def anchor(self) -> str:
        return self.name.lower()


ALERTS = (
    Alert(
        "TiKVInstanceAbnormal",
        "max by (namespace, cluster, component, instance, condition) "
        "(tikv_operator_instance_abnormal) == 1",
        "10m",
        "warning",
        "{{ $labels.component }} instance {{ $labels.namespace }}/{{ $labels.instance }} "
        "is not {{ $labels.condition }}",
        "The instance's {{ $labels.condition }} condition has not been True for 10 minutes. "
        "kubectl describe the instance and its Pod; the condition message says why.",
        fires_in_failover=True,
    ),
    Alert(
        "TiKVGroupBlocked",
        "max by (namespace, cluster, group, component, reason) (tikv_operator_group_blocked) == 1",
        "15m",
        "warning",
        "{{ $labels.component }} group {{ $labels.namespace }}/{{ $labels.group }} is blocked: "
        "{{ $labels.reason }}",
        "The operator has held back a change of this group for 15 minutes because it is "
        "unsafe now. The group's Blocked condition message says what would unblock it.",
        fires_in_failover=True,
    ),
    Alert(
        "TiKVClusterBlocked",
        "max by (namespace, cluster, reason) (tikv_operator_cluster_blocked) == 1",
        "5m",
        "critical",
        "Cluster {{ $labels.namespace }}/{{ $labels.cluster }} is blocked: {{ $labels.reason }}",
        "The safety brake (or deletion protection) stops every destructive action on this "
        "cluster until the state resolves or a person overrides it.",
    ),
    Alert(
        "TiKVFailoverHappened",
        # increase() sees no rise in a series born at 1 (an operator that restarted, a
        # counter not created at 0 beforehand); the second half catches such a series.
        "sum by (namespace, cluster, component) (increase(tikv_operator_failover_total[30m])) > 0"
        " or sum by (namespace, cluster, component) "
        "(tikv_operator_failover_total unless tikv_operator_failover_total offset 30m) > 0",
        None,
        "warning",
        "The operator failed over a {{ $labels.component }} instance in "
        "{{ $labels.namespace }}/{{ $labels.cluster }}",
        "Failover replaced a failed instance in the last 30 minutes (TiKV: a new instance "
        "beside the failed one; PD: the member recreated). See the group's status.failover.",
        fires_in_failover=True,
    ),
    Alert(
        "TiKVOperatorCertificateExpiringSoon",
        "min by (namespace, cluster, secret) "
        "(tikv_operator_tls_certificate_expiration_timestamp_seconds) - time() < 14 * 86400",
        "10m",
        "warning",
        "The certificate in Secret {{ $labels.namespace }}/{{ $labels.secret }} of cluster "
        "{{ $labels.cluster }} expires in less than 14 days",
        "When it expires, the components (or the operator) that present it can no longer "
        "talk to their peers. Renew it in the same Secret (cert-manager does so before "
        "renewBefore); see docs/tls.md.",
        tls_only=True,
    ),
    Alert(
        "TiKVOperatorReconcileErrors",
        "sum by (controller) (rate(controller_runtime_reconcile_errors_total[10m])) "
        "/ sum by (controller) (rate(controller_runtime_reconcile_total[10m])) > 0.1",
        "15m",
        "warning",
        "More than 10% of the {{ $labels.controller }} controller's reconciles fail",
        "Reconcile errors have stayed above 10% for 15 minutes; the operator log names the "
        "failing task and object.",
    ),
    Alert(
        "TiKVOperatorPDUnreachable",
        "max by (namespace, cluster) (tikv_operator_pd_up) == 0",
        "5m",
        "critical",
        "The operator cannot reach PD of {{ $labels.namespace }}/{{ $labels.cluster }}",
        "Every poll of PD has failed for 5 minutes. The operator takes no PD-dependent action "
        "on this cluster until PD answers again.",
    ),
    Alert(
        "TiKVOperatorPDSnapshotStale",
        "max by (namespace, cluster) (tikv_operator_pd_snapshot_age_seconds) "
        "> max by (namespace, cluster) (tikv_operator_pd_snapshot_max_age_seconds)",
        "5m",
        "warning",
        "The operator's view of PD of {{ $labels.namespace }}/{{ $labels.cluster }} is stale",
        "The latest successful PD snapshot is older than the age the operator acts on, so it "
        "holds back PD-dependent steps.",
    ),
    Alert(
        "TiKVOperatorNoLeader",
        "max by (name) (leader_election_master_status) < 1",
        "5m",
        "critical",
        "No tikv-operator replica holds the {{ $labels.name }} Lease",
        "Operator replicas run but none leads, so nothing is reconciled.",
    ),
    Alert(
        "TiKVOperatorLeaderFlapping",
        "sum by (name) (changes(leader_election_master_status[1h])) > 4",
        None,
        "warning",
        "The {{ $labels.name }} Lease changed hands repeatedly in the last hour",
        "An operator that loses its Lease exits; frequent changes mean it cannot renew in "
        "time (API server latency, CPU starvation) or it is crash-looping.",
    ),
)


def rule(alert: Alert, runbook_base: str) -> dict[str, Any]:
    out: dict[str, Any] = {"alert": alert.name, "expr": alert.expr}
    if alert.for_:
        out["for"] = alert.for_
    out["labels"] = {"severity": alert.severity}
    out["annotations"] = {
        "summary": alert.summary,
        "description": alert.description,
        "runbook_url": f"{runbook_base}#{alert.anchor}",
    }
    return out


def groups(runbook_base: str = RUNBOOK_BASE) -> dict[str, Any]:
    return {"groups": [{"name": GROUP, "rules": [rule(a, runbook_base) for a in ALERTS]}]}


def _dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, width=1000, allow_unicode=True)


def rules_file(runbook_base: str = RUNBOOK_BASE) -> str:
    """The plain Prometheus rules file."""
    header = "# Generated by `make dashboards` (hack/monitoring/rules.py); do not edit.\n"
    return header + _dump(groups(runbook_base))


def prometheus_rule(runbook_base: str = RUNBOOK_BASE) -> str:
    """The same rules as a PrometheusRule (Prometheus Operator)."""
    header = "# Generated by `make dashboards` (hack/monitoring/rules.py); do not edit.\n"
    body = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": "tikv-operator",
            "labels": {"app.kubernetes.io/name": "tikv-operator"},
        },
        "spec": groups(runbook_base),
    }
    return header + _dump(body)
