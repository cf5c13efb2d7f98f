"""Group and Cluster metrics: computed from the caches at scrape time, labels bounded."""

from __future__ import annotations

from typing import Any

from controllers.common.group_metrics import GroupHealth, blocked_reason
from tests.unit.collectors import samples
from tikv_operator.kube.cache import Store
from tikv_operator.kube.resources import Object


def store(*objects: Object) -> Store:
    s = Store()
    for obj in objects:
        s.upsert(obj)
    return s


def blocked(reason: str, status: str = "True") -> dict[str, Any]:
    return {"type": "Blocked", "status": status, "reason": reason, "message": "why"}


def group(name: str, desired: int = 3, **status: Any) -> Object:
    return {
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {"cluster": {"name": "basic"}, "replicas": desired},
        "status": status,
    }


def cluster(*conditions: dict[str, Any]) -> Object:
    return {"metadata": {"name": "basic", "namespace": "ns"}, "status": {"conditions": conditions}}


def health(
    clusters: Store | None = None, pdgroups: Store | None = None, tikvgroups: Store | None = None
) -> GroupHealth:
    return GroupHealth(clusters or Store(), pdgroups or Store(), tikvgroups or Store())


def test_replicas_are_desired_from_the_spec_and_the_rest_from_the_status() -> None:
    tikv = group("basic", 4, replicas=4, readyReplicas=3, updatedReplicas=2)
    got = samples(health(tikvgroups=store(tikv)))
    where = ("ns", "basic", "basic", "tikv")
    assert got[("tikv_operator_group_replicas", *where, "desired")] == 4
    assert got[("tikv_operator_group_replicas", *where, "current")] == 4
    assert got[("tikv_operator_group_replicas", *where, "ready")] == 3
    assert got[("tikv_operator_group_replicas", *where, "updated")] == 2


def test_a_group_is_updating_until_its_current_revision_is_the_update_revision() -> None:
    rolling = group("a", currentRevision="a-1", updateRevision="a-2")
    done = group("b", currentRevision="b-2", updateRevision="b-2")
    got = samples(health(pdgroups=store(rolling, done)))
    assert got[("tikv_operator_group_updating", "ns", "basic", "a", "pd")] == 1
    assert got[("tikv_operator_group_updating", "ns", "basic", "b", "pd")] == 0


def test_a_blocked_group_reports_its_reason_and_an_unblocked_one_zero() -> None:
    stuck = group("a", conditions=[blocked("MaxFailoverCount")])
    fine = group("b", conditions=[blocked("NotBlocked", "False")])
    got = samples(health(tikvgroups=store(stuck, fine)))
    assert got[("tikv_operator_group_blocked", "ns", "basic", "a", "tikv", "MaxFailoverCount")] == 1
    assert got[("tikv_operator_group_blocked", "ns", "basic", "b", "tikv", "")] == 0
    assert len([k for k in got if k[0] == "tikv_operator_group_blocked"]) == 2


def test_a_reason_that_is_not_a_constant_never_becomes_a_label_value() -> None:
    odd = group("a", conditions=[blocked("store 5 holds 120 leaders")])
    assert blocked_reason(odd) == "Other"


def test_failover_records_are_counted_from_the_group_status() -> None:
    record = {"instance": "x", "reason": "down", "time": "2024-01-01T00:00:00Z", "step": "Up"}
    got = samples(health(tikvgroups=store(group("basic", failover=[record]))))
    assert got[("tikv_operator_group_failover_records", "ns", "basic", "basic", "tikv")] == 1


def test_cluster_conditions_are_one_when_true_and_zero_otherwise() -> None:
    available = {"type": "Available", "status": "True", "reason": "R", "message": ""}
    got = samples(health(clusters=store(cluster(available, blocked("SafetyBrakeOrphanStore")))))
    assert got[("tikv_operator_cluster_condition", "ns", "basic", "Available")] == 1
    assert got[("tikv_operator_cluster_condition", "ns", "basic", "Ready")] == 0
    assert got[("tikv_operator_cluster_blocked", "ns", "basic", "SafetyBrakeOrphanStore")] == 1


def test_a_deleted_object_takes_its_series_with_it() -> None:
    groups = store(group("basic"))
    collector = health(tikvgroups=groups)
    assert samples(collector)
    groups.delete("ns/basic")
    assert samples(collector) == {}
