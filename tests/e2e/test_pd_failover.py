"""PD member failover (DESIGN §6): a member unhealthy past `unhealthyTimeout` is deleted from PD
and its instance comes back on a fresh PVC as a new member, PD keeping its leader; never
without a healthy quorum or a leader; an operator killed midway resumes without a second
removal. Read from the simulator's log and the objects, as a user would."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tikv_operator.kube import resources
from tikv_operator.kube.resources import Object

from .harness import CLUSTER, E2E, condition, eventually, metric_values, until

pytestmark = pytest.mark.e2e

TIMEOUT = "15s"


async def with_failover(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    patch = {"spec": {"failover": {"enabled": True, "unhealthyTimeout": TIMEOUT}}}
    await e2e.patch(resources.PDGROUP, patch)


def leader(e2e: E2E) -> str:
    return str(e2e.sim.pd("/leader").get("name", ""))


def member_ids(e2e: E2E) -> dict[str, int]:
    return {m["name"]: m["member_id"] for m in e2e.sim.pd("/members").get("members") or []}


def removals(e2e: E2E) -> list[tuple[str, str]]:
    return [(e["subject"], e["detail"]) for e in e2e.sim.events_of("member-removed")]


async def pvc_uid(e2e: E2E, name: str) -> str | None:
    pvc = await e2e.get(resources.PVC, f"data-{name}")
    return pvc["metadata"]["uid"] if pvc is not None else None


async def records(e2e: E2E) -> list[dict[str, Any]]:
    group = await e2e.get(resources.PDGROUP)
    return list(((group or {}).get("status") or {}).get("failover") or [])


async def failed_over(e2e: E2E, name: str, within: float = 240) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        done = [r for r in await records(e2e) if r["step"] == "Completed"]
        return done[0] if [r["instance"] for r in done] == [name] else None

    try:
        return await eventually(check, f"{name} failed over", within)
    except AssertionError as e:
        raise AssertionError(f"{e}\n{e2e.diagnostics()}") from None


async def blocked(e2e: E2E, reason: str) -> Object | None:
    group = await e2e.get(resources.PDGROUP)
    c = condition(group, "Blocked")
    return group if c is not None and c["status"] == "True" and c["reason"] == reason else None


async def test_an_unhealthy_member_rejoins_on_a_fresh_pvc_while_pd_keeps_a_leader(
    e2e: E2E,
) -> None:
    await with_failover(e2e)
    name = sorted(set(member_ids(e2e)) - {leader(e2e)})[0]
    old_id = member_ids(e2e)[name]
    old_pvc = await pvc_uid(e2e, name)
    since = len(e2e.sim.events())

    e2e.sim.post(f"/sim/members/{name}/hang", {})
    record = await failed_over(e2e, name)
    await e2e.wait_ready()

    assert (record["id"], record["pvcUid"]) == (str(old_id), old_pvc)
    assert member_ids(e2e)[name] != old_id
    assert await pvc_uid(e2e, name) not in (None, old_pvc)
    assert removals(e2e) == [(name, str(old_id))]
    pd = await e2e.get(resources.PD, name)
    assert pd is not None and pd["status"]["id"] == str(member_ids(e2e)[name])
    later = e2e.sim.events()[since:]
    # A leader throughout: the simulator logs leader-changed to "" whenever PD has none.
    assert not [e for e in later if e["kind"] == "leader-changed" and not e["subject"]], later
    labels = {"namespace": e2e.namespace, "cluster": CLUSTER, "component": "pd"}
    page = e2e.operator.metrics()
    assert metric_values(page, "tikv_operator_failover_total", **labels) == [1.0]
    reasons = {e["reason"] for e in await e2e.events_about("PDGroup")}
    assert {"FailoverStarted", "MemberDeleted", "FailoverFinished"} <= reasons, reasons


async def test_nothing_is_done_without_a_healthy_quorum_or_a_leader(e2e: E2E) -> None:
    await with_failover(e2e)
    followers = sorted(set(member_ids(e2e)) - {leader(e2e)})
    pvcs = {n: await pvc_uid(e2e, n) for n in followers}
    for name in followers:
        e2e.sim.post(f"/sim/members/{name}/hang", {})

    group = await eventually(lambda: blocked(e2e, "QuorumAtRisk"), "Blocked QuorumAtRisk", 120)
    assert "unhealthy too" in condition(group, "Blocked")["message"]  # type: ignore[index]

    # PD answering without a leader: nothing either, and the condition says why.
    e2e.sim.post("/sim/faults", {"no_leader": True})
    group = await eventually(lambda: blocked(e2e, "PDNoLeader"), "Blocked PDNoLeader", 120)
    await asyncio.sleep(20)
    assert await blocked(e2e, "PDNoLeader")
    assert removals(e2e) == []
    assert await records(e2e) == []
    assert {n: await pvc_uid(e2e, n) for n in followers} == pvcs

    # A leader again and one member back: the other one is failed over.
    e2e.sim.delete("/sim/faults")
    e2e.sim.post(f"/sim/members/{followers[0]}/hang", {"hung": False})
    await failed_over(e2e, followers[1])
    assert [subject for subject, _ in removals(e2e)] == [followers[1]]
    await e2e.wait_ready()


HOLD = "test.tikv.org/hold"
REMOVAL_REFUSED = {
    "path": "/members/",
    "method": "DELETE",
    "status": 500,
    "message": "[PD:etcd:ErrEtcdMemberRemove]etcdserver: unhealthy cluster",
}


async def step_is(e2e: E2E, step: str) -> bool:
    return [r["step"] for r in await records(e2e)] == [step]


@pytest.mark.parametrize("killed_at", ["Detected", "MemberDeleted", "member-removed"])
async def test_sigkill_mid_failover_then_restart_converges_without_a_second_removal(
    e2e: E2E, killed_at: str
) -> None:
    await with_failover(e2e)
    name = sorted(set(member_ids(e2e)) - {leader(e2e)})[0]
    old_id = member_ids(e2e)[name]
    old_pvc = await pvc_uid(e2e, name)
    if killed_at == "Detected":
        # PD refuses the removal (as real PD does for a few seconds after peers connect).
        e2e.sim.post("/sim/faults", REMOVAL_REFUSED)
    elif killed_at == "MemberDeleted":
        # The old PVC stays Terminating: the instance cannot come back yet.
        held = {"metadata": {"finalizers": ["kubernetes.io/pvc-protection", HOLD]}}
        await e2e.patch(resources.PVC, held, f"data-{name}")

    e2e.sim.post(f"/sim/members/{name}/hang", {})
    if killed_at == "member-removed":
        await until(lambda: removals(e2e), "the member deleted from PD", 120)
    else:
        await eventually(lambda: step_is(e2e, killed_at), f"failover at {killed_at}", 120)
        await asyncio.sleep(3)  # a few more reconciles at this step
    e2e.operator.kill()
    e2e.operator.start()
    if killed_at == "Detected":
        assert removals(e2e) == []
        e2e.sim.delete("/sim/faults")
    elif killed_at == "MemberDeleted":
        await asyncio.sleep(5)
        pvc = await e2e.get(resources.PVC, f"data-{name}")
        assert pvc is not None and pvc["metadata"]["uid"] == old_pvc
        assert pvc["metadata"].get("deletionTimestamp")
        assert await step_is(e2e, "MemberDeleted")
        await e2e.patch(resources.PVC, {"metadata": {"finalizers": None}}, f"data-{name}")

    await failed_over(e2e, name)
    await e2e.wait_ready()
    assert removals(e2e) == [(name, str(old_id))]
    assert member_ids(e2e)[name] != old_id
    assert await pvc_uid(e2e, name) not in (None, old_pvc)
    assert [r["step"] for r in await records(e2e)] == ["Completed"]
