"""Guards in front of destructive steps: fresh reads, identity fencing, the brake and its
override (DESIGN §5 rules 10 to 12)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from apis import Cluster, labels
from controllers.common import safety
from tikv_operator.kube import resources
from tikv_operator.pdapi import Unavailable
from tikv_operator.pdapi.poller import Snapshot

from .fakes import FakeClient, FakePoller


def pd_answering(cluster_id: int) -> FakePoller:
    return FakePoller(None, Snapshot(0, cluster_id=cluster_id))


NOW = datetime(2025, 1, 1, tzinfo=UTC).isoformat()


def cluster(
    *,
    blocked: tuple[str, str] | None = None,
    override: str | None = None,
    recorded_id: str | None = "7",
    generation: int = 1,
    uid: str = "u1",
) -> Cluster:
    meta: dict[str, Any] = {
        "name": "basic",
        "namespace": "ns",
        "uid": uid,
        "generation": generation,
    }
    if override is not None:
        meta["annotations"] = {labels.OVERRIDE_SAFETY_BRAKE: override}
    status: dict[str, Any] = {"conditions": []}
    if recorded_id is not None:
        status["id"] = recorded_id
    if blocked is not None:
        status["conditions"].append(
            {
                "type": "Blocked",
                "status": blocked[0],
                "reason": blocked[1],
                "message": "m",
                "lastTransitionTime": NOW,
            }
        )
    return Cluster.model_validate({"metadata": meta, "status": status})


MISMATCH = "SafetyBrakeClusterIDMismatch"


@pytest.mark.parametrize(
    ("blocked", "override", "braked"),
    [
        pytest.param(None, None, False, id="no-blocked-condition"),
        pytest.param(("True", MISMATCH), None, True, id="brake-engaged"),
        pytest.param(("False", MISMATCH), None, False, id="brake-released"),
        pytest.param(("True", "DeleteProtected"), None, False, id="other-blocked-reason"),
        pytest.param(("True", MISMATCH), MISMATCH, False, id="override-by-full-reason"),
        pytest.param(("True", MISMATCH), "ClusterIDMismatch", False, id="override-by-short-reason"),
        pytest.param(("True", MISMATCH), "*", False, id="override-any"),
        pytest.param(("True", MISMATCH), "OrphanStore", True, id="override-for-another-reason"),
        pytest.param(("True", MISMATCH), "", True, id="empty-override"),
    ],
)
def test_brake_reason(blocked: tuple[str, str] | None, override: str | None, braked: bool) -> None:
    reason = safety.brake_reason(cluster(blocked=blocked, override=override))
    assert (reason is not None) is braked


def test_brake_reason_names_the_reason_and_message() -> None:
    assert safety.brake_reason(cluster(blocked=("True", MISMATCH))) == f"{MISMATCH}: m"


def test_identity_check_passes_when_nothing_recorded_or_ids_match() -> None:
    safety.check_cluster_identity(cluster(recorded_id=None), 9)
    safety.check_cluster_identity(cluster(recorded_id="7"), 7)


def test_identity_check_refuses_another_cluster_id() -> None:
    with pytest.raises(safety.UnsafeToProceed, match="cluster id 9"):
        safety.check_cluster_identity(cluster(recorded_id="7"), 9)


def test_identity_override_lets_a_mismatch_pass() -> None:
    safety.check_cluster_identity(cluster(recorded_id="7", override=MISMATCH), 9)


async def test_fresh_read_refuses_a_recreated_object() -> None:
    client = FakeClient()
    client.put(resources.CLUSTER, cluster(uid="u2").to_dict())
    with pytest.raises(safety.StaleDecision, match="recreated"):
        await safety.fresh_read(client, resources.CLUSTER, Cluster, cluster(uid="u1"))  # type: ignore[arg-type]


async def test_fresh_read_refuses_a_changed_spec() -> None:
    client = FakeClient()
    client.put(resources.CLUSTER, cluster(generation=2).to_dict())
    with pytest.raises(safety.StaleDecision, match="changed"):
        await safety.fresh_read(client, resources.CLUSTER, Cluster, cluster(generation=1))  # type: ignore[arg-type]


async def test_fresh_read_refuses_a_deleted_object() -> None:
    with pytest.raises(safety.StaleDecision, match="gone"):
        await safety.fresh_read(FakeClient(), resources.CLUSTER, Cluster, cluster())  # type: ignore[arg-type]


async def test_guard_uses_the_fresh_cluster_not_the_cached_one() -> None:
    # The cache still shows no brake, but the API server already has it engaged.
    client = FakeClient()
    client.put(resources.CLUSTER, cluster(blocked=("True", MISMATCH)).to_dict())
    with pytest.raises(safety.UnsafeToProceed, match="safety brake"):
        await safety.guard_destructive(client, cluster(), pd_answering(7))  # type: ignore[arg-type]


async def test_guard_passes_and_returns_pd_s_fresh_view() -> None:
    client = FakeClient()
    client.put(resources.CLUSTER, cluster().to_dict())
    view = await safety.guard_destructive(client, cluster(), pd_answering(7))  # type: ignore[arg-type]
    assert view.cluster_id == 7


async def test_guard_refuses_when_pd_cannot_answer_now() -> None:
    client = FakeClient()
    client.put(resources.CLUSTER, cluster().to_dict())
    down = FakePoller(None, Snapshot(0, error=Unavailable("connection refused")))
    with pytest.raises(safety.UnsafeToProceed, match="cannot confirm"):
        await safety.guard_destructive(client, cluster(), down)  # type: ignore[arg-type]


async def test_guard_refuses_a_cluster_whose_pd_is_not_watched() -> None:
    client = FakeClient()
    client.put(resources.CLUSTER, cluster().to_dict())
    with pytest.raises(safety.UnsafeToProceed, match="not watched"):
        await safety.guard_destructive(client, cluster(), None)


async def test_guard_refuses_an_identity_mismatch_without_brake_condition() -> None:
    client = FakeClient()
    client.put(resources.CLUSTER, cluster().to_dict())
    with pytest.raises(safety.UnsafeToProceed, match="cluster id"):
        await safety.guard_destructive(client, cluster(), pd_answering(8))  # type: ignore[arg-type]
