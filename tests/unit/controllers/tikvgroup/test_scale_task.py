"""The scale task decides from the API server, not a cache that may lag its own writes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from apis import Cluster, TiKV, TiKVGroup
from controllers.common.deps import Deps
from controllers.common.group import update_revision
from controllers.tikvgroup.build import build_instance
from controllers.tikvgroup.context import Context
from controllers.tikvgroup.tasks.scale import scale
from tests.unit.controllers.common.fakes import pd_state
from tikv_operator.kube.client import ObjectList
from tikv_operator.pdapi.models import ReplicationConfig, StoreInfo
from tikv_operator.pdapi.poller import Snapshot

NOW = datetime(2026, 1, 1, tzinfo=UTC)
NAMES = ["basic-tikv-aaaaaa", "basic-tikv-bbbbbb", "basic-tikv-cccccc", "basic-tikv-dddddd"]


def group(replicas: int) -> TiKVGroup:
    return TiKVGroup.model_validate(
        {
            "metadata": {"name": "basic", "namespace": "ns", "uid": "g-uid", "generation": 1},
            "spec": {
                "cluster": {"name": "basic"},
                "replicas": replicas,
                "template": {
                    "spec": {
                        "version": "v8.5.1",
                        "volumes": [
                            {"name": "data", "mounts": [{"type": "data"}], "storage": "10Gi"}
                        ],
                    }
                },
            },
        }
    )


def instance(the_group: TiKVGroup, name: str, *, offline: bool = False) -> dict[str, Any]:
    obj = build_instance(the_group, name, update_revision(the_group), {})
    obj["metadata"] |= {"uid": f"uid-{name}", "generation": 1}
    obj["spec"]["offline"] = offline
    obj["status"] = {"stateName": "Up"}
    return obj


class FakeClient:
    """The API server: what it answers is the truth the cache has not caught up with."""

    def __init__(self, live: list[dict[str, Any]], others: dict[str, dict[str, Any]]) -> None:
        self.live = live
        self.others = others
        self.created: list[str] = []
        self.patched: list[str] = []

    async def get_or_none(self, kind: Any, name: str, namespace: str | None = None) -> Any:
        if kind.kind == "TiKV":
            return next((o for o in self.live if o["metadata"]["name"] == name), None)
        return self.others.get(kind.kind)

    async def list(self, kind: Any, namespace: str | None = None, **_: Any) -> ObjectList:
        return ObjectList(self.live, "1")

    async def create(self, kind: Any, obj: dict[str, Any]) -> dict[str, Any]:
        self.created.append(obj["metadata"]["name"])
        return obj

    async def patch(self, kind: Any, name: str, patch: Any, namespace: str | None = None) -> Any:
        self.patched.append(name)
        return {}


class FakeEvents:
    def record(self, regarding: Any, type_: str, reason: str, action: str, note: str) -> None:
        pass


def pd_view(up: int) -> Snapshot:
    """PD with `up` Up stores and max-replicas 3, answering for cluster 42."""
    stores = tuple(
        StoreInfo.model_validate({"store": {"id": i + 1, "state_name": "Up"}}) for i in range(up)
    )
    replication = ReplicationConfig.model_validate({"max-replicas": 3})
    return Snapshot(0, cluster_id=42, stores=stores, replication=replication)


def context(
    the_group: TiKVGroup, *, cached: list[dict[str, Any]], live: list[dict[str, Any]]
) -> tuple[Context, FakeClient]:
    the_cluster = Cluster.model_validate(
        {
            "metadata": {"name": "basic", "namespace": "ns", "uid": "c-uid"},
            "status": {"pd": "http://pd:2379", "id": "42"},
        }
    )
    others = {
        "Cluster": the_cluster.model_dump(mode="json", by_alias=True),
        "TiKVGroup": the_group.model_dump(mode="json", by_alias=True),
    }
    client = FakeClient(live, others)
    deps = Deps(client, FakeEvents(), {}, now=lambda: NOW)  # type: ignore[arg-type]
    ctx = Context(deps, "ns/basic", raw={"metadata": {}}, loaded=the_group)
    ctx.loaded_cluster = the_cluster
    ctx.instances = [TiKV.model_validate(o) for o in cached]
    ctx.revision = update_revision(the_group)
    ctx.pd_state = pd_state(None, pd_view(up=len(live)))
    return ctx, client


async def test_instances_the_cache_has_not_seen_yet_are_not_created_again() -> None:
    the_group = group(replicas=3)
    live = [instance(the_group, n) for n in NAMES[:3]]
    ctx, client = context(the_group, cached=[], live=live)
    await scale(ctx)
    assert client.created == []


async def test_no_second_store_is_offlined_while_the_cache_misses_the_first_offline() -> None:
    the_group = group(replicas=3)
    cached = [instance(the_group, n) for n in NAMES]
    live = [instance(the_group, n, offline=n == NAMES[3]) for n in NAMES]
    ctx, client = context(the_group, cached=cached, live=live)
    await scale(ctx)
    assert client.patched == []
