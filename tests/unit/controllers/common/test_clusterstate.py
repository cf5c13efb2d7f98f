from __future__ import annotations

from datetime import UTC, datetime

from apis import Cluster
from controllers.common.clusterstate import (
    is_compute_suspended,
    is_deleting,
    is_paused,
    read_cluster,
)
from controllers.common.deps import Deps
from tikv_operator.kube import resources
from tikv_operator.kube.cache import Store
from tikv_operator.kube.resources import Object

from .fakes import FakeClient, FakeEvents


def test_paused_and_suspended_follow_the_spec() -> None:
    plain = Cluster.model_validate({"metadata": {"name": "c"}})
    assert not is_paused(plain) and not is_compute_suspended(plain)
    set_ = Cluster.model_validate(
        {
            "metadata": {"name": "c"},
            "spec": {"paused": True, "suspendAction": {"suspendCompute": True}},
        }
    )
    assert is_paused(set_) and is_compute_suspended(set_)


def test_a_missing_or_deleted_cluster_counts_as_deleting() -> None:
    assert is_deleting(None)
    alive = Cluster.model_validate({"metadata": {"name": "c"}})
    assert not is_deleting(alive)
    gone = Cluster.model_validate(
        {"metadata": {"name": "c", "deletionTimestamp": datetime(2025, 1, 1, tzinfo=UTC)}}
    )
    assert is_deleting(gone)


def deps_with(cached: list[Object], in_api_server: list[Object]) -> Deps:
    store = Store()
    for obj in cached:
        store.upsert(obj)
    client = FakeClient()
    for obj in in_api_server:
        client.put(resources.CLUSTER, obj)
    return Deps(client, FakeEvents(), {resources.CLUSTER: store})  # type: ignore[arg-type]


def cluster_obj(name: str) -> Object:
    return {"metadata": {"name": name, "namespace": "ns", "uid": f"{name}-uid"}}


async def test_read_cluster_takes_the_cached_cluster() -> None:
    found = await read_cluster(deps_with([cluster_obj("c")], []), "ns", "c")
    assert found is not None and found.metadata.uid == "c-uid"


async def test_read_cluster_asks_the_api_server_when_the_cache_lags() -> None:
    found = await read_cluster(deps_with([], [cluster_obj("c")]), "ns", "c")
    assert found is not None and found.metadata.name == "c"


async def test_read_cluster_is_none_only_when_the_api_server_has_none_either() -> None:
    assert await read_cluster(deps_with([], []), "ns", "c") is None
