"""Group and Cluster metrics, computed from the caches at every scrape like
`instance_metrics`: they say what the objects' spec and status say now, and a deleted
object's series go with it.

- `tikv_operator_group_replicas{namespace,cluster,group,component,kind}`: `desired` (spec),
  `current` (instances), `ready`, `updated` (at the update revision).
- `tikv_operator_group_updating{…}`: 1 while a rolling update is under way (the group's
  current revision is not its update revision yet).
- `tikv_operator_group_blocked{…,reason}`: 1 with the Blocked condition's reason while it
  is True; 0 (no reason) otherwise.
- `tikv_operator_group_failover_records{…}`: records in the group's `status.failover`
  (TiKV: replacement instances in place; PD: member failovers done or in flight).
- `tikv_operator_cluster_condition{namespace,cluster,condition}`: 1 when True, else 0.
- `tikv_operator_cluster_blocked{namespace,cluster,reason}`: as for groups (safety brake,
  deletion protection).

Reasons are the controllers' named constants, so the label is bounded; anything that does
not look like one is reported as `Other` rather than trusted as a label value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from apis import conditions as cond
from controllers.common.conditions import condition_of
from controllers.common.instance_metrics import cluster_of
from tikv_operator.kube.cache import Reader
from tikv_operator.kube.resources import Object

GROUP_LABELS = ["namespace", "cluster", "group", "component"]
CLUSTER_CONDITIONS = (
    cond.AVAILABLE,
    cond.READY,
    cond.SYNCED,
    cond.PROGRESSING,
    cond.SUSPENDED,
    cond.BLOCKED,
    cond.CONSISTENT,
)
OTHER_REASON = "Other"
_REASON = re.compile(r"^[A-Z][A-Za-z0-9]{0,63}$")


def blocked_reason(obj: Object) -> str | None:
    """The reason of a True Blocked condition (a CamelCase constant, else `Other`), or None
    when the object is not blocked."""
    c = condition_of(obj, cond.BLOCKED)
    if c is None or c.get("status") != "True":
        return None
    reason = str(c.get("reason") or "")
    return reason if _REASON.match(reason) else OTHER_REASON


def replica_counts(group: Object) -> dict[str, int]:
    spec, status = group.get("spec") or {}, group.get("status") or {}
    return {
        "desired": int(spec.get("replicas") or 0),
        "current": int(status.get("replicas") or 0),
        "ready": int(status.get("readyReplicas") or 0),
        "updated": int(status.get("updatedReplicas") or 0),
    }


def updating(group: Object) -> bool:
    status = group.get("status") or {}
    update = status.get("updateRevision")
    return bool(update) and status.get("currentRevision") != update


class GroupHealth(Collector):
    def __init__(self, clusters: Reader, pdgroups: Reader, tikvgroups: Reader) -> None:
        self._clusters = clusters
        self._groups = {"pd": pdgroups, "tikv": tikvgroups}

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return list(self._families())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        replicas, updating_, blocked, failovers, conditions, cluster_blocked = self._families()
        for component, cache in self._groups.items():
            for group in cache.objects():
                meta = group["metadata"]
                where = [str(meta.get("namespace")), cluster_of(group), str(meta["name"])]
                where.append(component)
                for kind, count in replica_counts(group).items():
                    replicas.add_metric([*where, kind], float(count))
                updating_.add_metric(where, float(updating(group)))
                reason = blocked_reason(group)
                blocked.add_metric([*where, reason or ""], float(reason is not None))
                records = (group.get("status") or {}).get("failover") or ()
                failovers.add_metric(where, float(len(records)))
        for cluster in self._clusters.objects():
            meta = cluster["metadata"]
            where = [str(meta.get("namespace")), str(meta["name"])]
            for type_ in CLUSTER_CONDITIONS:
                true = (condition_of(cluster, type_) or {}).get("status") == "True"
                conditions.add_metric([*where, type_], float(true))
            reason = blocked_reason(cluster)
            cluster_blocked.add_metric([*where, reason or ""], float(reason is not None))
        yield from (replicas, updating_, blocked, failovers, conditions, cluster_blocked)

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, ...]:
        return (
            GaugeMetricFamily(
                "tikv_operator_group_replicas",
                "Instances of a group: desired (spec), current, ready, updated",
                labels=[*GROUP_LABELS, "kind"],
            ),
            GaugeMetricFamily(
                "tikv_operator_group_updating",
                "1 while a group's rolling update is under way",
                labels=GROUP_LABELS,
            ),
            GaugeMetricFamily(
                "tikv_operator_group_blocked",
                "1 with the reason while a group's Blocked condition is True, else 0",
                labels=[*GROUP_LABELS, "reason"],
            ),
            GaugeMetricFamily(
                "tikv_operator_group_failover_records",
                "Records in a group's status.failover (TiKV: replacements in place; PD: member "
                "failovers done or in flight)",
                labels=GROUP_LABELS,
            ),
            GaugeMetricFamily(
                "tikv_operator_cluster_condition",
                "1 when the Cluster's condition is True, else 0",
                labels=["namespace", "cluster", "condition"],
            ),
            GaugeMetricFamily(
                "tikv_operator_cluster_blocked",
                "1 with the reason while a Cluster's Blocked condition is True, else 0",
                labels=["namespace", "cluster", "reason"],
            ),
        )
