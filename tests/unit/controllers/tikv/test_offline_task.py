"""The offline task's guards: no store is offlined against a braked, fenced or stale view."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from apis import Cluster, TiKV
from apis import conditions as cond
from controllers.common.conditions import find
from controllers.common.deps import Deps
from controllers.common.pdview import PDState
from controllers.tikv import reasons
from controllers.tikv.context import Context
from controllers.tikv.tasks.offline import apply_offline
from tikv_operator.kube import resources
from tikv_operator.pdapi import StoresNotEnough
from tikv_operator.pdapi.poller import Snapshot

from ..common.fakes import pd_state
from .samples import store, tikv_instance

PD_ID = 42
NOW = datetime(2026, 1, 1, tzinfo=UTC)


class FakeClient:
    def __init__(self, objects: dict[str, dict[str, Any]]) -> None:
        self.objects = objects

    async def get_or_none(self, kind: Any, name: str, namespace: str | None = None) -> Any:
        return self.objects.get(kind.kind)


class FakeEvents:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    def record(self, regarding: Any, type_: str, reason: str, action: str, note: str) -> None:
        self.reasons.append(reason)


class FakePD:
    def __init__(self, refuse: bool = False) -> None:
        self.deleted: list[int] = []
        self.refuse = refuse

    async def delete_store(self, store_id: int) -> None:
        if self.refuse:
            raise StoresNotEnough("not enough", status=400, api="delete_store")
        self.deleted.append(store_id)


def cluster(*, recorded_id: int = PD_ID, brake: bool = False) -> Cluster:
    conditions = []
    if brake:
        conditions.append(
            {
                "type": "Blocked",
                "status": "True",
                "reason": "SafetyBrakeOrphanStore",
                "message": "a store at one of our addresses has no instance",
                "lastTransitionTime": "2026-01-01T00:00:00Z",
            }
        )
    return Cluster.model_validate(
        {
            "metadata": {"name": "basic", "namespace": "ns", "uid": "c-uid", "generation": 1},
            "status": {"pd": "http://pd:2379", "id": str(recorded_id), "conditions": conditions},
        }
    )


def context(
    *, the_cluster: Cluster, fresh: TiKV | None = None, pd: FakePD
) -> tuple[Context, FakeEvents]:
    tikv = tikv_instance(offline=True)
    fresh = fresh or tikv
    client = FakeClient(
        {
            resources.CLUSTER.kind: the_cluster.model_dump(mode="json"),
            resources.TIKV.kind: fresh.model_dump(mode="json"),
        }
    )
    events = FakeEvents()
    deps = Deps(client, events, {}, now=lambda: NOW)  # type: ignore[arg-type]
    ctx = Context(deps, "ns/basic-tikv-abc123", raw={"metadata": {}}, loaded=tikv)
    ctx.loaded_cluster = the_cluster
    ctx.store = store(7, leaders=0, regions=5)
    ctx.pd_state = pd_state(pd, Snapshot(0, cluster_id=PD_ID, stores=(ctx.store,)))
    return ctx, events


def offlined_reason(ctx: Context) -> str | None:
    c = find(ctx.conditions, cond.OFFLINED)
    return c.reason if c is not None else None


async def test_a_store_is_offlined_when_every_guard_passes() -> None:
    pd = FakePD()
    ctx, events = context(the_cluster=cluster(), pd=pd)
    await apply_offline(ctx)
    assert pd.deleted == [7]
    assert offlined_reason(ctx) == reasons.OFFLINING
    assert reasons.EVENT_OFFLINE_STARTED in events.reasons


async def test_no_store_is_offlined_while_the_safety_brake_is_engaged() -> None:
    pd = FakePD()
    ctx, events = context(the_cluster=cluster(brake=True), pd=pd)
    await apply_offline(ctx)
    assert pd.deleted == []
    assert offlined_reason(ctx) == reasons.UNSAFE
    assert reasons.EVENT_UNSAFE in events.reasons


async def test_no_store_is_offlined_when_pd_answers_for_another_cluster() -> None:
    pd = FakePD()
    ctx, _ = context(the_cluster=cluster(recorded_id=7777), pd=pd)
    await apply_offline(ctx)
    assert pd.deleted == []
    assert offlined_reason(ctx) == reasons.UNSAFE


async def test_no_store_is_offlined_when_the_instance_changed_since_the_decision() -> None:
    pd = FakePD()
    fresh = tikv_instance(offline=False)
    fresh.metadata.generation = 2
    ctx, _ = context(the_cluster=cluster(), fresh=fresh, pd=pd)
    await apply_offline(ctx)
    assert pd.deleted == []
    assert offlined_reason(ctx) == reasons.UNSAFE


async def test_pd_refusing_for_max_replicas_is_reported_with_a_warning() -> None:
    pd = FakePD(refuse=True)
    ctx, events = context(the_cluster=cluster(), pd=pd)
    await apply_offline(ctx)
    assert offlined_reason(ctx) == reasons.STORES_NOT_ENOUGH
    assert reasons.EVENT_OFFLINE_REFUSED in events.reasons


async def test_no_store_is_offlined_while_pd_is_unavailable() -> None:
    pd = FakePD()
    ctx, _ = context(the_cluster=cluster(), pd=pd)
    ctx.pd_state = PDState(ctx.poller, None, "PD cannot be asked: stores 503")
    await apply_offline(ctx)
    assert pd.deleted == []
    assert offlined_reason(ctx) == reasons.PD_UNAVAILABLE
