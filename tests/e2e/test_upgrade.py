"""Rolling updates under PD's eye (DESIGN §4, §5 rules 4, 5, 6, 9), read from the simulator's
log: what PD saw happen, and when."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from tikv_operator.kube import resources

from .harness import E2E, eventually, is_true, until
from .rules import EVICT, pd_log, pd_rules

pytestmark = pytest.mark.e2e

OLD, NEW = "v8.5.1", "v8.5.2"


async def set_version(e2e: E2E, kind: resources.ResourceKind, version: str) -> None:
    await e2e.patch(kind, {"spec": {"template": {"spec": {"version": version}}}})


async def wait_rolled(
    e2e: E2E, kind: resources.ResourceKind, version: str, within: float = 300
) -> dict[str, Any]:
    """The group reports `version` and every instance at the update revision."""

    async def check() -> dict[str, Any] | None:
        status = ((await e2e.get(kind)) or {}).get("status") or {}
        done = (
            status.get("version") == version
            and status.get("updateRevision")
            and status.get("currentRevision") == status.get("updateRevision")
            and status.get("updatedReplicas") == status.get("replicas")
        )
        return status if done else None

    try:
        return await eventually(check, f"{kind.kind} rolled to {version}", within)
    except AssertionError as e:
        raise AssertionError(f"{e}\n{e2e.diagnostics()}") from None


def times(events: list[dict[str, Any]], kind: str, subject: str | None = None) -> list[float]:
    return [
        e["time"]
        for e in events
        if e["kind"] == kind and (subject is None or e["subject"] == subject)
    ]


def store_restarts(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per store, in the order of its eviction: when its eviction began and ended, when its
    old process stopped and its new one started, and when leaders came back after."""
    addresses = {
        e["detail"].split()[0]: e["subject"] for e in events if e["kind"] == "store-stopped"
    }
    out = []
    for begin in (e for e in events if e["kind"] == "scheduler-added"):
        store = begin["subject"].removeprefix(EVICT)
        address = addresses.get(store, "")
        out.append(
            {
                "store": store,
                "begin": begin["time"],
                "end": times(events, "scheduler-removed", begin["subject"]),
                "stopped": times(events, "store-stopped", address),
                "started": [
                    e["time"]
                    for e in events
                    if e["kind"] == "store-started"
                    and e["subject"] == address
                    and e["detail"].endswith(NEW)
                ],
                "leaders_back": times(events, "leaders-back", address),
            }
        )
    return out


def evict_schedulers(e2e: E2E) -> list[str]:
    return [s for s in e2e.sim.pd("/schedulers") or [] if s.startswith(EVICT)]


async def test_version_bump_rolls_pd_then_tikv_one_instance_at_a_time(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    await e2e.wait_replicated()
    leader = e2e.sim.pd("/leader")["name"]
    await e2e.patch(resources.CLUSTER, {"spec": {"revisionHistoryLimit": 0}})
    start = len(e2e.sim.events())

    await set_version(e2e, resources.PDGROUP, NEW)
    await set_version(e2e, resources.TIKVGROUP, NEW)
    rolled = {
        "pd": await wait_rolled(e2e, resources.PDGROUP, NEW),
        "tikv": await wait_rolled(e2e, resources.TIKVGROUP, NEW),
    }
    await e2e.wait_ready()
    for component, status in rolled.items():
        # History pruned to the Cluster's limit: none kept beyond the one in use.
        revisions = await e2e.list(
            resources.CONTROLLERREVISION, f"app.kubernetes.io/component={component}"
        )
        assert [r["metadata"]["name"] for r in revisions] == [f"basic-{status['updateRevision']}"]
    events = e2e.sim.events()[start:]

    # PD: one member down at a time, each back on the new version before the next goes; the
    # leader last, and only after PD recorded leadership moving away from it.
    pd_steps = [
        (e["kind"], e["subject"])
        for e in events
        if e["kind"] in ("member-unhealthy", "member-started")
    ]
    downs = [name for kind, name in pd_steps if kind == "member-unhealthy"]
    assert len(downs) == 3 and len(set(downs)) == 3, pd_steps
    assert pd_steps == [
        step for name in downs for step in (("member-unhealthy", name), ("member-started", name))
    ]
    assert all(e["detail"] == NEW for e in events if e["kind"] == "member-started")
    assert downs[-1] == leader
    moved = times([e for e in events if e["subject"] != leader], "leader-changed")
    assert moved and min(moved) < times(events, "member-unhealthy", leader)[0]

    # TiKV: only once PD itself runs the new version everywhere with a leader.
    pd_done = max(times(events, "member-healthy"))
    restarts = store_restarts(events)
    assert len(restarts) == 3, restarts
    assert restarts[0]["begin"] >= pd_done
    for r in restarts:
        # Evict, stop the old process, start the new one; only then end the eviction.
        assert r["stopped"] and r["started"] and r["end"], r
        assert r["begin"] <= r["stopped"][0] <= r["started"][0] <= r["end"][0], r
    for previous, following in itertools.pairwise(restarts):
        # Never two stores short of leaders: the next eviction begins after the previous
        # store's eviction ended and leaders came back to it.
        back = [t for t in previous["leaders_back"] if t >= previous["end"][0]]
        assert back and back[0] <= following["begin"], (previous, following)
    assert evict_schedulers(e2e) == []
    stores = e2e.sim.up_stores()
    assert {s["store"]["version"] for s in stores} == {NEW.removeprefix("v")}


@pytest.mark.parametrize("sim_args", [("--tick=0.3",)])
async def test_a_store_whose_leaders_never_leave_restarts_after_the_eviction_timeout(
    e2e: E2E,
) -> None:
    e2e.apply_basic()
    await e2e.patch(
        resources.TIKVGROUP, {"spec": {"template": {"spec": {"evictLeaderTimeout": "20s"}}}}
    )
    await e2e.wait_ready()
    stuck = max(e2e.sim.up_stores(), key=lambda s: s["status"].get("leader_count", 0))
    address = stuck["store"]["address"]
    e2e.sim.post(f"/sim/stores/{address}/stick-leaders", {})
    start = len(e2e.sim.events())

    await set_version(e2e, resources.PDGROUP, NEW)
    await set_version(e2e, resources.TIKVGROUP, NEW)
    await wait_rolled(e2e, resources.TIKVGROUP, NEW)
    events = e2e.sim.events()[start:]
    begun = times(events, "scheduler-added", f"{EVICT}{stuck['store']['id']}")
    stopped = times(events, "store-stopped", address)
    assert begun and stopped
    assert stopped[0] - begun[0] >= 20, "restarted before the eviction timed out"
    assert evict_schedulers(e2e) == []


async def test_a_single_store_cluster_upgrades_without_waiting_for_an_impossible_eviction(
    e2e: E2E,
) -> None:
    e2e.apply_basic({"replicas": 1})
    await until(lambda: len(e2e.sim.up_stores()) == 1 or None, "one store Up")

    async def groups_ready() -> bool:
        # The Cluster is not Available (one store is fewer than PD's max-replicas); its
        # groups are Ready.
        pd, tikv = await e2e.get(resources.PDGROUP), await e2e.get(resources.TIKVGROUP)
        return is_true(pd, "Ready") and is_true(tikv, "Ready")

    await eventually(groups_ready, "both groups Ready")
    await set_version(e2e, resources.PDGROUP, NEW)
    await set_version(e2e, resources.TIKVGROUP, NEW)
    # The default evictLeaderTimeout is 5 minutes: finishing well within it shows the
    # restart did not wait for leaders that had nowhere to go.
    await wait_rolled(e2e, resources.TIKVGROUP, NEW, within=150)
    assert [s["store"]["version"] for s in e2e.sim.up_stores()] == [NEW.removeprefix("v")]
    assert evict_schedulers(e2e) == []


async def test_a_pd_rolling_update_started_while_pd_cannot_be_asked_restarts_one_member_at_a_time(
    e2e: E2E,
) -> None:
    # While PD answers 503 every PD instance reports Ready=False PDUnavailable; that is not
    # a broken member to update out of turn (rule 6: two members restarted together).
    e2e.apply_basic()
    await e2e.wait_ready()
    await e2e.scale(resources.PDGROUP, 5)
    await e2e.wait_ready(pd=5, within=300)
    e2e.sim.post("/sim/faults", {"status": 503, "message": "injected: PD unavailable"})

    async def unavailable() -> bool:
        pds = await e2e.list(resources.PD)
        reasons = [
            c["reason"]
            for p in pds
            for c in (p.get("status") or {}).get("conditions") or ()
            if c["type"] == "Ready"
        ]
        return len(reasons) == 5 and set(reasons) == {"PDUnavailable"}

    await eventually(unavailable, "every PD instance reporting PD unavailable", 60)
    await set_version(e2e, resources.PDGROUP, NEW)
    await asyncio.sleep(6)  # the group reconciles the new template while PD cannot answer
    e2e.sim.delete("/sim/faults")
    await wait_rolled(e2e, resources.PDGROUP, NEW, within=300)
    await until(lambda: len(e2e.sim.member_names()) == 5 or None, "5 members", 60)
    events = e2e.sim.events()
    assert not pd_rules(events), pd_log(events)
