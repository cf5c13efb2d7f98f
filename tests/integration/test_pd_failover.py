"""PD member failover (DESIGN §6), the PDGroup and PD controllers in-process against the real
control plane and the PD simulator (which refuses a wiped member until PD forgets it)."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import REGISTRY

from apis import PDGroup
from apis import conditions as cond
from apis.labels import PD_INITIAL_CLUSTER
from controllers.common.conditions import find
from controllers.pdgroup import reasons
from hack.pdsim.faults import Fault
from tests.integration.test_pd_controllers import (
    CLUSTER,
    RESYNC,
    Harness,
    bootstrapped,
    eventually,
    harness,
    live_simulator,
)
from tests.pd_fixtures import SimulatorHandle
from tikv_operator.kube import resources
from tikv_operator.kube.resources import EVENT

__all__ = ["harness", "live_simulator"]

pytestmark = pytest.mark.integration


async def enable_failover(h: Harness, unhealthy_timeout: str = "3s", enabled: bool = True) -> None:
    patch = {"spec": {"failover": {"enabled": enabled, "unhealthyTimeout": unhealthy_timeout}}}
    await h.client.patch(resources.PDGROUP, CLUSTER, patch, h.namespace)


def follower(h: Harness) -> str:
    assert h.pd.leader is not None
    return sorted(m.name for m in h.pd.members if m.name != h.pd.leader.name)[0]


async def pvc_uid(h: Harness, name: str) -> str | None:
    pvc = await h.client.get_or_none(resources.PVC, f"data-{name}", h.namespace)
    return pvc["metadata"]["uid"] if pvc is not None else None


async def group_events(h: Harness) -> list[tuple[str, str]]:
    listed = (await h.client.list(EVENT, h.namespace)).items
    return [
        (e["reason"], e.get("note", ""))
        for e in listed
        if e.get("regarding", {}).get("kind") == "PDGroup"
    ]


def failovers_total(h: Harness) -> float:
    labels = {"namespace": h.namespace, "cluster": CLUSTER, "component": "pd"}
    return REGISTRY.get_sample_value("tikv_operator_failover_total", labels) or 0.0


def removals(h: Harness) -> list[tuple[str, str]]:
    return [(e.subject, e.detail) for e in h.pd.events if e.kind == "member-removed"]


async def blocked_with(h: Harness, reason: str) -> bool:
    c = find((await h.group()).status.conditions, cond.BLOCKED)
    return c is not None and c.status == "True" and c.reason == reason


async def test_a_hung_member_is_deleted_from_pd_and_rejoins_on_a_fresh_pvc(
    harness: Harness,
) -> None:
    await bootstrapped(harness)
    await enable_failover(harness)
    name = follower(harness)
    old = harness.pd.member_by_name(name)
    assert old is not None
    old_pvc = await pvc_uid(harness, name)
    counted = failovers_total(harness)
    before = len(harness.pd.events)

    harness.pd.hang_member(name)

    async def completed() -> bool:
        records = (await harness.group()).status.failover
        return [(r.instance, r.step) for r in records] == [(name, "Completed")]

    await eventually(completed, 90)
    await eventually(lambda: harness.settled(3))

    record = (await harness.group()).status.failover[0]
    assert (record.id, record.pvc_uid) == (str(old.member_id), old_pvc)
    new = harness.pd.member_by_name(name)
    assert new is not None and new.healthy and new.member_id != old.member_id
    assert removals(harness) == [(name, str(old.member_id))]
    assert await pvc_uid(harness, name) not in (None, old_pvc)
    # A bootstrap member comes back with `join`: the cluster exists now.
    pd = next(p for p in await harness.pds() if p.metadata.name == name)
    assert PD_INITIAL_CLUSTER not in pd.metadata.annotations
    config = await harness.configmap(name)
    assert f'join = "http://basic-pd.{harness.namespace}:2379"' in config
    assert "initial-cluster" not in config

    async def reports_new_id() -> bool:
        pd = next(p for p in await harness.pds() if p.metadata.name == name)
        return pd.status.id == str(new.member_id)

    await eventually(reports_new_id, 30)
    # PD kept a leader throughout, and the recreated member refused nothing on the way back.
    kinds = [(e.kind, e.subject) for e in harness.pd.events[before:]]
    assert ("leader-changed", "") not in kinds, kinds
    assert ("member-rejected", name) not in kinds, kinds
    assert failovers_total(harness) == counted + 1

    async def announced() -> bool:
        seen = {reason for reason, _ in await group_events(harness)}
        wanted = {
            reasons.FAILOVER_STARTED,
            reasons.MEMBER_DELETED,
            reasons.FAILOVER_RECREATED,
            reasons.FAILOVER_FINISHED,
        }
        return wanted <= seen

    await eventually(announced, 30)


async def test_with_two_of_three_members_unhealthy_nothing_is_done(harness: Harness) -> None:
    await bootstrapped(harness)
    await enable_failover(harness)
    assert harness.pd.leader is not None
    hung = sorted(m.name for m in harness.pd.members if m.name != harness.pd.leader.name)
    uids = {n: await pvc_uid(harness, n) for n in hung}
    for name in hung:
        harness.pd.hang_member(name)

    await eventually(lambda: blocked_with(harness, reasons.QUORUM_AT_RISK), 60)
    await asyncio.sleep(5 * RESYNC)
    assert await blocked_with(harness, reasons.QUORUM_AT_RISK)
    group = await harness.group()
    assert group.status.failover == []
    ready = find(group.status.conditions, cond.READY)
    assert ready is not None and "unhealthy too" in ready.message
    assert removals(harness) == []
    assert {n: await pvc_uid(harness, n) for n in hung} == uids

    # One recovers: the other is failed over.
    harness.pd.hang_member(hung[0], hung=False)

    async def replaced() -> bool:
        records = (await harness.group()).status.failover
        return [(r.instance, r.step) for r in records] == [(hung[1], "Completed")]

    await eventually(replaced, 90)
    assert [subject for subject, _ in removals(harness)] == [hung[1]]


async def test_nothing_is_done_while_pd_has_no_leader(
    harness: Harness, live_simulator: SimulatorHandle
) -> None:
    await bootstrapped(harness)
    await enable_failover(harness)
    name = follower(harness)
    harness.pd.hang_member(name)
    live_simulator.sim.faults.add(Fault(no_leader=True))

    await eventually(lambda: blocked_with(harness, reasons.NO_LEADER), 60)
    await asyncio.sleep(5 * RESYNC)
    assert await blocked_with(harness, reasons.NO_LEADER)
    assert (await harness.group()).status.failover == []
    assert removals(harness) == []

    # A leader again: the failover goes ahead.
    live_simulator.sim.faults.clear()

    async def completed() -> bool:
        records = (await harness.group()).status.failover
        return [(r.instance, r.step) for r in records] == [(name, "Completed")]

    await eventually(completed, 90)


async def test_failover_disabled_only_reports_the_unhealthy_member(harness: Harness) -> None:
    await bootstrapped(harness)
    await enable_failover(harness, enabled=False)
    name = follower(harness)
    harness.pd.hang_member(name)

    async def reported() -> bool:
        group: PDGroup = await harness.group()
        ready = find(group.status.conditions, cond.READY)
        return ready is not None and "failover is disabled" in ready.message

    await eventually(reported, 60)

    async def warned() -> bool:
        return reasons.MEMBER_UNHEALTHY in {r for r, _ in await group_events(harness)}

    await eventually(warned, 30)
    await asyncio.sleep(3 * RESYNC)
    assert removals(harness) == []
    assert (await harness.group()).status.failover == []
