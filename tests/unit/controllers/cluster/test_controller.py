"""The Cluster reconcile end to end, over in-memory caches, a recording API client and the PD
simulator on loopback (no Kubernetes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from apis import labels
from controllers.cluster import reasons
from controllers.cluster.controller import RECONCILER
from controllers.common.deps import ControllerSettings, Deps
from tests.pd_fixtures import SimulatorHandle, simulator
from tikv_operator.kube import resources
from tikv_operator.kube.cache import Store
from tikv_operator.pdapi.poller import Pollers

from ..common.fakes import FakeClient, FakeEvents

__all__ = ["simulator"]

NS, NAME = "ns", "basic"
KEY = f"{NS}/{NAME}"
NOW = datetime(2025, 1, 1, tzinfo=UTC).isoformat()
TEMPLATE = {"version": "v8.5.1", "volumes": [{"name": "data", "storage": "1Gi"}]}


class World:
    """Caches, client, events and PD of one test."""

    def __init__(self, sim: SimulatorHandle) -> None:
        self.sim = sim
        self.client = FakeClient()
        self.events = FakeEvents()
        kinds = [
            resources.CLUSTER,
            resources.PDGROUP,
            resources.PD,
            resources.TIKVGROUP,
            resources.TIKV,
            resources.POD,
            resources.PVC,
        ]
        self.caches = {kind: Store() for kind in kinds}
        settings = ControllerSettings(pd_url_overrides={KEY: sim.url})
        self.deps = Deps(
            self.client,  # type: ignore[arg-type]
            self.events,  # type: ignore[arg-type]
            self.caches,  # type: ignore[arg-type]
            Pollers(interval=3600, timeout=2.0),
            settings=settings,
        )

    async def reconcile_once(self) -> None:
        """One reconcile on PD's view as of now (the poller is asked first, as its interval
        would in the operator)."""
        poller = await self.deps.pd.ensure(KEY, self.sim.url)
        await poller.poll_once()
        await RECONCILER.reconcile(self.deps, KEY)

    def cluster(self, **spec: Any) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "apiVersion": "core.tikv.org/v1alpha1",
            "kind": "Cluster",
            "metadata": {
                "name": NAME,
                "namespace": NS,
                "uid": "cluster-uid",
                "generation": 1,
                "resourceVersion": "1",
                "finalizers": [labels.FINALIZER],
            },
            "spec": spec,
            "status": {},
        }
        self.caches[resources.CLUSTER].upsert(obj)
        return obj

    def group(self, kind: str, name: str = NAME, replicas: int = 3) -> None:
        rk = resources.PDGROUP if kind == "PDGroup" else resources.TIKVGROUP
        self.caches[rk].upsert(
            {
                "apiVersion": "core.tikv.org/v1alpha1",
                "kind": kind,
                "metadata": {
                    "name": name,
                    "namespace": NS,
                    "uid": f"{name}-{kind}",
                    "generation": 1,
                },
                "spec": {
                    "cluster": {"name": NAME},
                    "replicas": replicas,
                    "template": {"spec": TEMPLATE},
                },
            }
        )

    def pd(self, name: str) -> None:
        self.caches[resources.PD].upsert(self._instance("PD", name, "basic-pd-peer"))
        host = f"http://{name}.basic-pd-peer.{NS}"
        self.sim.cluster.add_member(name, [f"{host}:2380"], [f"{host}:2379"])

    def tikv(self, name: str, *, register: bool = True) -> None:
        self.caches[resources.TIKV].upsert(self._instance("TiKV", name, "basic-tikv-peer"))
        if register:
            self.sim.cluster.put_store(f"{name}.basic-tikv-peer.{NS}:20160")

    def _instance(self, kind: str, name: str, subdomain: str) -> dict[str, Any]:
        return {
            "apiVersion": "core.tikv.org/v1alpha1",
            "kind": kind,
            "metadata": {"name": name, "namespace": NS, "uid": f"{name}-uid"},
            "spec": {"cluster": {"name": NAME}, "subdomain": subdomain, **TEMPLATE},
        }

    def basic(self) -> None:
        self.group("PDGroup")
        self.group("TiKVGroup")
        for i in range(3):
            self.pd(f"basic-pd-{i}")
            self.tikv(f"basic-tikv-{i}")

    async def reconcile(self) -> dict[str, Any]:
        """Run one reconcile; returns the status as the API server would now hold it."""
        await self.reconcile_once()
        raw = self.caches[resources.CLUSTER].get(KEY)
        assert raw is not None
        for call in self.client.calls:
            if call.verb == "patch/status":
                raw["status"] = {**raw.get("status", {}), **call.body["status"]}
        self.client.calls = [c for c in self.client.calls if c.verb != "patch/status"]
        return dict(raw["status"])


def condition(status: dict[str, Any], type_: str) -> tuple[str, str]:
    found = next(c for c in status["conditions"] if c["type"] == type_)
    return found["status"], found["reason"]


@pytest.fixture
async def world(simulator: SimulatorHandle) -> AsyncIterator[World]:
    w = World(simulator)
    yield w
    await w.deps.pd.close()


async def test_records_pd_url_cluster_id_and_availability(world: World) -> None:
    world.cluster()
    world.basic()
    status = await world.reconcile()
    assert status["pd"] == "http://basic-pd.ns:2379"
    assert status["id"] == str(world.sim.cluster.cluster_id)
    assert condition(status, "Available") == ("True", reasons.PD_LEADER_AND_STORES_UP)
    assert condition(status, "Blocked") == ("False", reasons.NOT_BLOCKED)
    assert condition(status, "Consistent")[0] == "True"
    assert reasons.PD_CLUSTER_ID_RECORDED in world.events.reasons()


async def test_a_recorded_cluster_id_is_never_overwritten_and_a_mismatch_brakes(
    world: World,
) -> None:
    world.cluster()
    world.basic()
    first = await world.reconcile()
    recorded = first["id"]
    world.sim.cluster.cluster_id += 1
    status = await world.reconcile()
    assert status["id"] == recorded
    assert condition(status, "Blocked") == ("True", reasons.BRAKE_CLUSTER_ID_MISMATCH)
    assert ("Warning", reasons.BRAKE_CLUSTER_ID_MISMATCH) in [
        (t, r) for t, r, _ in world.events.recorded
    ]


async def test_brake_releases_when_pd_answers_with_the_recorded_id_again(world: World) -> None:
    world.cluster()
    world.basic()
    await world.reconcile()
    world.sim.cluster.cluster_id += 1
    await world.reconcile()
    world.sim.cluster.cluster_id -= 1
    status = await world.reconcile()
    assert condition(status, "Blocked") == ("False", reasons.NOT_BLOCKED)
    assert reasons.BRAKE_RELEASED in world.events.reasons()


async def test_store_at_our_address_without_instance_brakes_and_names_it(world: World) -> None:
    world.cluster()
    world.basic()
    world.sim.cluster.put_store(f"basic-tikv-x.basic-tikv-peer.{NS}:20160")
    status = await world.reconcile()
    assert condition(status, "Blocked") == ("True", reasons.BRAKE_ORPHAN_STORE)
    blocked = next(c for c in status["conditions"] if c["type"] == "Blocked")
    assert "basic-tikv-x" in blocked["message"]


async def test_pvc_owned_by_another_incarnation_of_its_instance_brakes(world: World) -> None:
    world.cluster()
    world.basic()
    world.caches[resources.PVC].upsert(
        {
            "metadata": {
                "name": "data-basic-tikv-0",
                "namespace": NS,
                "labels": {labels.CLUSTER: NAME, labels.INSTANCE_NAME: "basic-tikv-0"},
                "ownerReferences": [
                    {"kind": "TiKV", "name": "basic-tikv-0", "uid": "old-uid", "controller": True}
                ],
            }
        }
    )
    status = await world.reconcile()
    assert condition(status, "Blocked") == ("True", reasons.BRAKE_MISBOUND_PVC)
    blocked = next(c for c in status["conditions"] if c["type"] == "Blocked")
    assert "data-basic-tikv-0" in blocked["message"]


async def test_id_is_not_recorded_while_pd_has_members_that_are_not_ours(world: World) -> None:
    world.cluster()
    world.basic()
    world.sim.cluster.add_member("stranger", ["http://s:2380"], ["http://s:2379"])
    status = await world.reconcile()
    assert status.get("id") is None
    assert condition(status, "Blocked") == ("True", reasons.BRAKE_UNKNOWN_MEMBER)


async def test_unreachable_pd_is_reported_and_keeps_the_brake(world: World) -> None:
    world.cluster()
    world.basic()
    await world.reconcile()
    world.sim.cluster.cluster_id += 1
    await world.reconcile()
    await world.sim.sim.stop()
    status = await world.reconcile()
    assert condition(status, "Available") == ("False", reasons.PD_UNREACHABLE)
    assert condition(status, "Blocked") == ("True", reasons.BRAKE_CLUSTER_ID_MISMATCH)
    assert condition(status, "Consistent")[0] == "Unknown"


async def test_paused_cluster_reports_not_progressing(world: World) -> None:
    world.cluster(paused=True)
    world.basic()
    status = await world.reconcile()
    assert condition(status, "Progressing") == ("False", reasons.PAUSED)


async def test_finalizer_is_added_to_a_new_cluster(world: World) -> None:
    obj = world.cluster()
    obj["metadata"]["finalizers"] = []
    world.caches[resources.CLUSTER].upsert(obj)
    await world.reconcile_once()
    patches = [c.body for c in world.client.calls if c.verb == "patch"]
    assert patches[0]["metadata"]["finalizers"] == [labels.FINALIZER]


def deleting(world: World, **spec: Any) -> None:
    obj = world.cluster(**spec)
    obj["metadata"]["deletionTimestamp"] = NOW
    world.caches[resources.CLUSTER].upsert(obj)


async def test_delete_protection_holds_the_deletion(world: World) -> None:
    deleting(world, deleteProtection=True)
    world.basic()
    status = await world.reconcile()
    assert condition(status, "Blocked") == ("True", reasons.DELETE_PROTECTED)
    assert [c for c in world.client.calls if c.verb == "delete"] == []
    assert ("Warning", reasons.DELETE_PROTECTED) in [(t, r) for t, r, _ in world.events.recorded]


async def test_deletion_deletes_tikv_groups_before_pd_groups(world: World) -> None:
    deleting(world)
    world.basic()
    await world.reconcile_once()
    assert world.client.verbs() == [("delete", "TiKVGroup", NAME)]
    world.caches[resources.TIKVGROUP].delete(KEY)
    await world.reconcile_once()
    assert world.client.verbs()[-1] == ("delete", "PDGroup", NAME)
    assert not any(v[0] == "patch" for v in world.client.verbs())


async def test_finalizer_is_dropped_once_every_group_is_gone(world: World) -> None:
    deleting(world)
    await world.reconcile_once()
    patches = [c.body for c in world.client.calls if c.verb == "patch"]
    assert patches == [{"metadata": {"finalizers": [], "resourceVersion": "1"}}]


async def test_group_deletion_carries_the_uid_precondition(world: World) -> None:
    deleting(world)
    world.group("TiKVGroup")
    await world.reconcile_once()
    assert world.client.calls[0].uid == f"{NAME}-TiKVGroup"


async def test_suspended_only_when_no_pod_is_left(world: World) -> None:
    world.cluster(suspendAction={"suspendCompute": True})
    world.basic()
    pod = {
        "metadata": {"name": "basic-tikv-0", "namespace": NS, "labels": {"tikv.org/cluster": NAME}}
    }
    world.caches[resources.POD].upsert(pod)
    status = await world.reconcile()
    assert condition(status, "Suspended") == ("False", reasons.SUSPENDING)
    world.caches[resources.POD].delete(f"{NS}/basic-tikv-0")
    status = await world.reconcile()
    assert condition(status, "Suspended") == ("True", reasons.COMPUTE_SUSPENDED)


async def test_status_is_not_rewritten_when_nothing_changed(world: World) -> None:
    world.cluster()
    world.basic()
    await world.reconcile()
    await world.reconcile_once()
    assert [c for c in world.client.calls if c.verb == "patch/status"] == []
