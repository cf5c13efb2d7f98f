"""Pure pieces of the Cluster's status: URL, components, version, conditions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from apis import PDGroup, TiKVGroup
from controllers.cluster import build, reasons
from controllers.cluster.pdinfo import PDInfo, StoreFacts

NOW = datetime(2025, 1, 1, tzinfo=UTC).isoformat()


def _group_dict(
    kind: str, name: str, replicas: int, ready: int, version: str | None, conds: dict[str, str]
) -> dict[str, Any]:
    status: dict[str, Any] = {
        "observedGeneration": 1,
        "replicas": replicas,
        "readyReplicas": ready,
        "conditions": [
            {"type": t, "status": s, "reason": "R", "message": "", "lastTransitionTime": NOW}
            for t, s in conds.items()
        ],
    }
    if version is not None:
        status["version"] = version
    return {
        "apiVersion": "core.tikv.org/v1alpha1",
        "kind": kind,
        "metadata": {"name": name, "namespace": "ns", "generation": 1},
        "spec": {
            "cluster": {"name": "basic"},
            "replicas": replicas,
            "template": {
                "spec": {"version": "v8.5.1", "volumes": [{"name": "data", "storage": "1Gi"}]}
            },
        },
        "status": status,
    }


READY = {"Ready": "True", "Synced": "True"}


def pdg(name: str = "basic", replicas: int = 3, ready: int = 3, **kw: Any) -> PDGroup:
    version = kw.pop("version", "v8.5.1")
    return PDGroup.model_validate(
        _group_dict("PDGroup", name, replicas, ready, version, kw.pop("conds", READY))
    )


def kvg(name: str = "basic", replicas: int = 3, ready: int = 3, **kw: Any) -> TiKVGroup:
    version = kw.pop("version", "v8.5.1")
    return TiKVGroup.model_validate(
        _group_dict("TiKVGroup", name, replicas, ready, version, kw.pop("conds", READY))
    )


def pd_info(leader: str | None = "pd-a", up: int = 3, max_replicas: int = 3) -> PDInfo:
    stores = tuple(StoreFacts(i, f"s{i}:20160", tombstone=False, up=True) for i in range(up))
    leaders = (leader,) if leader else ()
    return PDInfo(1, ("pd-a",), leaders, stores, max_replicas, frozenset())


def test_pd_url_is_the_client_service_of_the_first_pd_group() -> None:
    assert build.pd_url("ns", [pdg("zeta"), pdg("alpha")], False) == "http://alpha-pd.ns:2379"
    assert build.pd_url("ns", [pdg("alpha")], True) == "https://alpha-pd.ns:2379"
    assert build.pd_url("ns", [], False) is None


def test_components_sum_replicas_per_kind() -> None:
    got = build.components([pdg(replicas=3, ready=2)], [kvg("a", 3, 3), kvg("b", 2, 1)])
    assert [(c.kind, c.replicas, c.ready_replicas) for c in got] == [
        ("PD", 3, 2),
        ("TiKV", 5, 4),
    ]


@pytest.mark.parametrize(
    ("pd_version", "tikv_version", "want"),
    [
        ("v8.5.1", "v8.5.1", "v8.5.1"),
        ("v8.5.2", "v8.5.1", None),
        (None, "v8.5.1", None),
    ],
)
def test_version_only_when_every_group_agrees(
    pd_version: str | None, tikv_version: str | None, want: str | None
) -> None:
    assert build.version([pdg(version=pd_version)], [kvg(version=tikv_version)]) == want


@pytest.mark.parametrize(
    ("info", "error", "has_pd", "status", "reason"),
    [
        (pd_info(), None, True, "True", reasons.PD_LEADER_AND_STORES_UP),
        (pd_info(up=2), None, True, "True", reasons.PD_LEADER_AND_STORES_UP),
        (pd_info(up=1), None, True, "False", reasons.NOT_ENOUGH_STORES_UP),
        (pd_info(up=0), None, True, "False", reasons.NOT_ENOUGH_STORES_UP),
        (pd_info(leader=None), None, True, "False", reasons.PD_NO_LEADER),
        (None, "connection refused", True, "False", reasons.PD_UNREACHABLE),
        (None, None, False, "False", reasons.NO_PD_GROUP),
    ],
)
def test_available_needs_a_leader_and_a_majority_of_replicas_up(
    info: PDInfo | None, error: str | None, has_pd: bool, status: str, reason: str
) -> None:
    verdict = build.available(info, error, has_pd)
    assert (verdict.status, verdict.reason) == (status, reason)


def test_ready_needs_every_group_ready_and_pd_available() -> None:
    assert build.ready([pdg()], [kvg()], True).status == "True"
    assert build.ready([pdg()], [kvg()], False).status == "False"
    assert build.ready([pdg()], [], True).status == "False"
    unready = build.ready([pdg()], [kvg(conds={"Ready": "False"})], True)
    assert unready.status == "False" and "TiKVGroup basic" in unready.message


def test_synced_needs_observed_generation_and_synced_groups() -> None:
    assert build.synced([pdg()], [kvg()]).status == "True"
    assert build.synced([pdg(conds={"Synced": "False"})], [kvg()]).status == "False"


@pytest.mark.parametrize(
    ("groups", "paused", "status", "reason"),
    [
        ((pdg(), kvg()), False, "False", reasons.STABLE),
        ((pdg(), kvg(replicas=5, ready=3)), False, "True", reasons.CHANGES_IN_PROGRESS),
        ((pdg(), kvg(conds={"Synced": "False"})), False, "True", reasons.CHANGES_IN_PROGRESS),
        ((pdg(), kvg(replicas=5, ready=3)), True, "False", reasons.PAUSED),
    ],
)
def test_progressing(
    groups: tuple[PDGroup, TiKVGroup], paused: bool, status: str, reason: str
) -> None:
    verdict = build.progressing([groups[0]], [groups[1]], paused)
    assert (verdict.status, verdict.reason) == (status, reason)


@pytest.mark.parametrize(
    ("suspend", "pods", "status", "reason"),
    [
        (False, 6, "False", reasons.NOT_SUSPENDED),
        (True, 2, "False", reasons.SUSPENDING),
        (True, 0, "True", reasons.COMPUTE_SUSPENDED),
    ],
)
def test_suspended_is_true_only_once_every_pod_is_gone(
    suspend: bool, pods: int, status: str, reason: str
) -> None:
    verdict = build.suspended(suspend, pods)
    assert (verdict.status, verdict.reason) == (status, reason)


def test_consistent_reports_differences_or_unknown_without_pd() -> None:
    assert build.consistent(None, []).status == "Unknown"
    assert build.consistent([], [4]).status == "True"
    diff = build.consistent(["store 3 has no TiKV instance"], [])
    assert diff.status == "False" and "store 3" in diff.message


def test_a_member_whose_spec_cannot_be_honoured_keeps_the_cluster_unsynced() -> None:
    verdict = build.synced([], [], ["TiKVGroup basic"])
    assert (verdict.status, verdict.reason) == ("False", reasons.INVALID_SPEC)
    assert "TiKVGroup basic" in verdict.message
