"""suspendCompute for a PD instance: the Pod goes (TiKV Pods first, the leader last), the
PVCs, ConfigMap and membership stay, and the instance says Suspended once the Pod is gone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from apis import Cluster
from apis import conditions as cond
from apis.labels import CLUSTER, COMPONENT
from controllers.common.conditions import find
from controllers.common.deps import Deps
from controllers.common.runner import Complete, Retry, Wait
from controllers.pd import reasons
from controllers.pd.context import PDContext
from controllers.pd.tasks.status import conditions
from controllers.pd.tasks.suspend import is_suspended, suspend_pod
from tests.unit.controllers.common.fakes import FakeClient, FakeEvents, pd_state
from tikv_operator.kube import resources
from tikv_operator.kube.cache import Store
from tikv_operator.pdapi.models import Member
from tikv_operator.pdapi.poller import Snapshot

from .samples import pd_instance

NAME = "basic-pd-abc123"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def cluster(*, suspend: bool = True, generation: int = 1) -> Cluster:
    return Cluster.model_validate(
        {
            "metadata": {
                "name": "basic",
                "namespace": "ns",
                "uid": "c-uid",
                "generation": generation,
            },
            "spec": {"suspendAction": {"suspendCompute": suspend}},
        }
    )


def pod(name: str, component: str, **meta: Any) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": "ns",
            "uid": f"{name}-uid",
            "labels": {CLUSTER: "basic", COMPONENT: component},
            **meta,
        }
    }


def context(
    pods: list[dict[str, Any]], *, leader: bool = False, server_cluster: Cluster | None = None
) -> tuple[PDContext, FakeClient, FakeEvents]:
    client, events = FakeClient(), FakeEvents()
    instance = pd_instance(NAME)
    client.put(resources.PD, instance.to_dict())
    client.put(resources.CLUSTER, (server_cluster or cluster()).to_dict())
    store = Store()
    for p in pods:
        store.upsert(p)
    deps = Deps(
        client,  # type: ignore[arg-type]
        events,  # type: ignore[arg-type]
        {resources.POD: store},
        now=lambda: NOW,
    )
    ctx = PDContext(deps, f"ns/{NAME}", loaded=instance, loaded_cluster=cluster())
    leader_name = NAME if leader else "basic-pd-other"
    view = Snapshot(0, cluster_id=1, members=(Member(name=NAME),), leader=leader_name)
    ctx.pd_state = pd_state(None, view)
    return ctx, client, events


async def test_the_pod_is_deleted_by_uid_and_nothing_else_is() -> None:
    ctx, client, events = context([pod(NAME, "pd")])

    result = await suspend_pod(ctx)

    assert isinstance(result, Wait)
    assert client.verbs() == [("delete", "Pod", NAME)]
    assert client.calls[0].uid == f"{NAME}-uid"
    assert events.reasons() == [reasons.POD_SUSPENDED]


async def test_the_pd_pod_waits_while_tikv_pods_of_the_cluster_remain() -> None:
    ctx, client, _ = context([pod(NAME, "pd"), pod("basic-tikv-x", "tikv")])

    result = await suspend_pod(ctx)

    assert isinstance(result, Retry)
    assert "basic-tikv-x" in result.reason
    assert client.calls == []
    assert ctx.suspend_note == result.reason


async def test_the_leader_waits_for_the_followers_pods_to_go_first() -> None:
    ctx, client, _ = context([pod(NAME, "pd"), pod("basic-pd-b", "pd")], leader=True)

    assert isinstance(await suspend_pod(ctx), Retry)
    assert client.calls == []


async def test_a_follower_goes_while_other_pd_pods_remain() -> None:
    ctx, client, _ = context([pod(NAME, "pd"), pod("basic-pd-b", "pd")], leader=False)

    assert isinstance(await suspend_pod(ctx), Wait)
    assert client.verbs() == [("delete", "Pod", NAME)]


async def test_nothing_is_deleted_when_the_cluster_changed_since_the_decision() -> None:
    # E.g. suspendCompute was cleared again: the Cluster read fresh has moved on.
    ctx, client, events = context([pod(NAME, "pd")], server_cluster=cluster(generation=2))

    result = await suspend_pod(ctx)

    assert isinstance(result, Retry)
    assert client.calls == []
    assert events.reasons() == [reasons.UNSAFE]


async def test_a_pod_already_gone_is_suspended() -> None:
    ctx, client, _ = context([])

    assert isinstance(await suspend_pod(ctx), Complete)
    assert client.calls == []


def test_only_a_suspending_cluster_takes_the_suspend_branch() -> None:
    ctx, _, _ = context([])
    assert is_suspended(ctx)
    ctx.loaded_cluster = cluster(suspend=False)
    assert not is_suspended(ctx)


def _condition(ctx: PDContext, pod_obj: dict[str, Any] | None, type_: str) -> tuple[str, str]:
    c = find(conditions(ctx, pod_obj), type_)
    assert c is not None
    return c.status, c.reason


def test_suspended_is_true_only_once_the_pod_is_gone() -> None:
    ctx, _, _ = context([])
    assert _condition(ctx, None, cond.SUSPENDED) == ("True", reasons.SUSPENDED)
    assert _condition(ctx, None, cond.READY) == ("False", reasons.SUSPENDED)
    assert _condition(ctx, pod(NAME, "pd"), cond.SUSPENDED) == ("False", reasons.SUSPENDING)
    ctx.loaded_cluster = cluster(suspend=False)
    assert _condition(ctx, None, cond.SUSPENDED) == ("False", reasons.NOT_SUSPENDED)
