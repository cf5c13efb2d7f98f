"""paused, suspendCompute, and deletion with deleteProtection and in order."""

from __future__ import annotations

import asyncio

import pytest

from tikv_operator.kube import resources

from .harness import E2E, condition, eventually, is_true, until

pytestmark = pytest.mark.e2e


async def test_paused_cluster_takes_no_change_until_resumed(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    await e2e.patch(resources.CLUSTER, {"spec": {"paused": True}})
    await e2e.scale(resources.TIKVGROUP, 4)
    # Nothing may happen; the observation window is generous against a 2 s poll interval.
    await asyncio.sleep(10)
    assert len(await e2e.names(resources.TIKV)) == 3
    await e2e.patch(resources.CLUSTER, {"spec": {"paused": False}})
    await e2e.wait_ready(tikv=4)


async def test_suspend_compute_deletes_pods_keeps_pvcs_and_resumes_the_same_stores(
    e2e: E2E,
) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    await e2e.wait_replicated()
    stores = {s["store"]["id"] for s in e2e.sim.up_stores()}
    members = e2e.sim.member_names()
    leader = e2e.sim.pd("/leader")["name"]
    pvcs = await e2e.names(resources.PVC)
    configmaps = await e2e.names(resources.CONFIGMAP)
    before = len(e2e.sim.events())
    await e2e.patch(resources.CLUSTER, {"spec": {"suspendAction": {"suspendCompute": True}}})
    await e2e.wait_cluster("Suspended")
    assert await e2e.list(resources.POD, "tikv.org/cluster=basic") == []
    assert await e2e.names(resources.PVC) == pvcs
    assert await e2e.names(resources.CONFIGMAP) == configmaps

    async def group_suspended() -> bool:
        return is_true(await e2e.get(resources.PDGROUP), "Suspended")

    await eventually(group_suspended, "PDGroup Suspended", 60)
    events = e2e.sim.events()[before:]
    stopped = [e["time"] for e in events if e["kind"] == "store-stopped"]
    unhealthy = [e for e in events if e["kind"] == "member-unhealthy"]
    assert len(stopped) == 3 and len(unhealthy) == 3
    assert max(stopped) <= unhealthy[0]["time"], "a PD Pod went before every TiKV Pod was gone"
    assert unhealthy[-1]["subject"] == leader, "the PD leader's Pod went before its followers'"
    assert e2e.sim.events_of("member-removed") == [], "suspension removed a PD member"
    # Leaders left each store before its Pod went, one store at a time; only the last store
    # stopped with leaders (they had nowhere to go), and its eviction was never begun.
    stops = [e["detail"].split() for e in events if e["kind"] == "store-stopped"]
    assert [leaders for _, leaders in stops[:-1]] == ["leaders=0", "leaders=0"], stops
    evicted = [e["subject"].rsplit("-", 1)[1] for e in events if e["kind"] == "scheduler-added"]
    assert stops[-1][0] not in evicted

    await e2e.patch(resources.CLUSTER, {"spec": {"suspendAction": {"suspendCompute": False}}})
    await e2e.wait_ready()
    assert {s["store"]["id"] for s in e2e.sim.up_stores()} == stores

    def no_eviction_left() -> bool:
        return not [s for s in e2e.sim.pd("/schedulers") or [] if s.startswith("evict-leader")]

    await until(no_eviction_left, "the suspension's evictions ended after resuming", 60)
    assert e2e.sim.member_names() == members

    async def group_resumed() -> bool:
        c = condition(await e2e.get(resources.PDGROUP), "Suspended")
        return c is not None and c["status"] == "False"

    await eventually(group_resumed, "PDGroup no longer Suspended", 60)


async def test_delete_protection_holds_then_deletion_goes_tikv_first(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    await e2e.patch(resources.CLUSTER, {"spec": {"deleteProtection": True}})
    e2e.kubectl("delete", "tc", "basic", "--wait=false")

    async def held() -> bool:
        c = condition(await e2e.get(resources.CLUSTER), "Blocked")
        return c is not None and c["status"] == "True" and c["reason"] == "DeleteProtected"

    await eventually(held, "Cluster Blocked by deleteProtection", 60)
    assert await e2e.names(resources.TIKVGROUP) == ["basic"]
    assert await e2e.names(resources.PDGROUP) == ["basic"]

    await e2e.patch(resources.CLUSTER, {"spec": {"deleteProtection": False}})

    async def gone() -> bool:
        return await e2e.get(resources.CLUSTER) is None

    await eventually(gone, "Cluster deleted", 180)
    for kind in (resources.TIKVGROUP, resources.PDGROUP, resources.TIKV, resources.PD):
        assert await e2e.names(kind) == [], f"{kind.kind}s left behind"
    events = e2e.sim.events()
    stopped = [e["time"] for e in events if e["kind"] == "store-stopped"]
    unhealthy = [e["time"] for e in events if e["kind"] == "member-unhealthy"]
    assert stopped and unhealthy
    assert max(stopped) <= min(unhealthy), "a PD Pod went before every TiKV Pod was gone"
    assert e2e.sim.events_of("store-offline") == [], "whole-cluster deletion offlined a store"
